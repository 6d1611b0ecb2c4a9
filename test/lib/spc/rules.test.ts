import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { controlLimits } from "../../../lib/spc/imr";
import {
  DEFAULT_K,
  RULE_IDS,
  RULE_PRESETS,
  type RuleId,
  RuleEngine,
  type RuleInput,
  evaluateRules,
  validateRules,
} from "../../../lib/spc/rules";
import { seededRandom } from "../../support/reference";

// Every case uses centre 10 and σ 2, so the lines are exact binary numbers: ±1σ at 12/8, ±2σ at
// 14/6, ±3σ at 16/4. "Just beyond" is 0.1 past a line.
const LIMITS = controlLimits(10, 2, 3);
const C = 10;
const UP1 = 12.1;
const UP2 = 14.1;
const DOWN1 = 7.9;
const DOWN2 = 5.9;

/** Indexes of the points that `rule` flags. */
function flagged(rule: RuleInput, values: readonly number[]): number[] {
  const result: number[] = [];
  evaluateRules(values, LIMITS, [rule]).forEach((violations, i) => {
    if (violations.length > 0) result.push(i);
  });
  return result;
}

function repeat(value: number, count: number): number[] {
  return new Array<number>(count).fill(value);
}

function range(from: number, to: number): number[] {
  const result: number[] = [];
  for (let i = from; i <= to; i++) result.push(i);
  return result;
}

/** `count` points alternating up and down around the centre, starting with a rise from `start`. */
function alternating(count: number, start = 9): number[] {
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? start : start + 2));
}

