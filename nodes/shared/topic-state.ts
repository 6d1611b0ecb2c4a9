import type { Node } from "node-red";

/** How a core's state turns into plain JSON for a context store and back. */
export interface StateCodec<T> {
  create(topic: string): T;
  encode(state: T): unknown;
  /** May throw when the saved state cannot be used any more; the topic then starts afresh, with a warning. */
  decode(saved: unknown, topic: string): T;
}

export interface TopicStatesOptions<T> {
  /** context store name from settings.contextStorage; "" = the default store */
  store: string;
  codec: StateCodec<T>;
  /** context key holding all topics of this node */
  key?: string;
  /** saves are batched: at most one per this many ms */
  saveDelayMs?: number;
}

/**
 * Per-topic state of a node, kept in memory for speed and saved to the node context store the user
 * picked, so a restart with a persistent store (localfilesystem) resumes where it stopped.
 * All topics live under one context key as a map: topic names like "ns=2;s=Well.P[1]" would otherwise
 * be read as property paths by the context API. Saves are batched (the file store itself only flushes
 * every 30 s by default) and only re-encode the topics that changed; `close()` saves everything.
 */
export class TopicStates<T> {
  private readonly states = new Map<string, T>();
  private readonly saved: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  private readonly dirty = new Set<string>();
  private readonly key: string;
  private readonly saveDelayMs: number;
  private saveTimer: NodeJS.Timeout | null = null;
  private loaded = false;
  private closed = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly node: Node,
    private readonly options: TopicStatesOptions<T>,
  ) {
    this.key = options.key ?? "topicStates";
    this.saveDelayMs = options.saveDelayMs ?? 1000;
    this.ready = this.load();
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  get size(): number {
    return this.states.size;
  }

  topics(): IterableIterator<string> {
    return this.states.keys();
  }

  /** The state of `topic`, created on first use. Call only after `ready` resolved. */
  get(topic: string): T {
    let state = this.states.get(topic);
    if (state === undefined) {
      state = this.options.codec.create(topic);
      this.states.set(topic, state);
    }
    return state;
  }

  /** Marks `topic` changed; it is saved with the next batch. */
  changed(topic: string): void {
    this.dirty.add(topic);
    if (this.saveTimer === null && !this.closed) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = null;
        this.save().catch((err: Error) => this.node.warn(`could not save state: ${err.message}`));
      }, this.saveDelayMs);
    }
  }

  delete(topic: string): void {
    this.states.delete(topic);
    delete this.saved[topic];
    this.dirty.delete(topic);
    this.changed(topic);
  }

  clear(): void {
    for (const topic of [...this.states.keys()]) this.delete(topic);
  }

  /** Writes the changed topics to the context store now. */
  save(): Promise<void> {
    for (const topic of this.dirty) {
      const state = this.states.get(topic);
      if (state !== undefined) this.saved[topic] = this.options.codec.encode(state);
    }
    this.dirty.clear();
    return new Promise((resolve, reject) => {
      this.node.context().set(this.key, this.saved, this.options.store || undefined, (err?: Error) => (err ? reject(err) : resolve()));
    });
  }

  /** Stops the save timer and saves what changed. Call from the node's close handler. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.saveTimer !== null) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    if (this.loaded && this.dirty.size > 0) await this.save();
  }

  private load(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.node.context().get(this.key, this.options.store || undefined, (err: Error | undefined, value: unknown) => {
        if (err) {
          this.node.warn(`could not read saved state from context store "${this.options.store || "default"}": ${err.message}`);
        } else if (value !== null && typeof value === "object") {
          for (const [topic, saved] of Object.entries(value as Record<string, unknown>)) {
            try {
              this.states.set(topic, this.options.codec.decode(saved, topic));
              this.saved[topic] = saved;
            } catch (decodeError) {
              this.node.warn(`discarding saved state of topic "${topic}": ${(decodeError as Error).message}`);
            }
          }
        }
        this.loaded = true;
        resolve();
      });
    });
  }
}
