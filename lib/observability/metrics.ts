import { ALARM_SEVERITIES, AlarmTracker, type AlarmEvent } from "./alarms";
import type { MetricFamily, Sample } from "./prometheus";

/**
 * The process-wide figures a plant's monitoring scrapes: messages processed and rejected per node type,
 * events per type, the depth of the durable queues (read when scraped, from callbacks the nodes register:
 * no timer), the last successful delivery of each delivering node, open alarms by severity and the nodes
 * that cannot work at all. Counters only grow for the life of the process, as Prometheus expects (its
 * rate() handles the reset at a restart).
 */

export const METRIC_PREFIX = "field_reliability_";

export interface NodeRef {
  id: string;
  type: string;
  name?: string;
}

/** What a node reports when scraped; a field left out is not one of its figures. */
export interface NodeGauges {
  /** points not yet written to the database (memory batches and the disk queue) */
  queuePoints?: number;
  /** outbox files not yet delivered, by state */
  outboxFiles?: Readonly<Record<string, number>>;
}

interface GaugeSource {
  node: NodeRef;
  read: () => NodeGauges;
}

interface EventCount {
  type: string;
  event: string;
  severity: string;
  count: number;
}

export interface FatalState {
  node: NodeRef;
  reason: string;
}

function nodeLabels(node: NodeRef): Record<string, string> {
  return { type: node.type, node: node.id, name: node.name ?? "" };
}

export class MetricsRegistry {
  private readonly processed = new Map<string, number>();
  private readonly rejected = new Map<string, number>();
  private readonly events = new Map<string, EventCount>();
  private readonly gauges = new Map<string, GaugeSource>();
  private readonly deliveries = new Map<string, { node: NodeRef; at: number }>();
  private readonly fatal = new Map<string, FatalState>();
  readonly alarms = new AlarmTracker();
  /** reads that threw at the last scrape, so a broken callback is seen instead of hiding a figure */
  gaugeErrors = 0;

  /** One input message finished: `ok` false when it ended with done(err). */
  countMessage(nodeType: string, ok: boolean): void {
    const counts = ok ? this.processed : this.rejected;
    counts.set(nodeType, (counts.get(nodeType) ?? 0) + 1);
  }

  messageCount(nodeType: string, ok: boolean): number {
    return (ok ? this.processed : this.rejected).get(nodeType) ?? 0;
  }

  /** An event a node emitted: counted, and the alarm it raises or clears tracked. */
  observeEvent(node: NodeRef, event: AlarmEvent): void {
    const key = `${node.type}\u0000${event.event}\u0000${event.severity}`;
    const count = this.events.get(key);
    if (count === undefined) this.events.set(key, { type: node.type, event: event.event, severity: event.severity, count: 1 });
    else count.count++;
    this.alarms.observe(node.id, node.type, event);
  }

  /** Registers the node's gauges, read at each scrape; returns the unregister function (call it on close). */
  addGauges(node: NodeRef, read: () => NodeGauges): () => void {
    const source: GaugeSource = { node: { ...node }, read };
    this.gauges.set(node.id, source);
    return () => {
      // A redeployed node registers again under the same id before the old one's close may have run.
      if (this.gauges.get(node.id) === source) this.gauges.delete(node.id);
    };
  }

  /** A successful delivery (epoch ms). Kept across redeploys of the node: the plant still got the data. */
  recordDelivery(node: NodeRef, at: number): void {
    const previous = this.deliveries.get(node.id);
    if (previous === undefined || at >= previous.at) this.deliveries.set(node.id, { node: { ...node }, at });
  }

  lastDelivery(nodeId: string): number | null {
    return this.deliveries.get(nodeId)?.at ?? null;
  }

  /** The node cannot work (bad configuration, unusable queue or journal): readiness fails while set. */
  setFatal(node: NodeRef, reason: string): void {
    this.fatal.set(node.id, { node: { ...node }, reason });
  }

  fatalStates(): FatalState[] {
    return [...this.fatal.values()].map((f) => ({ node: { ...f.node }, reason: f.reason }));
  }

  /**
   * The node stopped. Its alarms and fatal state go (a redeployed node reports again); its last delivery
   * time stays unless the node was removed from the flows.
   */
  forgetNode(nodeId: string, removed: boolean): void {
    this.alarms.dropNode(nodeId);
    this.fatal.delete(nodeId);
    if (removed) this.deliveries.delete(nodeId);
  }

  /** Every metric, HELP and TYPE included, for formatExposition. */
  families(): MetricFamily[] {
    const byType = (counts: Map<string, number>): Sample[] => [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([type, value]) => ({ labels: { type }, value }));
    const queue: Sample[] = [];
    const outbox: Sample[] = [];
    let errors = 0;
    for (const source of this.gauges.values()) {
      let gauges: NodeGauges;
      try {
        gauges = source.read();
      } catch {
        errors++;
        continue;
      }
      if (gauges.queuePoints !== undefined) queue.push({ labels: nodeLabels(source.node), value: gauges.queuePoints });
      if (gauges.outboxFiles !== undefined) {
        for (const [status, value] of Object.entries(gauges.outboxFiles)) outbox.push({ labels: { ...nodeLabels(source.node), status }, value });
      }
    }
    this.gaugeErrors = errors;
    const alarms = this.alarms.countBySeverity();
    return [
      { name: `${METRIC_PREFIX}messages_processed_total`, help: "Input messages a node of this package handled without error, by node type.", type: "counter", samples: byType(this.processed) },
      { name: `${METRIC_PREFIX}messages_rejected_total`, help: "Input messages a node of this package rejected with an error (done(err), seen by a Catch node), by node type.", type: "counter", samples: byType(this.rejected) },
      {
        name: `${METRIC_PREFIX}events_total`,
        help: "Events (output 2) emitted, by node type, event and severity.",
        type: "counter",
        samples: [...this.events.values()].map((e) => ({ labels: { type: e.type, event: e.event, severity: e.severity }, value: e.count })),
      },
      { name: `${METRIC_PREFIX}queue_points`, help: "Points waiting to be written to the database (influx-write memory batches and durable disk queue).", type: "gauge", samples: queue },
      { name: `${METRIC_PREFIX}outbox_files`, help: "Files in the ftp-deliver outbox not yet delivered, by status (queued, pending, failed).", type: "gauge", samples: outbox },
      {
        name: `${METRIC_PREFIX}last_delivery_timestamp_seconds`,
        help: "Unix time of the last successful delivery of each delivering node (influx-write: points written; ftp-deliver: file delivered).",
        type: "gauge",
        samples: [...this.deliveries.values()].map((d) => ({ labels: nodeLabels(d.node), value: d.at / 1000 })),
      },
      { name: `${METRIC_PREFIX}open_alarms`, help: "Alarms raised and not yet cleared, by severity.", type: "gauge", samples: ALARM_SEVERITIES.map((severity) => ({ labels: { severity }, value: alarms[severity] })) },
      { name: `${METRIC_PREFIX}nodes_fatal`, help: "Nodes of this package that cannot work (bad configuration, unusable queue or journal).", type: "gauge", samples: [{ labels: {}, value: this.fatal.size }] },
      { name: `${METRIC_PREFIX}gauge_read_errors`, help: "Node gauges that could not be read at this scrape.", type: "gauge", samples: [{ labels: {}, value: errors }] },
    ];
  }
}
