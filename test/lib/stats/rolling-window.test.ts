import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { RollingWindow } from "../../../lib/stats/rolling-window";
import { relativeError, seededRandom, twoPassStats } from "../../support/reference";

function assertClose(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null, `${what} is null`);
  const err = expected === 0 ? Math.abs(actual) : relativeError(actual, expected);
  assert.ok(err < tolerance, `${what}: ${actual} vs ${expected} (relative error ${err})`);
}

describe("lib/stats RollingWindow", () => {
  describe("count window", () => {
    it("matches a two-pass computation at every step of a random series", () => {
      const random = seededRandom(1);
      const window = new RollingWindow({ kind: "count", size: 7 });
      const data: number[] = [];
      for (let i = 0; i < 500; i++) {
        const x = (random() - 0.5) * 100 + (i % 50 === 0 ? 1000 : 0);
        data.push(x);
        window.push(x);
        const ref = twoPassStats(data.slice(-7));
        const snap = window.snapshot();
        assert.equal(snap.n, Math.min(i + 1, 7));
        assertClose(snap.mean, ref.mean, 1e-12, `mean at ${i}`);
        assert.equal(snap.min, ref.min);
        assert.equal(snap.max, ref.max);
        if (i > 0) assertClose(snap.std, ref.std, 1e-9, `std at ${i}`);
        assertClose(snap.populationStd, ref.populationStd, 1e-9, `populationStd at ${i}`);
      }
    });

    it("does not drift: 10^7 updates of 1e9 + noise stay within 1e-9 of two-pass", function () {
      this.timeout(60000);
      const random = seededRandom(42);
      const size = 20;
      const window = new RollingWindow({ kind: "count", size });
      const last = new Array<number>(size); // the window's values, in ring order (order does not matter)
      const checkpoints = new Set([1e3, 1e5, 1e6, 1e7]);
      for (let i = 1; i <= 1e7; i++) {
        const x = 1e9 + (random() - 0.5) * 2;
        window.push(x);
        last[i % size] = x;
        if (checkpoints.has(i)) {
          const ref = twoPassStats(last);
          assert.ok(relativeError(window.std, ref.std) < 1e-9, `std after ${i}: ${window.std} vs ${ref.std}`);
          assert.ok(relativeError(window.populationStd, ref.populationStd) < 1e-9, `populationStd after ${i}`);
          assert.ok(relativeError(window.mean, ref.mean) < 1e-15, `mean after ${i}`);
          assert.equal(window.min, ref.min);
          assert.equal(window.max, ref.max);
        }
      }
    });

    it("stays exact across ramps and steps of many σ", () => {
      const random = seededRandom(7);
      const window = new RollingWindow({ kind: "count", size: 50 });
      const data: number[] = [];
      for (let i = 0; i < 20000; i++) {
        const level = i < 5000 ? 1e6 + i * 10 : i < 10000 ? -3e8 : 5e3 + Math.sin(i) * 1e-3;
        const x = level + (random() - 0.5) * 1e-2;
        data.push(x);
        window.push(x);
        if (i % 97 === 0 && i >= 50) {
          const ref = twoPassStats(data.slice(-50));
          assertClose(window.std, ref.std, 1e-9, `std at ${i}`);
        }
      }
    });

    it("has undefined spread with fewer than two samples, and handles an empty window", () => {
      const window = new RollingWindow({ kind: "count", size: 3 });
      assert.deepEqual(window.snapshot(), { n: 0, mean: null, std: null, populationStd: null, cv: null, min: null, max: null });
      window.push(5);
      assert.deepEqual(window.snapshot(), { n: 1, mean: 5, std: null, populationStd: 0, cv: null, min: 5, max: 5 });
      assert.equal(window.full, false);
    });

    it("a one-sample window always holds the latest value", () => {
      const window = new RollingWindow({ kind: "count", size: 1 });
      for (const x of [3, -1, 8]) {
        window.push(x);
        assert.equal(window.mean, x);
        assert.equal(window.min, x);
        assert.equal(window.max, x);
        assert.equal(window.full, true);
      }
    });

    it("reports cv as std / |mean| and null for a zero mean", () => {
      const window = new RollingWindow({ kind: "count", size: 4 });
      for (const x of [-2, -4, -6, -8]) window.push(x);
      const snap = window.snapshot();
      assertClose(snap.cv, twoPassStats([-2, -4, -6, -8]).std / 5, 1e-12, "cv");
      const zero = new RollingWindow({ kind: "count", size: 2 });
      zero.push(-1);
      zero.push(1);
      assert.equal(zero.snapshot().cv, null);
    });

    it("gives exactly zero spread for a constant series", () => {
      const window = new RollingWindow({ kind: "count", size: 10 });
      for (let i = 0; i < 100; i++) window.push(123456789.123);
      assert.equal(window.std, 0);
      assert.equal(window.populationStd, 0);
    });

    for (const bad of [NaN, Infinity, -Infinity, "1.5", null, undefined, {}]) {
      it(`rejects ${String(typeof bad === "string" ? JSON.stringify(bad) : bad)} with an error naming the value`, () => {
        const window = new RollingWindow({ kind: "count", size: 3 });
        window.push(1);
        assert.throws(
          () => window.push(bad as number),
          (err: unknown) => err instanceof InputError && err.field === "value" && /expected a finite number/.test(err.message),
        );
        assert.equal(window.n, 1, "a rejected value does not enter the window");
      });
    }

    it("rejects invalid window sizes", () => {
      for (const size of [0, -3, 2.5, NaN]) {
        assert.throws(() => new RollingWindow({ kind: "count", size }), /window: expected a whole number >= 1/);
      }
    });
  });

  describe("time window", () => {
    it("keeps the samples of (t - W, t] and matches two-pass with irregular spacing", () => {
      const random = seededRandom(3);
      const window = new RollingWindow({ kind: "time", seconds: 10 });
      const data: { t: number; x: number }[] = [];
      let t = Date.UTC(2026, 0, 1);
      for (let i = 0; i < 2000; i++) {
        t += Math.floor(random() * 3000);
        const x = 50 + random() * 10;
        data.push({ t, x });
        window.push(x, t);
        const inWindow = data.filter((d) => d.t > t - 10000).map((d) => d.x);
        assert.equal(window.n, inWindow.length, `n at ${i}`);
        const ref = twoPassStats(inWindow);
        assertClose(window.mean, ref.mean, 1e-12, "mean");
        assert.equal(window.min, ref.min);
        assert.equal(window.max, ref.max);
        if (inWindow.length > 1) assertClose(window.std, ref.std, 1e-9, `std at ${i}`);
      }
    });

    it("is full once the data spans the window, and empties across a long gap", () => {
      const window = new RollingWindow({ kind: "time", seconds: 5 });
      for (let s = 0; s < 5; s++) window.push(s, s * 1000);
      assert.equal(window.full, false);
      window.push(5, 5000);
      assert.equal(window.full, true);
      assert.equal(window.n, 5, "the sample at exactly t - W has left");
      window.push(9, 60000);
      assert.equal(window.n, 1);
      assert.equal(window.std, NaN);
    });

    it("grows past its initial capacity", () => {
      const window = new RollingWindow({ kind: "time", seconds: 1000 });
      const values: number[] = [];
      for (let i = 0; i < 700; i++) {
        values.push(i % 13);
        window.push(i % 13, i * 100);
      }
      assert.equal(window.n, 700);
      assertClose(window.std, twoPassStats(values).std, 1e-12, "std");
      assert.equal(window.max, 12);
    });

    it("rejects samples that go back in time and samples without a timestamp", () => {
      const window = new RollingWindow({ kind: "time", seconds: 5 });
      window.push(1, 10000);
      assert.throws(() => window.push(2, 9000), (err: unknown) => err instanceof InputError && err.field === "timestamp");
      assert.throws(() => window.push(2), (err: unknown) => err instanceof InputError && err.field === "timestamp");
      window.push(3, 10000);
      assert.equal(window.n, 2);
    });
  });

  describe("serialisation", () => {
    it("round-trips through JSON and resumes exactly", () => {
      const a = new RollingWindow({ kind: "count", size: 5 });
      const b = new RollingWindow({ kind: "count", size: 5 });
      for (let i = 0; i < 12; i++) a.push(i * i);
      const restored = RollingWindow.fromJSON(JSON.parse(JSON.stringify(a)), { kind: "count", size: 5 });
      assert.ok(restored);
      for (let i = 0; i < 12; i++) b.push(i * i);
      for (const x of [3, 1, 4]) {
        restored.push(x);
        b.push(x);
      }
      assert.deepEqual(restored.snapshot(), b.snapshot());
    });

    it("keeps the newest samples when the window shrinks, and refuses a count window as a time window", () => {
      const a = new RollingWindow({ kind: "count", size: 10 });
      for (let i = 0; i < 10; i++) a.push(i);
      const smaller = RollingWindow.fromJSON(a.toJSON(), { kind: "count", size: 3 });
      assert.deepEqual(smaller?.samples().values, [7, 8, 9]);
      assert.equal(RollingWindow.fromJSON(a.toJSON(), { kind: "time", seconds: 3 }), null);
    });
  });
});
