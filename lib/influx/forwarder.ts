import { InputError, describeValue } from "../common/errors";
import type { Batch } from "./batcher";
import type { DiskQueue } from "./disk-queue";
import type { WriteOutcome, WriteTransport } from "./transport";

/**
 * Store and forward: batches go straight to the server while it answers; when it is unreachable or
 * answers 5xx/429, the batch and every later one go to the durable disk queue, which is replayed
 * oldest first once the server is back, before any new batch. One request at a time, so the order on
 * the wire is the order of arrival. A 400/422 (or 413) answer splits the batch in halves until the bad
 * line stands alone: that line is reported with the server's message and dropped; the rest is written
 * and the queue moves on.
 *
 * In memory (not yet on disk) are only the last `maxMemoryBatches` batches while the server keeps up;
 * close() writes them to disk, so a Node-RED restart loses nothing. With `writeAhead` every batch is
 * on disk before it is sent, which also covers a crash (kill -9, power cut) at the cost of one fsync
 * per batch.
 */

export interface RejectedLine {
  line: string;
  status: number;
  message: string;
}

export interface ForwarderEvents {
  /** the first failed write of an outage */
  outage?(info: { status: number | null; message: string }): void;
  /** the server took data again after an outage; `replayedPoints` came from the disk queue */
  recovered?(info: { downMs: number; replayedPoints: number }): void;
  /** a line the server refused (4xx); it is dropped, the rest goes on */
  rejected?(rejected: RejectedLine): void;
  /** the disk queue crossed `highWatermark` upwards (true) or fell below `lowWatermark` (false) */
  queueLevel?(high: boolean, fill: number): void;
  /** the disk queue is full: these points were not stored */
  dropped?(points: number): void;
  /** a queue record could not be read back (damaged file): skipped */
  damaged?(message: string): void;
}

export interface ForwarderOptions {
  /** ms before the first retry; doubles per failure up to maxRetryDelayMs, with jitter */
  initialRetryDelayMs: number;
  maxRetryDelayMs: number;
  maxMemoryBatches: number;
  writeAhead: boolean;
  /** fractions of the disk queue's bound for the level event */
  highWatermark: number;
  lowWatermark: number;
  /** close() waits this long for a request in flight before leaving it to the replay */
  closeTimeoutMs: number;
}

export const DEFAULT_FORWARDER_OPTIONS: ForwarderOptions = {
  initialRetryDelayMs: 1000,
  maxRetryDelayMs: 30_000,
  maxMemoryBatches: 16,
  writeAhead: false,
  highWatermark: 0.8,
  lowWatermark: 0.5,
  closeTimeoutMs: 10_000,
};

export function resolveForwarderOptions(options: Partial<ForwarderOptions>): ForwarderOptions {
  const merged = { ...DEFAULT_FORWARDER_OPTIONS, ...options };
  for (const key of ["initialRetryDelayMs", "maxRetryDelayMs", "closeTimeoutMs", "maxMemoryBatches"] as const) {
    const value = merged[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new InputError(key, `expected a number > 0, got ${describeValue(value)}`);
  }
  if (!(merged.lowWatermark > 0 && merged.lowWatermark <= merged.highWatermark && merged.highWatermark <= 1)) {
    throw new InputError("highWatermark", `expected 0 < lowWatermark <= highWatermark <= 1, got ${merged.lowWatermark} and ${merged.highWatermark}`);
  }
  return merged;
}

/**
 * Splits a body into its lines. A line break inside a quoted string field belongs to the field, so
 * the split follows the line protocol grammar: quotes count only after the first unescaped space
 * (in the field set), and a backslash escapes the next character.
 */
export function splitLines(body: string): string[] {
  if (!body.includes('"')) return body.split("\n");
  const lines: string[] = [];
  let start = 0;
  let inFields = false;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      i++;
    } else if (inString) {
      if (c === '"') inString = false;
    } else if (c === "\n") {
      lines.push(body.slice(start, i));
      start = i + 1;
      inFields = false;
    } else if (c === " ") {
      inFields = true;
    } else if (c === '"' && inFields) {
      inString = true;
    }
  }
  lines.push(body.slice(start));
  return lines;
}

