import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { InputError } from "../../../lib/common/errors";
import { parseVariables, previousDate, qualityJudge, reportFileName, resolveReportConfig, type AnhReportConfig } from "../../../lib/anh/config";
import { buildDayReport, type AnhReport } from "../../../lib/anh/report";
import { validateReport } from "../../../lib/anh/schema";
import { DaySlots } from "../../../lib/anh/slots";

const DATE = "2026-11-22";
/** 00:00 of DATE in Bogota (UTC−5) */
const MIDNIGHT = Date.UTC(2026, 10, 22, 5);
const SLOT = 600_000;

function config(overrides: Partial<AnhReportConfig> = {}): AnhReportConfig {
  return {
    ...resolveReportConfig({
      operatorId: "OP-001",
      fieldId: "FIELD-7",
      wellId: "WELL-7A",
      variables: [
        { tag: "oil", code: "OIL_RATE", name: "Oil rate", unit: "bbl/d" },
        { tag: "thp", code: "THP", name: "Tubing pressure", unit: "psi", aggregation: "last" },
      ],
    }),
    ...overrides,
  };
}

/** Readings every `stepMs` over the day for each tag, skipping the slots in `skip[tag]`. */
function fullDay(tags: string[], stepMs: number, skip: Record<string, Set<number>> = {}): DaySlots {
  const day = new DaySlots(DATE, "America/Bogota", SLOT);
  for (let t = MIDNIGHT; t < MIDNIGHT + 86_400_000; t += stepMs) {
    const slot = Math.floor((t - MIDNIGHT) / SLOT);
    for (const tag of tags) if (!skip[tag]?.has(slot)) day.add(tag, t, 100 + slot, true);
  }
  return day;
}

