import { requirePositiveInteger, requirePositiveNumber } from "../common/errors";

/** A batch of lines ready to send: the request body and how many points it holds. */
export interface Batch {
  body: string;
  points: number;
}

export interface BatcherOptions {
  /** flush when this many points are waiting */
  maxPoints: number;
  /** flush when the body would pass this many bytes (servers limit a request: InfluxDB 1.x 25 MB by default) */
  maxBytes: number;
  /** flush this long after the first point of a batch arrived, however few are waiting */
  maxDelayMs: number;
}

export const DEFAULT_BATCHER_OPTIONS: BatcherOptions = { maxPoints: 5000, maxBytes: 4 * 2 ** 20, maxDelayMs: 1000 };

export function resolveBatcherOptions(options: Partial<BatcherOptions>): BatcherOptions {
  const merged = { ...DEFAULT_BATCHER_OPTIONS, ...options };
  return {
    maxPoints: requirePositiveInteger(merged.maxPoints, "batchSize"),
    maxBytes: requirePositiveInteger(merged.maxBytes, "maxBatchBytes"),
    maxDelayMs: requirePositiveNumber(merged.maxDelayMs, "flushInterval"),
  };
}

/**
 * Collects lines into batches by count, bytes and time. The timer starts with the first line of a
 * batch, so a trickle of points waits at most `maxDelayMs` and a flood is cut by size without a timer.
 * Lines are joined once at flush (one string concatenation per point, no per-point array growth beyond
 * the batch).
 */
export class Batcher {
  private lines: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: BatcherOptions,
    private readonly onBatch: (batch: Batch) => void,
  ) {}

  get pending(): number {
    return this.lines.length;
  }

  add(line: string): void {
    // Bytes are counted as UTF-16 units: exact for ASCII, and line protocol is mostly ASCII; a body
    // a little over the limit is still far below any server's.
    if (this.lines.length > 0 && this.bytes + line.length + 1 > this.options.maxBytes) this.flush();
    this.lines.push(line);
    this.bytes += line.length + 1;
    if (this.lines.length >= this.options.maxPoints) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.options.maxDelayMs);
  }

  addAll(lines: readonly string[]): void {
    for (const line of lines) this.add(line);
  }

  /** Hands what is waiting to `onBatch` now. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.lines.length === 0) return;
    const batch = { body: this.lines.join("\n"), points: this.lines.length };
    this.lines = [];
    this.bytes = 0;
    this.onBatch(batch);
  }

  /** Flushes and stops the timer. */
  close(): void {
    this.flush();
  }
}
