/** Regressions found by the fuzz suite (test/fuzz): file names no server's file system can hold. */
import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { MAX_NAME_BYTES, validateRemoteName } from "../../../lib/delivery/outbox";

describe("lib/delivery validateRemoteName fuzz regressions", () => {
  it("a name over 255 UTF-8 bytes is refused when the message arrives, not after every upload retry", () => {
    assert.equal(validateRemoteName(`${"x".repeat(MAX_NAME_BYTES - 5)}.json`, "msg.filename").length, MAX_NAME_BYTES);
    assert.throws(() => validateRemoteName(`${"x".repeat(MAX_NAME_BYTES - 4)}.json`, "msg.filename"), (err: unknown) => err instanceof InputError && err.field === "msg.filename");
    // 128 two-byte characters: 128 characters, 256 bytes.
    assert.throws(() => validateRemoteName("é".repeat(128), "msg.filename"), InputError);
  });
});
