import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { planReads, splitAtGaps } from "../../../lib/modbus/planner";
import { parseRegisterMap } from "../../../lib/modbus/register-map";
import { seededRandom } from "../../support/reference";

const summary = (tags: Parameters<typeof parseRegisterMap>[0], options = {}) => planReads(parseRegisterMap(tags), options).map((r) => `${r.area} ${r.address}+${r.count}`);

describe("lib/modbus planReads", () => {
  it("merges contiguous registers of one area into one request, areas apart", () => {
    const tags = [
      { tag: "a", address: 0, type: "float32" },
      { tag: "b", address: 2, type: "int16" },
      { tag: "c", address: 3, type: "float64" },
      { tag: "i", area: "input", address: 0 },
      { tag: "c1", area: "coil", address: 10 },
      { tag: "c2", area: "coil", address: 11 },
      { tag: "d", area: "discrete", address: 0 },
    ];
    assert.deepEqual(summary(tags), ["holding 0+7", "input 0+1", "coil 10+2", "discrete 0+1"]);
    const [holding] = planReads(parseRegisterMap(tags));
    assert.deepEqual(
      holding.tags.map((t) => [t.tag.tag, t.offset]),
      [
        ["a", 0],
        ["b", 2],
        ["c", 3],
      ],
    );
    assert.equal(holding.bridgesGap, false);
  });

  it("splits at the protocol limits: 125 registers, 2000 bits", () => {
    const registers = Array.from({ length: 300 }, (_, i) => ({ tag: `r${i}`, address: i }));
    assert.deepEqual(summary(registers), ["holding 0+125", "holding 125+125", "holding 250+50"]);
    const floats = Array.from({ length: 63 }, (_, i) => ({ tag: `f${i}`, address: i * 2, type: "float32" }));
    // 62 floats = 124 registers; the 63rd would straddle the limit and starts the next request.
    assert.deepEqual(summary(floats), ["holding 0+124", "holding 124+2"]);
    const coils = Array.from({ length: 4500 }, (_, i) => ({ tag: `c${i}`, area: "coil", address: i }));
    assert.deepEqual(summary(coils), ["coil 0+2000", "coil 2000+2000", "coil 4000+500"]);
    assert.deepEqual(summary(registers.slice(0, 10), { maxRegisters: 4 }), ["holding 0+4", "holding 4+4", "holding 8+2"]);
  });

  it("bridges small gaps only", () => {
    const tags = [
      { tag: "a", address: 0 },
      { tag: "b", address: 5 }, // gap of 4: bridged
      { tag: "c", address: 16 }, // gap of 10: bridged (the default limit)
      { tag: "d", address: 28 }, // gap of 11: new request
    ];
    const plan = planReads(parseRegisterMap(tags));
    assert.deepEqual(
      plan.map((r) => [r.address, r.count, r.bridgesGap]),
      [
        [0, 17, true],
        [28, 1, false],
      ],
    );
    assert.deepEqual(summary(tags, { maxGapRegisters: 0 }), ["holding 0+1", "holding 5+1", "holding 16+1", "holding 28+1"]);
    assert.deepEqual(summary(tags, { maxGapRegisters: 20 }), ["holding 0+29"]);
    assert.deepEqual(
      splitAtGaps(plan[0]).map((r) => `${r.address}+${r.count}`),
      ["0+1", "5+1", "16+1"],
    );
    const coils = [
      { tag: "x", area: "coil", address: 0 },
      { tag: "y", area: "coil", address: 161 },
      { tag: "z", area: "coil", address: 400 },
    ];
    assert.deepEqual(summary(coils), ["coil 0+162", "coil 400+1"]);
  });

  it("the greedy plan is minimal: brute force over small random maps agrees", () => {
    // Minimal number of requests by dynamic programming over the sorted tags.
    const random = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const tags: { tag: string; address: number; type: string }[] = [];
      let address = Math.floor(random() * 5);
      const types = ["int16", "float32", "float64"];
      for (let i = 0; i < 12; i++) {
        const type = types[Math.floor(random() * 3)];
        tags.push({ tag: `t${i}`, address, type });
        address += { int16: 1, float32: 2, float64: 4 }[type] as number;
        address += Math.floor(random() * 6);
      }
      const options = { maxRegisters: 8 + Math.floor(random() * 10), maxGapRegisters: Math.floor(random() * 4) };
      const parsed = parseRegisterMap(tags);
      const ends = parsed.map((t) => t.address + ({ int16: 1, float32: 2, float64: 4 }[t.type as "int16"] as number));
      const best = new Array<number>(parsed.length + 1).fill(Infinity);
      best[0] = 0;
      for (let j = 1; j <= parsed.length; j++) {
        for (let i = 0; i < j; i++) {
          // tags i..j-1 in one request?
          let ok = ends[j - 1] - parsed[i].address <= options.maxRegisters;
          for (let k = i + 1; k < j && ok; k++) ok = parsed[k].address - ends[k - 1] <= options.maxGapRegisters;
          if (ok) best[j] = Math.min(best[j], best[i] + 1);
        }
      }
      assert.equal(planReads(parsed, options).length, best[parsed.length], JSON.stringify({ tags, options }));
    }
  });

  it("rejects limits outside the protocol and a value wider than the limit", () => {
    assert.throws(() => planReads([], { maxRegisters: 126 }), (e: unknown) => e instanceof InputError && e.field === "maxRegisters");
    assert.throws(() => planReads([], { maxBits: 0 }), (e: unknown) => e instanceof InputError && e.field === "maxBits");
    assert.throws(() => planReads(parseRegisterMap([{ tag: "f", address: 0, type: "float64" }]), { maxRegisters: 2 }), /needs 4 registers per request, the limit is 2/);
  });
});
