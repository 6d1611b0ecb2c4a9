import { Outbox, remotePathOf, type OutboxEntry } from "./outbox";
import { nextRetryDelay, type RetryPolicy } from "./retry";
import { DeliveryError, deliverOnce, type AttemptResult, type FtpAttempt, type FtpConnectionOptions, type LocalFile } from "./uploader";

/**
 * Delivers the outbox: one file at a time, oldest first, each in rounds of attempts with backoff until
 * it is delivered or its round's deadline passes. Everything the queue knows is in the outbox records,
 * written before each attempt, so a process that dies at any point resumes with the right attempt count
 * and the exactly-once check of the uploader makes the repeated attempt harmless.
 */

/** msg.delivery, as the node reports it. */
export interface DeliveryReport {
  status: "delivered" | "failed" | "queued" | "pending";
  remotePath: string;
  bytes: number;
  attempts: number;
  sha256: string;
  /** ISO 8601, null unless delivered */
  deliveredAt: string | null;
  /** true when the file was already on the server (an earlier attempt's acknowledgement was lost) */
  alreadyPresent?: boolean;
  error?: string;
}

export type QueueEvent =
  | { kind: "retrying"; entry: OutboxEntry; error: DeliveryError; delayMs: number }
  | { kind: "delivered"; entry: OutboxEntry; report: DeliveryReport }
  | { kind: "failed"; entry: OutboxEntry; report: DeliveryReport; error: DeliveryError };

export type UploadFunction = (options: FtpConnectionOptions, file: LocalFile, onStart: (attempt: FtpAttempt) => void) => Promise<AttemptResult>;

export interface DeliveryQueueOptions {
  outbox: Outbox;
  connection: FtpConnectionOptions;
  retry: RetryPolicy;
  onEvent(event: QueueEvent): void;
  /** an error of the queue itself (the outbox disk failing); the queue goes on with the next timer or message */
  onError?(err: Error): void;
  /** [0, 1), for the jitter; seeded in tests */
  random?: () => number;
  now?: () => number;
  /** the attempt itself; deliverOnce unless a benchmark or test wraps it */
  upload?: UploadFunction;
}

export function reportOf(entry: OutboxEntry, status: DeliveryReport["status"], extra: Partial<DeliveryReport> = {}): DeliveryReport {
  return { status, remotePath: remotePathOf(entry), bytes: entry.bytes, attempts: entry.attempts, sha256: entry.sha256, deliveredAt: null, ...extra };
}

export class DeliveryQueue {
  private readonly outbox: Outbox;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly upload: UploadFunction;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private current: FtpAttempt | null = null;
  private closed = false;
  /** entries whose content this process wrote from a buffer it hashed, or has read back and hashed once */
  private readonly verified = new Set<string>();

  constructor(private readonly options: DeliveryQueueOptions) {
    this.outbox = options.outbox;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.upload = options.upload ?? deliverOnce;
  }

  /** Stores a file in the outbox; `deliverNow` false leaves it queued for the next `flush()` (the schedule). */
  enqueue(name: string, remoteDir: string, content: Buffer, deliverNow: boolean): OutboxEntry {
    const sizeBefore = this.outbox.size;
    const entry = this.outbox.add({ name, remoteDir, content, status: deliverNow ? "pending" : "queued", now: this.now() });
    // (Only a new entry's file was written from this buffer; a deduplicated one may be an earlier run's.)
    if (this.outbox.size > sizeBefore) this.verified.add(entry.id);
    // The same content sent again while it waits (deduplicated by the outbox) starts a new round when it had failed.
    if (deliverNow && entry.status !== "pending") this.startRound(entry);
    this.kick();
    return entry;
  }

  /** The scheduled run: every queued and failed file gets a new round. */
  flush(): number {
    let count = 0;
    for (const entry of this.outbox.list()) {
      if (entry.status === "queued" || entry.status === "failed") {
        this.startRound(entry);
        count++;
      }
    }
    this.kick();
    return count;
  }

  /** The operator's retry: failed files get a new round and files waiting for a retry go now. */
  retry(): number {
    let count = 0;
    for (const entry of this.outbox.list()) {
      if (entry.status === "failed") this.startRound(entry);
      else if (entry.status === "pending" && entry.nextAttemptAt !== null) this.outbox.update(entry.id, { nextAttemptAt: null });
      else continue;
      count++;
    }
    this.kick();
    return count;
  }

  /** Resumes what a previous run left pending (after a restart). */
  resume(): number {
    const pending = this.outbox.list().filter((entry) => entry.status === "pending").length;
    this.kick();
    return pending;
  }