describe("lib/spc run rules", () => {
  describe("nelson-1 / we-1: 1 point beyond Kσ", () => {
    it("flags a point strictly beyond 3σ on either side, including the first point of the data", () => {
      assert.deepEqual(flagged("nelson-1", [16.1, 10, 3.9, 10]), [0, 2]);
      assert.deepEqual(flagged("we-1", [16.1, 10, 3.9, 10]), [0, 2]);
    });

    it("a point exactly on 3σ is not beyond", () => {
      assert.deepEqual(flagged("nelson-1", [16, 4, 15.99, 4.01]), []);
    });

    it("keeps flagging while points stay beyond", () => {
      assert.deepEqual(flagged("nelson-1", [10, 17, 18, 19, 10]), [1, 2, 3]);
    });

    it("K is Minitab's parameter: K = 2 flags beyond 2σ", () => {
      assert.deepEqual(flagged({ id: "nelson-1", k: 2 }, [14, 14.1, 6, 5.9]), [1, 3]);
    });
  });

  describe("nelson-2 / we-4: K in a row on the same side", () => {
    it("flags the 9th point of a run and every later one, not the earlier ones", () => {
      assert.deepEqual(flagged("nelson-2", repeat(11, 12)), [8, 9, 10, 11]);
      assert.deepEqual(flagged("nelson-2", repeat(9, 9)), [8]);
    });

    it("8 in a row (K − 1) is not enough", () => {
      assert.deepEqual(flagged("nelson-2", [...repeat(11, 8), ...repeat(9, 8)]), []);
    });

    it("a point exactly on the centre breaks the run", () => {
      assert.deepEqual(flagged("nelson-2", [...repeat(11, 5), C, ...repeat(11, 8)]), []);
      assert.deepEqual(flagged("nelson-2", [...repeat(11, 5), C, ...repeat(11, 9)]), [14]);
    });

    it("counts the side only: points far beyond the limits still belong to the run", () => {
      assert.deepEqual(flagged("nelson-2", [11, 17, 11, 20, 11, 12, 14, 16, 11]), [8]);
    });

    it("we-4 is the same test with K = 8", () => {
      assert.deepEqual(flagged("we-4", repeat(8, 7)), []);
      assert.deepEqual(flagged("we-4", repeat(8, 9)), [7, 8]);
      assert.deepEqual(flagged({ id: "nelson-2", k: 8 }, repeat(8, 9)), [7, 8]);
    });
  });

  describe("nelson-3: K points in a row all increasing or all decreasing", () => {
    it("counts points, not steps: 6 points (5 rises) are flagged at the 6th", () => {
      assert.deepEqual(flagged("nelson-3", range(1, 6)), [5]);
      assert.deepEqual(flagged("nelson-3", range(1, 6).reverse()), [5]);
    });

    it("5 points (K − 1) are not enough", () => {
      assert.deepEqual(flagged("nelson-3", [...range(1, 5), 0, ...range(1, 4)]), []);
    });

    it("a long trend keeps flagging", () => {
      assert.deepEqual(flagged("nelson-3", range(1, 9)), [5, 6, 7, 8]);
    });

    it("a repeated value breaks the trend; the repeat starts the next one", () => {
      assert.deepEqual(flagged("nelson-3", [1, 2, 3, 4, 4, 5, 6, 7]), []);
      assert.deepEqual(flagged("nelson-3", [1, 2, 3, 4, 4, 5, 6, 7, 8, 9]), [9]);
    });

    it("a change of direction starts a new trend that includes the turning point", () => {
      // 1..5 rises, then 5,4,3,2,1,0 is a fall of 6 points sharing the peak.
      assert.deepEqual(flagged("nelson-3", [1, 2, 3, 4, 5, 4, 3, 2, 1, 0]), [9]);
    });

    it("ignores the limits: a trend entirely within 1σ counts", () => {
      assert.deepEqual(flagged("nelson-3", [10, 10.1, 10.2, 10.3, 10.4, 10.5]), [5]);
    });
  });

  describe("nelson-4: K points in a row alternating up and down", () => {
    it("flags the 14th alternating point and every later one", () => {
      assert.deepEqual(flagged("nelson-4", alternating(14)), [13]);
      assert.deepEqual(flagged("nelson-4", alternating(17)), [13, 14, 15, 16]);
      assert.deepEqual(flagged("nelson-4", alternating(14, 11).map((x) => 20 - x)), [13]);
    });

    it("13 points (K − 1) are not enough", () => {
      assert.deepEqual(flagged("nelson-4", alternating(13)), []);
    });

    it("a repeated value breaks the alternation", () => {
      // ...,9,11 then 11 again: a flat step, so a new alternation starts at the repeat.
      assert.deepEqual(flagged("nelson-4", [...alternating(8), 11, ...alternating(12)]), []);
      assert.deepEqual(flagged("nelson-4", [...alternating(8), 11, ...alternating(13)]), [21]);
    });

    it("two steps the same way break it", () => {
      assert.deepEqual(flagged("nelson-4", [...alternating(7), 12, ...alternating(7, 13)]), []);
    });
  });

  describe("nelson-5 / we-2: K of K+1 beyond 2σ on the same side", () => {
    it("flags 2 of 3 beyond 2σ when the flagged point is itself beyond", () => {
      assert.deepEqual(flagged("nelson-5", [C, UP2, C, UP2]), [3]);
      assert.deepEqual(flagged("nelson-5", [C, DOWN2, DOWN2]), [2]);
      assert.deepEqual(flagged("nelson-5", [C, UP2, UP2, C]), [2]);
    });

    it("a partial window at the start of the data does not count", () => {
      assert.deepEqual(flagged("nelson-5", [UP2, UP2]), []);
      assert.deepEqual(flagged("nelson-5", [UP2, UP2, C]), []);
      assert.deepEqual(flagged("nelson-5", [UP2, UP2, UP2]), [2]);
    });

    it("1 of 3 (K − 1) is not enough, and the window slides", () => {
      assert.deepEqual(flagged("nelson-5", [UP2, C, C, UP2, C, C, UP2]), []);
    });

    it("points exactly on 2σ are not beyond; beyond 3σ counts", () => {
      assert.deepEqual(flagged("nelson-5", [14, C, 14.0001, 14]), []);
      assert.deepEqual(flagged("nelson-5", [C, 6, 6, 6]), []);
      assert.deepEqual(flagged("nelson-5", [17, C, UP2]), [2]);
    });

    it("points on opposite sides do not combine", () => {
      assert.deepEqual(flagged("nelson-5", [UP2, DOWN2, C, UP2, DOWN2, C]), []);
    });

    it("keeps flagging while each new point completes 2 of 3", () => {
      assert.deepEqual(flagged("nelson-5", [C, UP2, UP2, UP2, C, UP2, C]), [2, 3, 5]);
    });

    it("we-2 is the same test", () => {
      const values = [C, UP2, UP2, UP2, C, UP2, C, DOWN2, C, DOWN2];
      assert.deepEqual(flagged("we-2", values), flagged("nelson-5", values));
      assert.deepEqual(flagged("we-2", values), [2, 3, 5, 9]);
    });
  });

  describe("nelson-6 / we-3: K of K+1 beyond 1σ on the same side", () => {
    it("flags 4 of 5 beyond 1σ when the flagged point is itself beyond", () => {
      assert.deepEqual(flagged("nelson-6", [UP1, UP1, C, UP1, UP1]), [4]);
      assert.deepEqual(flagged("nelson-6", [C, DOWN1, DOWN2, DOWN1, 3]), [4]);
      assert.deepEqual(flagged("nelson-6", [C, UP1, UP1, UP1, UP1, C]), [4]);
    });

    it("a partial window at the start of the data does not count", () => {
      assert.deepEqual(flagged("nelson-6", [UP1, UP1, UP1, UP1]), []);
      assert.deepEqual(flagged("nelson-6", [UP1, UP1, UP1, UP1, UP1]), [4]);
    });

    it("3 of 5 (K − 1) is not enough; points exactly on 1σ are not beyond", () => {
      assert.deepEqual(flagged("nelson-6", [UP1, UP1, C, C, UP1, C, C, UP1]), []);
      assert.deepEqual(flagged("nelson-6", [UP1, UP1, 12, UP1, UP1]), [4]);
      assert.deepEqual(flagged("nelson-6", [UP1, 12, 12, UP1, UP1]), []);
    });

    it("a long run keeps flagging", () => {
      assert.deepEqual(flagged("nelson-6", repeat(DOWN1, 8)), [4, 5, 6, 7]);
    });

    it("we-3 is the same test", () => {
      const values = [UP1, UP1, C, UP1, UP1, UP1, C, DOWN1, DOWN1, DOWN1, DOWN1];
      assert.deepEqual(flagged("we-3", values), flagged("nelson-6", values));
      assert.deepEqual(flagged("we-3", values), [4, 5, 10]);
    });
  });

  describe("nelson-7: K in a row within 1σ", () => {
    it("flags the 15th point within 1σ and later ones; 14 are not enough", () => {
      const within = Array.from({ length: 17 }, (_, i) => [10.5, 9.5, 10][i % 3]);
      assert.deepEqual(flagged("nelson-7", within.slice(0, 14)), []);
      assert.deepEqual(flagged("nelson-7", within.slice(0, 15)), [14]);
      assert.deepEqual(flagged("nelson-7", within), [14, 15, 16]);
    });

    it("within is inclusive: points exactly on ±1σ and on the centre count", () => {
      const onLines = Array.from({ length: 15 }, (_, i) => [12, 8, 10][i % 3]);
      assert.deepEqual(flagged("nelson-7", onLines), [14]);
    });

    it("a point beyond 1σ breaks the run", () => {
      assert.deepEqual(flagged("nelson-7", [...repeat(11, 10), UP1, ...repeat(11, 14)]), []);
    });
  });

  describe("nelson-8: K in a row beyond 1σ with points on both sides", () => {
    const mixed = [UP1, DOWN1, UP2, DOWN2, UP1, DOWN1, 17, 3];

    it("flags the 8th point beyond 1σ when both sides are present", () => {
      assert.deepEqual(flagged("nelson-8", mixed), [7]);
      assert.deepEqual(flagged("nelson-8", [DOWN1, ...repeat(UP1, 7)]), [7]);
    });

    it("7 in a row (K − 1) are not enough", () => {
      assert.deepEqual(flagged("nelson-8", [...mixed.slice(0, 7), C, ...mixed.slice(0, 7)]), []);
    });

    it("8 beyond +1σ all on one side do not trigger it (Nelson 1984 / qcc / SAS / JMP)", () => {
      assert.deepEqual(flagged("nelson-8", repeat(UP1, 12)), []);
      assert.deepEqual(flagged("nelson-8", repeat(DOWN1, 12)), []);
    });

    it("a point exactly on 1σ is in zone C and breaks the run", () => {
      assert.deepEqual(flagged("nelson-8", [...mixed.slice(0, 4), 12, ...mixed.slice(4)]), []);
      assert.deepEqual(flagged("nelson-8", [...mixed.slice(0, 4), 8, ...mixed.slice(4)]), []);
    });

    it("keeps flagging while the last K points still hold both sides", () => {
      // the only point below is index 0; it leaves the last 8 at index 8.
      assert.deepEqual(flagged("nelson-8", [DOWN1, ...repeat(UP1, 9)]), [7]);
      assert.deepEqual(flagged("nelson-8", [...mixed, UP1, DOWN1, UP1]), [7, 8, 9, 10]);
    });
  });

  describe("R qcc test vectors", () => {
    // The deterministic cases of R's qcc package (luca-scr/qcc, tests/testthat/test-rules.R), centre 0,
    // σ 1. qcc reports 1-based indices; they are converted to 0-based here.
    const unit = controlLimits(0, 1, 3);
    const qcc = (rule: RuleId, values: number[]): number[] => {
      const result: number[] = [];
      evaluateRules(values, unit, [rule]).forEach((violations, i) => {
        if (violations.length > 0) result.push(i + 1);
      });
      return result;
    };

    it("Western Electric 1-4", () => {
      assert.deepEqual(qcc("we-1", [0, 3.2, -3.5, 2.9]), [2, 3]);
      assert.deepEqual(qcc("we-2", [0, 2.5, 1.0, 2.6, 0]), [4]);
      assert.deepEqual(qcc("we-3", [0, 1.2, 1.3, 0.2, 1.4, 1.5]), [6]);
      assert.deepEqual(qcc("we-4", [-1, -1, -1, -1, -1, -1, -1, -1, 1]), [8]);
      const overlap = [2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 3.2];
      assert.deepEqual(qcc("we-4", overlap), [8]);
      assert.deepEqual(qcc("we-3", overlap), [5, 6, 7, 8]);
      assert.deepEqual(qcc("we-2", overlap), [3, 4, 5, 6, 7, 8]);
      assert.deepEqual(qcc("we-1", overlap), [8]);
    });

    it("Nelson 1-8", () => {
      assert.deepEqual(qcc("nelson-1", [0, 3.2, -3.4, 3]), [2, 3]);
      assert.deepEqual(qcc("nelson-2", [...repeat(0.5, 10), -0.5, ...repeat(-0.5, 9)]), [9, 10, 19, 20]);
      assert.deepEqual(qcc("nelson-3", [1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1]), [6, 7, 13, 14]);
      assert.deepEqual(qcc("nelson-4", [1, 3, 2, 4, 3, 5, 4, 6, 5, 7, 6, 8, 7, 9, 8]), [14, 15]);
      assert.deepEqual(qcc("nelson-5", [0, 2.3, 0.4, 2.2, -2.4, -0.2, -2.5]), [4, 7]);
      assert.deepEqual(qcc("nelson-6", [1.2, 1.3, 0.2, 1.4, 1.5, -1.2, -1.3, -0.1, -1.4, -1.5]), [5, 10]);
      assert.deepEqual(qcc("nelson-7", [...repeat(0.3, 16), 1.2]), [15, 16]);
      assert.deepEqual(qcc("nelson-8", [1.2, -1.3, 1.1, -1.4, 1.5, -1.2, 1.3, -1.1, 0.2]), [8]);
      assert.deepEqual(qcc("nelson-8", repeat(1.2, 8)), []);
    });
  });

  describe("several rules together", () => {
    it("reports violations in the canonical order whatever the configured order", () => {
      const values = [...repeat(UP2, 9)];
      const result = evaluateRules(values, LIMITS, ["we-4", "nelson-2", "nelson-6", "nelson-5", "nelson-1"]);
      assert.deepEqual(result[8], ["nelson-2", "nelson-5", "nelson-6", "we-4"]);
      assert.deepEqual(result[7], ["nelson-5", "nelson-6", "we-4"]);
      assert.deepEqual(result[1], []);
    });

    it("the O(1) engine agrees point by point with a brute-force reading of each rule's definition", () => {
      for (const [seed, kScale] of [
        [1, 1],
        [2, 1],
        [3, 0.5],
        [4, 0.5],
      ]) {
        const values = structuredSeries(seed, 3000);
        const rules = RULE_IDS.map((id) => ({ id, k: scaledK(id, kScale) }));
        const engineResult = evaluateRules(values, LIMITS, rules);
        for (const rule of rules) {
          const expected = bruteForce(rule.id, rule.k, values);
          const actual = engineResult.map((violations) => violations.includes(rule.id));
          const firstDiff = actual.findIndex((flag, i) => flag !== expected[i]);
          assert.equal(firstDiff, -1, `${rule.id} (K=${rule.k}, seed ${seed}) differs at point ${firstDiff}`);
          const positives = expected.filter(Boolean).length;
          assert.ok(positives > 0 && positives < values.length, `${rule.id} (K=${rule.k}, seed ${seed}): ${positives} flags`);
        }
      }
    });
  });

  describe("state", () => {
    it("survives JSON at any point and continues exactly as an uninterrupted engine", () => {
      const values = structuredSeries(7, 400);
      const rules = validateRules(RULE_IDS.map((id) => id));
      const reference = evaluateRules(values, LIMITS, rules);
      for (let split = 0; split <= values.length; split += 13) {
        const first = new RuleEngine(rules);
        const before = values.slice(0, split).map((x) => first.evaluate(x, LIMITS));
        const restored = RuleEngine.fromJSON(JSON.parse(JSON.stringify(first.toJSON())), rules);
        assert.ok(restored, `restore at ${split}`);
        const after = values.slice(split).map((x) => restored.evaluate(x, LIMITS));
        assert.deepEqual([...before, ...after], reference, `split at ${split}`);
      }
    });

    it("the state stays small: the bands of at most max(K+1) points", () => {
      const engine = new RuleEngine(validateRules(RULE_PRESETS.nelson));
      for (const x of structuredSeries(9, 10000)) engine.evaluate(x, LIMITS);
      const json = engine.toJSON();
      assert.equal(json.bands.length, 5);
      assert.ok(JSON.stringify(json).length < 400);
    });

    it("a restore with a larger K-of-K+1 window waits for a complete window instead of inventing a flag", () => {
      const small = new RuleEngine(validateRules([{ id: "nelson-6", k: 2 }]));
      for (const x of [UP1, UP1, UP1]) small.evaluate(x, LIMITS);
      const larger = RuleEngine.fromJSON(small.toJSON(), validateRules(["nelson-6"]));
      assert.ok(larger);
      assert.deepEqual(larger.evaluate(UP1, LIMITS), []); // only 4 known points: no complete window of 5
      assert.deepEqual(larger.evaluate(UP1, LIMITS), ["nelson-6"]);
    });

    it("rejects a corrupt save", () => {
      const rules = validateRules(["nelson-1"]);
      assert.equal(RuleEngine.fromJSON(null, rules), null);
      assert.equal(RuleEngine.fromJSON({ ...new RuleEngine(rules).toJSON(), bands: [7] }, rules), null);
      assert.equal(RuleEngine.fromJSON({ ...new RuleEngine(rules).toJSON(), version: 2 }, rules), null);
    });

    it("reset forgets every run", () => {
      const engine = new RuleEngine(validateRules(["nelson-2"]));
      for (const x of repeat(11, 8)) engine.evaluate(x, LIMITS);
      engine.reset();
      assert.deepEqual(engine.evaluate(11, LIMITS), []);
      assert.equal(engine.evaluated, 1);
    });
  });

  describe("configuration", () => {
    it("fills in Minitab's K, keeps the first of duplicates and sorts canonically", () => {
      assert.deepEqual(validateRules(["we-1", "nelson-3", { id: "nelson-3", k: 7 }, { id: "nelson-2", k: 7 }]), [
        { id: "nelson-2", k: 7 },
        { id: "nelson-3", k: 6 },
        { id: "we-1", k: 3 },
      ]);
      assert.equal(DEFAULT_K["nelson-4"], 14);
    });

    it("the beyond rules default to the chart's σ multiplier", () => {
      assert.deepEqual(validateRules(["nelson-1", "we-1", { id: "we-1", k: 4 }], 2.5), [
        { id: "nelson-1", k: 2.5 },
        { id: "we-1", k: 2.5 },
      ]);
    });

    it("rejects unknown ids and bad K with the entry named", () => {
      assert.throws(() => validateRules(["nelson-9" as RuleId]), (e: unknown) => e instanceof InputError && e.field === "rules[0]");
      assert.throws(() => validateRules(["nelson-1", { id: "nelson-2", k: 0 }]), /^InputError: rules\[1\]\.k: expected a whole number >= 1, got 0$/);
      assert.throws(() => validateRules([{ id: "nelson-2", k: 2.5 }]), /rules\[0\]\.k/);
      assert.throws(() => validateRules([{ id: "nelson-3", k: 1 }]), /rules\[0\]\.k: nelson-3 needs K >= 2, got 1/);
      assert.throws(() => validateRules([{ id: "nelson-1", k: -1 }]), /rules\[0\]\.k: expected a number > 0/);
      assert.throws(() => validateRules("nelson-1" as unknown as RuleId[]), /^InputError: rules:/);
    });

    it("presets name the rule sets the editor offers", () => {
      assert.equal(RULE_PRESETS.nelson.length, 8);
      assert.deepEqual(RULE_PRESETS["western-electric"], ["we-1", "we-2", "we-3", "we-4"]);
      assert.deepEqual(RULE_PRESETS["rule-1"], ["nelson-1"]);
    });
  });
});

