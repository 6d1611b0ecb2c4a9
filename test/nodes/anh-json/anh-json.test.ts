import assert from "node:assert/strict";
import { createHash } from "crypto";
import fs from "fs";
import path from "path";
import sinon from "sinon";
import { DateTime } from "luxon";
import anhJsonNode from "../../../nodes/anh-json/anh-json";
import { errorMessages, probe, testFlow, type Msg } from "../../support/node-harness";
import { helper, loadWithFileContext, makeTempDir, restartWithFileContext, unloadAll, waitFor } from "../../support/runtime";

interface ReportSlot {
  start: string;
  value: number | null;
  reason?: string;
}
interface Report {
  reportDate: string;
  variables: Array<{ code: string; missingSlots: number; slots: ReportSlot[] }>;
  summary: { compliant: boolean; missingSlots: number };
}
interface Summary {
  date: string;
  status: string;
  missingSlots: number;
  qualityScore: number;
  compliant: boolean;
  flagged: boolean;
  violations: Array<{ rule: string; variable: string; actual: number }>;
  sha256: string;
}
interface StatusEvent {
  event: string;
  severity: string;
  topic: string;
  details: { status: string; previous: string; reasons?: string[]; sha256?: string };
}

const SLOT = 600_000;
const VARIABLES = JSON.stringify([
  { tag: "FT-101", code: "OIL_RATE", name: "Oil rate", unit: "bbl/d", aggregation: "mean" },
  { tag: "PT-201", code: "THP", name: "Tubing head pressure", unit: "psi", aggregation: "last" },
]);

/** 00:00 in Bogota of a date. */
const midnightOf = (date: string): number => DateTime.fromISO(date, { zone: "America/Bogota" }).toMillis();

/** Readings every `stepMs` in slots [fromSlot, toSlot) of a Bogota day, for both tags. */
function readings(date: string, fromSlot: number, toSlot: number, stepMs = 300_000, skip = new Set<number>()): Msg[] {
  const out: Msg[] = [];
  const start = midnightOf(date);
  for (let t = start + fromSlot * SLOT; t < start + toSlot * SLOT; t += stepMs) {
    const slot = Math.floor((t - start) / SLOT);
    if (skip.has(slot)) continue;
    out.push({ topic: "FT-101", value: 100 + slot, timestamp: new Date(t).toISOString(), quality: 192 });
    out.push({ topic: "PT-201", value: 50, timestamp: t, quality: "Good" });
  }
  return out;
}

