import { InputError, describeValue, requirePositiveInteger } from "../common/errors";
import { FaultEngine, parseFaultRequest, type Fault, type FaultRequest, type Quality, type RandomFaultOptions, type ScheduledFault } from "./faults";
import { streamFor } from "./noise";
import { TankModel, type TankLayers } from "./tank";
import { TANK_ID, plantTags, type TagInfo, type TankTagName, type WellTagName } from "./tags";
import { WellModel } from "./well";

/**
 * The simulated plant: a well pad and tank T1, stepped on a fixed grid (1 s by default) by `advance(toMs)`,
 * with no timers of its own, so tests and benchmarks run a simulated day in seconds and the servers in
 * sim/ drive it from the wall clock. The same seed and options always give the same series, step for
 * step: each well, the tank and the random faults draw from generators of their own.
 */

export interface PlantOptions {
  /** number of wells (W01 …), default 3 */
  wells?: number;
  /** default 1 */
  seed?: number;
  /** epoch ms of the first sample; default now, whole seconds */
  startMs?: number;
  /** ms between samples, default 1000 (the contract's 1 Hz) */
  stepMs?: number;
  faults?: readonly ScheduledFault[];
  randomFaults?: RandomFaultOptions;
  /**
   * seconds of history kept per tag for GET /history (backfill); default 3 h, less when the plant is
   * large (about 2 million samples in all, ~18 MB); 0 keeps none
   */
  historyS?: number;
}

export interface Sample {
  value: number;
  /** epoch ms (the source timestamp) */
  timestamp: number;
  quality: Quality;
}

export interface TagState extends Sample {
  /** false while a gap fault holds the tag: `value`/`timestamp` are then those of the last delivered sample */
  present: boolean;
}

export interface PlantStatus {
  timeMs: number;
  startMs: number;
  stepMs: number;
  steps: number;
  wells: string[];
  tank: TankLayers & { inflow: number; outflow: number; transferPump: boolean; waterDrain: boolean; area: number };
  trippedWells: string[];
  activeFaults: Fault[];
  scheduledFaults: number;
}

const HISTORY_SAMPLES_BUDGET = 2_000_000;

export class PlantSimulator {
  readonly tags: readonly TagInfo[];
  readonly wellIds: readonly string[];
  readonly startMs: number;
  readonly stepMs: number;
  private readonly wells: WellModel[];
  private readonly tank: TankModel;
  private readonly faults: FaultEngine;
  private readonly tagIndex = new Map<string, number>();
  private nowMs: number;
  private steps = 0;
  /** the last step's value of each tag, and the last one delivered (differs during a gap) */
  private readonly current: TagState[];
  private readonly delivered: TagState[];
  /** how to measure each tag, in `tags` order (resolved once: this runs for every tag at every step) */
  private readonly measurers: (() => number)[];
  private readonly history: { capacity: number; times: Float64Array; values: Float64Array[]; bad: Uint8Array[]; count: number; next: number };