type Delivery = { kind: "done"; delivered: number } | Extract<WriteOutcome, { kind: "retry" }>;

export class Forwarder {
  private readonly memory: Batch[] = [];
  private pumping = false;
  private closing = false;
  /** the queue is closed: nothing may touch it any more (a late answer is replayed after the restart) */
  private closed = false;
  private inFlightSpilled = false;
  private inFlight: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeRetry: (() => void) | null = null;
  private failures = 0;
  private downSince: number | null = null;
  private replayedDuringOutage = 0;
  private levelHigh = false;
  /** points the server took */
  deliveredPoints = 0;
  /** lines the server refused for good */
  rejectedPoints = 0;
  /** points lost because the disk queue was full */
  droppedPoints = 0;
  /** the reason of the last failed write while the server is down; null when it takes data */
  lastError: string | null = null;
  private readonly options: ForwarderOptions;

  constructor(
    private readonly transport: WriteTransport,
    private readonly queue: DiskQueue,
    options: Partial<ForwarderOptions> = {},
    private readonly events: ForwarderEvents = {},
    private readonly random: () => number = Math.random,
  ) {
    this.options = resolveForwarderOptions(options);
    this.levelHigh = queue.fill >= this.options.highWatermark;
    if (!queue.isEmpty) queueMicrotask(() => this.kick());
  }

  /** points accepted and not yet delivered (memory and disk) */
  get pendingPoints(): number {
    let points = this.queue.points;
    for (const batch of this.memory) points += batch.points;
    return points;
  }

  get queuedPoints(): number {
    return this.queue.points;
  }

  get isDown(): boolean {
    return this.downSince !== null;
  }

  get isIdle(): boolean {
    return !this.pumping && this.memory.length === 0 && this.queue.isEmpty;
  }

  /** Takes a batch: sent when the line is free, else kept in order (in memory or on disk). */
  submit(batch: Batch): void {
    if (batch.points === 0) return;
    if (this.closed) {
      this.droppedPoints += batch.points;
      this.events.dropped?.(batch.points);
      return;
    }
    if (this.closing || this.options.writeAhead || !this.queue.isEmpty || this.downSince !== null) {
      this.store(batch);
    } else {
      this.memory.push(batch);
      if (this.memory.length > this.options.maxMemoryBatches) this.spillMemory();
    }
    this.kick();
  }

