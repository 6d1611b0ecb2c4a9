import fs from "fs";
import path from "path";
import { DateTime } from "luxon";
import { InputError, describeValue } from "../common/errors";
import { parseTimestamp } from "../common/sample";
import { dayBounds, localDate } from "../gaps/completeness";
import { AuditLog, reportDigest, type AuditRecord, type ReportStatus } from "./audit";
import { qualityJudge, reportFileName, type AnhReportConfig, type QualityJudge } from "./config";
import { writeFileAtomic } from "../common/durable-file";
import { ReadingJournal } from "./journal";
import { buildDayReport, type AnhReport, type Violation } from "./report";
import { validateReport } from "./schema";
import { DaySlots } from "./slots";

/**
 * The daily ANH report from readings to a validated file, without Node-RED: streamed readings go to the
 * day journal, a day is generated from its journal (or from a batch of readings), validated against the
 * schema, checked for compliance, kept on disk, and every status transition is written to the audit log.
 */

export interface ReporterOptions {
  journalDir: string;
  /** a non-compliant (but schema-valid) report still goes out, flagged; otherwise it fails */
  sendNonCompliant: boolean;
  /** see JournalOptions.syncDelayMs */
  syncDelayMs?: number;
  /** see JournalOptions.onSyncError */
  onSyncError?: (err: Error) => void;
  /** called after each recorded transition */
  onTransition?: (record: AuditRecord) => void;
}

export interface GenerationOutcome {
  date: string;
  fileName: string;
  status: Extract<ReportStatus, "ready" | "failed">;
  /** null only when the report could not be built */
  report: AnhReport | null;
  sha256: string | null;
  bytes: number | null;
  valid: boolean;
  schemaErrors: string[];
  compliant: boolean;
  violations: Violation[];
  /** sent although not compliant (sendNonCompliant) */
  flagged: boolean;
  /** why it failed or why it is flagged */
  reasons: string[];
  /** readings replayed or given */
  readings: number;
}

/** One reading of a batch. */
export interface BatchReading {
  tag: string;
  timestamp: number;
  value: unknown;
  quality?: unknown;
}

const READING_FIELDS = { value: "msg.payload.value", quality: "msg.payload.quality" };

export class AnhReporter {
  readonly config: AnhReportConfig;
  readonly journal: ReadingJournal;
  readonly audit: AuditLog;
  readonly reportsDir: string;
  private readonly options: ReporterOptions;
  private readonly judge: QualityJudge;
  private readonly tags: Set<string>;
  private readonly busy = new Set<string>();
  /** days whose first reading this process has seen */
  private readonly opened = new Set<string>();
  /** the day of the latest reading: most readings fall in it, so its bounds are kept */
  private day: { date: string; start: number; end: number } | null = null;
  readonly ingested = { readings: 0, unmapped: 0, bad: 0 };

  constructor(config: AnhReportConfig, options: ReporterOptions) {
    this.config = config;
    this.options = options;
    this.judge = qualityJudge(config.goodQualityCodes);
    this.tags = new Set(config.variables.map((v) => v.tag));
    this.journal = new ReadingJournal(options.journalDir, { syncDelayMs: options.syncDelayMs, onSyncError: options.onSyncError });
    this.audit = new AuditLog(options.journalDir);
    this.reportsDir = path.join(options.journalDir, "reports");
    fs.mkdirSync(this.reportsDir, { recursive: true });
  }

  /** Reads the audit log; call (and await) before the first generation. */
  start(): Promise<void> {
    return this.audit.load();
  }

  isMapped(tag: string): boolean {
    return this.tags.has(tag);
  }

