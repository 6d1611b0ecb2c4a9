import { InputError, describeValue } from "../common/errors";
import { parseTimestamp } from "../common/sample";

/**
 * What goes wrong between a sensor and the historian, applied to the measured value of a tag:
 * - spike: one outlier (the first sample at or after the start), `magnitude` added;
 * - drift: an offset ramping from 0 to `magnitude` over the duration (a fouling sensor), gone at the end;
 * - stuck: the value frozen at the last one before the start (a hung transmitter), quality still good;
 * - quality: the value keeps coming with a bad status (sensor failure);
 * - gap: no updates at all (communication loss); the source's own history still has the values, as an
 *   RTU's log does, so a backfill can recover them.
 * Without a magnitude, a spike adds 25 % of the value (at least 1 unit), a drift ends 10 % off: large
 * enough that the analytics should see them, small enough to be plausible.
 */
export const FAULT_KINDS = ["spike", "drift", "stuck", "quality", "gap"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRequest {
  /** a series key (`W01.OilRate`) or an asset (`W01`, `T1`: all its tags) */
  tag: string;
  kind: FaultKind;
  /** seconds; a spike lasts one sample whatever it says */
  durationS: number;
  /** in the tag's unit: the spike's height or the drift's final offset (negative = downwards) */
  magnitude?: number;
}

export interface ScheduledFault extends FaultRequest {
  /** start as epoch ms / ISO 8601 … */
  start?: number | string;
  /** … or as seconds after the simulation's start */
  atS?: number;
}

export interface Fault extends FaultRequest {
  id: number;
  startMs: number;
  endMs: number;
  /** the series keys it acts on */
  tags: string[];
  origin: "schedule" | "injected" | "random";
}

export type Quality = "good" | "bad";

export interface FaultedValue {
  value: number;
  quality: Quality;
  /** false during a gap: nothing reaches the protocol servers */
  present: boolean;
}

export interface RandomFaultOptions {
  /** mean seconds between two faults over the whole plant (a Poisson process) */
  meanIntervalS: number;
  kinds?: FaultKind[];
  /** series keys or assets the faults may hit; default all tags */
  tags?: string[];
}

/** Seconds a random fault of each kind lasts: [min, max). */
const RANDOM_DURATION_S: Record<FaultKind, [number, number]> = {
  spike: [1, 1],
  drift: [900, 2700],
  stuck: [180, 900],
  quality: [60, 600],
  gap: [120, 1200],
};

const MAX_DURATION_S = 7 * 86400;

/** Checks a fault request as it comes from an HTTP body or a schedule; `field` prefixes the field names. */
export function parseFaultRequest(input: unknown, resolveTags: (tag: string) => string[], field = "fault"): FaultRequest {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new InputError(field, `expected {tag, kind, durationS, magnitude?}, got ${describeValue(input)}`);
  }
  const { tag, kind, durationS, magnitude } = input as Record<string, unknown>;
  if (typeof tag !== "string" || resolveTags(tag).length === 0) {
    throw new InputError(`${field}.tag`, `expected a series key like "W01.OilRate" or an asset like "T1", got ${describeValue(tag)}`);
  }
  if (typeof kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new InputError(`${field}.kind`, `expected one of ${FAULT_KINDS.join(", ")}, got ${describeValue(kind)}`);
  }
  const duration = durationS === undefined && kind === "spike" ? 1 : durationS;
  if (typeof duration !== "number" || !Number.isFinite(duration) || duration <= 0 || duration > MAX_DURATION_S) {
    throw new InputError(`${field}.durationS`, `expected seconds > 0 and at most ${MAX_DURATION_S}, got ${describeValue(durationS)}`);
  }
  if (magnitude !== undefined && (typeof magnitude !== "number" || !Number.isFinite(magnitude))) {
    throw new InputError(`${field}.magnitude`, `expected a finite number in the tag's unit, got ${describeValue(magnitude)}`);
  }
  return { tag, kind: kind as FaultKind, durationS: duration, ...(magnitude === undefined ? {} : { magnitude }) };
}

/**
 * The faults of a run: those given up front (the schedule), those injected while it runs, and, when
 * asked, random ones drawn from a seeded generator of their own (so they never disturb the plant's
 * series). `apply` turns a tag's measured value at a step into what the field would deliver.
 */
export class FaultEngine {
  private readonly faults: Fault[] = [];
  private nextId = 1;
  /** value a stuck fault holds, by fault id and tag */
  private readonly frozen = new Map<string, number>();
  /** spikes already delivered, by fault id and tag */
  private readonly spiked = new Set<string>();
  /** the last value delivered per tag (what a stuck transmitter keeps showing) */
  private readonly lastValue = new Map<string, number>();
  /** finished faults kept for GET /faults */
  private readonly finished: Fault[] = [];