describe("lib/anh report", () => {
  it("has exactly 144 slots per variable on a full day, in ISO 8601 with the -05:00 offset", () => {
    const report = buildDayReport(fullDay(["oil", "thp"], 60_000), config(), { generatedAt: MIDNIGHT + 30 * 3600_000 });
    assert.equal(report.slotsPerVariable, 144);
    for (const variable of report.variables) {
      assert.equal(variable.slots.length, 144);
      assert.equal(variable.missingSlots, 0);
      assert.equal(variable.slots.filter((s) => s.value === null).length, 0);
    }
    const oil = report.variables[0];
    assert.equal(oil.slots[0].start, "2026-11-22T00:00:00-05:00");
    assert.equal(oil.slots[143].start, "2026-11-22T23:50:00-05:00");
    assert.equal(report.periodStart, "2026-11-22T00:00:00-05:00");
    assert.equal(report.periodEnd, "2026-11-23T00:00:00-05:00");
    assert.equal(report.generatedAt, "2026-11-23T06:00:00.000-05:00");
    assert.equal(oil.slots[5].value, 105);
    assert.equal(report.fileName, "ANH_REPORT_20261122.json");
    assert.equal(report.summary.compliant, true);
    assert.equal(report.summary.qualityScore, 100);
    assert.deepEqual(validateReport(report), { valid: true, errors: [] });
  });

  it("allows 10 missing slots per variable and flags 11", () => {
    const ten = new Set([3, 4, 5, 50, 51, 90, 100, 120, 130, 143]);
    const eleven = new Set([...ten, 0]);
    const report = buildDayReport(fullDay(["oil", "thp"], 120_000, { oil: ten, thp: eleven }), config());
    const [oil, thp] = report.variables;
    assert.equal(oil.missingSlots, 10);
    assert.equal(oil.compliant, true);
    assert.equal(thp.missingSlots, 11);
    assert.equal(thp.compliant, false);
    assert.equal(report.summary.missingSlots, 21);
    assert.equal(report.summary.compliant, false);
    assert.deepEqual(
      report.summary.violations.map((v) => [v.rule, v.variable, v.actual, v.limit]),
      [["max-missing-slots", "THP", 11, 10]],
    );
    const missingSlot = oil.slots[50];
    assert.deepEqual(missingSlot, { start: "2026-11-22T08:20:00-05:00", value: null, reason: "no-data", badSamples: 0 });
    assert.deepEqual(oil.missingRuns[0], { start: "2026-11-22T00:30:00-05:00", end: "2026-11-22T01:00:00-05:00", slots: 3 });
    assert.equal(validateReport(report).valid, true, "a non-compliant report is still a valid report");
  });

  it("excludes bad-quality readings from values and counts them in the quality score", () => {
    const day = fullDay(["oil", "thp"], 60_000);
    // Slot 7 of oil gets a bad 1e6 (not in the mean); slot 200 does not exist; thp slot 9: only bad readings.
    const bad = new DaySlots(DATE, "America/Bogota", SLOT);
    for (let i = 0; i < 10; i++) {
      bad.add("oil", MIDNIGHT + 7 * SLOT + i * 60_000, 107, true);
      bad.add("thp", MIDNIGHT + 9 * SLOT + i * 60_000, 5, false);
    }
    bad.add("oil", MIDNIGHT + 7 * SLOT + 1, 1e6, false);
    const report = buildDayReport(bad, config({ minQualityPercent: 50 }));
    assert.equal(report.variables[0].slots[7].value, 107);
    assert.deepEqual(report.variables[1].slots[9], { start: "2026-11-22T01:30:00-05:00", value: null, reason: "bad-quality", badSamples: 10 });
    assert.equal(report.variables[0].qualityScore, Math.round((100 * 10) / 11 * 100) / 100);
    assert.equal(report.variables[1].qualityScore, 0);
    assert.equal(report.summary.qualityScore, Math.round((100 * 10) / 21 * 100) / 100);
    // A full day with 6.25 % bad readings fails the 95 % rule without a missing slot.
    for (let t = MIDNIGHT; t < MIDNIGHT + 86_400_000; t += 60_000 * 15) day.add("oil", t + 1, -1, false);
    const scored = buildDayReport(day, config());
    const oil = scored.variables[0];
    assert.equal(oil.missingSlots, 0);
    assert.equal(oil.badSamples, 96);
    assert.equal(oil.qualityScore, Math.round((100 * 1440) / 1536 * 100) / 100);
    assert.deepEqual(
      scored.summary.violations.map((v) => [v.rule, v.variable]),
      [["min-quality-score", "OIL_RATE"]],
    );
  });

  it("aggregates mean, last (by timestamp, not arrival), min and max, rounded to 3 decimals", () => {
    const day = new DaySlots(DATE, "America/Bogota", SLOT);
    const values: Array<[number, number]> = [
      [0, 1.0004],
      [300_000, 2.5],
      [120_000, 9.25], // arrives last but is not the latest reading
    ];
    for (const tag of ["mean", "last", "min", "max"]) for (const [offset, value] of values) day.add(tag, MIDNIGHT + offset, value, true);
    const variables = (["mean", "last", "min", "max"] as const).map((aggregation) => ({ tag: aggregation, code: aggregation.toUpperCase(), name: aggregation, unit: "", aggregation }));
    const report = buildDayReport(day, config({ variables }));
    assert.deepEqual(
      report.variables.map((v) => v.slots[0].value),
      [Math.round(((1.0004 + 2.5 + 9.25) / 3) * 1000) / 1000, 2.5, 1, 9.25],
    );
  });

  it("places UTC readings in the Colombian day: 04:59:59Z is the previous day's last slot", () => {
    const day = new DaySlots(DATE, "America/Bogota", SLOT);
    assert.equal(day.add("oil", Date.parse("2026-11-22T04:59:59.999Z"), 1, true), false, "21 Nov in Bogota");
    assert.equal(day.add("oil", Date.parse("2026-11-22T05:00:00Z"), 2, true), true);
    assert.equal(day.add("oil", Date.parse("2026-11-23T04:59:59Z"), 3, true), true);
    assert.equal(day.add("oil", Date.parse("2026-11-23T05:00:00Z"), 4, true), false, "23 Nov in Bogota");
    assert.equal(day.outside, 2);
    const oil = buildDayReport(day, config()).variables[0];
    assert.equal(oil.slots[0].value, 2);
    assert.equal(oil.slots[143].value, 3);
    assert.equal(oil.slots[143].start, "2026-11-22T23:50:00-05:00");
    assert.equal(oil.missingSlots, 142);
  });

  it("writes each slot's own offset on a daylight-saving day (23 h in Madrid: 138 slots)", () => {
    const day = new DaySlots("2026-03-29", "Europe/Madrid", SLOT);
    const report = buildDayReport(day, config({ timeZone: "Europe/Madrid" }));
    const slots = report.variables[0].slots;
    assert.equal(slots.length, 138);
    assert.equal(slots[0].start, "2026-03-29T00:00:00+01:00");
    assert.equal(slots[11].start, "2026-03-29T01:50:00+01:00");
    assert.equal(slots[12].start, "2026-03-29T03:00:00+02:00");
    assert.equal(report.periodEnd, "2026-03-30T00:00:00+02:00");
    assert.equal(validateReport(report).valid, true);
  });

  it("names the file and the previous day by the calendar", () => {
    assert.equal(reportFileName("2026-01-01"), "ANH_REPORT_20260101.json");
    assert.equal(previousDate("2026-03-01"), "2026-02-28");
    assert.equal(previousDate("2028-03-01"), "2028-02-29");
    assert.throws(() => previousDate("1 March"), /date: expected a calendar date/);
  });

  it("rejects bad configuration naming the field", () => {
    assert.throws(() => parseVariables([{ tag: "a", code: "A", aggregation: "median" }]), /variables\[0\]\.aggregation: expected one of mean\|last\|min\|max/);
    assert.throws(() => parseVariables([{ tag: "a", code: "A" }, { tag: "a", code: "B" }]), /variables\[1\]\.tag: expected each tag once/);
    assert.throws(() => parseVariables("[{"), /variables: expected JSON/);
    assert.throws(() => resolveReportConfig({ operatorId: "x", fieldId: "y", wellId: "z", intervalMs: 700_000 }), /intervalMs: expected a divisor of one day/);
    assert.throws(() => resolveReportConfig({ fieldId: "y", wellId: "z" }), (err: unknown) => err instanceof InputError && err.field === "operatorId");
    assert.throws(() => resolveReportConfig({ operatorId: "x", fieldId: "y", wellId: "z", timeZone: "Mars/Olympus" }), /timeZone: expected an IANA time zone/);
    const seeded = resolveReportConfig({ operatorId: "x", fieldId: "y", wellId: "z" });
    assert.ok(seeded.variables.length >= 10, "the seed's variables by default");
    assert.equal(seeded.intervalMs, 600_000);
  });

  it("judges quality by the configured codes, or by the shared rule without them", () => {
    const shared = qualityJudge([]);
    assert.equal(shared(192, "q"), true);
    assert.equal(shared(0, "q"), false);
    assert.equal(shared({ value: 0 }, "q"), true, "OPC UA Good StatusCode");
    assert.equal(shared("Bad_NoCommunication", "q"), false);
    assert.equal(shared(undefined, "q"), true);
    const strict = qualityJudge([192, "Good"]);
    assert.equal(strict(192, "q"), true);
    assert.equal(strict(216, "q"), false, "only the configured codes");
    assert.equal(strict({ value: 0 }, "q"), true);
    assert.equal(strict("good", "q"), true);
    assert.throws(() => strict([1], "msg.payload.quality"), /msg\.payload\.quality: expected a quality code/);
  });
});

