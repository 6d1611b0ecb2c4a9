import { createHash } from "crypto";
import fs from "fs";
import path from "path";
import { InputError, describeValue } from "../common/errors";
import { syncDirectory } from "../common/durable-file";

/**
 * The package's audit trail: reports generated, files delivered, limits relearned, models retrained,
 * configuration deployed. Append-only JSON lines; each entry carries the SHA-256 of the previous one
 * (`prev`) and its own (`hash`, over the canonical JSON of the entry without `hash`), so editing,
 * deleting, reordering or inserting a line breaks the chain at that line (verifyAuditText finds it).
 * What a chain cannot show is a cut at the end: keep the count and last hash somewhere else (the
 * metrics endpoint exports the count) to detect that.
 *
 * Entries are chained at once (append returns the entry) and written in batches: one write and one
 * fsync for everything appended since the last flush, off the event loop. A burst of relearns over
 * 2 000 tags costs one fsync, not 2 000 blocking ones. A crash can leave the last line torn; the next
 * open cuts it (with a warning) and goes on from the entry before it.
 */

export const GENESIS_HASH = "0".repeat(64);

export const AUDIT_KINDS = ["report-generated", "file-delivered", "limits-relearned", "model-retrained", "config-changed"] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditNodeRef {
  id: string;
  type: string;
  name?: string;
}

export interface AuditEntry {
  seq: number;
  /** ISO 8601 UTC */
  time: string;
  kind: AuditKind;
  /** who did it, where known (the user who deployed) */
  actor?: string;
  node?: AuditNodeRef;
  details: Record<string, unknown>;
  prev: string;
  hash: string;
}

export interface AuditInput {
  kind: AuditKind;
  actor?: string;
  node?: AuditNodeRef;
  details?: Record<string, unknown>;
  /** epoch ms; default now */
  time?: number;
}

/** JSON with object keys sorted at every level and no whitespace: the same bytes for the same data. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`;
}

/** SHA-256 (hex) of the entry's canonical JSON without its `hash` field. */
export function hashEntry(entry: Omit<AuditEntry, "hash"> | AuditEntry): string {
  const rest: Record<string, unknown> = { ...entry };
  delete rest.hash;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

/** The details as they read back from JSON (undefined dropped, NaN → null, dates → strings): what is hashed is what is stored. */
function jsonSafe(details: Record<string, unknown>): Record<string, unknown> {
  try {
    const copy = JSON.parse(JSON.stringify(details)) as unknown;
    return copy !== null && typeof copy === "object" && !Array.isArray(copy) ? (copy as Record<string, unknown>) : {};
  } catch (err) {
    return { unserialisable: (err as Error).message };
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

export type AuditVerification =
  | { ok: true; count: number; lastHash: string }
  | { ok: false; count: number; lastHash: string; line: number; reason: string };

/** Parses one line as an entry; the reason it is not one otherwise. */
function parseEntry(line: string): AuditEntry | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  const entry = value as Record<string, unknown>;
  if (!Number.isInteger(entry.seq)) return `seq: expected a whole number, got ${describeValue(entry.seq)}`;
  if (typeof entry.time !== "string") return `time: expected an ISO 8601 string, got ${describeValue(entry.time)}`;
  if (typeof entry.kind !== "string") return `kind: expected a string, got ${describeValue(entry.kind)}`;
  if (entry.details === null || typeof entry.details !== "object" || Array.isArray(entry.details)) return `details: expected an object, got ${describeValue(entry.details)}`;
  if (typeof entry.prev !== "string" || !HEX64.test(entry.prev)) return "prev: expected 64 hex digits";
  if (typeof entry.hash !== "string" || !HEX64.test(entry.hash)) return "hash: expected 64 hex digits";
  return entry as unknown as AuditEntry;
}

/**
 * Checks a whole trail: every line an entry, seq counting up from 1, each `prev` the hash of the line
 * before (the first: 64 zeros), each `hash` right. Names the first line (1-based) where it breaks.
 */
export function verifyAuditText(text: string): AuditVerification {
  let lastHash = GENESIS_HASH;
  let count = 0;
  if (text === "") return { ok: true, count, lastHash };
  const torn = !text.endsWith("\n");
  const lines = text.split("\n");
  if (!torn) lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const fail = (reason: string): AuditVerification => ({ ok: false, count, lastHash, line: lineNo, reason });
    if (torn && i === lines.length - 1) return fail("incomplete last line (a write cut by a crash; the next start of the trail cuts it)");
    const parsed = parseEntry(lines[i]);
    if (typeof parsed === "string") return fail(parsed);
    if (parsed.seq !== count + 1) {
      return fail(`seq ${parsed.seq} where ${count + 1} was expected (a line ${parsed.seq > count + 1 ? "deleted" : "inserted or moved"} here)`);
    }
    if (parsed.prev !== lastHash) return fail("prev is not the hash of the line before (a line deleted, inserted or moved here)");
    if (hashEntry(parsed) !== parsed.hash) return fail("hash does not match the entry (the line was edited)");
    lastHash = parsed.hash;
    count++;
  }
  return { ok: true, count, lastHash };
}

export function verifyAuditFile(file: string): AuditVerification {
  return verifyAuditText(fs.readFileSync(file, "utf8"));
}

export interface AuditTrailOptions {
  /** a problem that loses nothing: a torn last line cut, a write that will be retried */
  onWarning?(message: string): void;
  now?(): number;
}

/**
 * The file's last line (complete or not) as bytes, reading back from the end only as far as needed:
 * the trail grows for years, a start reads a few kilobytes.
 */
function readLastLine(file: string): { size: number; line: string; complete: boolean; lineStart: number } {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    let chunk = Math.min(size, 64 * 1024);
    for (;;) {
      const start = size - chunk;
      const buffer = Buffer.alloc(chunk);
      fs.readSync(fd, buffer, 0, chunk, start);
      const complete = chunk > 0 && buffer[chunk - 1] === 0x0a;
      const bodyEnd = complete ? chunk - 1 : chunk;
      // (lastIndexOf counts a negative offset from the end: never pass one)
      const lineStart = bodyEnd === 0 ? 0 : buffer.lastIndexOf(0x0a, bodyEnd - 1) + 1;
      if (lineStart > 0 || start === 0) {
        return { size, line: buffer.subarray(lineStart, bodyEnd).toString("utf8"), complete, lineStart: start + lineStart };
      }
      chunk = Math.min(size, chunk * 2);
    }
  } finally {
    fs.closeSync(fd);
  }
}

