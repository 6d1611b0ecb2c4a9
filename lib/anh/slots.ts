import { InputError, describeValue } from "../common/errors";
import { dayBounds, slotCount } from "../gaps/completeness";

/**
 * The readings of one local day, reduced per variable and slot to what the four aggregations need
 * (count, sum, min, max, last value and its time) plus the bad-quality count. One Float64Array per
 * variable: 20 variables × 144 slots is 23 kB however many readings arrive, so a 1 Hz day (1.7 M
 * readings) costs the same memory as a 10-minute one.
 */

/** Fields of a slot record in the per-variable array. */
const COUNT = 0;
const SUM = 1;
const MIN = 2;
const MAX = 3;
const LAST = 4;
const LAST_AT = 5;
const BAD = 6;
const FIELDS = 7;

export interface SlotFigures {
  /** good readings */
  count: number;
  sum: number;
  min: number;
  max: number;
  /** the value of the good reading with the latest timestamp (a late reading does not override it) */
  last: number;
  badCount: number;
}

export class DaySlots {
  readonly date: string;
  readonly timeZone: string;
  readonly start: number;
  readonly end: number;
  readonly intervalMs: number;
  readonly slots: number;
  /** readings outside the day, ignored */
  outside = 0;
  private readonly series = new Map<string, Float64Array>();

  constructor(date: string, timeZone: string, intervalMs: number) {
    const bounds = dayBounds(date, timeZone);
    this.date = bounds.date;
    this.timeZone = bounds.timeZone;
    this.start = bounds.start;
    this.end = bounds.end;
    this.intervalMs = intervalMs;
    this.slots = slotCount(this.start, this.end, intervalMs);
  }

  /** Adds one reading; returns false when its time is outside the day (it is counted, not stored). */
  add(tag: string, timestamp: number, value: number, good: boolean): boolean {
    if (typeof timestamp !== "number" || timestamp - timestamp !== 0) throw new InputError("timestamp", `expected epoch milliseconds, got ${describeValue(timestamp)}`);
    if (timestamp < this.start || timestamp >= this.end) {
      this.outside++;
      return false;
    }
    const slot = Math.min(this.slots - 1, Math.floor((timestamp - this.start) / this.intervalMs));
    const data = this.arrayOf(tag);
    const at = slot * FIELDS;
    if (!good) {
      data[at + BAD]++;
      return true;
    }
    if (typeof value !== "number" || value - value !== 0) throw new InputError("value", `expected a finite number, got ${describeValue(value)}`);
    if (data[at + COUNT] === 0) {
      data[at + MIN] = value;
      data[at + MAX] = value;
    } else {
      if (value < data[at + MIN]) data[at + MIN] = value;
      if (value > data[at + MAX]) data[at + MAX] = value;
    }
    data[at + COUNT]++;
    data[at + SUM] += value;
    // ">=": of readings with the same time the one that arrived last wins, as a historian overwrites.
    if (data[at + COUNT] === 1 || timestamp >= data[at + LAST_AT]) {
      data[at + LAST] = value;
      data[at + LAST_AT] = timestamp;
    }
    return true;
  }

  has(tag: string): boolean {
    return this.series.has(tag);
  }

  tags(): IterableIterator<string> {
    return this.series.keys();
  }

  /** The figures of one slot of a tag (zero counts when the tag never reported). */
  figures(tag: string, slot: number, into: SlotFigures = emptyFigures()): SlotFigures {
    const data = this.series.get(tag);
    if (data === undefined) {
      into.count = 0;
      into.badCount = 0;
      return into;
    }
    const at = slot * FIELDS;
    into.count = data[at + COUNT];
    into.sum = data[at + SUM];
    into.min = data[at + MIN];
    into.max = data[at + MAX];
    into.last = data[at + LAST];
    into.badCount = data[at + BAD];
    return into;
  }

  /** Start of slot k, epoch ms. */
  slotStart(slot: number): number {
    return this.start + slot * this.intervalMs;
  }

  private arrayOf(tag: string): Float64Array {
    let data = this.series.get(tag);
    if (data === undefined) {
      data = new Float64Array(this.slots * FIELDS);
      this.series.set(tag, data);
    }
    return data;
  }
}

export function emptyFigures(): SlotFigures {
  return { count: 0, sum: 0, min: 0, max: 0, last: 0, badCount: 0 };
}
