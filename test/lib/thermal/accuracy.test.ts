import assert from "node:assert/strict";
import { resolveThermalOptions, type ThermalOptions } from "../../../lib/thermal/config";
import { decodeImage } from "../../../lib/thermal/frame";
import { segmentFrame, type ThermalResult } from "../../../lib/thermal/segment";
import { SCENARIOS, encodeSyntheticFrame, generateTankFrame, type Scenario, type SyntheticFrame } from "../../../lib/thermal/synthetic";

/** Per truth interface: the error in % of ROI height of the same-named detected one (Infinity: missed). */
export function levelErrors(frame: SyntheticFrame, result: ThermalResult): { errors: number[]; missed: number; extra: number } {
  const errors: number[] = [];
  let missed = 0;
  const used = new Set<number>();
  for (const truth of frame.interfaces) {
    let best = -1;
    for (let i = 0; i < result.interfaces.length; i++) {
      if (used.has(i) || result.interfaces[i].name !== truth.name) continue;
      if (best < 0 || Math.abs(result.interfaces[i].levelPct - truth.levelPct) < Math.abs(result.interfaces[best].levelPct - truth.levelPct)) best = i;
    }
    if (best < 0) {
      missed++;
      continue;
    }
    used.add(best);
    errors.push(Math.abs(result.interfaces[best].levelPct - truth.levelPct));
  }
  return { errors, missed, extra: result.interfaces.length - used.size };
}

export async function evaluate(scenario: Scenario, seeds: number, overrides: Partial<ThermalOptions> = {}): Promise<{ errors: number[]; missed: number; extra: number; frames: number; falseOnUniform: number }> {
  const all: number[] = [];
  let missed = 0;
  let extra = 0;
  let falseOnUniform = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const synthetic = generateTankFrame(scenario, seed);
    const decoded = await decodeImage(await encodeSyntheticFrame(synthetic));
    const result = segmentFrame(decoded, resolveThermalOptions({ ...overrides, roi: synthetic.roi }));
    const e = levelErrors(synthetic, result);
    all.push(...e.errors);
    missed += e.missed;
    extra += e.extra;
    if (synthetic.interfaces.length === 0 && result.interfaces.length > 0) falseOnUniform++;
  }
  return { errors: all, missed, extra, frames: seeds, falseOnUniform };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

describe("lib/thermal segmentation accuracy on the seeded generator", function () {
  this.timeout(120_000);
  const SEEDS = 12;
  const pooled: number[] = [];

  for (const scenario of SCENARIOS) {
    it(`${scenario}: every interface found with the right name, level error ≤ 3 % of the ROI, no extra`, async () => {
      const r = await evaluate(scenario, SEEDS);
      pooled.push(...r.errors);
      assert.equal(r.missed, 0, `${r.missed} interfaces missed`);
      assert.equal(r.extra, 0, `${r.extra} false interfaces`);
      if (r.errors.length > 0) assert.ok(Math.max(...r.errors) <= 3, `max error ${Math.max(...r.errors).toFixed(2)} %`);
      if (scenario === "uniform") assert.equal(r.errors.length, 0);
      else assert.ok(r.errors.length >= SEEDS, "each frame has interfaces");
    });
  }

  it("over all scenarios: median level error ≤ 1 % and max ≤ 3 % of ROI height", () => {
    assert.ok(pooled.length > 100);
    assert.ok(median(pooled) <= 1, `median ${median(pooled)}`);
    assert.ok(Math.max(...pooled) <= 3, `max ${Math.max(...pooled)}`);
  });
});