export class AuditTrail {
  readonly file: string;
  private seq = 0;
  private hash = GENESIS_HASH;
  private last: AuditEntry | null = null;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private readonly options: AuditTrailOptions;

  private constructor(file: string, options: AuditTrailOptions) {
    this.file = file;
    this.options = options;
  }

  /**
   * Opens (or starts) the trail in `file`: reads its last entry to continue the chain. A torn last line
   * (no line feed, or not an entry) is cut with a warning. Synchronous: done once per process.
   */
  static open(file: string, options: AuditTrailOptions = {}): AuditTrail {
    const trail = new AuditTrail(file, options);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file)) {
      fs.closeSync(fs.openSync(file, "a"));
      syncDirectory(path.dirname(file));
      return trail;
    }
    // At most two cuts: a half-written line, then (a power cut leaving garbage) a complete line that is not an entry.
    for (let cut = 0; cut < 3; cut++) {
      const { size, line, complete, lineStart } = readLastLine(file);
      if (size === 0) return trail;
      const parsed = complete ? parseEntry(line) : "incomplete";
      if (typeof parsed !== "string") {
        trail.seq = parsed.seq;
        trail.hash = parsed.hash;
        trail.last = parsed;
        return trail;
      }
      if (cut === 2) break;
      // The cut bytes are kept beside the trail: an audit file is evidence, nothing in it is destroyed.
      const kept = `${file}.cut-${Date.now()}-${cut}`;
      const fd = fs.openSync(file, "r");
      try {
        const bytes = Buffer.alloc(size - lineStart);
        fs.readSync(fd, bytes, 0, bytes.length, lineStart);
        fs.writeFileSync(kept, bytes);
      } finally {
        fs.closeSync(fd);
      }
      options.onWarning?.(`audit trail ${file}: last line ${complete ? `is not an entry (${parsed})` : "is incomplete (cut by a crash)"}: cut ${size - lineStart} bytes (kept in ${kept}), the chain goes on from the entry before it`);
      fs.truncateSync(file, lineStart);
    }
    throw new Error(`audit trail ${file}: its last lines are not entries; move the file aside and start a new one`);
  }

  get count(): number {
    return this.seq;
  }

  get lastHash(): string {
    return this.hash;
  }

  get lastEntry(): AuditEntry | null {
    return this.last;
  }

  /** Chains a new entry now and schedules its write; `flush()` resolves once it is on disk. */
  append(input: AuditInput): AuditEntry {
    if (!(AUDIT_KINDS as readonly string[]).includes(input.kind)) throw new InputError("kind", `expected one of ${AUDIT_KINDS.join(", ")}, got ${describeValue(input.kind)}`);
    const time = input.time ?? this.options.now?.() ?? Date.now();
    const unsigned: Omit<AuditEntry, "hash"> = {
      seq: this.seq + 1,
      time: new Date(time).toISOString(),
      kind: input.kind,
      ...(input.actor !== undefined ? { actor: input.actor } : {}),
      ...(input.node !== undefined ? { node: input.node.name ? { id: input.node.id, type: input.node.type, name: input.node.name } : { id: input.node.id, type: input.node.type } } : {}),
      details: jsonSafe(input.details ?? {}),
      prev: this.hash,
    };
    const entry: AuditEntry = { ...unsigned, hash: hashEntry(unsigned) };
    this.seq = entry.seq;
    this.hash = entry.hash;
    this.last = entry;
    this.pending.push(`${JSON.stringify(entry)}\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      // Entries appended in the same tick share one write and one fsync.
      setImmediate(() => {
        this.scheduled = false;
        void this.flush().catch(() => undefined);
      });
    }
    return entry;
  }

  /**
   * Writes everything appended so far (one append and one fsync) and resolves when it is durable. A failed
   * write (disk full) keeps the lines for the next flush and rejects; entries are never dropped.
   */
  flush(): Promise<void> {
    const run = this.writing.catch(() => undefined).then(async () => {
      if (this.pending.length === 0) return;
      const lines = this.pending;
      this.pending = [];
      let sizeBefore: number | null = null;
      try {
        const handle = await fs.promises.open(this.file, "a");
        try {
          sizeBefore = (await handle.stat()).size;
          await handle.writeFile(lines.join(""));
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (err) {
        // A write cut short (disk full) would leave half a line before the retried ones: take it back.
        if (sizeBefore !== null) {
          try {
            await fs.promises.truncate(this.file, sizeBefore);
          } catch {
            // the next open cuts a torn line anyway
          }
        }
        this.pending = lines.concat(this.pending);
        this.options.onWarning?.(`audit trail ${this.file}: cannot write ${lines.length} entries (${(err as Error).message}); kept in memory and written with the next entry`);
        throw err;
      }
    });
    this.writing = run;
    return run;
  }
}
