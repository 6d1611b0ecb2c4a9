import { InputError, describeValue } from "../common/errors";
import type { Batch } from "./batcher";
import type { DiskQueue } from "./disk-queue";
import type { WriteOutcome, WriteTransport } from "./transport";

/**
 * Store and forward: batches go straight to the server while it answers; when it is unreachable or
 * answers 5xx/429, the batch and every later one go to the durable disk queue, which is replayed
 * oldest first once the server is back, before any new batch. A 400/422 (or 413) answer splits the
 * batch in halves until the bad line stands alone: that line is reported with the server's message
 * and dropped; the rest is written and the queue moves on.
 *
 * While the disk queue is empty, up to `maxInFlight` requests are on the wire at once: a write costs the
 * server a round trip of parsing and indexing, and one request at a time left the server idle while
 * the next batch was built and sent (and this process idle while the server worked). The points of
 * one request may then reach the server before those of an earlier one; InfluxDB orders by timestamp,
 * not by arrival, so that changes nothing stored. Once anything is on disk, the replay sends one
 * request at a time, oldest first, and new batches queue behind it.
 *
 * In memory (not yet on disk) are only the last `maxMemoryBatches` batches while the server keeps up;
 * close() writes them to disk, so a Node-RED restart loses nothing. With `writeAhead` every batch is
 * on disk before it is sent, which also covers a crash (kill -9, power cut) at the cost of one fsync
 * per batch (and of the requests in flight: the replay of the disk queue is one at a time).
 *
 * When a batch goes to disk while its request is still on the wire (another request failed, memory
 * overflowed, or close), the disk copy is the one that counts: the late answer is ignored and the
 * replay sends the batch again. A point written twice lands on the same series and time, which
 * InfluxDB overwrites with the same value: nothing is doubled, and nothing is lost.
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
  /** the disk queue is full (reason null: its bound) or cannot be written (reason: the error, e.g. ENOSPC): these points were not stored */
  dropped?(points: number, reason: string | null): void;
  /** a queue record could not be read back (damaged file): skipped */
  damaged?(message: string): void;
  /** the queue could not be written while an answer was handled (disk full, removed) */
  failure?(message: string): void;
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
  /** close() waits this long for the requests in flight before leaving them to the replay */
  closeTimeoutMs: number;
  /** requests on the wire at once while the disk queue is empty (the replay sends one at a time) */
  maxInFlight: number;
}

export const DEFAULT_FORWARDER_OPTIONS: ForwarderOptions = {
  initialRetryDelayMs: 1000,
  maxRetryDelayMs: 30_000,
  maxMemoryBatches: 16,
  writeAhead: false,
  highWatermark: 0.8,
  lowWatermark: 0.5,
  closeTimeoutMs: 10_000,
  maxInFlight: 3,
};