  constructor(options: PlantOptions = {}) {
    const wells = requirePositiveInteger(options.wells ?? 3, "wells");
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed)) throw new InputError("seed", `expected a whole number, got ${describeValue(seed)}`);
    this.stepMs = requirePositiveInteger(options.stepMs ?? 1000, "stepMs");
    const start = options.startMs ?? Math.floor(Date.now() / 1000) * 1000;
    if (!Number.isFinite(start)) throw new InputError("startMs", `expected epoch milliseconds, got ${describeValue(start)}`);
    this.startMs = start;
    this.nowMs = start;
    this.tags = plantTags(wells);
    this.tags.forEach((t, i) => this.tagIndex.set(t.key, i));
    this.wells = Array.from({ length: wells }, (_, i) => new WellModel(streamFor(seed, i + 1)));
    this.wellIds = this.tags.filter((t) => t.protocol === "opcua" && t.tag === "OilRate").map((t) => t.asset);
    const nominalInflow = this.wells.reduce((s, w) => s + w.parameters.referenceRate, 0) * (0.158987 / 24);
    this.tank = new TankModel(streamFor(seed, 0), nominalInflow);
    this.measurers = this.tags.map((info) => {
      if (info.asset === TANK_ID) return () => this.tank.measure(info.tag as TankTagName);
      const well = this.wells[Number(info.asset.slice(1)) - 1];
      return () => well.measure(info.tag as WellTagName);
    });
    this.faults = new FaultEngine((tag) => this.resolveTags(tag), streamFor(seed, -1), options.randomFaults);
    this.faults.schedule(options.faults ?? [], start);

    const defaultHistoryS = Math.min(3 * 3600, Math.floor(HISTORY_SAMPLES_BUDGET / this.tags.length) * (this.stepMs / 1000));
    const historyS = options.historyS ?? defaultHistoryS;
    if (!Number.isFinite(historyS) || historyS < 0) throw new InputError("historyS", `expected seconds >= 0, got ${describeValue(historyS)}`);
    const capacity = Math.floor((historyS * 1000) / this.stepMs);
    this.history = {
      capacity,
      times: new Float64Array(capacity),
      values: this.tags.map(() => new Float64Array(capacity)),
      bad: this.tags.map(() => new Uint8Array(capacity)),
      count: 0,
      next: 0,
    };
    this.current = this.tags.map(() => ({ value: 0, timestamp: start, quality: "good", present: true }));
    this.delivered = this.tags.map(() => ({ value: Number.NaN, timestamp: start, quality: "good", present: false }));
    this.sample(start);
  }

  /** Simulated time now (epoch ms): the time of the latest sample. */
  get timeMs(): number {
    return this.nowMs;
  }

  /** Runs every step up to and including `toMs`; earlier times do nothing (time never runs back). */
  advance(toMs: number): void {
    if (!Number.isFinite(toMs)) throw new InputError("toMs", `expected epoch milliseconds, got ${describeValue(toMs)}`);
    const allKeys = this.tags.map((t) => t.key);
    while (this.nowMs + this.stepMs <= toMs) {
      const from = this.nowMs;
      this.nowMs += this.stepMs;
      this.faults.drawRandom(from, this.nowMs, allKeys);
      const dtS = this.stepMs / 1000;
      const hourOfDay = ((this.nowMs / 3_600_000) % 24 + 24) % 24;
      let liquid = 0;
      let water = 0;
      let heat = 0;
      for (const well of this.wells) {
        well.step(dtS, hourOfDay);
        const { rate, waterCut } = well.liquid;
        liquid += rate;
        water += rate * waterCut;
        heat += rate * well.truth.Temperature;
      }
      this.tank.step(dtS, { rate: liquid, waterCut: liquid > 0 ? water / liquid : 0 }, liquid > 0 ? heat / liquid : 60, hourOfDay);
      this.sample(this.nowMs);
      this.steps++;
    }
  }

  /** The tag's latest step (during a gap: present = false, with the last delivered value and time). */
  state(key: string): TagState {
    const i = this.indexOf(key);
    const now = this.current[i];
    return now.present ? { ...now } : { ...this.delivered[i], present: false };
  }

  /** Latest state of every tag, in `tags` order. */
  states(): TagState[] {
    return this.tags.map((t) => this.state(t.key));
  }

  /** Injects a fault starting now; returns it with its id and times. Throws InputError on a bad request. */
  inject(request: unknown): Fault {
    const parsed: FaultRequest = parseFaultRequest(request, (tag) => this.resolveTags(tag));
    // It acts from the next sample on: the current one is already out.
    return this.faults.add(parsed, this.nowMs + 1, "injected");
  }

  faultList(): { active: Fault[]; scheduled: Fault[]; recent: Fault[] } {
    return { active: this.faults.active(this.nowMs), scheduled: this.faults.scheduled(this.nowMs), recent: this.faults.recent() };
  }

  /**
   * The source's history of a tag strictly between `startMs` and `endMs` (what a backfill re-reads):
   * every step's value, including those a gap kept from the protocol servers.
   */
  historyOf(key: string, startMs: number, endMs: number): Sample[] {
    const i = this.indexOf(key);
    const h = this.history;
    const out: Sample[] = [];
    for (let k = 0; k < h.count; k++) {
      const slot = (h.next - h.count + k + h.capacity) % h.capacity;
      const t = h.times[slot];
      if (t > startMs && t < endMs) out.push({ value: h.values[i][slot], timestamp: t, quality: h.bad[i][slot] ? "bad" : "good" });
    }
    return out;
  }

  /** Tank layers now (truth, no noise): what the camera sees. */
  tankLayers(): TankLayers {
    return this.tank.layers();
  }

  status(): PlantStatus {
    const truth = this.tank.truth;
    return {
      timeMs: this.nowMs,
      startMs: this.startMs,
      stepMs: this.stepMs,
      steps: this.steps,
      wells: [...this.wellIds],
      tank: { ...this.tank.layers(), inflow: truth.Inflow, outflow: truth.Outflow, transferPump: this.tank.pumps.transfer, waterDrain: this.tank.pumps.drain, area: this.tank.area },
      trippedWells: this.wellIds.filter((_, i) => this.wells[i].isTripped),
      activeFaults: this.faults.active(this.nowMs),
      scheduledFaults: this.faults.scheduled(this.nowMs).length,
    };
  }

  /** Series keys a fault's `tag` names: the key itself, or every tag of an asset. */
  resolveTags(tag: string): string[] {
    if (this.tagIndex.has(tag)) return [tag];
    return this.tags.filter((t) => t.asset === tag).map((t) => t.key);
  }

  private indexOf(key: string): number {
    const i = this.tagIndex.get(key);
    if (i === undefined) throw new InputError("tag", `expected a series key like "W01.OilRate" or "T1.Level", got ${describeValue(key)}`);
    return i;
  }

  private sample(atMs: number): void {
    const h = this.history;
    const slot = h.next;
    if (h.capacity > 0) h.times[slot] = atMs;
    for (let i = 0; i < this.tags.length; i++) {
      const out = this.faults.apply(this.tags[i].key, this.measurers[i](), atMs);
      const state = this.current[i];
      state.value = out.value;
      state.timestamp = atMs;
      state.quality = out.quality;
      state.present = out.present;
      if (out.present) {
        const delivered = this.delivered[i];
        delivered.value = out.value;
        delivered.timestamp = atMs;
        delivered.quality = out.quality;
        delivered.present = true;
      }
      if (h.capacity > 0) {
        h.values[i][slot] = out.value;
        h.bad[i][slot] = out.quality === "bad" ? 1 : 0;
      }
    }
    if (h.capacity > 0) {
      h.next = (slot + 1) % h.capacity;
      h.count = Math.min(h.capacity, h.count + 1);
    }
    this.faults.retire(atMs);
  }
}