describe("nodes/anh-json in a Node-RED runtime", () => {
  let journalDir: string;
  const flow = (config: Record<string, unknown> = {}) =>
    testFlow("anh-json", 2, {
      operatorId: "OP-001",
      fieldId: "FIELD-7",
      wellId: "WELL-7A",
      variables: VARIABLES,
      timeZone: "America/Bogota",
      intervalSeconds: 600,
      maxMissingSlots: 10,
      minQualityPercent: 95,
      goodQualityCodes: "",
      generationTime: "06:00",
      journalDir,
      sendNonCompliant: false,
      ...config,
    });
  const harness = () => {
    const h = probe(2);
    return { ...h, reports: h.outputs[0], events: h.outputs[1] };
  };
  const statusTrail = (events: Msg[]): string[] => events.map((m) => (m.payload as StatusEvent).details.status);

  beforeEach(() => {
    journalDir = makeTempDir("anh-journal-");
  });
  afterEach(async () => {
    await unloadAll();
    fs.rmSync(journalDir, { recursive: true, force: true });
  });

  it("answers a batch of a full day with the report, its file name and summary, and each status on output 2", async () => {
    await helper.load(anhJsonNode, flow());
    const h = harness();
    // Timestamps in UTC: the batch is one Colombian day although it crosses UTC midnight.
    h.input.receive({ payload: readings("2026-11-22", 0, 144) });
    await waitFor(() => h.reports.length === 1 && h.events.length === 3, 5000, "report");
    const msg = h.reports[0];
    const report = msg.payload as Report;
    const summary = msg.report as Summary;
    assert.equal(msg.filename, "ANH_REPORT_20261122.json");
    assert.equal(report.reportDate, "2026-11-22");
    assert.deepEqual(
      report.variables.map((v) => v.slots.length),
      [144, 144],
    );
    assert.equal(report.variables[0].slots[1].value, 101);
    assert.equal(report.variables[0].slots[0].start, "2026-11-22T00:00:00-05:00");
    assert.deepEqual([summary.date, summary.status, summary.missingSlots, summary.qualityScore, summary.compliant], ["2026-11-22", "ready", 0, 100, true]);
    assert.equal(summary.sha256, createHash("sha256").update(JSON.stringify(report)).digest("hex"));
    assert.deepEqual(statusTrail(h.events), ["generating", "validating", "ready"]);
    assert.equal((h.events[2].payload as StatusEvent).details.sha256, summary.sha256);
    const audit = fs.readFileSync(path.join(journalDir, "audit.jsonl"), "utf8").trim().split("\n");
    assert.equal(audit.length, 3);

    // ftp-deliver's answer, wired back, completes the status machine.
    h.input.receive({ filename: "ANH_REPORT_20261122.json", delivery: { status: "queued" } });
    h.input.receive({ filename: "ANH_REPORT_20261122.json", delivery: { status: "pending" } });
    h.input.receive({ payload: report, report: summary, delivery: { status: "delivered", remotePath: "/anh/ANH_REPORT_20261122.json", sha256: summary.sha256 } });
    h.input.receive({ filename: "other.csv", delivery: { status: "delivered" } });
    await waitFor(() => h.events.length === 5 && h.caught.length === 0, 5000, "delivery transitions");
    assert.deepEqual(statusTrail(h.events).slice(3), ["uploading", "uploaded"]);
    assert.equal((h.events[4].payload as { details: { sameReport: boolean } }).details.sameReport, true, "the delivered SHA-256 is the report's");
  });

  it("fails a report with 11 missing slots and never sends it, unless non-compliant reports are sent flagged", async () => {
    const eleven = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await helper.load(anhJsonNode, flow());
    let h = harness();
    h.input.receive({ payload: readings("2026-11-22", 0, 144, 300_000, eleven) });
    await waitFor(() => h.events.length === 3, 5000, "failed");
    const failed = h.events[2].payload as StatusEvent;
    assert.equal(failed.details.status, "failed");
    assert.equal(failed.severity, "critical");
    assert.deepEqual(failed.details.reasons, ["OIL_RATE: 11 of 144 slots missing (at most 10)", "THP: 11 of 144 slots missing (at most 10)"]);
    assert.equal(h.reports.length, 0, "a failed report is never sent");
    // Ten missing slots are within the rule.
    h.input.receive({ payload: readings("2026-11-21", 0, 144, 300_000, new Set([...eleven].slice(1))) });
    await waitFor(() => h.reports.length === 1, 5000, "ten missing");
    assert.equal((h.reports[0].report as Summary).compliant, true);
    assert.equal((h.reports[0].report as Summary).missingSlots, 20);
    await unloadAll();

    await helper.load(anhJsonNode, flow({ sendNonCompliant: true }));
    h = harness();
    h.input.receive({ payload: readings("2026-11-22", 0, 144, 300_000, eleven) });
    await waitFor(() => h.reports.length === 1, 5000, "flagged report");
    const summary = h.reports[0].report as Summary;
    assert.deepEqual([summary.status, summary.compliant, summary.flagged], ["ready", false, true]);
    assert.deepEqual(
      summary.violations.map((v) => [v.rule, v.variable, v.actual]),
      [
        ["max-missing-slots", "OIL_RATE", 11],
        ["max-missing-slots", "THP", 11],
      ],
    );
    assert.equal((h.events[h.events.length - 1].payload as StatusEvent).severity, "warning");
  });

  it("excludes bad-quality readings from the slots", async () => {
    await helper.load(anhJsonNode, flow({ minQualityPercent: 50 }));
    const h = harness();
    const batch = readings("2026-11-22", 0, 144).map((m, i) => (m.topic === "FT-101" && Math.floor(i / 4) === 3 ? { ...m, value: 9999, quality: 0 } : m));
    h.input.receive({ payload: batch });
    await waitFor(() => h.reports.length === 1, 5000, "report");
    const oil = (h.reports[0].payload as Report).variables[0];
    // Slot 3 has two FT-101 readings, both bad: null with its reason; the others keep their own values.
    assert.deepEqual(oil.slots[3], { start: "2026-11-22T00:30:00-05:00", value: null, reason: "bad-quality", badSamples: 2 });
    assert.equal(oil.slots[4].value, 104);
    assert.equal(oil.missingSlots, 1);
  });

  it("keeps streamed readings in the day journal across a restart mid-day", async () => {
    const today = DateTime.now().setZone("America/Bogota").toISODate() as string;
    const persistent = flow({ store: "file" });
    await loadWithFileContext([anhJsonNode], persistent);
    let h = harness();
    for (const m of readings(today, 0, 72)) h.input.receive({ topic: m.topic, payload: { value: m.value, timestamp: m.timestamp, quality: m.quality } });
    await waitFor(() => fs.existsSync(path.join(journalDir, `readings-${today}.jsonl`)) && fs.readFileSync(path.join(journalDir, `readings-${today}.jsonl`), "utf8").split("\n").length > 288, 5000, "journal");
    await waitFor(() => h.events.length === 1, 5000, "pending");
    assert.deepEqual([statusTrail(h.events), (h.events[0].payload as StatusEvent).topic], [["pending"], today], "the day's first reading opens it");
    await restartWithFileContext([anhJsonNode], persistent);
    h = harness();
    for (const m of readings(today, 72, 144)) h.input.receive({ topic: m.topic, payload: m.value, timestamp: m.timestamp, quality: m.quality });
    h.input.receive({ command: "generate", date: today });
    await waitFor(() => h.reports.length === 1, 5000, "report after restart");
    const report = h.reports[0].payload as Report;
    assert.equal(report.reportDate, today);
    assert.deepEqual(
      report.variables.map((v) => [v.code, v.missingSlots, v.slots.length]),
      [
        ["OIL_RATE", 0, 144],
        ["THP", 0, 144],
      ],
    );
    assert.equal(report.variables[0].slots[71].value, 171);
    assert.equal(report.variables[0].slots[72].value, 172);
    assert.deepEqual(h.caught, []);
    assert.deepEqual(statusTrail(h.events), ["generating", "validating", "ready"], "pending is not opened twice");
  });

  it("rejects bad input through Catch, naming the field, and keeps working", async () => {
    await helper.load(anhJsonNode, flow());
    const h = harness();
    h.input.receive({ topic: "FT-101", payload: { value: "high", timestamp: Date.now(), quality: 192 } });
    h.input.receive({ topic: "FT-101", payload: 3, timestamp: "yesterday" });
    h.input.receive({ payload: [...readings("2026-11-21", 140, 144), ...readings("2026-11-22", 0, 2)] });
    h.input.receive({ command: "generate", date: "22/11/2026" });
    h.input.receive({ command: "publish" });
    h.input.receive({ filename: "ANH_REPORT_20261122.json", delivery: { status: "lost" } });
    await waitFor(() => h.caught.length === 6, 5000, "six errors");
    const messages = errorMessages(h);
    assert.match(messages[0], /msg\.payload\.value: expected a finite number/);
    assert.match(messages[1], /msg\.timestamp: expected epoch milliseconds or an ISO 8601 date/);
    assert.match(messages[2], /msg\.date: the batch spans 2 local days/);
    assert.match(messages[3], /date: expected a calendar date YYYY-MM-DD/);
    assert.match(messages[4], /msg\.command: expected "generate"/);
    assert.match(messages[5], /msg\.delivery\.status: expected uploading\|uploaded\|delivered\|failed/);
    h.input.receive({ payload: readings("2026-11-22", 0, 144), date: "2026-11-22" });
    await waitFor(() => h.reports.length === 1, 5000, "report after errors");
    await unloadAll();

    await helper.load(anhJsonNode, flow({ variables: '[{"tag": "FT-101", "code": "OIL RATE"}]' }));
    const bad = harness();
    bad.input.receive({ topic: "FT-101", payload: 1 });
    await waitFor(() => bad.caught.length === 1, 5000, "config error");
    assert.match(errorMessages(bad)[0], /variables\[0\]\.code: expected letters, digits/);
  });

  describe("scheduled generation (fake clock)", () => {
    let clock: sinon.SinonFakeTimers;
    const BEFORE_SIX = DateTime.fromISO("2026-11-23T05:59:00", { zone: "America/Bogota" }).toMillis();
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: BEFORE_SIX, toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    });
    afterEach(() => clock.restore());

    // Node-RED delivers messages with setImmediate and the journal reads files: both stay real.
    const until = async (predicate: () => boolean, what: string): Promise<void> => {
      const deadline = performance.now() + 10_000; // performance.now stays real
      while (!predicate() && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(predicate(), `timed out waiting for ${what}`);
    };

    it("generates the previous Colombian day at 06:00 America/Bogota, and again the next day", async () => {
      await helper.load(anhJsonNode, flow({ sendNonCompliant: true }));
      const h = harness();
      await until(() => fs.existsSync(path.join(journalDir, "reports")), "the node to start");
      for (const m of readings("2026-11-22", 0, 144, SLOT)) h.input.receive({ topic: m.topic, payload: { value: m.value, timestamp: m.timestamp, quality: m.quality } });
      await until(() => fs.existsSync(path.join(journalDir, "readings-2026-11-22.jsonl")) && fs.readFileSync(path.join(journalDir, "readings-2026-11-22.jsonl"), "utf8").split("\n").length === 289, "the journal");
      await clock.tickAsync(59_000);
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(h.reports.length, 0, "nothing before 06:00");
      await clock.tickAsync(1_000);
      await until(() => h.reports.length === 1, "the 06:00 report");
      const first = h.reports[0];
      assert.equal(first.filename, "ANH_REPORT_20261122.json");
      assert.deepEqual([(first.report as Summary).missingSlots, (first.report as Summary).compliant], [0, true]);
      assert.equal((first.payload as { generatedAt: string }).generatedAt, "2026-11-23T06:00:00.000-05:00");

      // The next morning reports 23 November, a day without readings: all slots null, flagged.
      await clock.tickAsync(24 * 3600_000 - 1000);
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(h.reports.length, 1);
      await clock.tickAsync(1000);
      await until(() => h.reports.length === 2, "the second report");
      const second = h.reports[1];
      assert.equal(second.filename, "ANH_REPORT_20261123.json");
      const report = second.payload as Report;
      assert.equal(report.summary.missingSlots, 288);
      assert.deepEqual(report.variables[1].slots[0], { start: "2026-11-23T00:00:00-05:00", value: null, reason: "no-data", badSamples: 0 });
      assert.equal((second.report as Summary).flagged, true);
    });

    it("generates a report it owes when it starts after 06:00 (the node was down at generation time)", async () => {
      fs.writeFileSync(path.join(journalDir, "readings-2026-11-22.jsonl"), `["FT-101",${midnightOf("2026-11-22") + 1000},12.5,1]\n`);
      clock.setSystemTime(BEFORE_SIX + 3600_000);
      await helper.load(anhJsonNode, flow());
      const h = harness();
      await until(() => h.events.length === 3, "catch-up generation");
      assert.deepEqual(statusTrail(h.events), ["generating", "validating", "failed"]);
      assert.equal((h.events[0].payload as StatusEvent).topic, "2026-11-22");
      assert.equal(h.reports.length, 0, "one reading in a day is not compliant");
    });
  });
});
