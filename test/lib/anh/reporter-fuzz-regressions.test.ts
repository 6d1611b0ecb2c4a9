/** Regressions found by the fuzz suite (test/fuzz): readings from a clock far off. */
import assert from "node:assert/strict";
import fs from "fs";
import os from "os";
import path from "path";
import { resolveReportConfig } from "../../../lib/anh/config";
import { AnhReporter } from "../../../lib/anh/reporter";
import { InputError } from "../../../lib/common/errors";

describe("lib/anh reporter fuzz regressions", () => {
  it("a reading outside the years 0001-9999 is an InputError naming the timestamp; no journal, no pending day", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anh-fuzz-"));
    const reporter = new AnhReporter(resolveReportConfig({ operatorId: "OP", fieldId: "F", wellId: "W", variables: [{ tag: "oil", code: "OIL_RATE", unit: "bbl/d" }] }), { journalDir: dir, sendNonCompliant: false });
    try {
      await reporter.start();
      for (const timestamp of [-62167219200000, -1e15, 8.64e15, 253402400000000]) {
        assert.throws(
          () => reporter.ingest("oil", timestamp, 1, 192, { value: "msg.payload.value", quality: "msg.payload.quality", timestamp: "msg.payload.timestamp" }),
          (err: unknown) => err instanceof InputError && err.field === "msg.payload.timestamp",
        );
      }
      assert.deepEqual(reporter.overdueDays("9999-12-31"), []);
      assert.equal(reporter.ingest("oil", Date.UTC(2026, 10, 22, 12), 1, 192), "2026-11-22");
    } finally {
      reporter.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
