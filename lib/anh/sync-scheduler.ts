import fs from "fs";

/**
 * One fsync timer for every journal of the process, with the fsyncs themselves off the event loop.
 *
 * Why: a plant runs one anh-json (one journal) per well. With a timer and a blocking fsyncSync per
 * journal, 222 wells cost 222 fsyncs of ~9 ms each on the event loop every second: more than the second
 * itself. Here the journals only mark their file descriptors dirty; once per `delayMs` one timer fsyncs
 * every dirty descriptor at once with fs.fsync (libuv's thread pool). The kernel commits concurrent
 * fsyncs of one file system together (ext4 group commit): 222 journals take ~20-40 ms of disk time per
 * round on the development disk, none of it on the event loop.
 *
 * Durability stays as documented: a line is in the kernel once write() returns (a killed process keeps
 * it) and is on the disk at most `delayMs` plus one round later (a power cut loses at most that much).
 * A descriptor is never closed while an fsync of it is queued or running (its number could be reused by
 * another file before the thread pool gets to it): release() waits for it.
 */
export class SyncScheduler {
  private static readonly sharedByDelay = new Map<number, SyncScheduler>();

  /** The process-wide scheduler of a given delay (journals with the same delay share one timer). */
  static shared(delayMs: number): SyncScheduler {
    let scheduler = SyncScheduler.sharedByDelay.get(delayMs);
    if (scheduler === undefined) {
      scheduler = new SyncScheduler(delayMs);
      SyncScheduler.sharedByDelay.set(delayMs, scheduler);
    }
    return scheduler;
  }

  readonly delayMs: number;
  /** fd → where its fsync error goes (the journal that owns it) */
  private readonly dirty = new Map<number, (err: Error) => void>();
  /** directories whose new entries must reach the disk */
  private readonly dirtyDirectories = new Map<string, (err: Error) => void>();
  /** fd → its fsync queued or running (one at a time per fd) */
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  /** fsync rounds completed, and descriptors synced in them (for tests and benchmarks) */
  readonly counters = { rounds: 0, files: 0, directories: 0 };

  constructor(delayMs: number) {
    this.delayMs = delayMs;
  }

  /** `fd` was written to: it is fsynced within delayMs (plus a round). Errors go to `onError`. */
  markDirty(fd: number, onError: (err: Error) => void): void {
    this.dirty.set(fd, onError);
    this.arm();
  }

  /** A file was created in `dir`: its entry is made durable in the same round. */
  markDirectory(dir: string, onError: (err: Error) => void): void {
    this.dirtyDirectories.set(dir, onError);
    this.arm();
  }

  /** Whether `fd` waits for an fsync (marked, queued or running). */
  isPending(fd: number): boolean {
    return this.dirty.has(fd) || this.inFlight.has(fd);
  }

  /** fsyncs every descriptor and directory marked so far, now; resolves once they are on the disk. */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const files = [...this.dirty];
    const directories = [...this.dirtyDirectories];
    this.dirty.clear();
    this.dirtyDirectories.clear();
    const work = Promise.all([
      ...files.map(([fd, onError]) => this.fsyncOnce(fd).then(() => void this.counters.files++, onError)),
      ...directories.map(([dir, onError]) => fsyncDirectory(dir).then(() => void this.counters.directories++, onError)),
    ]).then(() => {
      this.counters.rounds++;
    });
    const round = work.finally(() => {
      if (this.round === round) this.round = null;
      // Lines written while this round ran wait for the next one.
      if (this.dirty.size > 0 || this.dirtyDirectories.size > 0) this.arm();
    });
    this.round = round;
    return round;
  }

  /** fsyncs `fd` now if it is marked, and waits for any fsync of it in flight. */
  async syncNow(fd: number): Promise<void> {
    const onError = this.dirty.get(fd);
    if (onError !== undefined) {
      this.dirty.delete(fd);
      await this.fsyncOnce(fd);
      this.counters.files++;
    } else {
      await this.inFlight.get(fd);
    }
  }

  /**
   * Forgets `fd` before its owner closes it: fsynced on the spot when marked or in flight (blocking, for
   * a synchronous close; call syncNow first to avoid that), and `close` runs only once no fsync of it is
   * queued or running.
   */
  release(fd: number, close: () => void): void {
    const running = this.inFlight.get(fd);
    // A queued fsync may not have reached the disk yet: the caller expects the file durable on return.
    if (this.dirty.delete(fd) || running !== undefined) {
      fs.fsyncSync(fd);
      this.counters.files++;
    }
    if (running === undefined) close();
    else running.then(close, close);
  }

  private arm(): void {
    // One round at a time: a slow disk stretches the bound instead of piling up rounds.
    if (this.timer !== null || this.round !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.delayMs);
    this.timer.unref?.();
  }

  /** One fsync of `fd`, after any one already queued for it. */
  private fsyncOnce(fd: number): Promise<void> {
    const before = this.inFlight.get(fd) ?? Promise.resolve();
    const next = before.catch(() => undefined).then(() => new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve()))));
    this.inFlight.set(fd, next);
    const clear = (): void => {
      if (this.inFlight.get(fd) === next) this.inFlight.delete(fd);
    };
    next.then(clear, clear);
    return next;
  }
}

/** fsync of a directory, so that a new file's name survives a power cut (see durable-file syncDirectory). */
async function fsyncDirectory(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(dir, "r");
  } catch {
    return; // Windows cannot open a directory: its file system commits directory entries itself.
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
