import { DateTime } from "luxon";
import { InputError, describeValue, requirePositiveNumber } from "../common/errors";

/** Consecutive missing slots: [start, end) in epoch ms. */
export interface SlotRun {
  start: number;
  end: number;
  slots: number;
}

export interface Completeness {
  /** the period [start, end) in epoch ms */
  start: number;
  end: number;
  intervalMs: number;
  /** slots of intervalMs from start; a last slot cut short by `end` counts as a slot */
  expectedSlots: number;
  slotsWithData: number;
  missingSlots: number;
  /** 100 × slotsWithData / expectedSlots */
  percent: number;
  /** start (epoch ms) of every slot without data, in time order (the first maxMissingListed) */
  missing: number[];
  /** true when more slots are missing than `missing` lists */
  missingTruncated: boolean;
  /** the same slots grouped into runs, for backfill requests and short reports */
  missingRuns: SlotRun[];
  /** timestamps that fell inside the period (several may share a slot) */
  samplesInPeriod: number;
  /** timestamps before start or at/after end, ignored */
  samplesOutside: number;
}

export interface CompletenessInput {
  /** epoch ms, in any order; repeats are fine */
  timestamps: ArrayLike<number>;
  /** period start, epoch ms (inclusive) */
  start: number;
  /** period end, epoch ms (exclusive) */
  end: number;
  /** slot length in ms (600 000 for the ANH report) */
  intervalMs: number;
  /** at most this many missing slots are listed in `missing` (default 10 000; runs are always complete) */
  maxMissingListed?: number;
}

/** One byte per slot: 100 M slots is 100 MB, beyond any sensible period / interval pair. */
export const MAX_SLOTS = 100_000_000;
export const DEFAULT_MAX_MISSING_LISTED = 10_000;

/**
 * Completeness of a period on a fixed grid of slots [start + k·interval, start + (k+1)·interval): a slot
 * has data when at least one timestamp falls in it. The grid is in absolute time from `start`, so a
 * local day of 23 h or 25 h (see dayBounds) simply has fewer or more slots.
 * O(timestamps + slots), no sorting: the ANH report and the gap detector both use it.
 */
export function completeness(input: CompletenessInput): Completeness {
  const { start, end } = validatePeriod(input.start, input.end);
  const intervalMs = requirePositiveNumber(input.intervalMs, "intervalMs");
  const timestamps = requireTimestampArray(input.timestamps, "timestamps");
  const expectedSlots = slotCount(start, end, intervalMs);
  const maxListed = input.maxMissingListed ?? DEFAULT_MAX_MISSING_LISTED;
  if (!Number.isInteger(maxListed) || maxListed < 0) {
    throw new InputError("maxMissingListed", `expected a whole number >= 0, got ${describeValue(maxListed)}`);
  }
  const seen = new Uint8Array(expectedSlots);
  const lastSlot = expectedSlots - 1;
  let inside = 0;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i];
    if (typeof t !== "number" || t - t !== 0) {
      throw new InputError(`timestamps[${i}]`, `expected epoch milliseconds, got ${describeValue(t)}`);
    }
    if (t >= start && t < end) {
      // The min guards the last slot against a division that rounds up to the slot count.
      seen[Math.min(lastSlot, Math.floor((t - start) / intervalMs))] = 1;
      inside++;
    }
  }
  return summarise(seen, start, end, intervalMs, inside, timestamps.length - inside, maxListed);
}

/** Slots of a period (a last slot cut short counts); throws beyond MAX_SLOTS rather than exhaust memory. */
export function slotCount(start: number, end: number, intervalMs: number): number {
  const slots = Math.ceil((end - start) / intervalMs);
  if (slots > MAX_SLOTS) {
    throw new InputError("intervalMs", `${intervalMs} ms over ${end - start} ms gives ${slots} slots; expected at most ${MAX_SLOTS} (a longer interval or a shorter period)`);
  }
  return slots;
}

/** A saved tracker: the filled slots as runs [start0, end0, start1, end1, …) of slot indexes. */
export interface CompletenessTrackerJSON {
  version: 2;
  start: number;
  end: number;
  intervalMs: number;
  runs: number[];
  inside: number;
  outside: number;
}

/**
 * Completeness accumulated one timestamp at a time over a fixed period (today's completeness of a live
 * series). The filled slots are kept as sorted, merged runs rather than one byte per slot: a tag
 * sampled every second has 86 400 slots a day, and 10 000 such tags would need 864 MB of byte maps,
 * while a regular series is a handful of runs (one per gap). In-order data extends the last run in
 * O(1); a late sample is placed by binary search.
 */
export class CompletenessTracker {
  readonly start: number;
  readonly end: number;
  readonly intervalMs: number;
  readonly slots: number;
  /** run starts and ends (exclusive), sorted, non-overlapping, non-adjacent */
  private runStarts: number[] = [];
  private runEnds: number[] = [];
  private filled = 0;
  private inside = 0;
  private outside = 0;

