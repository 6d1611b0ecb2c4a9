import assert from "assert";
import { InputError } from "../../../lib/common/errors";
import { seededRandom } from "../../../lib/common/random";
import { FAULT_KINDS, PlantSimulator, TANK_HEIGHT_M, type PlantOptions } from "../../../lib/simulator";
import { WellModel } from "../../../lib/simulator/well";

const START = Date.UTC(2026, 0, 1, 0, 0, 0);
const HOUR = 3_600_000;

/** Every step's value of some tags over `hours`, from a fresh simulator. */
function series(options: PlantOptions, keys: string[], hours: number): Record<string, number[]> {
  const plant = new PlantSimulator({ startMs: START, ...options });
  const out: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, [plant.state(k).value]]));
  for (let t = 1; t <= hours * 3600; t++) {
    plant.advance(START + t * 1000);
    for (const k of keys) out[k].push(plant.state(k).value);
  }
  return out;
}

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe("simulator: plant model", () => {
  it("gives the same series for the same seed and different ones for another seed", () => {
    const keys = ["W01.OilRate", "W02.TubingPressure", "T1.Level", "T1.WaterInterface"];
    const a = series({ seed: 7 }, keys, 0.5);
    const b = series({ seed: 7 }, keys, 0.5);
    const c = series({ seed: 8 }, keys, 0.5);
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a["W01.OilRate"], c["W01.OilRate"]);
  });

  it("keeps a well's series when wells are added (each well draws from its own generator)", () => {
    const three = series({ seed: 3, wells: 3 }, ["W02.GasRate"], 0.2);
    const five = series({ seed: 3, wells: 5 }, ["W02.GasRate"], 0.2);
    assert.deepStrictEqual(three, five);
  });

  it("names the contract's tags: 9 per well, 8 of the tank with their registers", () => {
    const plant = new PlantSimulator({ wells: 2, startMs: START });
    assert.strictEqual(plant.tags.length, 2 * 9 + 8);
    assert.deepStrictEqual(
      plant.tags.filter((t) => t.asset === "W02").map((t) => t.key),
      ["OilRate", "WaterRate", "GasRate", "TubingPressure", "CasingPressure", "Temperature", "Choke", "PumpSpeed", "PumpCurrent"].map((t) => `W02.${t}`),
    );
    assert.deepStrictEqual(
      plant.tags.filter((t) => t.asset === "T1").map((t) => [t.key, t.register]),
      [
        ["T1.Level", 0],
        ["T1.Inflow", 2],
        ["T1.Outflow", 4],
        ["T1.TempTop", 6],
        ["T1.TempMiddle", 8],
        ["T1.TempBottom", 10],
        ["T1.WaterInterface", 12],
        ["T1.EmulsionInterface", 14],
      ],
    );
  });

  it("runs a simulated day on a 1 s grid with plausible, physically consistent values", function () {
    this.timeout(120_000);
    const plant = new PlantSimulator({ seed: 11, startMs: START });
    let previousLevel = plant.state("T1.Level").value;
    let rising = 0;
    let falling = 0;
    for (let t = 1; t <= 24 * 3600; t++) {
      plant.advance(START + t * 1000);
      if (t % 60 !== 0) continue;
      const s = (k: string) => plant.state(k).value;
      for (const w of plant.wellIds) {
        assert.ok(s(`${w}.OilRate`) >= 0 && s(`${w}.OilRate`) < 3000, `${w}.OilRate ${s(`${w}.OilRate`)}`);
        assert.ok(s(`${w}.Choke`) >= 10 && s(`${w}.Choke`) <= 85);
        assert.ok(s(`${w}.PumpSpeed`) >= -0.2 && s(`${w}.PumpSpeed`) <= 61);
        assert.ok(s(`${w}.CasingPressure`) > s(`${w}.TubingPressure`), "casing above tubing pressure");
        assert.ok(s(`${w}.Temperature`) > 20 && s(`${w}.Temperature`) < 100);
      }
      const layers = plant.tankLayers();
      assert.ok(layers.waterInterface > 0 && layers.waterInterface < layers.emulsionInterface && layers.emulsionInterface < layers.level && layers.level <= TANK_HEIGHT_M);
      // The layers stay inside the thermal camera's bands: crude warmest, water coolest.
      assert.ok(layers.tempTop > layers.tempMiddle && layers.tempMiddle > layers.tempBottom);
      if (layers.level > previousLevel) rising++;
      else falling++;
      previousLevel = layers.level;
    }
    assert.ok(rising > 100 && falling > 100, `the level both fills and empties over a day (${rising} up, ${falling} down)`);
    assert.strictEqual(plant.status().steps, 24 * 3600);
  });

  it("moves the tank level by (inflow − outflow) over its area, step by step", function () {
    this.timeout(60_000);
    const plant = new PlantSimulator({ seed: 9, startMs: START });
    let before = plant.status().tank;
    for (let t = 1; t <= 4 * 3600; t++) {
      plant.advance(START + t * 1000);
      const now = plant.status().tank;
      const expected = before.level + (now.inflow - now.outflow) / 3600 / now.area;
      assert.ok(Math.abs(now.level - expected) < 1e-9, `t = ${t} s: level ${now.level}, expected ${expected}`);
      before = now;
    }
  });

  it("correlates the rates with each other and the tubing pressure with the rate", function () {
    this.timeout(60_000);
    const s = series({ seed: 5, wells: 1 }, ["W01.OilRate", "W01.WaterRate", "W01.GasRate", "W01.TubingPressure", "W01.Choke"], 6);
    assert.ok(correlation(s["W01.OilRate"], s["W01.WaterRate"]) > 0.8, "oil and water move together");
    assert.ok(correlation(s["W01.OilRate"], s["W01.GasRate"]) > 0.8, "gas follows oil");
  });

  it("opens the choke → more liquid, lower tubing pressure; faster pump → more liquid and current; a trip stops the pump", () => {
    const run = (command: Parameters<WellModel["operate"]>[0]) => {
      const well = new WellModel(seededRandom(99));
      for (let t = 0; t < 600; t++) well.step(1, 12);
      well.operate(command);
      for (let t = 0; t < 1800; t++) well.step(1, 12);
      return { ...well.truth };
    };
    const base = run({});
    const opened = run({ choke: base.Choke + 20 });
    const faster = run({ pumpSpeed: base.PumpSpeed + 6 });
    const tripped = run({ tripS: 3600 });
    assert.ok(opened.OilRate > base.OilRate * 1.1 && opened.WaterRate > base.WaterRate * 1.1);
    assert.ok(opened.TubingPressure < base.TubingPressure);
    assert.ok(faster.OilRate > base.OilRate * 1.05 && faster.PumpCurrent > base.PumpCurrent + 3);
    assert.strictEqual(tripped.PumpSpeed, 0);
    assert.strictEqual(tripped.PumpCurrent, 0);
    assert.ok(tripped.OilRate < base.OilRate * 0.2, "natural flow only");
  });
});

