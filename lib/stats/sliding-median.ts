import { requirePositiveInteger } from "../common/errors";
import { DoubleRing } from "./ring";

/**
 * Median of the last `size` values: a sorted copy kept beside the arrival order, updated by binary
 * search and a block move. O(log n + n) per value with a tiny constant; for reference sizes of a few
 * hundred this beats two heaps with lazy deletion and needs no garbage.
 */
export class SlidingMedian {
  readonly size: number;
  private readonly arrivals: DoubleRing;
  private readonly sorted: Float64Array;
  private count = 0;

  constructor(size: number) {
    this.size = requirePositiveInteger(size, "referenceSize");
    this.arrivals = new DoubleRing(this.size);
    this.sorted = new Float64Array(this.size);
  }

  get length(): number {
    return this.count;
  }

  push(x: number): void {
    if (this.count === this.size) {
      const old = this.arrivals.shift();
      const at = this.lowerBound(old);
      this.sorted.copyWithin(at, at + 1, this.count);
      this.count--;
    }
    this.arrivals.push(x);
    const at = this.lowerBound(x);
    this.sorted.copyWithin(at + 1, at, this.count);
    this.sorted[at] = x;
    this.count++;
  }

  /** NaN when empty. */
  median(): number {
    const n = this.count;
    if (n === 0) return NaN;
    const mid = n >> 1;
    return n % 2 === 1 ? this.sorted[mid] : (this.sorted[mid - 1] + this.sorted[mid]) / 2;
  }

  /** Values in arrival order, oldest first. */
  toArray(): number[] {
    return this.arrivals.toArray();
  }

  clear(): void {
    this.arrivals.clear();
    this.count = 0;
  }

  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