  constructor(start: number, end: number, intervalMs: number) {
    ({ start: this.start, end: this.end } = validatePeriod(start, end));
    this.intervalMs = requirePositiveNumber(intervalMs, "intervalMs");
    this.slots = slotCount(this.start, this.end, this.intervalMs);
  }

  /** Marks the slot of `timestamp`; returns false (and counts it) when it is outside the period. */
  add(timestamp: number): boolean {
    if (typeof timestamp !== "number" || timestamp - timestamp !== 0) {
      throw new InputError("timestamp", `expected epoch milliseconds, got ${describeValue(timestamp)}`);
    }
    if (timestamp < this.start || timestamp >= this.end) {
      this.outside++;
      return false;
    }
    this.mark(Math.min(this.slots - 1, Math.floor((timestamp - this.start) / this.intervalMs)));
    this.inside++;
    return true;
  }

  /**
   * The live figure a status or message shows on every sample: 100 × slots with data / slots started by
   * `until`, without building the full result. Null before the first slot has started.
   */
  percentUntil(until: number): number | null {
    const started = Math.min(this.slots, Math.max(0, Math.ceil((until - this.start) / this.intervalMs)));
    if (started === 0) return null;
    return (100 * this.filledBefore(started)) / started;
  }

  /**
   * The result so far. With `until` (epoch ms) only the slots that have started by then are expected,
   * so a live "today" figure is not dragged down by the hours still to come.
   */
  result(until?: number): Completeness {
    const seen = new Uint8Array(this.slots);
    for (let r = 0; r < this.runStarts.length; r++) seen.fill(1, this.runStarts[r], this.runEnds[r]);
    if (until === undefined || until >= this.end) {
      return summarise(seen, this.start, this.end, this.intervalMs, this.inside, this.outside, DEFAULT_MAX_MISSING_LISTED);
    }
    const slots = Math.max(0, Math.ceil((until - this.start) / this.intervalMs));
    const cut = Math.min(this.end, this.start + slots * this.intervalMs);
    return summarise(seen.subarray(0, slots), this.start, cut, this.intervalMs, this.inside, this.outside, DEFAULT_MAX_MISSING_LISTED);
  }

  toJSON(): CompletenessTrackerJSON {
    const runs: number[] = [];
    for (let r = 0; r < this.runStarts.length; r++) runs.push(this.runStarts[r], this.runEnds[r]);
    return { version: 2, start: this.start, end: this.end, intervalMs: this.intervalMs, runs, inside: this.inside, outside: this.outside };
  }

  /** Null when `json` is not a saved tracker. */
  static fromJSON(json: CompletenessTrackerJSON): CompletenessTracker | null {
    if (json === null || typeof json !== "object" || json.version !== 2 || !Array.isArray(json.runs) || json.runs.length % 2 !== 0) return null;
    let tracker: CompletenessTracker;
    try {
      tracker = new CompletenessTracker(json.start, json.end, json.intervalMs);
    } catch {
      return null;
    }
    let previousEnd = 0;
    for (let i = 0; i < json.runs.length; i += 2) {
      const from = json.runs[i];
      const to = json.runs[i + 1];
      if (!Number.isInteger(from) || !Number.isInteger(to) || from < previousEnd || to <= from || to > tracker.slots) return null;
      tracker.runStarts.push(from);
      tracker.runEnds.push(to);
      tracker.filled += to - from;
      previousEnd = to + 1; // runs are saved merged: adjacent or overlapping runs mean a corrupt save
    }
    tracker.inside = Number.isInteger(json.inside) && json.inside >= 0 ? json.inside : tracker.filled;
    tracker.outside = Number.isInteger(json.outside) && json.outside >= 0 ? json.outside : 0;
    return tracker;
  }

  private filledBefore(slot: number): number {
    const runs = this.runStarts.length;
    if (runs === 0 || this.runEnds[runs - 1] <= slot) return this.filled; // the usual case: no data ahead
    let count = 0;
    for (let r = 0; r < runs && this.runStarts[r] < slot; r++) count += Math.min(this.runEnds[r], slot) - this.runStarts[r];
    return count;
  }

  private mark(slot: number): void {
    const starts = this.runStarts;
    const ends = this.runEnds;
    const last = starts.length - 1;
    // In-order data: inside or right after the last run.
    if (last >= 0 && slot >= starts[last]) {
      if (slot < ends[last]) return;
      if (slot === ends[last]) {
        ends[last]++;
        this.filled++;
        return;
      }
      starts.push(slot);
      ends.push(slot + 1);
      this.filled++;
      return;
    }
    // A late sample: find the first run starting after the slot.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= slot) lo = mid + 1;
      else hi = mid;
    }
    const before = lo - 1;
    if (before >= 0 && slot < ends[before]) return;
    this.filled++;
    const joinsBefore = before >= 0 && ends[before] === slot;
    const joinsAfter = lo < starts.length && starts[lo] === slot + 1;
    if (joinsBefore && joinsAfter) {
      ends[before] = ends[lo];
      starts.splice(lo, 1);
      ends.splice(lo, 1);
    } else if (joinsBefore) {
      ends[before]++;
    } else if (joinsAfter) {
      starts[lo]--;
    } else {
      starts.splice(lo, 0, slot);
      ends.splice(lo, 0, slot + 1);
    }
  }
}

