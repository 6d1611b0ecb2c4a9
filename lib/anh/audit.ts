import { createHash } from "crypto";
import fs from "fs";
import path from "path";
import readline from "readline";
import { InputError, describeValue } from "../common/errors";
import { syncDirectory } from "../common/durable-file";

/**
 * The life of a day's report, as the replaced reporter defined it, and its append-only audit trail.
 * pending (readings accumulate) → generating → validating → ready (sent on) → uploading → uploaded;
 * any step may end in failed. A failed report may be generated again (an operator's command, late
 * data) or its upload retried; a delivered one may be regenerated only on an explicit command.
 */

export const REPORT_STATUSES = ["pending", "generating", "validating", "ready", "uploading", "uploaded", "failed"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

const NEXT: Record<ReportStatus, readonly ReportStatus[]> = {
  pending: ["generating", "failed"],
  // A generation that a crash (or a failed audit write) cut short is started again from where the log stopped.
  generating: ["validating", "failed", "generating"],
  validating: ["ready", "failed", "generating"],
  ready: ["uploading", "uploaded", "generating", "failed"],
  uploading: ["uploaded", "failed", "uploading"],
  uploaded: ["generating"],
  failed: ["generating", "uploading", "uploaded"],
};

export function canTransition(from: ReportStatus, to: ReportStatus): boolean {
  return NEXT[from].includes(to);
}

export interface AuditRecord {
  /** ISO 8601 UTC time of the transition */
  at: string;
  date: string;
  status: ReportStatus;
  previous: ReportStatus;
  fileName: string;
  /** SHA-256 (hex) of the report's JSON text, once it exists */
  sha256?: string;
  bytes?: number;
  compliant?: boolean;
  /** why it failed or why it is flagged */
  reasons?: string[];
  [extra: string]: unknown;
}

/** SHA-256 of the report as JSON.stringify writes it (the bytes a downstream node sends for an object). */
export function reportDigest(report: unknown): { json: string; sha256: string; bytes: number } {
  const json = JSON.stringify(report);
  return { json, sha256: createHash("sha256").update(json).digest("hex"), bytes: Buffer.byteLength(json) };
}

/**
 * audit.jsonl: one line per status transition, appended and fsynced (a handful a day, so durability
 * costs nothing; the "pending" line of a day's first reading is not fsynced, see transition()). Read back at start to know where each day's report stands.
 */
export class AuditLog {
  readonly file: string;
  private readonly statuses = new Map<string, AuditRecord>();
  private loaded = false;
  /** the file was created by a write not yet followed by a directory fsync */
  private directoryUnsynced = false;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, "audit.jsonl");
  }

  /** Reads the log (once); torn or foreign lines are skipped. */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    if (!fs.existsSync(this.file)) return;
    const lines = readline.createInterface({ input: fs.createReadStream(this.file, { encoding: "utf8" }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === "") continue;
      try {
        const record = JSON.parse(line) as AuditRecord;
        if (typeof record.date === "string" && (REPORT_STATUSES as readonly string[]).includes(record.status)) this.statuses.set(record.date, record);
      } catch {
        // a torn last line from a power cut: the transition before it stands
      }
    }
  }

  /** The latest record of a day, or undefined when its report was never started (pending). */
  latest(date: string): AuditRecord | undefined {
    return this.statuses.get(date);
  }

  statusOf(date: string): ReportStatus {
    return this.statuses.get(date)?.status ?? "pending";
  }

  /** Records a transition; throws when the status machine does not allow it. */
  transition(date: string, fileName: string, status: ReportStatus, details: Partial<AuditRecord> = {}, now = Date.now()): AuditRecord {
    const previous = this.statusOf(date);
    // "pending" is recorded once, when a day's first reading arrives; before that it is implied.
    const opening = status === "pending" && !this.statuses.has(date);
    if (!opening && !canTransition(previous, status)) {
      throw new InputError("status", `report ${date}: cannot go from ${previous} to ${status}`);
    }
    const before = this.statuses.get(date);
    const record: AuditRecord = {
      at: new Date(now).toISOString(),
      date,
      status,
      previous,
      fileName,
      // The digest follows the report through its upload states.
      ...(before?.sha256 !== undefined && status !== "generating" ? { sha256: before.sha256, bytes: before.bytes } : {}),
      ...details,
    };
    const existed = fs.existsSync(this.file);
    // "pending" is what a day without a record is anyway, and every well opens its day at midnight: its
    // line is written (a killed process keeps it) but not fsynced; the next transition's fsync covers it.
    const durable = status !== "pending";
    const fd = fs.openSync(this.file, "a");
    try {
      fs.writeSync(fd, `${JSON.stringify(record)}\n`);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (!existed) this.directoryUnsynced = true;
    if (durable && this.directoryUnsynced) {
      syncDirectory(path.dirname(this.file));
      this.directoryUnsynced = false;
    }
    this.statuses.set(date, record);
    return record;
  }

  /** Every date with a record. */
  dates(): string[] {
    return [...this.statuses.keys()].sort();
  }
}

export function requireStatus(value: unknown, field: string): ReportStatus {
  if (typeof value === "string" && (REPORT_STATUSES as readonly string[]).includes(value)) return value as ReportStatus;
  throw new InputError(field, `expected one of ${REPORT_STATUSES.join("|")}, got ${describeValue(value)}`);
}
