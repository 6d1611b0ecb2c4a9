import path from "path";
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { Cron } from "croner";
import { DateTime } from "luxon";
import { InputError, describeValue } from "../../lib/common/errors";
import { parseTimestamp } from "../../lib/common/sample";
import { dayBounds } from "../../lib/gaps/completeness";
import type { AuditRecord, ReportStatus } from "../../lib/anh/audit";
import { AnhReporter, readBatchItem, type GenerationOutcome } from "../../lib/anh/reporter";
import { eventMessage, type Severity } from "../shared/events";
import { audit } from "../shared/audit";
import { onInput, type Send } from "../shared/input";
import { reportFatal } from "../shared/metrics";
import { seriesKey } from "../shared/message";
import { StatusReporter } from "../shared/status";
import { loadNodeConfig } from "../shared/stateful-node";
import { parseAnhConfig, type AnhJsonDef, type AnhMessage, type AnhNodeConfig } from "./anh-json-config";

const FILE_NAME = /^ANH_REPORT_(\d{4})(\d{2})(\d{2})\.json$/;

/** ftp-deliver's msg.delivery.status (and the usual synonyms) → the report's status. */
function deliveryStatus(value: unknown): Extract<ReportStatus, "uploading" | "uploaded" | "failed"> {
  switch (value) {
    case "uploading":
    case "queued":
    case "pending":
    case "retrying":
      return "uploading";
    case "uploaded":
    case "delivered":
    case "already-delivered":
      return "uploaded";
    case "failed":
      return "failed";
    default:
      throw new InputError("msg.delivery.status", `expected uploading|uploaded|delivered|failed, got ${describeValue(value)}`);
  }
}

function severityOf(record: AuditRecord): Severity {
  if (record.status === "failed") return "critical";
  if (record.flagged === true) return "warning";
  return "info";
}

/** The summary in msg.report. */
function reportSummary(outcome: GenerationOutcome): Record<string, unknown> {
  const report = outcome.report;
  return {
    date: outcome.date,
    status: outcome.status,
    variables: report?.variables.map((v) => ({ code: v.code, tag: v.tag, missingSlots: v.missingSlots, qualityScore: v.qualityScore, compliant: v.compliant })) ?? [],
    missingSlots: report?.summary.missingSlots ?? null,
    qualityScore: report?.summary.qualityScore ?? null,
    compliant: outcome.compliant,
    violations: outcome.violations,
    flagged: outcome.flagged,
    valid: outcome.valid,
    reasons: outcome.reasons,
    sha256: outcome.sha256,
    bytes: outcome.bytes,
    readings: outcome.readings,
  };
}