  /** Counts by status, for the node status. */
  counts(): Record<OutboxEntry["status"], number> {
    const counts = { queued: 0, pending: 0, failed: 0 };
    for (const entry of this.outbox.list()) counts[entry.status]++;
    return counts;
  }

  /** Resolves when no attempt is running and none is due now (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  /** Stops timers and aborts the running attempt; the outbox keeps everything for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.current?.abort();
    await this.idle();
  }

  private startRound(entry: OutboxEntry): void {
    this.outbox.update(entry.id, { status: "pending", roundStartedAt: null, roundAttempts: 0, nextAttemptAt: null, lastError: null });
  }

  /** Starts the worker unless it runs; it stops when nothing is due and arms a timer for the next retry. */
  private kick(): void {
    if (this.closed || this.running !== null) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    let failed = false;
    this.running = this.work()
      .catch((err: unknown) => {
        // Never an unhandled rejection: that would stop the whole Node-RED process.
        failed = true;
        this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        this.running = null;
        this.arm(failed ? this.options.retry.initialDelayMs : 0);
      });
  }

  /** Sets the timer for the next due attempt, at least `minDelayMs` from now (a failing disk is not hammered). */
  private arm(minDelayMs: number): void {
    if (this.closed) return;
    let next = Infinity;
    for (const entry of this.outbox.list()) {
      if (entry.status === "pending") next = Math.min(next, entry.nextAttemptAt ?? 0);
    }
    if (next === Infinity) return;
    // (setTimeout fires at once for delays above 2^31 − 1 ms.)
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.kick();
      },
      Math.min(2 ** 31 - 1, Math.max(minDelayMs, next - this.now())),
    );
  }

  private nextDue(): OutboxEntry | undefined {
    const now = this.now();
    return this.outbox.list().find((entry) => entry.status === "pending" && (entry.nextAttemptAt ?? 0) <= now);
  }

  private async work(): Promise<void> {
    for (let entry = this.nextDue(); entry !== undefined && !this.closed; entry = this.nextDue()) {
      await this.attempt(entry);
    }
  }

  private async attempt(before: OutboxEntry): Promise<void> {
    const startedAt = this.now();
    // Counted before the attempt: a crash during it still counts it.
    const entry = this.outbox.update(before.id, {
      attempts: before.attempts + 1,
      roundAttempts: before.roundAttempts + 1,
      roundStartedAt: before.roundStartedAt ?? startedAt,
    });
    // Content left by an earlier run (or a crash) is hashed on its way out; our own was hashed when stored.
    const file: LocalFile = { localPath: this.outbox.dataPath(entry.id), remoteDir: entry.remoteDir, name: entry.name, bytes: entry.bytes, sha256: entry.sha256, verifySha256: !this.verified.has(entry.id) };
    let result: AttemptResult;
    try {
      result = await this.upload(this.options.connection, file, (attempt) => (this.current = attempt));
    } catch (err) {
      this.current = null;
      if (this.closed) return; // aborted by close: still pending, resumed at the next start
      const error = err instanceof DeliveryError ? err : new DeliveryError(String((err as Error)?.message ?? err), "retry");
      this.onFailure(entry, error);
      return;
    }
    this.current = null;
    // Delivered: removed from the outbox even when closing, or the next start would check it again.
    const report = reportOf(entry, "delivered", { deliveredAt: new Date(this.now()).toISOString(), alreadyPresent: result.outcome === "already-present" });
    this.outbox.remove(entry.id);
    this.verified.delete(entry.id);
    this.options.onEvent({ kind: "delivered", entry, report });
  }

  private onFailure(entry: OutboxEntry, error: DeliveryError): void {
    const now = this.now();
    const delay = error.fatal ? null : nextRetryDelay(this.options.retry, entry.roundAttempts, now - (entry.roundStartedAt ?? now), this.random);
    if (delay === null) {
      const failed = this.outbox.update(entry.id, { status: "failed", nextAttemptAt: null, lastError: error.message });
      this.options.onEvent({ kind: "failed", entry: failed, report: reportOf(failed, "failed", { error: error.message }), error });
      // A wrong password or an untrusted certificate fails every file the same way: the others fail now
      // too, without a login each (no burst of refused logins that could lock the account).
      if (error.scope === "server") {
        for (const other of this.outbox.list()) {
          if (other.status !== "pending") continue;
          const otherFailed = this.outbox.update(other.id, { status: "failed", nextAttemptAt: null, lastError: error.message });
          this.options.onEvent({ kind: "failed", entry: otherFailed, report: reportOf(otherFailed, "failed", { error: error.message }), error });
        }
      }
      return;
    }
    const waiting = this.outbox.update(entry.id, { nextAttemptAt: now + delay, lastError: error.message });
    this.options.onEvent({ kind: "retrying", entry: waiting, error, delayMs: delay });
  }
}
