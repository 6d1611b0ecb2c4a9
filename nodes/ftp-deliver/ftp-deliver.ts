import os from "os";
import path from "path";
import type { Node, NodeAPI } from "node-red";
import { Cron } from "croner";
import { InputError, describeValue } from "../../lib/common/errors";
import { Outbox, type OutboxEntry } from "../../lib/delivery/outbox";
import { DeliveryQueue, reportOf, type DeliveryReport, type QueueEvent } from "../../lib/delivery/queue";
import { eventMessage, type EventMessage } from "../shared/events";
import { audit } from "../shared/audit";
import { onInput } from "../shared/input";
import { recordDelivery, registerGauges } from "../shared/metrics";
import { reportConfigError } from "../shared/stateful-node";
import { StatusReporter } from "../shared/status";
import type { FtpServerNode } from "../ftp-server/ftp-server-config";
import { contentOf, parseDeliverConfig, type DeliverMessage, type DeliverNodeConfig, type FtpDeliverDef } from "./ftp-deliver-config";

/** The first line of an error, short enough for a node status. */
function shortReason(message: string): string {
  const reason = message.includes("login refused") ? "login refused" : message.includes("not trusted") ? "certificate not trusted" : message;
  return reason.length > 48 ? `${reason.slice(0, 47)}…` : reason;
}

