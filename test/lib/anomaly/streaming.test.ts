import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { normalTail } from "../../../lib/anomaly/likelihood";
import { DEFAULT_STREAMING_OPTIONS, StreamingDetector, type StreamingOptions, type StreamingResult } from "../../../lib/anomaly/streaming";
import { seededRandom } from "../../support/reference";

const T0 = Date.UTC(2026, 10, 23);
const STEP = 300_000;

/**
 * A noisy cycle (amplitude 10 around 50), seeded. Gaussian noise (σ 0.5) or uniform noise in ±1, which
 * is bounded, so after a cycle or two the series stops setting new extremes of its own.
 */
function cycle(count: number, seed: number, options: { period: number; uniform?: boolean; noiseScale?: (i: number) => number }): number[] {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const noise = options.uniform ? () => 2 * random() - 1 : () => 0.5 * gauss();
  const scale = options.noiseScale ?? (() => 1);
  return Array.from({ length: count }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / options.period) + scale(i) * noise());
}

function run(values: readonly number[], options: Partial<StreamingOptions> = {}): StreamingResult[] {
  const detector = new StreamingDetector(options);
  return values.map((v, i) => detector.update(v, T0 + i * STEP));
}

function maxScore(results: readonly StreamingResult[], from: number, to: number): number {
  return Math.max(...results.slice(from, to).map((r) => r.score));
}

const THRESHOLD = DEFAULT_STREAMING_OPTIONS.threshold;
const AT = 2500;