  /** Retries now instead of waiting for the backoff (an operator's "retry now", or a test). */
  retryNow(): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      const wake = this.wakeRetry;
      this.wakeRetry = null;
      wake?.();
    }
  }

  /**
   * Stops sending: waits for a request in flight (up to closeTimeoutMs), then puts everything still in
   * memory on disk and closes the queue. A request still unanswered then is replayed after the restart.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.retryNow();
    if (this.inFlight !== null) {
      let timer: NodeJS.Timeout | null = null;
      await Promise.race([this.inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.closeTimeoutMs)))]);
      if (timer !== null) clearTimeout(timer);
    }
    this.spillMemory();
    this.closed = true;
    this.queue.close();
  }

  private store(batch: Batch): void {
    if (!this.queue.append(batch)) {
      this.droppedPoints += batch.points;
      this.events.dropped?.(batch.points);
    }
    this.checkLevel();
  }

  private spillMemory(): void {
    if (this.memory.length === 0) return;
    // The batch in flight is memory[0]: it goes to disk first, so the replay keeps the order, and its
    // answer then acknowledges the disk record instead of the memory slot.
    if (this.pumping) this.inFlightSpilled = true;
    const batches = this.memory.splice(0, this.memory.length);
    for (const batch of batches) this.store(batch);
  }

  private checkLevel(): void {
    const fill = this.queue.fill;
    if (!this.levelHigh && fill >= this.options.highWatermark) {
      this.levelHigh = true;
      this.events.queueLevel?.(true, fill);
    } else if (this.levelHigh && fill < this.options.lowWatermark) {
      this.levelHigh = false;
      this.events.queueLevel?.(false, fill);
    }
  }

  private kick(): void {
    if (this.pumping || this.closing || this.retryTimer !== null) return;
    this.pumping = true;
    let finish: () => void = () => undefined;
    this.inFlight = new Promise<void>((resolve) => (finish = resolve));
    this.pump().finally(() => {
      this.pumping = false;
      this.inFlight = null;
      finish();
    });
  }

  private async pump(): Promise<void> {
    while (!this.closing) {
      let batch: Batch | null;
      let fromDisk: boolean;
      if (!this.queue.isEmpty) {
        try {
          batch = this.queue.peek();
        } catch (err) {
          this.events.damaged?.(`queue record unreadable, skipped: ${(err as Error).message}`);
          this.queue.ack();
          continue;
        }
        fromDisk = true;
      } else if (this.memory.length > 0) {
        batch = this.memory[0];
        fromDisk = false;
        this.inFlightSpilled = false;
      } else {
        return;
      }
      if (batch === null) return;
      const result = await this.deliver(batch.body, batch.points);
      if (this.closed) return;
      const onDisk = fromDisk || this.inFlightSpilled;
      if (result.kind === "done") {
        if (onDisk) this.queue.ack();
        else this.memory.shift();
        this.checkLevel();
        this.deliveredPoints += result.delivered;
        this.failures = 0;
        this.lastError = null;
        if (this.downSince !== null && fromDisk) this.replayedDuringOutage += result.delivered;
        if (this.downSince !== null && this.queue.isEmpty) {
          const info = { downMs: Date.now() - this.downSince, replayedPoints: this.replayedDuringOutage };
          this.downSince = null;
          this.replayedDuringOutage = 0;
          this.events.recovered?.(info);
        }
        continue;
      }
      if (!onDisk) this.spillMemory();
      this.failures += 1;
      this.lastError = result.status === null ? result.message : `HTTP ${result.status}: ${result.message}`;
      if (this.downSince === null) {
        this.downSince = Date.now();
        this.events.outage?.({ status: result.status, message: result.message });
      }
      if (this.closing) return;
      await this.waitBeforeRetry(result.retryAfterMs);
    }
  }

  private waitBeforeRetry(retryAfterMs: number | null): Promise<void> {
    const cap = Math.min(this.options.maxRetryDelayMs, this.options.initialRetryDelayMs * 2 ** Math.min(30, this.failures - 1));
    // "Equal jitter": a fleet of gateways that lost the same server does not come back in the same second.
    const delay = Math.max(retryAfterMs ?? 0, cap / 2 + (this.random() * cap) / 2);
    return new Promise<void>((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.wakeRetry = null;
        resolve();
      }, delay);
    });
  }

  /** Sends a body; on a 4xx splits it until each refused line stands alone and reports it. */
  private async deliver(body: string, points: number): Promise<Delivery> {
    const outcome = await this.transport.write(body);
    if (outcome.kind === "ok") return { kind: "done", delivered: points };
    if (outcome.kind === "retry") return outcome;
    const lines = splitLines(body);
    if (lines.length <= 1) {
      this.rejectedPoints += 1;
      this.events.rejected?.({ line: body, status: outcome.status, message: outcome.message });
      return { kind: "done", delivered: 0 };
    }
    // The lines already written by a server that took part of the batch are written again: InfluxDB
    // keeps one point per series and time, so that overwrites and adds nothing.
    const middle = lines.length >> 1;
    let delivered = 0;
    for (const half of [lines.slice(0, middle), lines.slice(middle)]) {
      const result = await this.deliver(half.join("\n"), half.length);
      if (result.kind === "retry") return result;
      delivered += result.delivered;
    }
    return { kind: "done", delivered };
  }
}
