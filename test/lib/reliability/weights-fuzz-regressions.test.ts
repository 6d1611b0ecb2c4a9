/** Regressions found by the fuzz suite (test/fuzz): msg.weights that are no weights. */
import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { SEED_WEIGHTS, resolveWeights } from "../../../lib/reliability/score";

describe("lib/reliability resolveWeights fuzz regressions", () => {
  it("an array, an unknown (misspelt) weight or a cycle is an InputError, not the seed weights in silence", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const [value, field] of [
      [[], "msg.weights"],
      [{ confidance: 0.3 }, "msg.weights.confidance"],
      [cycle, "msg.weights.self"],
    ] as const) {
      assert.throws(() => resolveWeights(value, "msg.weights"), (err: unknown) => err instanceof InputError && err.field === field);
    }
    assert.deepEqual(resolveWeights({ confidence: 0.3 }, "msg.weights"), SEED_WEIGHTS);
  });
});