export interface DayBounds {
  /** the local calendar date, YYYY-MM-DD */
  date: string;
  timeZone: string;
  /** local midnight that starts the day, epoch ms */
  start: number;
  /** local midnight that starts the next day, epoch ms */
  end: number;
  /** 24, or 23 / 25 on daylight-saving changes */
  hours: number;
}

/**
 * The instants a local calendar day starts and ends in an IANA time zone. The day is measured in
 * absolute time, so the spring-forward day in Europe/Madrid is 23 h and the fall-back day 25 h.
 */
/** `field` names the date in the error (a node passes "msg.date"). */
export function dayBounds(dateISO: string, timeZone: string, field = "date"): DayBounds {
  const zone = requireTimeZone(timeZone);
  if (typeof dateISO !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(dateISO)) {
    throw new InputError(field, `expected a calendar date YYYY-MM-DD, got ${describeValue(dateISO)}`);
  }
  const day = DateTime.fromISO(dateISO, { zone });
  if (!day.isValid) throw new InputError(field, `expected a calendar date YYYY-MM-DD, got ${describeValue(dateISO)}`);
  // startOf("day") rather than the parsed value: where midnight is skipped by a DST change the day
  // begins at the first instant that exists.
  const start = day.startOf("day").toMillis();
  const end = day.plus({ days: 1 }).startOf("day").toMillis();
  return { date: dateISO, timeZone: zone, start, end, hours: (end - start) / 3600_000 };
}

/** The local calendar date (YYYY-MM-DD) of an instant in an IANA time zone. */
export function localDate(timestamp: number, timeZone: string): string {
  const zone = requireTimeZone(timeZone);
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
    throw new InputError("timestamp", `expected epoch milliseconds, got ${describeValue(timestamp)}`);
  }
  return DateTime.fromMillis(timestamp, { zone }).toISODate() as string;
}

/** Completeness of one local calendar day: `completeness` over `dayBounds(date, timeZone)`. */
export function dayCompleteness(input: {
  timestamps: ArrayLike<number>;
  date: string;
  timeZone: string;
  intervalMs: number;
}): Completeness & { date: string; timeZone: string } {
  const day = dayBounds(input.date, input.timeZone);
  const result = completeness({ timestamps: input.timestamps, start: day.start, end: day.end, intervalMs: input.intervalMs });
  return { ...result, date: day.date, timeZone: day.timeZone };
}

function summarise(
  seen: Uint8Array,
  start: number,
  end: number,
  intervalMs: number,
  inside: number,
  outside: number,
  maxListed: number,
): Completeness {
  const missing: number[] = [];
  const missingRuns: SlotRun[] = [];
  let missingSlots = 0;
  let run: SlotRun | null = null;
  for (let k = 0; k < seen.length; k++) {
    if (seen[k] === 1) {
      run = null;
      continue;
    }
    const slotStart = start + k * intervalMs;
    const slotEnd = Math.min(end, slotStart + intervalMs);
    if (missingSlots++ < maxListed) missing.push(slotStart);
    if (run === null) {
      run = { start: slotStart, end: slotEnd, slots: 1 };
      missingRuns.push(run);
    } else {
      run.end = slotEnd;
      run.slots++;
    }
  }
  const expectedSlots = seen.length;
  const slotsWithData = expectedSlots - missingSlots;
  return {
    start,
    end,
    intervalMs,
    expectedSlots,
    slotsWithData,
    missingSlots,
    percent: expectedSlots === 0 ? 100 : (100 * slotsWithData) / expectedSlots,
    missing,
    missingTruncated: missingSlots > missing.length,
    missingRuns,
    samplesInPeriod: inside,
    samplesOutside: outside,
  };
}

function validatePeriod(start: unknown, end: unknown): { start: number; end: number } {
  if (typeof start !== "number" || !Number.isFinite(start)) {
    throw new InputError("start", `expected epoch milliseconds, got ${describeValue(start)}`);
  }
  if (typeof end !== "number" || !Number.isFinite(end) || end <= start) {
    throw new InputError("end", `expected epoch milliseconds after start (${start}), got ${describeValue(end)}`);
  }
  return { start, end };
}

function requireTimeZone(timeZone: unknown): string {
  if (typeof timeZone !== "string" || timeZone.trim() === "" || !DateTime.now().setZone(timeZone).isValid) {
    throw new InputError("timeZone", `expected an IANA time zone such as "America/Bogota", got ${describeValue(timeZone)}`);
  }
  return timeZone;
}

/** An array or typed array of numbers (each element is checked where it is read). */
export function requireTimestampArray(value: unknown, field: string): ArrayLike<number> {
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) return value as ArrayLike<number>;
  throw new InputError(field, `expected an array of epoch milliseconds, got ${describeValue(value)}`);
}