describe("lib/anomaly StreamingDetector", () => {
  describe("default settings: anomalies beyond the range seen so far alarm, normal points never do", () => {
    const bounded = () => cycle(3000, 11, { period: 288, uniform: true });
    it("a spike", () => {
      const values = bounded();
      values[AT] += 25; // beyond the seen maximum wherever the cycle is
      const results = run(values);
      assert.equal(results[AT].score, 1);
      assert.ok(results[AT].isAnomaly);
      assert.ok(maxScore(results, 400, AT) < THRESHOLD, `a normal point scored ${maxScore(results, 400, AT)}`);
    });

    it("a level shift alarms once, then holds off for holdOffPoints", () => {
      const values = bounded().map((v, i) => (i >= AT ? v - 25 : v));
      const results = run(values);
      assert.ok(maxScore(results, 400, AT) < THRESHOLD);
      assert.ok(results[AT].isAnomaly, `shift scored ${results[AT].score}`);
      const holdOff = DEFAULT_STREAMING_OPTIONS.holdOffPoints;
      assert.equal(results.slice(AT, AT + holdOff + 1).filter((r) => r.isAnomaly).length, 1);
      // Without the hold-off the same shift alarms on many points.
      const flood = run(values, { holdOffPoints: 0 }).slice(AT, AT + holdOff + 1).filter((r) => r.isAnomaly).length;
      assert.ok(flood > 5, `${flood} alarms without hold-off`);
    });
  });

  describe("the residual path alone (spatialTolerance 0): anomalies inside the seen range", () => {
    // A slower cycle (1 440 points) so the 30-point mean forecast lags it little.
    const smooth = (seed: number, noiseScale?: (i: number) => number) => cycle(3000, seed, { period: 1440, noiseScale });
    const cases: [string, () => number[], number][] = [
      ["a spike of 12 σ", () => smooth(1).map((v, i) => (i === AT ? v + 6 : v)), 1],
      ["a level shift of 16 σ", () => smooth(2).map((v, i) => (i >= AT ? v - 8 : v)), 20],
      ["a six-fold variance increase", () => smooth(3, (i) => (i >= AT ? 6 : 1)), 40],
    ];
    for (const [name, series, within] of cases) {
      it(name, () => {
        const results = run(series(), { spatialTolerance: 0 });
        const normal = maxScore(results, 400, AT);
        const anomaly = maxScore(results, AT, AT + within);
        assert.ok(anomaly >= THRESHOLD, `anomaly scored ${anomaly}`);
        assert.ok(normal < THRESHOLD, `a normal point scored ${normal}`);
        assert.ok(results.slice(AT, AT + within).some((r) => r.isAnomaly));
      });
    }

    it("a flat series: its exact repeats score near 0, the first change scores ~1", () => {
      const values = Array.from({ length: 600 }, (_, i) => (i === 500 ? 3.5 : 3));
      const results = run(values, { spatialTolerance: 0 });
      assert.ok(maxScore(results, 0, 500) < 0.05, `repeats scored ${maxScore(results, 0, 500)}`);
      assert.ok(results[500].score > 0.999, `the change scored ${results[500].score}`);
    });
  });

  it("learns first, then scores; expected is the mean of the last `window` values", () => {
    const values = cycle(400, 5, { period: 288 });
    const results = run(values, { learningPoints: 100, window: 10 });
    assert.ok(results.slice(0, 100).every((r) => r.state === "learning" && r.score === 0 && !r.isAnomaly));
    assert.ok(results.slice(100).every((r) => r.state === "scoring"));
    assert.equal(results[0].expected, null);
    assert.equal(results[0].residual, null);
    const mean = values.slice(190, 200).reduce((a, b) => a + b, 0) / 10;
    assert.ok(Math.abs((results[200].expected as number) - mean) < 1e-9);
    assert.ok(Math.abs((results[200].residual as number) - (values[200] - mean)) < 1e-9);
    for (const r of results) assert.ok(r.score >= 0 && r.score <= 1);
  });

  it("is causal: appending future points never changes past scores", () => {
    const values = cycle(1500, 6, { period: 288 });
    values[1000] += 20;
    const full = run(values);
    const prefix = run(values.slice(0, 900));
    assert.deepEqual(prefix, full.slice(0, 900));
  });

  it("is deterministic", () => {
    const values = cycle(1200, 7, { period: 288 });
    assert.deepEqual(run(values), run(values));
  });

  it("resumes identically from its JSON (through JSON text), and the state is small", () => {
    const values = cycle(2000, 8, { period: 288 });
    values[1700] -= 15;
    const straight = run(values);
    const first = new StreamingDetector();
    values.slice(0, 1234).forEach((v, i) => first.update(v, T0 + i * STEP));
    const text = JSON.stringify(first.toJSON());
    assert.ok(text.length < 2048, `state is ${text.length} bytes`);
    const resumed = StreamingDetector.fromJSON(JSON.parse(text), {});
    assert.ok(resumed !== null);
    const rest = values.slice(1234).map((v, i) => resumed.update(v, T0 + (1234 + i) * STEP));
    assert.deepEqual(rest, straight.slice(1234));
  });

  it("fromJSON returns null on state that is not a saved detector", () => {
    const good = new StreamingDetector();
    good.update(1, T0);
    good.update(2, T0 + 1);
    const json = good.toJSON();
    for (const bad of [null, 42, "x", {}, { ...json, version: 2 }, { ...json, count: -1 }, { ...json, recentValues: [NaN] }, { ...json, likelihood: null }, { ...json, fastScale: -1 }, { ...json, sinceAlarm: -2 }]) {
      assert.equal(StreamingDetector.fromJSON(bad, {}), null, JSON.stringify(bad));
    }
    assert.ok(StreamingDetector.fromJSON(json, {}) instanceof StreamingDetector);
  });

  describe("bad input is an InputError naming the field", () => {
    const cases: [string, () => unknown, string][] = [
      ["NaN value", () => new StreamingDetector().update(NaN, T0), "value"],
      ["string value", () => new StreamingDetector().update("3" as unknown as number, T0), "value"],
      ["Infinity value", () => new StreamingDetector().update(Infinity, T0), "value"],
      ["string timestamp", () => new StreamingDetector().update(1, "2026-01-01" as unknown as number), "timestamp"],
      ["NaN timestamp", () => new StreamingDetector().update(1, NaN), "timestamp"],
      [
        "timestamp going backwards",
        () => {
          const d = new StreamingDetector();
          d.update(1, T0);
          d.update(1, T0 - 1);
        },
        "timestamp",
      ],
      ["window 0", () => new StreamingDetector({ window: 0 }), "window"],
      ["window string", () => new StreamingDetector({ window: "10" as unknown as number }), "window"],
      ["threshold above 1", () => new StreamingDetector({ threshold: 1.5 }), "threshold"],
      ["threshold 0", () => new StreamingDetector({ threshold: 0 }), "threshold"],
      ["learningPoints fraction", () => new StreamingDetector({ learningPoints: 2.5 }), "learningPoints"],
      ["slowSpan NaN", () => new StreamingDetector({ slowSpan: NaN }), "slowSpan"],
      ["averagingWindow -1", () => new StreamingDetector({ averagingWindow: -1 }), "averagingWindow"],
      ["historyHalfLife 0", () => new StreamingDetector({ historyHalfLife: 0 }), "historyHalfLife"],
      ["spatialTolerance -0.1", () => new StreamingDetector({ spatialTolerance: -0.1 }), "spatialTolerance"],
      ["holdOffPoints 1.5", () => new StreamingDetector({ holdOffPoints: 1.5 }), "holdOffPoints"],
      ["options not an object", () => new StreamingDetector("fast" as unknown as Partial<StreamingOptions>), "options"],
    ];
    for (const [name, act, field] of cases) {
      it(name, () => {
        assert.throws(act, (error: unknown) => error instanceof InputError && error.field === field && error.message.startsWith(`${field}:`));
      });
    }

    it("a refused point leaves the state unchanged", () => {
      const values = cycle(600, 9, { period: 288 });
      const a = new StreamingDetector();
      const b = new StreamingDetector();
      values.forEach((v, i) => {
        a.update(v, T0 + i * STEP);
        if (i === 300) assert.throws(() => b.update(NaN, T0 + i * STEP), InputError);
        b.update(v, T0 + i * STEP);
      });
      assert.deepEqual(a.toJSON(), b.toJSON());
    });
  });

  it("normalTail matches the standard normal tail, far tail included", () => {
    // Reference values of Q(z) = P(Z > z) (R: pnorm(z, lower.tail = FALSE)).
    const reference: [number, number][] = [[-2, 0.9772498680518208], [0, 0.5], [1, 0.15865525393145707], [3, 0.0013498980316301], [6, 9.865876450376946e-10], [10, 7.61985302416047e-24]];
    for (const [z, q] of reference) assert.ok(Math.abs(normalTail(z) - q) / q < 2e-6, `Q(${z}) = ${normalTail(z)}, expected ${q}`);
  });
});