export = function register(RED: NodeAPI): void {
  function AnhJsonNode(this: Node, def: AnhJsonDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);
    const userDir = (RED.settings as { userDir?: string }).userDir;
    const { config, error: configError } = loadNodeConfig<AnhNodeConfig>(node, status, () => parseAnhConfig(def, userDir));

    let reporter: AnhReporter | null = null;
    if (config !== null) {
      try {
        reporter = new AnhReporter(config.report, {
          journalDir: config.journalDir,
          sendNonCompliant: config.sendNonCompliant,
          syncDelayMs: config.syncDelayMs,
          // The fsyncs run in the background: a failing disk is an error of this node, not a crash.
          onSyncError: (err) => {
            node.error(err.message);
            status.error("journal fsync failed");
          },
          onTransition: (record) => {
            showStatus(record);
            if (record.status === "ready") {
              audit(RED, node, "report-generated", { date: record.date, fileName: record.fileName, sha256: record.sha256, bytes: record.bytes, compliant: record.compliant, flagged: record.flagged === true, reasons: record.reasons });
            }
            node.send([null, eventMessage({ event: "status", severity: severityOf(record), topic: record.date, timestamp: Date.parse(record.at), message: `${record.fileName}: ${record.previous} → ${record.status}`, details: { ...record } })]);
          },
        });
      } catch (err) {
        node.error(`cannot open the journal in ${config.journalDir}: ${(err as Error).message}`);
        status.error("journal unavailable");
        reportFatal(node, `cannot open the journal in ${config.journalDir}: ${(err as Error).message}`);
      }
    }
    const ready: Promise<void> = reporter === null ? Promise.resolve() : reporter.start();

    function showStatus(record: AuditRecord): void {
      const text = `${record.date}: ${record.status}${record.flagged === true ? " (non-compliant, flagged)" : ""}`;
      if (record.status === "failed") status.error(text);
      else if (record.status === "uploaded" || record.status === "ready") status.running(text);
      else status.learning(text);
    }

    /** Generations run one after another: the scheduler, catch-up and commands never overlap. */
    let queue: Promise<unknown> = ready;
    function enqueue<T>(work: () => Promise<T>): Promise<T> {
      const next = queue.then(work);
      queue = next.catch(() => undefined);
      return next;
    }

    /** Sends a ready report on output 1 (a failed one never leaves: its reasons went out on output 2). */
    function deliver(outcome: GenerationOutcome, msg: AnhMessage | null, send: Send): void {
      if (outcome.status !== "ready" || outcome.report === null) {
        node.warn(`${outcome.fileName} not sent: ${outcome.reasons.join("; ")}`);
        return;
      }
      const out = (msg ?? {}) as NodeMessage & Record<string, unknown>;
      out.topic = outcome.fileName;
      out.payload = outcome.report;
      out.filename = outcome.fileName;
      out.report = reportSummary(outcome);
      send([out, null]);
    }

    const generateDay = (date: string, msg: AnhMessage | null, send: Send) =>
      enqueue(async () => {
        const active = reporter as AnhReporter;
        const outcome = await active.generate(date);
        deliver(outcome, msg, send);
        pruneJournals(active);
        return outcome;
      });

    /** Journals of delivered days older than keepJournalDays are deleted (a 1 Hz day of 20 tags is 50 MB). */
    function pruneJournals(active: AnhReporter): void {
      if (config === null || config.keepJournalDays === 0) return;
      const before = DateTime.fromMillis(Date.now(), { zone: config.report.timeZone }).minus({ days: config.keepJournalDays }).toISODate() as string;
      try {
        const removed = active.pruneJournals(before);
        if (removed.length > 0) node.log(`deleted the journals of ${removed.join(", ")} (delivered, older than ${config.keepJournalDays} days)`);
      } catch (err) {
        node.warn(`could not delete old journals: ${(err as Error).message}`);
      }
    }

    /** Days whose generation time has passed without a report (the node was stopped at 06:00). */
    const reportableBefore = (now: number): string => {
      const local = DateTime.fromMillis(now, { zone: config?.report.timeZone });
      const [hour, minute] = (config as AnhNodeConfig).generationTime.split(":").map(Number);
      const due = local.hour > hour || (local.hour === hour && local.minute >= minute);
      return (due ? local : local.minus({ days: 1 })).toISODate() as string;
    };
    const sendOut: Send = (m) => node.send(m);
    const catchUp = async (): Promise<void> => {
      if (reporter === null) return;
      for (const date of reporter.overdueDays(reportableBefore(Date.now()))) await generateDay(date, null, sendOut);
    };

    let cron: Cron | null = null;
    let closed = false;
    let flowsStarted = false;
    let catchUpWhenStarted = false;
    const onFlowsStarted = (): void => {
      flowsStarted = true;
      if (catchUpWhenStarted) {
        catchUpWhenStarted = false;
        catchUp().catch((err: Error) => node.error(`catch-up generation failed: ${err.message}`));
      }
    };
    RED.events.once("flows:started", onFlowsStarted);
    if (reporter !== null && config !== null) {
      const active = reporter;
      ready.then(
        () => {
          if (closed) return; // redeployed while the audit log was loading
          // Owed reports go out once the flow has started: sent earlier, the wires may not exist yet.
          if (flowsStarted) catchUp().catch((err: Error) => node.error(`catch-up generation failed: ${err.message}`));
          else catchUpWhenStarted = true;
          // croner computes the next 06:00 in the zone itself; protect: a slow run is never started twice.
          cron = new Cron(config.cronPattern, { timezone: config.report.timeZone, protect: true }, () => {
            const date = active.previousDay(Date.now());
            const current = active.statusOf(date);
            const work = current === "pending" || current === "failed" ? generateDay(date, null, sendOut) : Promise.resolve();
            work.then(catchUp).catch((err: Error) => node.error(`scheduled generation of ${date} failed: ${err.message}`));
          });
          status.idle(`next report ${DateTime.fromJSDate(cron.nextRun() as Date, { zone: config.report.timeZone }).toFormat("yyyy-LL-dd HH:mm")}`);
        },
        (err: Error) => {
          node.error(`cannot read the audit log: ${err.message}`);
          status.error("audit log unreadable");
          if (!closed) reportFatal(node, `cannot read the audit log: ${err.message}`);
        },
      );
    }

    const handle = async (msg: AnhMessage, send: Send): Promise<void> => {
      if (config === null) throw configError as InputError;
      if (reporter === null) throw new Error(`the journal directory ${config.journalDir} cannot be used`);
      await ready;
      const zone = config.report.timeZone;

      if (msg.delivery !== undefined) {
        const delivery = msg.delivery as Record<string, unknown> | null;
        if (delivery === null || typeof delivery !== "object") throw new InputError("msg.delivery", `expected ftp-deliver's {status, remotePath, …}, got ${describeValue(delivery)}`);
        const name = typeof msg.filename === "string" ? msg.filename : typeof delivery.remotePath === "string" ? path.posix.basename(delivery.remotePath) : "";
        const match = FILE_NAME.exec(name);
        if (match === null) return; // another file delivered by the same FTP node: not ours
        const date = `${match[1]}-${match[2]}-${match[3]}`;
        const next = deliveryStatus(delivery.status);
        if (reporter.statusOf(date) === next) return; // a repeated confirmation (queued, then pending)
        const kept = reporter.audit.latest(date)?.sha256;
        const sent = typeof delivery.sha256 === "string" ? delivery.sha256 : undefined;
        // The delivered bytes must be the report this node made: another flow may have sent an edited file.
        const sameReport = kept === undefined || sent === undefined ? undefined : kept === sent;
        if (sameReport === false) node.warn(`${name}: delivered SHA-256 ${sent} differs from the generated report's ${kept}`);
        reporter.delivery(date, next, { delivery: { ...delivery }, ...(sameReport === undefined ? {} : { sameReport }) });
        return;
      }

      if (msg.command !== undefined) {
        if (msg.command !== "generate") throw new InputError("msg.command", `expected "generate", got ${describeValue(msg.command)}`);
        let date = reporter.previousDay(Date.now());
        if (msg.date !== undefined) {
          if (typeof msg.date !== "string") throw new InputError("msg.date", `expected YYYY-MM-DD, got ${describeValue(msg.date)}`);
          date = dayBounds(msg.date, zone, "msg.date").date;
        }
        await generateDay(date, msg, send);
        return;
      }

      if (Array.isArray(msg.payload)) {
        const fallbackTag = seriesKey(msg);
        const readings = msg.payload.map((item, i) => readBatchItem(item, i, fallbackTag));
        let date: string;
        if (msg.date !== undefined) {
          if (typeof msg.date !== "string") throw new InputError("msg.date", `expected YYYY-MM-DD, got ${describeValue(msg.date)}`);
          date = dayBounds(msg.date, zone, "msg.date").date;
        } else {
          const dates = new Set(readings.map((r) => reporter?.dateOf(r.timestamp)));
          if (dates.size !== 1) throw new InputError("msg.date", `the batch spans ${dates.size} local days: say which day to report as msg.date = "YYYY-MM-DD"`);
          date = [...dates][0] as string;
        }
        const active = reporter;
        await enqueue(async () => deliver(await active.generateFromReadings(date, readings), msg, send));
        return;
      }

      // A streamed reading: journaled on disk before the message is acknowledged.
      const tag = seriesKey(msg);
      const payload = msg.payload;
      const record = payload !== null && typeof payload === "object" && !Buffer.isBuffer(payload) ? (payload as { value?: unknown; timestamp?: unknown; quality?: unknown }) : null;
      const value = record !== null ? record.value : payload;
      const timestamp =
        record?.timestamp !== undefined ? parseTimestamp(record.timestamp, "msg.payload.timestamp") : msg.timestamp !== undefined ? parseTimestamp(msg.timestamp, "msg.timestamp") : Date.now();
      const quality = record?.quality !== undefined ? record.quality : msg.quality;
      const date = reporter.ingest(tag, timestamp, value, quality, {
        value: record !== null ? "msg.payload.value" : "msg.payload",
        quality: record?.quality !== undefined ? "msg.payload.quality" : "msg.quality",
      });
      const counts = reporter.ingested;
      if (date !== null) status.running(() => `${date}: ${counts.readings} readings journaled${counts.unmapped > 0 ? `, ${counts.unmapped} unmapped` : ""}`);
    };

    onInput<AnhMessage>(node, status, handle);
    node.on("close", (_removed: boolean, done: () => void) => {
      closed = true;
      (cron as Cron | null)?.stop();
      RED.events.removeListener("flows:started", onFlowsStarted);
      status.close();
      // A generation in progress finishes (its file and audit line are written) before the journal closes.
      // The journal's last fsyncs run on the thread pool: a plant stops hundreds of these nodes at once.
      const closeJournal = (): void => {
        (reporter?.closeAsync() ?? Promise.resolve()).then(done, (err: Error) => {
          node.error(`closing the journal failed: ${err.message}`);
          done();
        });
      };
      queue.then(closeJournal, closeJournal);
    });
  }

  RED.nodes.registerType("anh-json", AnhJsonNode);
};