  /**
   * Journals one streamed reading of a mapped tag; returns its local date, or null for an unmapped tag
   * (ignored: a flow may send every tag of the well through this node).
   */
  ingest(tag: string, timestamp: number, value: unknown, quality: unknown, fields: { value: string; quality: string; timestamp?: string } = READING_FIELDS): string | null {
    if (!this.tags.has(tag)) {
      this.ingested.unmapped++;
      return null;
    }
    const good = this.judge(quality, fields.quality);
    if (good && (typeof value !== "number" || !Number.isFinite(value))) {
      throw new InputError(fields.value, `expected a finite number, got ${describeValue(value)}`);
    }
    const date = this.reportDayOf(timestamp, fields.timestamp ?? "timestamp");
    this.journal.append(date, tag, timestamp, typeof value === "number" ? value : null, good);
    if (!this.opened.has(date)) {
      // A day's first reading (in this process): the day enters the status machine as pending.
      this.opened.add(date);
      if (this.audit.latest(date) === undefined) this.record(date, "pending", {}, Date.now());
    }
    this.ingested.readings++;
    if (!good) this.ingested.bad++;
    return date;
  }

  /**
   * The report day of a reading: its local date, which must be a day a report file can be named after
   * (years 0001-9999). A clock far off would otherwise open a journal and a pending report for year 0.
   */
  private reportDayOf(timestamp: number, field: string): string {
    let date: string | null = null;
    try {
      date = this.dateOf(timestamp);
    } catch {
      date = null;
    }
    if (date === null || !/^\d{4}-\d{2}-\d{2}$/.test(date) || date.startsWith("0000")) {
      throw new InputError(field, `expected a time in the years 0001-9999 (a report day), got ${timestamp} ms since 1970`);
    }
    return date;
  }

  /** The local date of an instant in the report's zone (bounds cached: localDate costs microseconds). */
  dateOf(timestamp: number): string {
    const day = this.day;
    if (day !== null && timestamp >= day.start && timestamp < day.end) return day.date;
    const date = localDate(timestamp, this.config.timeZone);
    const bounds = dayBounds(date, this.config.timeZone);
    this.day = { date, start: bounds.start, end: bounds.end };
    return date;
  }

  /** The day before the local date of `now`: the day a 06:00 run reports. */
  previousDay(now: number): string {
    return DateTime.fromMillis(now, { zone: this.config.timeZone }).minus({ days: 1 }).toISODate() as string;
  }

  statusOf(date: string): ReportStatus {
    return this.audit.statusOf(date);
  }

  /** Journaled days still pending (never generated) before `beforeDate`: the reports a restart owes. */
  overdueDays(beforeDate: string): string[] {
    // "generating"/"validating": a generation the process died in (SIGKILL, power cut) is owed too.
    const owed = new Set(["pending", "generating", "validating"]);
    return this.journal.dates().filter((date) => date < beforeDate && owed.has(this.audit.statusOf(date)));
  }

  /** Deletes the journals of days before `beforeDate` whose report was uploaded; returns their dates. */
  pruneJournals(beforeDate: string): string[] {
    const removed = this.journal.dates().filter((date) => date < beforeDate && this.audit.statusOf(date) === "uploaded");
    for (const date of removed) this.journal.remove(date);
    return removed;
  }

  /** Generates the report of `date` from its journal. */
  async generate(date: string, now = Date.now()): Promise<GenerationOutcome> {
    return this.run(date, now, async (slots) => (await this.journal.replay(date, slots)).lines);
  }

  /** Generates the report of `date` from a batch of readings (unmapped tags and other days are ignored). */
  async generateFromReadings(date: string, readings: readonly BatchReading[], now = Date.now()): Promise<GenerationOutcome> {
    // Checked before the status machine moves: a bad batch is the sender's error, not a failed report.
    const goods = readings.map((reading, i) => {
      if (!this.tags.has(reading.tag)) return false;
      const good = this.judge(reading.quality, `msg.payload[${i}].quality`);
      if (good && (typeof reading.value !== "number" || !Number.isFinite(reading.value))) {
        throw new InputError(`msg.payload[${i}].value`, `expected a finite number, got ${describeValue(reading.value)}`);
      }
      return good;
    });
    return this.run(date, now, async (slots) => {
      let count = 0;
      readings.forEach((reading, i) => {
        if (this.tags.has(reading.tag) && slots.add(reading.tag, reading.timestamp, goods[i] ? (reading.value as number) : 0, goods[i])) count++;
      });
      return count;
    });
  }