export function resolveForwarderOptions(options: Partial<ForwarderOptions>): ForwarderOptions {
  const merged = { ...DEFAULT_FORWARDER_OPTIONS, ...options };
  for (const key of ["initialRetryDelayMs", "maxRetryDelayMs", "closeTimeoutMs", "maxMemoryBatches"] as const) {
    const value = merged[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new InputError(key, `expected a number > 0, got ${describeValue(value)}`);
  }
  if (!Number.isSafeInteger(merged.maxInFlight) || merged.maxInFlight < 1 || merged.maxInFlight > 64) {
    throw new InputError("maxInFlight", `expected a whole number of requests from 1 to 64, got ${describeValue(merged.maxInFlight)}`);
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

type Delivery = { kind: "done"; delivered: number } | Extract<WriteOutcome, { kind: "retry" }> | { kind: "abandoned" };

/** A batch held in memory until the server took it (or it went to disk). */
interface MemoryEntry {
  batch: Batch;
  sending: boolean;
  /** it went to disk while its request was on the wire: the answer is ignored, the replay owns it */
  spilled: boolean;
}

export class Forwarder {
  /** batches not on disk and not yet taken by the server, oldest first (those in flight included) */
  private readonly memory: MemoryEntry[] = [];
  private sendingCount = 0;
  private replaying = false;
  /** every request in flight, for close() to wait on */
  private readonly requests = new Set<Promise<void>>();
  private closing = false;
  /** the queue is closed: nothing may touch it any more (a late answer is replayed after the restart) */
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
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
    for (const entry of this.memory) points += entry.batch.points;
    return points;
  }

  get queuedPoints(): number {
    return this.queue.points;
  }

  get isDown(): boolean {
    return this.downSince !== null;
  }

  get isIdle(): boolean {
    return this.requests.size === 0 && this.memory.length === 0 && this.queue.isEmpty;
  }

  /** requests on the wire now */
  get inFlight(): number {
    return this.requests.size;
  }

  /** Takes a batch: sent when a request slot is free, else kept in order (in memory or on disk). */
  submit(batch: Batch): void {
    if (batch.points === 0) return;
    if (this.closed) {
      this.droppedPoints += batch.points;
      this.events.dropped?.(batch.points, "the node is closed");
      return;
    }
    if (this.closing || this.options.writeAhead || !this.queue.isEmpty || this.downSince !== null) {
      this.store(batch);
    } else {
      this.memory.push({ batch, sending: false, spilled: false });
      if (this.memory.length > this.options.maxMemoryBatches) this.spillMemory();
    }
    this.kick();
  }

  /** Retries now instead of waiting for the backoff (an operator's "retry now", or a test). */
  retryNow(): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.kick();
    }
  }

  /**
   * Stops sending: waits for the requests in flight (up to closeTimeoutMs), then puts everything still in
   * memory on disk and closes the queue. A request still unanswered then is replayed after the restart.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (this.requests.size > 0) {
      let timer: NodeJS.Timeout | null = null;
      await Promise.race([Promise.all(this.requests), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.closeTimeoutMs)))]);
      if (timer !== null) clearTimeout(timer);
    }
    this.spillMemory();
    this.closed = true;
    this.queue.close();
  }

  /**
   * To disk, or dropped when the queue is at its bound or the disk refuses the write (full, gone): the
   * points already queued are kept (oldest first), the newest batch is the one not stored. Never throws:
   * submit() runs from the batcher's timer, where an exception would stop the whole Node-RED process.
   */
  private store(batch: Batch): void {
    let reason: string | null = null;
    let stored = false;
    try {
      stored = this.queue.append(batch);
    } catch (err) {
      reason = (err as Error).message;
    }
    if (!stored) {
      this.droppedPoints += batch.points;
      this.events.dropped?.(batch.points, reason);
    }
    this.checkLevel();
  }

  /** Everything in memory to disk, oldest first; requests still on the wire are left to the replay. */
  private spillMemory(): void {
    if (this.memory.length === 0) return;
    const entries = this.memory.splice(0, this.memory.length);
    for (const entry of entries) {
      if (entry.sending) entry.spilled = true;
      this.store(entry.batch);
    }
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

  /** Starts what may start now: the replay of the disk queue, else memory batches up to maxInFlight. */
  private kick(): void {
    if (this.closing || this.retryTimer !== null) return;
    if (!this.queue.isEmpty) {
      if (!this.replaying) this.replayNext();
      return;
    }
    for (let i = 0; i < this.memory.length && this.sendingCount < this.options.maxInFlight; i++) {
      const entry = this.memory[i];
      if (!entry.sending) this.send(entry);
    }
  }

  private track(request: Promise<void>): void {
    // An answer's bookkeeping can throw (the disk full or gone while a batch is stored): reported, never an unhandled rejection.
    const tracked = request.catch((err: Error) => this.events.failure?.(`store and forward: ${err.message}`));
    this.requests.add(tracked);
    void tracked.finally(() => this.requests.delete(tracked));
  }

  private send(entry: MemoryEntry): void {
    entry.sending = true;
    this.sendingCount++;
    const request = this.deliver(entry.batch.body, entry.batch.points, () => entry.spilled).then((result) => {
      this.sendingCount--;
      entry.sending = false;
      if (this.closed || entry.spilled || result.kind === "abandoned") return this.kick();
      if (result.kind === "done") {
        this.memory.splice(this.memory.indexOf(entry), 1);
        this.delivered(result.delivered, false);
      } else {
        this.spillMemory();
        this.failed(result);
      }
      this.kick();
    });
    this.track(request);
  }

  /** One request with the oldest batch on disk; the next starts when it is answered. */
  private replayNext(): void {
    let batch: Batch | null = null;
    while (batch === null && !this.queue.isEmpty) {
      try {
        batch = this.queue.peek();
      } catch (err) {
        this.events.damaged?.(`queue record unreadable, skipped: ${(err as Error).message}`);
        this.queue.ack();
      }
    }
    if (batch === null) return this.kick();
    this.replaying = true;
    const request = this.deliver(batch.body, batch.points, () => false).then((result) => {
      this.replaying = false;
      if (this.closed) return;
      if (result.kind === "done") {
        this.queue.ack();
        this.delivered(result.delivered, true);
      } else if (result.kind === "retry") {
        this.failed(result);
      }
      this.kick();
    });
    this.track(request);
  }

  private delivered(points: number, fromDisk: boolean): void {
    this.checkLevel();
    this.deliveredPoints += points;
    this.failures = 0;
    this.lastError = null;
    if (this.downSince !== null && fromDisk) this.replayedDuringOutage += points;
    if (this.downSince !== null && this.queue.isEmpty) {
      const info = { downMs: Date.now() - this.downSince, replayedPoints: this.replayedDuringOutage };
      this.downSince = null;
      this.replayedDuringOutage = 0;
      this.events.recovered?.(info);
    }
  }

  private failed(result: Extract<WriteOutcome, { kind: "retry" }>): void {
    this.failures += 1;
    this.lastError = result.status === null ? result.message : `HTTP ${result.status}: ${result.message}`;
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.events.outage?.({ status: result.status, message: result.message });
    }
    if (this.closing || this.retryTimer !== null) return;
    const cap = Math.min(this.options.maxRetryDelayMs, this.options.initialRetryDelayMs * 2 ** Math.min(30, this.failures - 1));
    // "Equal jitter": a fleet of gateways that lost the same server does not come back in the same second.
    const delay = Math.max(result.retryAfterMs ?? 0, cap / 2 + (this.random() * cap) / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
  }

  /**
   * Sends a body; on a 4xx splits it until each refused line stands alone and reports it. Stops
   * ("abandoned") when the batch went to disk meanwhile, so a refused line is reported once, by the replay.
   */
  private async deliver(body: string, points: number, abandoned: () => boolean): Promise<Delivery> {
    const outcome = await this.transport.write(body);
    if (outcome.kind === "ok") return { kind: "done", delivered: points };
    if (outcome.kind === "retry") return outcome;
    if (abandoned()) return { kind: "abandoned" };
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
      const result = await this.deliver(half.join("\n"), half.length, abandoned);
      if (result.kind !== "done") return result;
      delivered += result.delivered;
    }
    return { kind: "done", delivered };
  }
}
