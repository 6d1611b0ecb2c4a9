import os from "os";
import path from "path";
import type { Node, NodeAPI, NodeMessageInFlow } from "node-red";
import { InputError } from "../../lib/common/errors";
import { Batcher } from "../../lib/influx/batcher";
import { DiskQueue } from "../../lib/influx/disk-queue";
import { Forwarder } from "../../lib/influx/forwarder";
import { PointBuilder } from "../../lib/influx/point-builder";
import { eventMessage, type EventPayload } from "../shared/events";
import { onInput } from "../shared/input";
import { recordDelivery, registerGauges, reportFatal } from "../shared/metrics";
import { StatusReporter } from "../shared/status";
import { loadNodeConfig } from "../shared/stateful-node";
import type { InfluxServerNode } from "../influx-server/influx-server-config";
import { parseWriteConfig, type InfluxWriteConfig, type InfluxWriteDef, type InfluxWriteStats } from "./influx-write-config";

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)} k`;
  return String(n);
}

export = function register(RED: NodeAPI): void {
  function InfluxWriteNode(this: Node, def: InfluxWriteDef): void {
    RED.nodes.createNode(this, def);
    const node = this as Node & { influxStats?: () => InfluxWriteStats };
    const status = new StatusReporter(node);
    const server = RED.nodes.getNode(def.server) as InfluxServerNode | null;

    const { config, error: configError } = loadNodeConfig<InfluxWriteConfig>(node, status, () => {
      if (server === null) throw new InputError("server", "choose an influx-server configuration node");
      if (server.serverConfig === null) throw server.configError as InputError;
      return parseWriteConfig(def);
    });

    let forwarder: Forwarder | null = null;
    let batcher: Batcher | null = null;
    let builder: PointBuilder | null = null;
    let accepted = 0;
    /** points written when last looked at, to stamp the last successful delivery (status refresh: within 2 s) */
    let deliveredSeen = 0;

    const emit = (event: Omit<EventPayload, "topic" | "timestamp"> & { timestamp?: number }): void => {
      node.send(eventMessage({ topic: "", timestamp: Date.now(), ...event }));
    };
    const showStatus = (): void => {
      if (forwarder === null) return;
      const f = forwarder;
      if (f.deliveredPoints !== deliveredSeen) {
        deliveredSeen = f.deliveredPoints;
        recordDelivery(node);
      }
      if (f.isDown) status.alarm(() => `server down (${f.lastError ?? "?"}): ${formatCount(f.queuedPoints)} queued on disk`);
      else status.running(() => `${formatCount(f.deliveredPoints)} written${f.pendingPoints > 0 ? `, ${formatCount(f.pendingPoints)} pending` : ""}`);
    };

    if (config !== null && server !== null) {
      const queueDir = config.queueDir || path.join((RED.settings as { userDir?: string }).userDir ?? path.join(os.homedir(), ".node-red"), "influx-queue", node.id);
      try {
        const queue = new DiskQueue(queueDir, { maxBytes: config.queueMaxBytes, segmentBytes: Math.max(2 ** 16, Math.min(64 * 2 ** 20, Math.floor(config.queueMaxBytes / 8))) });
        for (const warning of queue.warnings) node.warn(warning);
        if (!queue.isEmpty) node.log(`replaying ${queue.points} points left in the disk queue by the last run`);
        forwarder = new Forwarder(server.createWriteTransport(config.precision), queue, config.forwarder, {
          outage: (info) => {
            emit({ event: "outage", severity: "warning", message: `InfluxDB ${server.label} is not taking data (${info.status === null ? info.message : `HTTP ${info.status}: ${info.message}`}): points go to the disk queue`, details: { status: info.status, reason: info.message } });
            showStatus();
          },
          recovered: (info) => {
            emit({ event: "recovered", severity: "info", message: `InfluxDB ${server.label} takes data again after ${(info.downMs / 1000).toFixed(1)} s; ${info.replayedPoints} queued points replayed`, details: info });
            showStatus();
          },
          rejected: (rejected) => {
            // The Catch node gets it too: a refused point is lost data someone must look at.
            const message = `InfluxDB refused a point (HTTP ${rejected.status}: ${rejected.message}): ${rejected.line}`;
            node.error(message, { payload: rejected.line, influx: rejected });
            emit({ event: "rejected", severity: "warning", message, details: { ...rejected } });
          },
          queueLevel: (high, fill) => {
            const percent = Math.round(fill * 100);
            emit(
              high
                ? { event: "queue-high", severity: "warning", message: `disk queue ${percent} % full (${queue.points} points): InfluxDB has been down long`, details: { fill, points: queue.points, bytes: queue.bytes, maxBytes: queue.maxBytes } }
                : { event: "queue-normal", severity: "info", message: `disk queue back to ${percent} %`, details: { fill, points: queue.points } },
            );
          },
          dropped: (points, reason) => {
            const why = reason ?? `disk queue in ${queue.dir} full (${queue.maxBytes} bytes)`;
            node.error(`${why}: ${points} points dropped`, { payload: { points, maxBytes: queue.maxBytes, dir: queue.dir, reason } });
            emit({ event: "queue-full", severity: "critical", message: `${why}: ${points} points dropped`, details: { points, maxBytes: queue.maxBytes, dir: queue.dir, reason } });
          },
          damaged: (message) => node.warn(message),
          failure: (message) => node.error(message),
        });
        const f = forwarder;
        batcher = new Batcher(config.batcher, (batch) => {
          f.submit(batch);
          showStatus();
        });
        builder = new PointBuilder(config.points);
        registerGauges(node, () => ({ queuePoints: f.pendingPoints + (batcher?.pending ?? 0) }));
        node.influxStats = () => ({ accepted, delivered: f.deliveredPoints, pending: f.pendingPoints + (batcher?.pending ?? 0), queued: f.queuedPoints, rejected: f.rejectedPoints, dropped: f.droppedPoints, down: f.isDown });
      } catch (err) {
        node.error(`cannot open the disk queue in ${queueDir}: ${(err as Error).message}`);
        status.error("queue unavailable");
        reportFatal(node, `cannot open the disk queue in ${queueDir}: ${(err as Error).message}`);
        forwarder = null;
      }
    }

    const statusTimer = setInterval(showStatus, 2000);

    onInput<NodeMessageInFlow>(node, status, (msg) => {
      if (config === null) throw configError as InputError;
      if (batcher === null || builder === null) throw new InputError("queueDir", "the disk queue could not be opened (see the log)");
      const lines = builder.lines(msg as Parameters<PointBuilder["lines"]>[0], Date.now(), config.precision);
      batcher.addAll(lines);
      accepted += lines.length;
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      clearInterval(statusTimer);
      status.close();
      batcher?.close();
      if (forwarder === null) {
        done();
        return;
      }
      forwarder.close().then(done, (err: Error) => {
        node.warn(`could not close the disk queue: ${err.message}`);
        done();
      });
    });
  }

  RED.nodes.registerType("influx-write", InfluxWriteNode);
};
