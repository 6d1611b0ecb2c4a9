import assert from "node:assert/strict";
import { SlidingMedian } from "../../../lib/stats/sliding-median";
import { seededRandom } from "../../support/reference";

function naiveMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

describe("lib/stats SlidingMedian", () => {
  it("equals the median of the last N values, with duplicates", () => {
    const random = seededRandom(9);
    for (const size of [1, 2, 5, 64]) {
      const median = new SlidingMedian(size);
      const seen: number[] = [];
      for (let i = 0; i < 1000; i++) {
        const x = Math.floor(random() * 20);
        seen.push(x);
        median.push(x);
        assert.equal(median.median(), naiveMedian(seen.slice(-size)), `size ${size} step ${i}`);
      }
      assert.deepEqual(median.toArray(), seen.slice(-size));
    }
  });

  it("is NaN when empty and rejects a size below 1", () => {
    assert.ok(Number.isNaN(new SlidingMedian(3).median()));
    assert.throws(() => new SlidingMedian(0), /referenceSize/);
  });
});
