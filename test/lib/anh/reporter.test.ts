import assert from "node:assert/strict";
import { createHash } from "crypto";
import fs from "fs";
import os from "os";
import path from "path";
import { AuditLog, type AuditRecord } from "../../../lib/anh/audit";
import { resolveReportConfig } from "../../../lib/anh/config";
import { ReadingJournal } from "../../../lib/anh/journal";
import { AnhReporter } from "../../../lib/anh/reporter";
import { DaySlots } from "../../../lib/anh/slots";

const DATE = "2026-11-22";
const MIDNIGHT = Date.UTC(2026, 10, 22, 5); // 00:00 in Bogota
const SLOT = 600_000;
const CONFIG = resolveReportConfig({
  operatorId: "OP-001",
  fieldId: "FIELD-7",
  wellId: "WELL-7A",
  variables: [
    { tag: "oil", code: "OIL_RATE", unit: "bbl/d" },
    { tag: "gas", code: "GAS_RATE", unit: "kscf/d", aggregation: "max" },
  ],
});

describe("lib/anh journal, audit log and reporter", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "anh-core-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("replays a journal written by a previous process, skipping a torn last line", async () => {
    const first = new ReadingJournal(dir, { syncDelayMs: 10 });
    first.append(DATE, "oil", MIDNIGHT, 10, true);
    first.append(DATE, "oil", MIDNIGHT + 1000, 20, true);
    first.append(DATE, 'odd "tag"', MIDNIGHT, 1, true);
    first.append(DATE, "oil", MIDNIGHT + SLOT, 99, false);
    first.close();
    fs.appendFileSync(first.fileOf(DATE), 'not a reading\n["oil",,1,1]\n["oil",1,2,7]\n');
    fs.appendFileSync(first.fileOf(DATE), '["oil",17637'); // a power cut mid-write
    const second = new ReadingJournal(dir);
    second.append(DATE, "oil", MIDNIGHT + 2 * SLOT, 30, true);
    second.close();
    const day = new DaySlots(DATE, "America/Bogota", SLOT);
    const result = await new ReadingJournal(dir).replay(DATE, day);
    assert.deepEqual(result, { lines: 5, skipped: 4 });
    assert.deepEqual([...day.tags()].sort(), ['odd "tag"', "oil"]);
    assert.equal(day.figures("oil", 0).sum, 30);
    assert.equal(day.figures("oil", 1).badCount, 1);
    assert.equal(day.figures("oil", 2).last, 30, "the reading after the torn line is kept");
    assert.deepEqual(new ReadingJournal(dir).dates(), [DATE]);
  });

  it("records each transition in an append-only audit log and refuses an illegal one", async () => {
    const audit = new AuditLog(dir);
    await audit.load();
    audit.transition(DATE, "F.json", "generating");
    audit.transition(DATE, "F.json", "validating");
    audit.transition(DATE, "F.json", "ready", { sha256: "ab", bytes: 2 });
    assert.throws(() => audit.transition(DATE, "F.json", "validating"), /status: report 2026-11-22: cannot go from ready to validating/);
    audit.transition(DATE, "F.json", "uploading");
    const reloaded = new AuditLog(dir);
    await reloaded.load();
    assert.equal(reloaded.statusOf(DATE), "uploading");
    assert.equal(reloaded.latest(DATE)?.sha256, "ab", "the digest follows the report");
    assert.equal(reloaded.statusOf("2026-11-21"), "pending");
    const lines = fs.readFileSync(audit.file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(
      lines.map((r) => `${r.previous}>${r.status}`),
      ["pending>generating", "generating>validating", "validating>ready", "ready>uploading"],
    );
  });

  it("generates a day from its journal: ready, kept on disk with its SHA-256 in the audit log", async () => {
    const transitions: string[] = [];
    const reporter = new AnhReporter(CONFIG, { journalDir: dir, sendNonCompliant: false, onTransition: (r) => transitions.push(r.status) });
    await reporter.start();
    for (let t = MIDNIGHT - 3600_000; t < MIDNIGHT + 86_400_000 + 3600_000; t += 60_000) {
      reporter.ingest("oil", t, 50, 192);
      reporter.ingest("gas", t, t % 7, t % SLOT === 0 ? 0 : 192); // one bad reading per slot: 90 % good
      reporter.ingest("water", t, 1, 192); // not in the variable map: ignored
    }
    assert.equal(reporter.ingested.unmapped, 1560);
    assert.deepEqual(reporter.journal.dates(), ["2026-11-21", DATE, "2026-11-23"], "readings go to the file of their Colombian day");
    assert.deepEqual(reporter.overdueDays("2026-11-23"), ["2026-11-21", DATE]);
    const strict = await reporter.generate(DATE, Date.UTC(2026, 10, 23, 11));
    assert.equal(strict.status, "failed", "90 % quality on GAS_RATE");
    assert.deepEqual(strict.reasons, ["GAS_RATE: quality score 90 % (at least 95 %)"]);
    assert.deepEqual(transitions, ["pending", "pending", "pending", "generating", "validating", "failed"], "each day's first reading opens it");
    reporter.close();

    const lenient = new AnhReporter(CONFIG, { journalDir: dir, sendNonCompliant: true });
    await lenient.start();
    assert.equal(lenient.statusOf(DATE), "failed");
    const outcome = await lenient.generate(DATE, Date.UTC(2026, 10, 23, 11));
    assert.equal(outcome.status, "ready");
    assert.equal(outcome.flagged, true);
    assert.equal(outcome.readings, 2880);
    assert.equal(outcome.report?.variables[0].slots.length, 144);
    const kept = fs.readFileSync(path.join(dir, "reports", "ANH_REPORT_20261122.json"));
    assert.equal(createHash("sha256").update(kept).digest("hex"), outcome.sha256);
    assert.equal(kept.toString(), JSON.stringify(outcome.report));
    assert.equal(lenient.audit.latest(DATE)?.sha256, outcome.sha256);
    lenient.delivery(DATE, "uploading");
    lenient.delivery(DATE, "uploaded", { remotePath: "/anh/ANH_REPORT_20261122.json" });
    assert.equal(lenient.statusOf(DATE), "uploaded");
    assert.deepEqual(lenient.overdueDays("2026-11-23"), ["2026-11-21"]);
    assert.deepEqual(lenient.pruneJournals(DATE), [], "only days before the cut-off");
    assert.deepEqual(lenient.pruneJournals("2026-11-24"), [DATE], "only delivered days");
    assert.deepEqual(lenient.journal.dates(), ["2026-11-21", "2026-11-23"]);
    assert.ok(fs.existsSync(path.join(dir, "reports", "ANH_REPORT_20261122.json")), "the report itself is kept");
    lenient.close();
  });

  it("generates a day from a batch and rejects a bad reading before the status moves", async () => {
    const reporter = new AnhReporter(CONFIG, { journalDir: dir, sendNonCompliant: false });
    await reporter.start();
    const readings = [];
    for (let k = 0; k < 144; k++) {
      readings.push({ tag: "oil", timestamp: MIDNIGHT + k * SLOT + 5000, value: k, quality: 192 });
      readings.push({ tag: "gas", timestamp: MIDNIGHT + k * SLOT + 5000, value: 2 * k, quality: "Good" });
    }
    await assert.rejects(reporter.generateFromReadings(DATE, [...readings, { tag: "oil", timestamp: MIDNIGHT, value: "n/a", quality: 192 }]), /msg\.payload\[288\]\.value: expected a finite number/);
    assert.equal(reporter.statusOf(DATE), "pending");
    const outcome = await reporter.generateFromReadings(DATE, readings);
    assert.equal(outcome.status, "ready");
    assert.equal(outcome.compliant, true);
    assert.equal(outcome.report?.variables[1].slots[143].value, 286);
    reporter.close();
  });
});