  /** A delivery report from downstream (ftp-deliver's msg.delivery.status) moves the report on. */
  delivery(date: string, status: Extract<ReportStatus, "uploading" | "uploaded" | "failed">, details: Partial<AuditRecord> = {}, now = Date.now()): AuditRecord {
    return this.record(date, status, details, now);
  }

  close(): void {
    this.journal.close();
  }

  /** close() without blocking the event loop on the last fsyncs (hundreds of wells stop together). */
  closeAsync(): Promise<void> {
    return this.journal.closeAsync();
  }

  private record(date: string, status: ReportStatus, details: Partial<AuditRecord>, now: number): AuditRecord {
    const record = this.audit.transition(date, reportFileName(date), status, details, now);
    this.options.onTransition?.(record);
    return record;
  }

  private async run(date: string, now: number, fill: (slots: DaySlots) => Promise<number>): Promise<GenerationOutcome> {
    const slots = new DaySlots(date, this.config.timeZone, this.config.intervalMs); // checks the date first
    if (this.busy.has(date)) throw new InputError("date", `the report of ${date} is already being generated`);
    this.busy.add(date);
    const fileName = reportFileName(date);
    try {
      this.record(date, "generating", {}, now);
      let readings = 0;
      let report: AnhReport;
      try {
        readings = await fill(slots);
        report = buildDayReport(slots, this.config, { generatedAt: now });
      } catch (err) {
        const reason = `could not build the report: ${(err as Error).message}`;
        this.record(date, "failed", { reasons: [reason] }, now);
        return { date, fileName, status: "failed", report: null, sha256: null, bytes: null, valid: false, schemaErrors: [], compliant: false, violations: [], flagged: false, reasons: [reason], readings };
      }
      this.record(date, "validating", { readings }, now);
      let validation: ReturnType<typeof validateReport>;
      let digest: ReturnType<typeof reportDigest>;
      try {
        validation = validateReport(report);
        digest = reportDigest(report);
        writeFileAtomic(path.join(this.reportsDir, fileName), digest.json);
      } catch (err) {
        // A report file that cannot be written (disk full) must not leave the day "validating" for ever:
        // it fails, and a later generation (space back, an operator's command) may start again.
        this.record(date, "failed", { reasons: [`could not write the report in ${this.reportsDir}: ${(err as Error).message}`] }, now);
        throw err;
      }
      const { sha256, bytes } = digest;
      const { compliant, violations } = report.summary;
      const reasons = [...validation.errors.map((e) => `schema: ${e}`), ...violations.map((v) => v.message)];
      const sendable = validation.valid && (compliant || this.options.sendNonCompliant);
      const status = sendable ? "ready" : "failed";
      this.record(date, status, { sha256, bytes, compliant, valid: validation.valid, flagged: sendable && !compliant, ...(reasons.length > 0 ? { reasons } : {}) }, now);
      return { date, fileName, status, report, sha256, bytes, valid: validation.valid, schemaErrors: validation.errors, compliant, violations, flagged: sendable && !compliant, reasons, readings };
    } finally {
      this.busy.delete(date);
    }
  }
}

/** Reads a batch array item: {topic|tag, value, timestamp, quality?}; `fallbackTag` is msg.topic. */
export function readBatchItem(item: unknown, index: number, fallbackTag: string): BatchReading {
  const field = `msg.payload[${index}]`;
  if (item === null || typeof item !== "object" || Array.isArray(item)) throw new InputError(field, `expected {topic, value, timestamp, quality?}, got ${describeValue(item)}`);
  const record = item as Record<string, unknown>;
  const tagValue = record.topic ?? record.tag ?? fallbackTag;
  if (typeof tagValue !== "string" || tagValue === "") throw new InputError(`${field}.topic`, `expected the tag name (or msg.topic for the whole batch), got ${describeValue(tagValue)}`);
  if (record.timestamp === undefined) throw new InputError(`${field}.timestamp`, "expected epoch milliseconds or an ISO 8601 date, got undefined");
  return { tag: tagValue, timestamp: parseTimestamp(record.timestamp, `${field}.timestamp`), value: record.value, quality: record.quality };
}
