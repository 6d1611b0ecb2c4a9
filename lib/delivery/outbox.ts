import { createHash, randomBytes } from "crypto";
import fs from "fs";
import path from "path";
import { InputError, describeValue } from "../common/errors";
import { syncDirectory, writeFileDurably } from "../common/durable-file";

/**
 * The durable outbox: every file to deliver is on disk before anyone is told it was accepted, so a crash,
 * a power cut or a Node-RED restart loses nothing. Each delivery is two files named by its id: the content
 * (`<id>.data`, streamed to the server as it is, so a 10 MB file is never held in memory twice) and its
 * record (`<id>.json`: name, remote dir, sha256, attempts, status). Both are written to a temporary name,
 * fsynced and renamed, so a reader only ever sees a complete file; the record is written last and is the
 * commit point (content without a record is a half-written entry and is removed on open).
 */

/**
 * queued: waiting for the schedule; pending: due, being delivered or waiting for its next attempt;
 * failed: gave up (deadline passed or a fatal error) until an operator retry or the next schedule.
 */
export type OutboxStatus = "queued" | "pending" | "failed";

export interface OutboxEntry {
  /** sortable: creation time then random, so the oldest file is delivered first */
  id: string;
  /** file name on the server */
  name: string;
  /** directory on the server ("" or "/" = the login directory) */
  remoteDir: string;
  bytes: number;
  sha256: string;
  status: OutboxStatus;
  /** attempts over the entry's whole life (all rounds) */
  attempts: number;
  /** attempts in the current round (the backoff grows with them; a retry command starts a new round) */
  roundAttempts: number;
  /** epoch ms */
  createdAt: number;
  /** epoch ms when the current round of attempts started (its deadline counts from here); null before the first */
  roundStartedAt: number | null;
  /** epoch ms of the next attempt when waiting for a retry; null = as soon as possible */
  nextAttemptAt: number | null;
  lastError: string | null;
}

const ID_PATTERN = /^[0-9]{13}-[0-9a-f]{8}$/;
const RECORD = ".json";
const DATA = ".data";
const TEMP = ".tmp";

/** A remote file name: no directory parts, nothing a server could read as a path or a command. */
export function validateRemoteName(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new InputError(field, `expected a file name like "ANH_REPORT_20261122.json", got ${describeValue(value)}`);
  if (/[/\\\r\n\0]/.test(value) || value === "." || value === "..") {
    throw new InputError(field, `expected a plain file name without "/", "\\" or line breaks, got ${describeValue(value)}`);
  }
  // Refused now rather than by the server at upload time, after every retry: FTP servers store the
  // name in a file system, where a name has at most 255 bytes.
  if (Buffer.byteLength(value, "utf8") > MAX_NAME_BYTES) throw new InputError(field, `expected a file name of at most ${MAX_NAME_BYTES} bytes, got ${Buffer.byteLength(value, "utf8")}`);
  return value;
}

/** The longest file name (in UTF-8 bytes) ext4, XFS, NTFS and most FTP servers' file systems take. */
export const MAX_NAME_BYTES = 255;

/** A remote directory: "/"-separated, no "..", no line breaks (they would end the FTP command). */
export function validateRemoteDir(value: unknown, field: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string" || /[\r\n\0\\]/.test(value) || value.split("/").includes("..")) {
    throw new InputError(field, `expected a directory like "/anh/reports" (no "..", no backslashes), got ${describeValue(value)}`);
  }
  return value.trim();
}

/** The remote path of an entry, "/"-joined. */
export function remotePathOf(entry: Pick<OutboxEntry, "remoteDir" | "name">): string {
  const dir = entry.remoteDir.replace(/\/+$/, "");
  return dir === "" ? entry.name : `${dir}/${entry.name}`;
}

function isEntry(value: unknown): value is OutboxEntry {
  const e = value as OutboxEntry;
  return (
    e !== null &&
    typeof e === "object" &&
    typeof e.id === "string" &&
    typeof e.name === "string" &&
    typeof e.remoteDir === "string" &&
    typeof e.bytes === "number" &&
    typeof e.sha256 === "string" &&
    (e.status === "queued" || e.status === "pending" || e.status === "failed") &&
    typeof e.attempts === "number" &&
    typeof e.roundAttempts === "number" &&
    typeof e.createdAt === "number"
  );
}

export interface AddOptions {
  name: string;
  remoteDir: string;
  content: Buffer;
  status: Extract<OutboxStatus, "queued" | "pending">;
  now?: number;
}