describe("lib/anh schema (schemas/anh-report.schema.json)", () => {
  const good = (): AnhReport => buildDayReport(fullDay(["oil", "thp"], 300_000), config());
  const breakIt = (mutate: (r: AnhReport & Record<string, unknown>) => void): string[] => {
    const report = good() as AnhReport & Record<string, unknown>;
    mutate(report);
    const result = validateReport(report);
    assert.equal(result.valid, false);
    return result.errors;
  };

  it("rejects broken reports and says where", () => {
    assert.match(breakIt((r) => delete (r as Partial<AnhReport>).wellId).join("\n"), /must have required property 'wellId'/);
    assert.match(breakIt((r) => ((r.variables[0].slots[3] as { value: unknown }).value = "12.5")).join("\n"), /\/variables\/0\/slots\/3/);
    assert.match(breakIt((r) => (r.variables[1].slots[0].start = new Date(MIDNIGHT).toISOString())).join("\n"), /\/variables\/1\/slots\/0\/start: must match pattern/);
    assert.match(breakIt((r) => r.variables[0].slots.pop()).join("\n"), /\/variables\/0\/slots: OIL_RATE has 143 slots, expected 144/);
    assert.match(breakIt((r) => (r.variables[0].qualityScore = 99.123)).join("\n"), /\/variables\/0\/qualityScore: must be multiple of 0.01/);
    assert.match(breakIt((r) => (r.summary.missingSlots = 3)).join("\n"), /\/summary\/missingSlots: 3, but the variables miss 0/);
    assert.match(breakIt((r) => (r.extra = 1)).join("\n"), /must NOT have additional properties/);
  });

  it("is a versioned draft 2020-12 schema shipped as a file", () => {
    const root = path.resolve(__dirname, "..", "..", "..", "..", "..");
    const file = [root, path.resolve(__dirname, "..", "..", "..", "..")].map((r) => path.join(r, "schemas", "anh-report.schema.json")).find((f) => fs.existsSync(f));
    assert.ok(file, "schemas/anh-report.schema.json");
    const schema = JSON.parse(fs.readFileSync(file, "utf8")) as { $schema: string; $id: string; properties: { schemaVersion: { const: string } } };
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.ok(schema.$id.endsWith(`/${schema.properties.schemaVersion.const}`));
    assert.equal(good().schemaVersion, schema.properties.schemaVersion.const);
  });
});
