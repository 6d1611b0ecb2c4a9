import assert from "node:assert/strict";
import { analyzeGaps, timestampsFromPayload } from "../../../lib/gaps/batch";
import { GapDetector } from "../../../lib/gaps/detector";
import type { Gap } from "../../../lib/gaps/gap";
import { seededRandom } from "../../support/reference";

const SLOT = 600_000;
const T0 = Date.UTC(2026, 10, 22, 5);

function grid(count: number, intervalMs: number, skip: (i: number) => boolean = () => false): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (!skip(i)) out.push(T0 + i * intervalMs);
  return out;
}

function shuffle<T>(values: T[], random: () => number): T[] {
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe("lib/gaps analyzeGaps (batch)", () => {
  it("a regular series: no gaps, full completeness of the covered period", () => {
    const result = analyzeGaps(grid(144, SLOT), { intervalMs: SLOT });
    assert.deepEqual(result.gaps, []);
    assert.equal(result.counts.samples, 144);
    assert.equal(result.first, T0);
    assert.equal(result.last, T0 + 143 * SLOT);
    assert.ok(result.completeness !== null);
    assert.equal(result.completeness.expectedSlots, 144);
    assert.equal(result.completeness.percent, 100);
  });

  it("short and long gaps with exact missing counts that agree with the slot completeness", () => {
    const skip = (i: number) => i === 7 || (i >= 30 && i <= 39) || (i >= 200 && i <= 300);
    const result = analyzeGaps(grid(400, SLOT, skip), { intervalMs: SLOT });
    assert.deepEqual(
      result.gaps.map((g) => [g.start, g.end, g.missing, g.severity, g.alert]),
      [
        [T0 + 6 * SLOT, T0 + 8 * SLOT, 1, "minor", false],
        [T0 + 29 * SLOT, T0 + 40 * SLOT, 10, "minor", false], // 110 min
        [T0 + 199 * SLOT, T0 + 301 * SLOT, 101, "critical", true], // 17 h
      ],
    );
    assert.equal(result.missing, 112);
    assert.equal(result.completeness?.missingSlots, 112);
    assert.equal(result.completeness?.expectedSlots, 400);
    assert.equal(result.counts.gaps, 3);
  });

  it("jitter within the tolerance gives no false gaps and no false missing slots", () => {
    const random = seededRandom(17);
    const times = Array.from({ length: 100_000 }, (_, i) => T0 + i * 1000 + Math.round((random() - 0.5) * 480));
    const result = analyzeGaps(times, { intervalMs: 1000 });
    assert.deepEqual(result.gaps, []);
    assert.equal(result.completeness?.missingSlots, 0);
    assert.equal(result.counts.outOfOrder, 0);
  });

  it("unsorted history: out-of-order samples are counted and sorted in, never a negative duration", () => {
    const random = seededRandom(5);
    const sorted = grid(1000, 10_000, (i) => i >= 500 && i < 560);
    const withRepeats = [...sorted, sorted[3], sorted[700 - 60]];
    const result = analyzeGaps(shuffle(withRepeats, random), { intervalMs: 10_000 });
    assert.equal(result.gaps.length, 1);
    assert.deepEqual(result.gaps[0], { start: T0 + 499 * 10_000, end: T0 + 560 * 10_000, durationMs: 610_000, missing: 60, severity: "minor", alert: false });
    assert.equal(result.counts.duplicates, 2);
    assert.equal(result.counts.samples, sorted.length);
    assert.ok(result.counts.outOfOrder > 0);
    assert.equal(result.first, T0);
  });

  it("matches the streaming detector on sorted input with random gaps", () => {
    const random = seededRandom(8);
    const times: number[] = [];
    let t = T0;
    for (let i = 0; i < 20_000; i++) {
      t += random() < 0.01 ? Math.floor(2 + random() * 50) * 5000 : 5000;
      times.push(t);
      if (random() < 0.01) times.push(t); // a repeated sample
    }
    const detector = new GapDetector({ intervalMs: 5000 });
    const streamed: Gap[] = [];
    for (const x of times) streamed.push(...detector.push(x));
    const batch = analyzeGaps(new Float64Array(times), { intervalMs: 5000 });
    assert.deepEqual(batch.gaps, streamed);
    assert.deepEqual(batch.counts, detector.counts);
  });

  it("learns the interval when asked", () => {
    const result = analyzeGaps(grid(50, 15_000, (i) => i === 2 || i === 20), { intervalMs: "auto" });
    assert.equal(result.intervalMs, 15_000);
    assert.equal(result.learned, true);
    assert.equal(result.gaps.length, 2);
    const tooFew = analyzeGaps([T0, T0], { intervalMs: "auto" });
    assert.equal(tooFew.intervalMs, null);
    assert.equal(tooFew.completeness, null);
    assert.equal(tooFew.counts.duplicates, 1);
    const yearLongHole = analyzeGaps([T0, T0 + 1000, T0 + 365 * 86_400_000], { intervalMs: 1000 });
    assert.equal(yearLongHole.gaps[0].missing, 365 * 86_400 - 2);
    assert.equal(yearLongHole.completeness?.missingSlots, 365 * 86_400 - 2);
    assert.equal(yearLongHole.completeness?.missing.length, 10_000);
    assert.equal(yearLongHole.completeness?.missingTruncated, true);
    const millisecondGrid = analyzeGaps([T0, T0 + 1, T0 + 365 * 86_400_000], { intervalMs: 1 });
    assert.equal(millisecondGrid.gaps[0].missing, 365 * 86_400_000 - 2);
    assert.equal(millisecondGrid.completeness, null); // too many slots to hold; the gap says it all
    const empty = analyzeGaps([], { intervalMs: 1000 });
    assert.equal(empty.first, null);
    assert.equal(empty.completeness, null);
  });

  it("completeness over a given period, e.g. a Bogota day", () => {
    const start = T0;
    const end = T0 + 24 * 3600_000;
    const result = analyzeGaps(grid(140, SLOT), { intervalMs: SLOT, period: { start, end } });
    assert.equal(result.completeness?.expectedSlots, 144);
    assert.equal(result.completeness?.missingSlots, 4);
  });

  it("reads a batch payload: epoch ms, ISO strings, Dates and {timestamp, quality} objects", () => {
    const { timestamps, badQuality } = timestampsFromPayload([
      T0,
      "2026-11-22T00:10:00-05:00",
      new Date(T0 + 2 * SLOT),
      { timestamp: T0 + 3 * SLOT, value: 1, quality: 192 },
      { timestamp: T0 + 4 * SLOT, value: 2, quality: 0 },
      { timestamp: new Date(T0 + 5 * SLOT).toISOString(), value: 3 },
    ]);
    assert.deepEqual(Array.from(timestamps), [T0, T0 + SLOT, T0 + 2 * SLOT, T0 + 3 * SLOT, T0 + 5 * SLOT]);
    assert.equal(badQuality, 1);
    assert.throws(() => timestampsFromPayload(5), /msg\.payload: expected an array of timestamps/);
    assert.throws(() => timestampsFromPayload([T0, { value: 1 }]), /msg\.payload\[1\]\.timestamp: expected epoch milliseconds or an ISO 8601 date, got undefined/);
    assert.throws(() => timestampsFromPayload([NaN]), /msg\.payload\[0\]: expected epoch milliseconds, got NaN/);
    assert.throws(() => analyzeGaps([T0, Infinity], { intervalMs: 1000 }), /timestamps\[1\]: expected epoch milliseconds, got Infinity/);
  });

  it("analyses at least 5 M timestamps per second", function () {
    this.timeout(30_000);
    const n = 5_000_000;
    const times = new Float64Array(n);
    for (let i = 0; i < n; i++) times[i] = T0 + i * 1000 + Math.floor(i / 1000) * 10_000; // a gap every 1000 samples
    analyzeGaps(times.subarray(0, 100_000), { intervalMs: 1000 }); // warm up
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const started = process.hrtime.bigint();
      const result = analyzeGaps(times, { intervalMs: 1000 });
      best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
      assert.equal(result.counts.samples, n);
      assert.equal(result.gaps.length, n / 1000 - 1);
    }
    const rate = n / best;
    assert.ok(rate >= 5e6, `${(rate / 1e6).toFixed(1)} M timestamps/s`);
  });
});