function scaledK(id: RuleId, scale: number): number {
  const k = DEFAULT_K[id];
  if (id === "nelson-1" || id === "we-1") return scale === 1 ? 3 : 2;
  return Math.max(id === "nelson-4" ? 3 : 2, Math.round(k * scale));
}

/**
 * Data where every pattern happens: values on a 0.5σ grid (so points land exactly on the centre and
 * on the σ lines), stretches of noise, ramps, alternations, repeats and level shifts.
 */
function structuredSeries(seed: number, length: number): number[] {
  const random = seededRandom(seed);
  const grid = (z: number): number => C + 2 * (Math.round(z * 2) / 2);
  const values: number[] = [];
  while (values.length < length) {
    const kind = Math.floor(random() * 5);
    const span = 3 + Math.floor(random() * 18);
    const level = (random() - 0.5) * 4;
    const direction = random() < 0.5 ? 1 : -1;
    for (let i = 0; i < span; i++) {
      let z: number;
      if (kind === 0) z = level + (random() - 0.5) * 2;
      else if (kind === 1) z = level + direction * i * (random() < 0.9 ? 0.5 : 0.25);
      else if (kind === 2) z = level + (i % 2 === 0 ? 0.75 : -0.75) * (random() < 0.95 ? 1 : 0);
      else if (kind === 3) z = level + (random() - 0.5);
      else z = (random() < 0.5 ? 1 : -1) * (1.25 + random() * 2.5);
      values.push(grid(z));
    }
  }
  return values.slice(0, length);
}