  constructor(
    private readonly resolveTags: (tag: string) => string[],
    private readonly random: () => number,
    private readonly randomFaults?: RandomFaultOptions,
  ) {
    if (randomFaults && (!Number.isFinite(randomFaults.meanIntervalS) || randomFaults.meanIntervalS <= 0)) {
      throw new InputError("randomFaults.meanIntervalS", `expected seconds > 0, got ${describeValue(randomFaults.meanIntervalS)}`);
    }
  }

  add(request: FaultRequest, startMs: number, origin: Fault["origin"]): Fault {
    const parsed = parseFaultRequest(request, this.resolveTags);
    const durationMs = parsed.kind === "spike" ? 1 : parsed.durationS * 1000;
    const fault: Fault = { ...parsed, id: this.nextId++, startMs, endMs: startMs + durationMs, tags: this.resolveTags(parsed.tag), origin };
    this.faults.push(fault);
    this.faults.sort((a, b) => a.startMs - b.startMs || a.id - b.id);
    return fault;
  }

  /** Adds the schedule; `atS` counts from `originMs`. */
  schedule(faults: readonly ScheduledFault[], originMs: number): void {
    faults.forEach((entry, i) => {
      const field = `faults[${i}]`;
      parseFaultRequest(entry, this.resolveTags, field);
      let startMs: number;
      if (entry.start !== undefined) startMs = parseTimestamp(entry.start, `${field}.start`);
      else if (typeof entry.atS === "number" && Number.isFinite(entry.atS) && entry.atS >= 0) startMs = originMs + entry.atS * 1000;
      else throw new InputError(`${field}.atS`, `expected seconds >= 0 after the start (or a start time), got ${describeValue(entry.atS)}`);
      this.add(entry, startMs, "schedule");
    });
  }

  /** Draws the random faults starting in (fromMs, toMs]; call once per step, in order. */
  drawRandom(fromMs: number, toMs: number, allTags: readonly string[]): void {
    const options = this.randomFaults;
    if (!options) return;
    const random = this.random;
    if (random() >= (toMs - fromMs) / 1000 / options.meanIntervalS) return;
    const kinds = options.kinds ?? FAULT_KINDS;
    const pool = options.tags ?? allTags;
    const kind = kinds[Math.floor(random() * kinds.length)];
    const tag = pool[Math.floor(random() * pool.length)];
    const [low, high] = RANDOM_DURATION_S[kind];
    this.add({ tag, kind, durationS: Math.round(low + (high - low) * random()) }, toMs, "random");
  }

  /** Moves faults that ended before `nowMs` to the finished list (bounded). */
  retire(nowMs: number): void {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const fault = this.faults[i];
      const done = fault.kind === "spike" ? fault.tags.every((tag) => this.spiked.has(`${fault.id}:${tag}`)) : fault.endMs <= nowMs;
      if (!done) continue;
      this.faults.splice(i, 1);
      for (const tag of fault.tags) {
        this.frozen.delete(`${fault.id}:${tag}`);
        this.spiked.delete(`${fault.id}:${tag}`);
      }
      this.finished.push(fault);
      if (this.finished.length > 200) this.finished.shift();
    }
  }

  /** The value a tag delivers at `atMs`, given its measurement (`measured`). */
  apply(tag: string, measured: number, atMs: number): FaultedValue {
    let value = measured;
    let quality: Quality = "good";
    let present = true;
    for (const fault of this.faults) {
      if (fault.startMs > atMs) break;
      if (!fault.tags.includes(tag)) continue;
      const key = `${fault.id}:${tag}`;
      if (fault.kind === "spike") {
        if (this.spiked.has(key)) continue;
        this.spiked.add(key);
        value += fault.magnitude ?? Math.max(0.25 * Math.abs(measured), 1);
        continue;
      }
      if (atMs >= fault.endMs) continue;
      switch (fault.kind) {
        case "drift": {
          const share = (atMs - fault.startMs) / (fault.endMs - fault.startMs);
          const full = fault.magnitude ?? 0.1 * Math.abs(this.frozenOr(key, measured));
          value += share * full;
          break;
        }
        case "stuck":
          value = this.frozenOr(key, this.lastValue.get(tag) ?? measured);
          break;
        case "quality":
          quality = "bad";
          break;
        case "gap":
          present = false;
          break;
      }
    }
    this.lastValue.set(tag, value);
    return { value, quality, present };
  }

  active(nowMs: number): Fault[] {
    return this.faults.filter((f) => f.startMs <= nowMs);
  }

  scheduled(nowMs: number): Fault[] {
    return this.faults.filter((f) => f.startMs > nowMs);
  }

  recent(): Fault[] {
    return [...this.finished];
  }

  /** The value at a fault's start, kept per fault and tag (a stuck value, a drift's reference). */
  private frozenOr(key: string, value: number): number {
    const held = this.frozen.get(key);
    if (held !== undefined) return held;
    this.frozen.set(key, value);
    return value;
  }
}