export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  /** problems met while opening (unreadable records), for the node to log */
  readonly warnings: string[] = [];

  /** Opens (creating it if needed) the outbox in `dir` and reads what a previous run left there. */
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.load();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries oldest first. */
  list(): OutboxEntry[] {
    return [...this.entries.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): OutboxEntry | undefined {
    return this.entries.get(id);
  }

  dataPath(id: string): string {
    return path.join(this.dir, `${id}${DATA}`);
  }

  /**
   * Stores a file durably and returns its entry. The same content for the same remote path while an
   * earlier copy is still waiting is not stored twice: a flow that sends the report again (a replayed
   * inject, a re-run after a restart) must not make a second delivery.
   */
  add(options: AddOptions): OutboxEntry {
    const name = validateRemoteName(options.name, "msg.filename");
    const remoteDir = validateRemoteDir(options.remoteDir, "remoteDir");
    const sha256 = createHash("sha256").update(options.content).digest("hex");
    for (const entry of this.entries.values()) {
      if (entry.name === name && entry.remoteDir === remoteDir && entry.sha256 === sha256) return entry;
    }
    const now = options.now ?? Date.now();
    const id = `${String(now).padStart(13, "0")}-${randomBytes(4).toString("hex")}`;
    const entry: OutboxEntry = {
      id,
      name,
      remoteDir,
      bytes: options.content.length,
      sha256,
      status: options.status,
      attempts: 0,
      roundAttempts: 0,
      createdAt: now,
      roundStartedAt: null,
      nextAttemptAt: null,
      lastError: null,
    };
    try {
      writeFileDurably(this.dataPath(id), options.content, `${this.dataPath(id)}${TEMP}`);
      writeFileDurably(this.recordPath(id), JSON.stringify(entry), `${this.recordPath(id)}${TEMP}`);
      syncDirectory(this.dir);
    } catch (err) {
      // Nothing half-stored stays (a full disk must not stay full of our leftovers); the caller gets the cause.
      fs.rmSync(this.dataPath(id), { force: true });
      fs.rmSync(this.recordPath(id), { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      throw Object.assign(new Error(`cannot store ${name} in the outbox ${this.dir}: ${(err as Error).message}`), { code });
    }
    this.entries.set(id, entry);
    return { ...entry };
  }

  /** Changes an entry's record durably; returns the updated copy. */
  update(id: string, change: Partial<Omit<OutboxEntry, "id" | "name" | "remoteDir" | "bytes" | "sha256" | "createdAt">>): OutboxEntry {
    const current = this.entries.get(id);
    if (current === undefined) throw new Error(`outbox entry ${id} does not exist`);
    const updated: OutboxEntry = { ...current, ...change };
    writeFileDurably(this.recordPath(id), JSON.stringify(updated), `${this.recordPath(id)}${TEMP}`);
    this.entries.set(id, updated);
    return { ...updated };
  }

  /** Removes a delivered entry: the record first, so a crash in between leaves only orphan content. */
  remove(id: string): void {
    if (!this.entries.delete(id)) return;
    fs.rmSync(this.recordPath(id), { force: true });
    fs.rmSync(this.dataPath(id), { force: true });
    syncDirectory(this.dir);
  }

  /** Reads the content back, checking it against its sha256 (a corrupted disk must not reach the regulator). */
  readVerified(id: string): Buffer {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new Error(`outbox entry ${id} does not exist`);
    const content = fs.readFileSync(this.dataPath(id));
    const sha256 = createHash("sha256").update(content).digest("hex");
    if (sha256 !== entry.sha256) throw new Error(`outbox file ${id}${DATA} does not match its sha256 (disk corruption?)`);
    return content;
  }

  private recordPath(id: string): string {
    return path.join(this.dir, `${id}${RECORD}`);
  }

  private load(): void {
    const files = fs.readdirSync(this.dir);
    const records = new Set<string>();
    for (const file of files) {
      if (file.endsWith(TEMP)) {
        // An interrupted write: the complete version (if any) is under the final name.
        fs.rmSync(path.join(this.dir, file), { force: true });
        continue;
      }
      if (!file.endsWith(RECORD)) continue;
      const id = file.slice(0, -RECORD.length);
      if (!ID_PATTERN.test(id)) continue;
      try {
        const entry = JSON.parse(fs.readFileSync(path.join(this.dir, file), "utf8")) as unknown;
        if (!isEntry(entry) || entry.id !== id) throw new Error("not an outbox record");
        if (!fs.existsSync(this.dataPath(id))) throw new Error("its content file is missing");
        this.entries.set(id, entry);
        records.add(id);
      } catch (err) {
        this.warnings.push(`ignoring outbox record ${file}: ${(err as Error).message}`);
      }
    }
    for (const file of files) {
      if (!file.endsWith(DATA)) continue;
      const id = file.slice(0, -DATA.length);
      // Content whose record was never committed (crash during add) or already removed (crash during remove).
      if (ID_PATTERN.test(id) && !records.has(id) && !files.includes(`${id}${RECORD}`)) fs.rmSync(path.join(this.dir, file), { force: true });
    }
  }
}
