/**
 * Stale-tag watchdog for any number of series on one timer.
 *
 * A timer per tag does not scale (10 000 tags = 10 000 intervals, all to be found again on redeploy),
 * and rescheduling a heap entry on every sample would grow a lazy-deletion heap by one entry per
 * message. Instead a sample only records its time (O(1), no allocation); the min-heap holds exactly one
 * entry per tag, keyed by the deadline it had when last examined. When the single timer fires, each due
 * entry is checked against the tag's latest sample: still silent → stale (reported once), otherwise the
 * entry moves to the new deadline. Heap size = number of tags, whatever the message rate.
 */
export interface WatchdogClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: WatchdogClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // The watchdog must not keep a process alive on its own (Node-RED's own shutdown, tests).
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Entry<K> {
  key: K;
  /** epoch ms of the latest sample */
  lastSeen: number;
  staleMs: number;
  /** the deadline this entry is ordered by in the heap */
  due: number;
  heapIndex: number;
  stale: boolean;
}

export interface StaleEvent<K> {
  key: K;
  lastSeen: number;
  staleMs: number;
  /** when the watchdog noticed */
  detectedAt: number;
}

export class StaleWatchdog<K> {
  private readonly entries = new Map<K, Entry<K>>();
  private readonly heap: Entry<K>[] = [];
  private timer: unknown = null;
  private timerDue = Infinity;
  private closed = false;
  private staleNow = 0;

  constructor(
    private readonly onStale: (event: StaleEvent<K>) => void,
    private readonly clock: WatchdogClock = systemClock,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** tags currently stale */
  get staleCount(): number {
    return this.staleNow;
  }

  isStale(key: K): boolean {
    return this.entries.get(key)?.stale ?? false;
  }

  /**
   * Records a sample of `key` seen at `seenAt` (epoch ms, arrival time) that must be followed by
   * another within `staleMs`. Returns true when the key was stale until now (it has recovered).
   */
  touch(key: K, seenAt: number, staleMs: number): boolean {
    if (this.closed) return false;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { key, lastSeen: seenAt, staleMs, due: seenAt + staleMs, heapIndex: -1, stale: false };
      this.entries.set(key, entry);
      this.push(entry);
      this.arm();
      return false;
    }
    const recovered = entry.stale;
    if (seenAt > entry.lastSeen) entry.lastSeen = seenAt;
    const changedTimeout = entry.staleMs !== staleMs;
    entry.staleMs = staleMs;
    if (recovered || changedTimeout) {
      // Back in the heap's order at its new deadline (a stale entry waits at +Infinity).
      if (recovered) this.staleNow--;
      entry.stale = false;
      this.reposition(entry, entry.lastSeen + staleMs);
      this.arm();
    }
    return recovered;
  }

  remove(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    if (entry.stale) this.staleNow--;
    this.removeAt(entry.heapIndex);
    this.arm();
  }

  clear(): void {
    this.entries.clear();
    this.heap.length = 0;
    this.staleNow = 0;
    this.disarm();
  }

  /** Stops the timer for good (node close). */
  close(): void {
    this.closed = true;
    this.clear();
  }

  /** Examines the entries that are due now. Called by the timer; public for tests with a fake clock. */
  check(): void {
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0].due <= now) {
      const entry = this.heap[0];
      const deadline = entry.lastSeen + entry.staleMs;
      if (deadline <= now) {
        entry.stale = true;
        this.staleNow++;
        this.reposition(entry, Infinity);
        this.onStale({ key: entry.key, lastSeen: entry.lastSeen, staleMs: entry.staleMs, detectedAt: now });
      } else {
        this.reposition(entry, deadline);
      }
    }
    this.timer = null;
    this.timerDue = Infinity;
    this.arm();
  }

  private arm(): void {
    if (this.closed) return;
    const next = this.heap.length > 0 ? this.heap[0].due : Infinity;
    if (next === this.timerDue) return;
    this.disarm();
    if (next === Infinity) return;
    this.timerDue = next;
    // setTimeout clamps delays above 2^31-1 ms to 1 ms: wake up early instead and look again.
    const delay = Math.min(Math.max(0, next - this.clock.now()), 0x7fffffff);
    this.timer = this.clock.setTimeout(() => this.check(), delay);
  }

  private disarm(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  // A binary min-heap on `due`; entries know their index so they can move in O(log n).
  private push(entry: Entry<K>): void {
    entry.heapIndex = this.heap.length;
    this.heap.push(entry);
    this.siftUp(entry.heapIndex);
  }

  private reposition(entry: Entry<K>, due: number): void {
    const before = entry.due;
    entry.due = due;
    if (due < before) this.siftUp(entry.heapIndex);
    else this.siftDown(entry.heapIndex);
  }

  private removeAt(index: number): void {
    const last = this.heap.pop() as Entry<K>;
    if (index < this.heap.length) {
      this.heap[index] = last;
      last.heapIndex = index;
      this.siftDown(index);
      this.siftUp(last.heapIndex);
    }
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const entry = heap[index];
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent].due <= entry.due) break;
      heap[index] = heap[parent];
      heap[index].heapIndex = index;
      index = parent;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const entry = heap[index];
    const n = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right].due < heap[left].due ? right : left;
      if (heap[child].due >= entry.due) break;
      heap[index] = heap[child];
      heap[index].heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}