/** Each rule read literally from its definition, by looking back over the points; O(K) per point. */
function bruteForce(id: RuleId, k: number, values: readonly number[]): boolean[] {
  const { center, sigma } = LIMITS;
  const side = (x: number): number => Math.sign(x - center);
  const beyond = (x: number, level: number): number => (x > center + level * sigma ? 1 : x < center - level * sigma ? -1 : 0);
  const last = (i: number, count: number): number[] | null => (i + 1 >= count ? values.slice(i + 1 - count, i + 1) : null);
  return values.map((x, i) => {
    switch (id) {
      case "nelson-1":
      case "we-1":
        return beyond(x, k) !== 0;
      case "nelson-2":
      case "we-4": {
        const run = last(i, k);
        return run !== null && side(run[0]) !== 0 && run.every((y) => side(y) === side(run[0]));
      }
      case "nelson-3": {
        const run = last(i, k);
        if (run === null) return false;
        const steps = run.slice(1).map((y, j) => Math.sign(y - run[j]));
        return steps.every((s) => s === 1) || steps.every((s) => s === -1);
      }
      case "nelson-4": {
        const run = last(i, k);
        if (run === null) return false;
        const steps = run.slice(1).map((y, j) => Math.sign(y - run[j]));
        return steps.every((s, j) => s !== 0 && (j === 0 || s === -steps[j - 1]));
      }
      case "nelson-5":
      case "we-2":
      case "nelson-6":
      case "we-3": {
        const level = id === "nelson-5" || id === "we-2" ? 2 : 1;
        const window = last(i, k + 1);
        const own = beyond(x, level);
        return window !== null && own !== 0 && window.filter((y) => beyond(y, level) === own).length >= k;
      }
      case "nelson-7": {
        const run = last(i, k);
        return run !== null && run.every((y) => beyond(y, 1) === 0);
      }
      case "nelson-8": {
        const run = last(i, k);
        return (
          run !== null &&
          run.every((y) => beyond(y, 1) !== 0) &&
          run.some((y) => beyond(y, 1) > 0) &&
          run.some((y) => beyond(y, 1) < 0)
        );
      }
    }
  });
}
