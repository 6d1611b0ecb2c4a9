import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { GapDetector, type GapDetectorJSON } from "../../../lib/gaps/detector";
import { eventSeverity, gapSeverity, resolveGapOptions, type Gap } from "../../../lib/gaps/gap";
import { seededRandom } from "../../support/reference";

const MINUTE = 60_000;
const HOUR = 3600_000;
const T0 = Date.UTC(2026, 10, 23, 5); // 2026-11-23 00:00 in Bogota

function pushAll(detector: GapDetector, timestamps: number[]): Gap[] {
  const gaps: Gap[] = [];
  for (const t of timestamps) gaps.push(...detector.push(t));
  return gaps;
}

/** A 10-minute grid from T0 with the listed sample indexes left out. */
function grid(count: number, intervalMs: number, skip: (i: number) => boolean = () => false): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (!skip(i)) out.push(T0 + i * intervalMs);
  return out;
}

describe("lib/gaps GapDetector", () => {
  describe("configured interval", () => {
    it("a regular series has no gaps", () => {
      const detector = new GapDetector({ intervalMs: 10 * MINUTE });
      assert.deepEqual(pushAll(detector, grid(500, 10 * MINUTE)), []);
      assert.deepEqual(detector.counts, { samples: 500, duplicates: 0, outOfOrder: 0, gaps: 0 });
      assert.equal(detector.lastOutcome, "regular");
      assert.equal(detector.lastTimestamp, T0 + 499 * 10 * MINUTE);
    });

    it("a jittered series within the tolerance has no false gaps", () => {
      const random = seededRandom(3);
      const detector = new GapDetector({ intervalMs: 10_000 });
      // ±2.4 s around a 10 s grid: the widest interval is 14.8 s, inside 1.5 × 10 s.
      const times = Array.from({ length: 20_000 }, (_, i) => T0 + i * 10_000 + Math.round((random() - 0.5) * 4800));
      assert.deepEqual(pushAll(detector, times), []);
      assert.equal(detector.counts.samples, 20_000);
    });

    it("the tolerance is strict: exactly 1.5 intervals is no gap, 1 ms more is", () => {
      const detector = new GapDetector({ intervalMs: 10_000 });
      assert.deepEqual(pushAll(detector, [T0, T0 + 15_000]), []);
      const gaps = detector.push(T0 + 30_001);
      assert.equal(gaps.length, 1);
      assert.deepEqual(gaps[0], { start: T0 + 15_000, end: T0 + 30_001, durationMs: 15_001, missing: 1, severity: "minor", alert: false });
    });

    it("reports short and long gaps with exact start, end, duration and missing count", () => {
      const detector = new GapDetector({ intervalMs: 10 * MINUTE });
      // Sample 10 missing (1), samples 20-22 missing (3), then 13 h of silence (78 samples).
      const times = grid(200, 10 * MINUTE, (i) => i === 10 || (i >= 20 && i <= 22) || (i >= 101 && i <= 178));
      const gaps = pushAll(detector, times);
      const at = (i: number) => T0 + i * 10 * MINUTE;
      assert.deepEqual(gaps, [
        { start: at(9), end: at(11), durationMs: 20 * MINUTE, missing: 1, severity: "minor", alert: false },
        { start: at(19), end: at(23), durationMs: 40 * MINUTE, missing: 3, severity: "minor", alert: false },
        { start: at(100), end: at(179), durationMs: 79 * 10 * MINUTE, missing: 78, severity: "critical", alert: true },
      ]);
      assert.equal(detector.counts.gaps, 3);
      assert.equal(detector.counts.samples, 200 - 1 - 3 - 78);
    });

    it("counts missing samples by rounding, so a jittered resume is not off by one", () => {
      const detector = new GapDetector({ intervalMs: 10 * MINUTE });
      detector.push(T0);
      const [gap] = detector.push(T0 + 31 * MINUTE);
      assert.equal(gap.missing, 2);
      const [late] = detector.push(T0 + 31 * MINUTE + 28 * MINUTE);
      assert.equal(late.missing, 2);
    });

    it("grades severity with inclusive limits exactly at 2 h and 12 h, alert only above 12 h", () => {
      const cases: [number, string, boolean][] = [
        [2 * HOUR, "minor", false],
        [2 * HOUR + 1, "moderate", false],
        [12 * HOUR, "moderate", false],
        [12 * HOUR + 1, "critical", true],
      ];
      for (const [duration, severity, alert] of cases) {
        const detector = new GapDetector({ intervalMs: MINUTE });
        detector.push(T0);
        const [gap] = detector.push(T0 + duration);
        assert.equal(gap.durationMs, duration);
        assert.equal(gap.severity, severity, `${duration} ms`);
        assert.equal(gap.alert, alert, `${duration} ms`);
      }
      assert.equal(gapSeverity(2 * HOUR, resolveGapOptions()), "minor");
      assert.equal(gapSeverity(30 * MINUTE, resolveGapOptions({ minorMaxMs: 15 * MINUTE, moderateMaxMs: HOUR })), "moderate");
      assert.equal(eventSeverity("minor"), "info");
      assert.equal(eventSeverity("moderate"), "warning");
      assert.equal(eventSeverity("critical"), "critical");
    });

    it("counts duplicates and out-of-order samples without false gaps or negative durations", () => {
      const detector = new GapDetector({ intervalMs: 10 * MINUTE });
      const step = 10 * MINUTE;
      const outcomes: string[] = [];
      const gaps: Gap[] = [];
      for (const t of [T0, T0 + step, T0 + step, T0 + step / 2, T0 + 2 * step, T0 + 6 * step, T0 + 3 * step, T0 + 3 * step, T0 + 7 * step]) {
        gaps.push(...detector.push(t));
        outcomes.push(detector.lastOutcome as string);
      }
      assert.deepEqual(outcomes, ["first", "regular", "duplicate", "out-of-order", "regular", "gap", "out-of-order", "out-of-order", "regular"]);
      assert.equal(gaps.length, 1);
      assert.deepEqual(gaps[0], { start: T0 + 2 * step, end: T0 + 6 * step, durationMs: 4 * step, missing: 3, severity: "minor", alert: false });
      assert.deepEqual(detector.counts, { samples: 5, duplicates: 1, outOfOrder: 3, gaps: 1 });
      assert.equal(detector.lastTimestamp, T0 + 7 * step);
    });

    it("a shuffled stream never yields a negative or non-gap duration", () => {
      const random = seededRandom(9);
      const detector = new GapDetector({ intervalMs: 1000 });
      for (let i = 0; i < 5000; i++) {
        const t = T0 + Math.floor(random() * 5000) * 1000;
        for (const gap of detector.push(t)) {
          assert.ok(gap.durationMs > 1500 && gap.end > gap.start && gap.missing >= 1, JSON.stringify(gap));
        }
      }
      const c = detector.counts;
      assert.equal(c.samples + c.duplicates + c.outOfOrder, 5000);
    });

    it("says when the current silence becomes a gap", () => {
      const detector = new GapDetector({ intervalMs: 10_000 });
      assert.equal(detector.overdueAt, null);
      assert.equal(detector.inGapAt(T0), false);
      detector.push(T0);
      assert.equal(detector.overdueAt, T0 + 15_000);
      assert.equal(detector.inGapAt(T0 + 15_000), false);
      assert.equal(detector.inGapAt(T0 + 15_001), true);
    });

    it("reset forgets the series; relearn is a no-op with a configured interval", () => {
      const detector = new GapDetector({ intervalMs: 1000 });
      pushAll(detector, [T0, T0 + 1000, T0 + 1000]);
      assert.equal(detector.relearn(), false);
      assert.equal(detector.interval, 1000);
      detector.reset();
      assert.deepEqual(detector.counts, { samples: 0, duplicates: 0, outOfOrder: 0, gaps: 0 });
      assert.equal(detector.lastTimestamp, null);
      detector.push(T0 - 5000);
      assert.equal(detector.lastOutcome, "first");
    });
  });

  describe("learned interval", () => {
    it("learns the robust median of the first intervals, and reports a gap during learning late", () => {
      const detector = new GapDetector({ intervalMs: "auto", learnCount: 10 });
      assert.equal(detector.isLearning, true);
      assert.equal(detector.interval, null);
      // Intervals: 10 s ×5, 70 s (6 missing), 10 s ×4; the gap must not drag the interval.
      const times = [0, 10, 20, 30, 40, 50, 120, 130, 140, 150].map((s) => T0 + s * 1000);
      assert.deepEqual(pushAll(detector, times), []);
      assert.equal(detector.lastOutcome, "learning");
      assert.equal(detector.overdueAt, null);
      const gaps = detector.push(T0 + 160_000);
      assert.equal(detector.isLearning, false);
      assert.equal(detector.isLearned, true);
      assert.equal(detector.interval, 10_000);
      assert.equal(detector.lastOutcome, "gap");
      assert.deepEqual(gaps, [{ start: T0 + 50_000, end: T0 + 120_000, durationMs: 70_000, missing: 6, severity: "minor", alert: false }]);
      assert.equal(detector.counts.gaps, 1);
      assert.deepEqual(detector.push(T0 + 170_000), []);
      assert.equal(detector.push(T0 + 200_000).length, 1);
    });

    it("learns through jitter and ignores duplicates while learning", () => {
      const detector = new GapDetector({ intervalMs: "auto", learnCount: 5 });
      const times = [0, 9_900, 9_900, 20_100, 30_000, 39_800, 50_050].map((ms) => T0 + ms);
      assert.deepEqual(pushAll(detector, times), []);
      assert.equal(detector.interval, 9_900); // median of 9 900, 10 200, 9 900, 9 800, 10 250
      assert.equal(detector.counts.duplicates, 1);
    });

    it("relearns after the sensor rate changes, without false gaps", () => {
      const detector = new GapDetector({ intervalMs: "auto", learnCount: 4 });
      let t = T0;
      for (let i = 0; i < 10; i++) detector.push((t += 10_000));
      assert.equal(detector.interval, 10_000);
      assert.equal(detector.relearn(), true);
      assert.equal(detector.isLearning, true);
      assert.equal(detector.interval, null);
      const gaps: Gap[] = [];
      for (let i = 0; i < 20; i++) gaps.push(...detector.push((t += 60_000)));
      assert.deepEqual(gaps, []);
      assert.equal(detector.interval, 60_000);
      assert.equal(detector.push(t + 120_000).length, 1);
    });
  });

  describe("serialisation", () => {
    function roundTrip(detector: GapDetector, options: ConstructorParameters<typeof GapDetector>[0]): GapDetector {
      const json = JSON.parse(JSON.stringify(detector)) as GapDetectorJSON;
      const restored = GapDetector.fromJSON(json, options);
      assert.ok(restored !== null);
      return restored;
    }

    it("a restored detector continues exactly like the original, learned or learning", () => {
      const random = seededRandom(21);
      const times = Array.from({ length: 400 }, (_, i) => T0 + i * 5000 + (random() < 0.05 ? 20_000 : 0));
      for (const cut of [0, 3, 6, 50, 399]) {
        const options = { intervalMs: "auto" as const, learnCount: 8 };
        const original = new GapDetector(options);
        pushAll(original, times.slice(0, cut));
        const restored = roundTrip(original, options);
        assert.deepEqual(restored.toJSON(), original.toJSON(), `state after ${cut}`);
        for (const t of times.slice(cut)) {
          assert.deepEqual(restored.push(t), original.push(t), `at ${t - T0} after a cut at ${cut}`);
        }
        assert.deepEqual(restored.toJSON(), original.toJSON());
      }
    });

    it("a learnCount lowered while learning still judges every saved sample", () => {
      const saved = new GapDetector({ intervalMs: "auto", learnCount: 8 });
      pushAll(saved, [0, 10, 20, 30, 100, 110, 120].map((s) => T0 + s * 1000));
      const restored = GapDetector.fromJSON(saved.toJSON(), { intervalMs: "auto", learnCount: 3 });
      assert.ok(restored !== null);
      assert.equal(restored.isLearning, true);
      const gaps = restored.push(T0 + 130_000);
      assert.equal(restored.interval, 10_000);
      assert.deepEqual(gaps.map((g) => [g.start - T0, g.end - T0, g.missing]), [[30_000, 100_000, 6]]);
      assert.equal(restored.relearn(), true);
      assert.equal(restored.toJSON().learningTimestamps?.length, 1);
    });

    it("state is small: a learned detector serialises to a few numbers", () => {
      const detector = new GapDetector({ intervalMs: "auto" });
      pushAll(detector, grid(10_000, 1000));
      const json = detector.toJSON();
      assert.equal(json.learningTimestamps, null);
      assert.ok(JSON.stringify(json).length < 200);
    });

    it("a configured interval wins over a saved learned one; garbage gives null", () => {
      const learnedDetector = new GapDetector({ intervalMs: "auto", learnCount: 3 });
      pushAll(learnedDetector, grid(10, 1000));
      const json = learnedDetector.toJSON();
      assert.equal(GapDetector.fromJSON(json, { intervalMs: 5000 })?.interval, 5000);
      assert.equal(GapDetector.fromJSON(json, { intervalMs: "auto" })?.interval, 1000);
      assert.equal(GapDetector.fromJSON(json)?.lastTimestamp, T0 + 9000);
      for (const bad of [null, {}, { ...json, version: 2 }, { ...json, counts: { samples: -1 } }, { ...json, lastTimestamp: "x" }]) {
        assert.equal(GapDetector.fromJSON(bad as unknown as GapDetectorJSON), null);
      }
    });
  });

  describe("input errors", () => {
    it("names the field and the expected form", () => {
      const detector = new GapDetector({ intervalMs: 1000 });
      assert.throws(() => detector.push(NaN), (err: unknown) => err instanceof InputError && /^timestamp: expected epoch milliseconds, got NaN$/.test(err.message));
      assert.throws(() => detector.push("2026-01-01" as unknown as number), /timestamp: expected epoch milliseconds/);
      assert.throws(() => new GapDetector({ intervalMs: 0 }), /^InputError: intervalMs: expected a number > 0, got 0$/);
      assert.throws(() => new GapDetector({ tolerance: 1 }), /tolerance: expected a number > 1/);
      assert.throws(() => new GapDetector({ learnCount: 2.5 }), /learnCount: expected a whole number >= 1, got 2.5/);
      assert.throws(() => new GapDetector({ minorMaxMs: 2 * HOUR, moderateMaxMs: HOUR }), /moderateMaxMs: expected a duration >= minorMaxMs/);
    });
  });
});