export = function register(RED: NodeAPI): void {
  function FtpDeliverNode(this: Node, def: FtpDeliverDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node, 250);

    let config: DeliverNodeConfig | null = null;
    let configError: InputError | null = null;
    let queue: DeliveryQueue | null = null;
    let cron: Cron | null = null;
    /** the input messages waiting for each outbox entry, answered on output 1 when it is delivered or fails */
    const waiting = new Map<string, DeliverMessage[]>();

    const showCounts = (): void => {
      if (queue === null) return;
      const counts = queue.counts();
      if (counts.failed > 0) status.error(`${counts.failed} failed, ${counts.pending + counts.queued} waiting`);
      else if (counts.pending > 0) status.learning(`delivering ${counts.pending}`);
      else if (counts.queued > 0) status.idle(`${counts.queued} queued${cron ? ` for ${cron.nextRun()?.toISOString() ?? "?"}` : ""}`);
      else status.running("outbox empty");
    };

    const event = (name: string, severity: "info" | "warning" | "critical", entry: OutboxEntry, message: string, details: Record<string, unknown>): EventMessage =>
      eventMessage({ event: name, severity, topic: entry.name, timestamp: Date.now(), message, details });

    /** Output 1 for every message waiting for `entry`, or one fresh message for a file from an earlier run. */
    const answer = (entry: OutboxEntry, report: DeliveryReport): DeliverMessage[] => {
      const messages = waiting.get(entry.id) ?? [{ _msgid: RED.util.generateId(), topic: entry.name, filename: entry.name } as DeliverMessage];
      waiting.delete(entry.id);
      for (const msg of messages) msg.delivery = report;
      return messages;
    };

    const onEvent = (e: QueueEvent): void => {
      if (e.kind === "delivered") {
        const how = e.report.alreadyPresent ? " (already on the server)" : "";
        recordDelivery(node, e.report.deliveredAt === null ? Date.now() : Date.parse(e.report.deliveredAt));
        audit(RED, node, "file-delivered", { file: e.entry.name, ...e.report });
        node.send([answer(e.entry, e.report), event("delivered", "info", e.entry, `${e.report.remotePath} delivered${how} after ${e.report.attempts} attempt(s)`, { ...e.report })]);
        status.running(`delivered ${e.entry.name}`);
        if (queue && queue.counts().pending + queue.counts().failed > 0) showCounts();
        return;
      }
      if (e.kind === "retrying") {
        // One event per round, when the trouble starts; every further attempt only updates the status.
        if (e.entry.roundAttempts === 1) {
          node.send([null, event("retrying", "warning", e.entry, `${e.entry.name}: ${e.error.message}; retrying until the deadline`, { ...reportOf(e.entry, "pending"), error: e.error.message })]);
        }
        status.learning(`retrying ${e.entry.name} (attempt ${e.entry.attempts}) in ${Math.round(e.delayMs / 1000)} s`);
        return;
      }
      const messages = answer(e.entry, e.report);
      node.send([messages, event("failed", "critical", e.entry, `${e.entry.name} not delivered: ${e.error.message}`, { ...e.report })]);
      // One error per file, with the message, so a Catch node can alert an operator.
      node.error(`${e.entry.name} not delivered after ${e.entry.attempts} attempt(s): ${e.error.message}; it stays in the outbox (msg.command = "retry")`, messages[0]);
      status.error(`failed ${e.entry.name}: ${shortReason(e.error.message)}`);
    };

    try {
      config = parseDeliverConfig(def);
      const server = RED.nodes.getNode(def.server) as FtpServerNode | null;
      if (server === null) throw new InputError("server", "select an ftp-server configuration node");
      if (server.connection === null) throw server.configError ?? new InputError("server", "the ftp-server configuration is invalid");
      const userDir = (RED.settings as { userDir?: string }).userDir || path.join(os.homedir(), ".node-red");
      const outbox = new Outbox(config.outboxDir ?? path.join(userDir, "ftp-outbox", node.id));
      for (const warning of outbox.warnings) node.warn(warning);
      queue = new DeliveryQueue({
        outbox,
        connection: server.connection,
        retry: config.retry,
        onEvent,
        onError: (err) => {
          node.error(`outbox ${outbox.dir}: ${err.message}`);
          status.error("outbox error");
        },
      });
      if (config.cron !== null) {
        const activeQueue = queue;
        cron = new Cron(config.cron, { timezone: config.timeZone, protect: true }, () => {
          if (activeQueue.flush() === 0) showCounts();
        });
      }
      // Whatever a previous run left pending is delivered now; queued files wait for the schedule.
      queue.resume();
      showCounts();
      const outboxQueue = queue;
      registerGauges(node, () => ({ outboxFiles: outboxQueue.counts() }));
    } catch (err) {
      configError = reportConfigError(node, status, err);
    }

    const handle = (msg: DeliverMessage): void => {
      if (config === null || queue === null) throw configError as InputError;
      if (msg.command !== undefined) {
        if (msg.command === "retry") {
          const count = queue.retry();
          status.learning(`retrying ${count}`);
        } else if (msg.command === "send") {
          queue.flush();
          showCounts();
        } else {
          throw new InputError("msg.command", `expected "retry" or "send", got ${describeValue(msg.command)}`);
        }
        return;
      }
      const content = contentOf(msg.payload);
      let entry: OutboxEntry;
      try {
        entry = queue.enqueue(msg.filename as string, config.remoteDir, content, config.mode === "message");
      } catch (err) {
        // The outbox could not store the file (disk full, removed): an event for the operator's dashboard,
        // and the error (naming the outbox directory) to the Catch node; files already stored are kept.
        if (!(err instanceof InputError)) {
          const name = typeof msg.filename === "string" ? msg.filename : "";
          node.send([null, eventMessage({ event: "outbox-error", severity: "critical", topic: name, timestamp: Date.now(), message: (err as Error).message, details: { code: (err as NodeJS.ErrnoException).code ?? null, bytes: content.length } })]);
          status.error(`outbox: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
        }
        throw err;
      }
      const list = waiting.get(entry.id);
      if (list) list.push(msg);
      else waiting.set(entry.id, [msg]);
      if (config.mode === "schedule") showCounts();
    };

    onInput<DeliverMessage>(node, status, handle);
    node.on("close", (_removed: boolean, done: () => void) => {
      cron?.stop();
      status.close();
      (queue?.close() ?? Promise.resolve()).then(done, done);
    });
  }

  RED.nodes.registerType("ftp-deliver", FtpDeliverNode);
};