describe("simulator: faults", () => {
  const tag = "W01.OilRate";
  function run(fault: object, seconds: number, options: PlantOptions = {}): { plant: PlantSimulator; values: number[]; quality: string[]; present: boolean[]; clean: number[] } {
    const plant = new PlantSimulator({ seed: 2, startMs: START, faults: [{ ...(fault as { tag: string; kind: "spike"; durationS: number }), atS: 60 }], ...options });
    const clean = new PlantSimulator({ seed: 2, startMs: START, ...options });
    const values: number[] = [];
    const quality: string[] = [];
    const present: boolean[] = [];
    const cleanValues: number[] = [];
    for (let t = 1; t <= seconds; t++) {
      plant.advance(START + t * 1000);
      clean.advance(START + t * 1000);
      const state = plant.state(tag);
      values.push(plant.historyOf(tag, START + t * 1000 - 1, START + t * 1000 + 1)[0].value);
      quality.push(state.quality);
      present.push(state.present);
      cleanValues.push(clean.state(tag).value);
    }
    return { plant, values, quality, present, clean: cleanValues };
  }

  it("spike: one outlier of the given magnitude at the start, nothing else changed", () => {
    const r = run({ tag, kind: "spike", durationS: 1, magnitude: 500 }, 180);
    const diffs = r.values.map((v, i) => v - r.clean[i]);
    const changed = diffs.map((d, i) => [d, i] as const).filter(([d]) => Math.abs(d) > 1e-9);
    assert.strictEqual(changed.length, 1);
    assert.strictEqual(changed[0][1], 59); // step t = 60 s
    assert.ok(Math.abs(changed[0][0] - 500) < 1e-6);
  });

  it("drift: a ramp to the magnitude over the duration, gone afterwards", () => {
    const r = run({ tag, kind: "drift", durationS: 100, magnitude: 50 }, 240);
    const d = r.values.map((v, i) => v - r.clean[i]);
    assert.ok(Math.abs(d[58]) < 1e-9, "before the start");
    assert.ok(Math.abs(d[59 + 50] - 25) < 1e-6, "half way: half the magnitude");
    assert.ok(Math.abs(d[59 + 99] - 49.5) < 1e-6);
    assert.ok(Math.abs(d[59 + 100]) < 1e-9, "after the end");
  });

  it("stuck: the value before the start repeats for the duration, with good quality", () => {
    const r = run({ tag, kind: "stuck", durationS: 30 }, 120);
    const held = r.values.slice(59, 89);
    assert.ok(held.every((v) => v === r.values[58]));
    assert.ok(r.quality.slice(59, 89).every((q) => q === "good"));
    assert.notStrictEqual(r.values[89], r.values[58]);
  });

  it("quality: bad status for the duration, values still coming", () => {
    const r = run({ tag, kind: "quality", durationS: 20 }, 120);
    assert.deepStrictEqual(
      r.quality.map((q, i) => [q, i] as const).filter(([q]) => q === "bad").map(([, i]) => i),
      Array.from({ length: 20 }, (_, k) => 59 + k),
    );
    assert.deepStrictEqual(r.values, r.clean);
  });

  it("gap: nothing delivered for the duration, the last delivered sample kept, the source history complete", () => {
    const r = run({ tag, kind: "gap", durationS: 30 }, 120);
    assert.deepStrictEqual(
      r.present.map((p, i) => [p, i] as const).filter(([p]) => !p).map(([, i]) => i),
      Array.from({ length: 30 }, (_, k) => 59 + k),
    );
    const history = r.plant.historyOf(tag, START, START + 121_000);
    assert.strictEqual(history.length, 120);
    assert.strictEqual(r.plant.historyOf(tag, START + 60_000, START + 70_000).length, 9, "strictly between start and end");
  });

  it("an asset as the tag faults all its tags; injection at run time acts from the next sample", () => {
    const plant = new PlantSimulator({ seed: 2, startMs: START });
    plant.advance(START + 10_000);
    const fault = plant.inject({ tag: "T1", kind: "gap", durationS: 5 });
    assert.strictEqual(fault.tags.length, 8);
    assert.ok(plant.state("T1.Level").present, "the current sample is already out");
    plant.advance(START + 11_000);
    assert.ok(plant.tags.filter((t) => t.asset === "T1").every((t) => !plant.state(t.key).present));
    assert.ok(plant.state("W01.OilRate").present);
    assert.strictEqual(plant.faultList().active.length, 1);
    plant.advance(START + 20_000);
    assert.ok(plant.state("T1.Level").present);
    assert.strictEqual(plant.faultList().active.length, 0);
    assert.strictEqual(plant.faultList().recent.length, 1);
  });

  it("random faults: seeded, of most kinds over 6 h, and the plant's series unchanged outside them", function () {
    this.timeout(60_000);
    const a = new PlantSimulator({ seed: 4, startMs: START, randomFaults: { meanIntervalS: 300 } });
    const b = new PlantSimulator({ seed: 4, startMs: START, randomFaults: { meanIntervalS: 300 } });
    a.advance(START + 6 * HOUR);
    b.advance(START + 6 * HOUR);
    const kinds = new Set([...a.faultList().recent, ...a.faultList().active].map((f) => f.kind));
    assert.deepStrictEqual(a.faultList(), b.faultList());
    assert.ok(kinds.size >= 4, `kinds seen: ${[...kinds].join(", ")}`);
    for (const k of kinds) assert.ok((FAULT_KINDS as readonly string[]).includes(k));
    // The faults draw from a generator of their own: a tag no fault touched reads as without faults.
    const calm = new PlantSimulator({ seed: 4, startMs: START });
    calm.advance(START + 6 * HOUR);
    const touched = new Set([...a.faultList().recent, ...a.faultList().active].flatMap((f) => f.tags));
    const untouched = a.tags.map((t) => t.key).filter((k) => !touched.has(k));
    assert.ok(untouched.length > 0);
    for (const key of untouched) assert.strictEqual(a.state(key).value, calm.state(key).value, key);
  });

  it("rejects a bad fault naming the field", () => {
    const plant = new PlantSimulator({ startMs: START });
    assert.throws(() => plant.inject({ tag: "W09.OilRate", kind: "gap", durationS: 5 }), (e: unknown) => e instanceof InputError && e.field === "fault.tag");
    assert.throws(() => plant.inject({ tag: "W01.OilRate", kind: "melt", durationS: 5 }), (e: unknown) => e instanceof InputError && e.field === "fault.kind");
    assert.throws(() => plant.inject({ tag: "W01.OilRate", kind: "drift", durationS: -1 }), (e: unknown) => e instanceof InputError && e.field === "fault.durationS");
    assert.throws(() => plant.inject({ tag: "W01.OilRate", kind: "drift", durationS: 5, magnitude: "big" }), (e: unknown) => e instanceof InputError && e.field === "fault.magnitude");
    assert.throws(() => new PlantSimulator({ faults: [{ tag: "T1.Level", kind: "gap", durationS: 5 }] }), (e: unknown) => e instanceof InputError && e.field === "faults[0].atS");
    assert.throws(() => new PlantSimulator({ wells: 0 }), (e: unknown) => e instanceof InputError && e.field === "wells");
  });
});
