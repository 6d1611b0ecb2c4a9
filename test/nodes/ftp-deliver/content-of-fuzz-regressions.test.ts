/** Regressions found by the fuzz suite (test/fuzz): payloads that cannot be sent as JSON. */
import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { contentOf } from "../../../nodes/ftp-deliver/ftp-deliver-config";

describe("nodes/ftp-deliver contentOf fuzz regressions", () => {
  it("a cycle or a BigInt in msg.payload is an InputError naming msg.payload, not a TypeError", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    for (const payload of [cycle, { big: 5n }]) {
      assert.throws(() => contentOf(payload), (err: unknown) => err instanceof InputError && err.field === "msg.payload" && /JSON/.test(err.message));
    }
    assert.equal(contentOf({ a: 1 }).toString(), '{"a":1}');
  });
});
