import assert from "node:assert/strict";
import { AlarmTracker } from "../../../lib/observability/alarms";
import { MetricsRegistry } from "../../../lib/observability/metrics";
import { formatExposition, type MetricFamily } from "../../../lib/observability/prometheus";

const SPC = { id: "spc1", type: "spc-rules" };
const ANOMALY = { id: "an1", type: "anomaly-detect" };
const FTP = { id: "ftp1", type: "ftp-deliver", name: "to ANH" };
const INFLUX = { id: "inf1", type: "influx-write" };

const event = (name: string, severity: string, topic = "PT-1", details: Record<string, unknown> = {}) => ({ event: name, severity, topic, details });

function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  assert.ok(found, `family ${name}`);
  return found;
}

function value(families: MetricFamily[], name: string, labels: Record<string, string>): number | undefined {
  return family(families, name).samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe("lib/observability/metrics", () => {
  it("counts processed and rejected messages per node type", () => {
    const registry = new MetricsRegistry();
    for (let i = 0; i < 3; i++) registry.countMessage("spc-rules", true);
    registry.countMessage("spc-rules", false);
    registry.countMessage("gap-detector", false);
    const families = registry.families();
    assert.equal(value(families, "field_reliability_messages_processed_total", { type: "spc-rules" }), 3);
    assert.equal(value(families, "field_reliability_messages_rejected_total", { type: "spc-rules" }), 1);
    assert.equal(value(families, "field_reliability_messages_rejected_total", { type: "gap-detector" }), 1);
    assert.equal(value(families, "field_reliability_messages_processed_total", { type: "gap-detector" }), undefined);
  });

  it("prefixes every metric with field_reliability_ and formats as valid exposition text", () => {
    const registry = new MetricsRegistry();
    registry.countMessage("spc-rules", true);
    const families = registry.families();
    for (const f of families) assert.match(f.name, /^field_reliability_[a-z_]+$/);
    const text = formatExposition(families);
    assert.match(text, /# TYPE field_reliability_open_alarms gauge\nfield_reliability_open_alarms\{severity="info"\} 0\nfield_reliability_open_alarms\{severity="warning"\} 0\nfield_reliability_open_alarms\{severity="critical"\} 0\n/);
  });

  it("reads the gauges at each scrape, not before, and stops once unregistered", () => {
    const registry = new MetricsRegistry();
    let points = 5;
    let reads = 0;
    const unregister = registry.addGauges(INFLUX, () => {
      reads++;
      return { queuePoints: points };
    });
    registry.addGauges(FTP, () => ({ outboxFiles: { queued: 2, pending: 1, failed: 0 } }));
    assert.equal(reads, 0);
    assert.equal(value(registry.families(), "field_reliability_queue_points", { node: "inf1", type: "influx-write" }), 5);
    points = 7;
    assert.equal(value(registry.families(), "field_reliability_queue_points", { node: "inf1" }), 7);
    assert.equal(reads, 2);
    const outbox = registry.families();
    assert.equal(value(outbox, "field_reliability_outbox_files", { node: "ftp1", name: "to ANH", status: "queued" }), 2);
    assert.equal(value(outbox, "field_reliability_outbox_files", { node: "ftp1", status: "pending" }), 1);
    unregister();
    assert.equal(family(registry.families(), "field_reliability_queue_points").samples.length, 0);
  });

  it("keeps a redeployed node's new gauges when the old node's unregister runs late", () => {
    const registry = new MetricsRegistry();
    const unregisterOld = registry.addGauges(INFLUX, () => ({ queuePoints: 1 }));
    registry.addGauges(INFLUX, () => ({ queuePoints: 2 }));
    unregisterOld();
    assert.equal(value(registry.families(), "field_reliability_queue_points", { node: "inf1" }), 2);
  });

  it("counts a gauge that throws instead of failing the scrape", () => {
    const registry = new MetricsRegistry();
    registry.addGauges(INFLUX, () => {
      throw new Error("queue closed");
    });
    const families = registry.families();
    assert.equal(family(families, "field_reliability_queue_points").samples.length, 0);
    assert.equal(value(families, "field_reliability_gauge_read_errors", {}), 1);
  });

  it("keeps the last delivery across a redeploy (forgetNode) and drops it when the node is removed", () => {
    const registry = new MetricsRegistry();
    registry.recordDelivery(FTP, 1_700_000_000_000);
    registry.recordDelivery(FTP, 1_699_000_000_000); // an older confirmation arriving late
    assert.equal(value(registry.families(), "field_reliability_last_delivery_timestamp_seconds", { node: "ftp1" }), 1_700_000_000);
    registry.forgetNode("ftp1", false);
    assert.equal(registry.lastDelivery("ftp1"), 1_700_000_000_000);
    registry.forgetNode("ftp1", true);
    assert.equal(registry.lastDelivery("ftp1"), null);
  });

  it("reports fatal nodes until they close", () => {
    const registry = new MetricsRegistry();
    registry.setFatal(INFLUX, "cannot open the disk queue");
    assert.deepEqual(registry.fatalStates(), [{ node: INFLUX, reason: "cannot open the disk queue" }]);
    assert.equal(value(registry.families(), "field_reliability_nodes_fatal", {}), 1);
    registry.forgetNode("inf1", false);
    assert.deepEqual(registry.fatalStates(), []);
  });

  it("counts events by type, event and severity", () => {
    const registry = new MetricsRegistry();
    registry.observeEvent(SPC, event("violation", "warning"));
    registry.observeEvent(SPC, event("violation", "warning", "PT-2"));
    registry.observeEvent({ id: "g1", type: "gap-detector" }, event("gap", "critical"));
    const families = registry.families();
    assert.equal(value(families, "field_reliability_events_total", { type: "spc-rules", event: "violation", severity: "warning" }), 2);
    assert.equal(value(families, "field_reliability_events_total", { type: "gap-detector", event: "gap" }), 1);
    // a gap is reported when the data is already back: counted, never open
    assert.deepEqual(registry.alarms.countBySeverity(), { info: 0, warning: 2, critical: 0 });
  });
});

describe("lib/observability/alarms", () => {
  it("spc-rules: violations open one alarm per topic at the worst rule's severity; in-control clears it", () => {
    const alarms = new AlarmTracker();
    alarms.observe(SPC.id, SPC.type, event("violation", "warning"));
    alarms.observe(SPC.id, SPC.type, event("violation", "critical"));
    alarms.observe(SPC.id, SPC.type, event("violation", "warning"));
    alarms.observe(SPC.id, SPC.type, event("violation", "info", "PT-2"));
    assert.deepEqual(alarms.countBySeverity(), { info: 1, warning: 0, critical: 1 });
    alarms.observe(SPC.id, SPC.type, event("in-control", "info"));
    assert.deepEqual(alarms.countBySeverity(), { info: 1, warning: 0, critical: 0 });
    assert.deepEqual(alarms.list(), [{ nodeId: "spc1", nodeType: "spc-rules", topic: "PT-2", family: "out-of-control", severity: "info" }]);
  });

  it("anomaly-detect: a lowered severity replaces the open one; anomaly-cleared closes it", () => {
    const alarms = new AlarmTracker();
    alarms.observe(ANOMALY.id, ANOMALY.type, event("anomaly", "critical"));
    alarms.observe(ANOMALY.id, ANOMALY.type, event("anomaly", "warning"));
    assert.deepEqual(alarms.countBySeverity(), { info: 0, warning: 1, critical: 0 });
    alarms.observe(ANOMALY.id, ANOMALY.type, event("anomaly-cleared", "info"));
    assert.deepEqual(alarms.list(), []);
  });

  it("reads the same event name by node type: recovered clears a stale tag in gap-detector and an outage in influx-write", () => {
    const alarms = new AlarmTracker();
    alarms.observe("g1", "gap-detector", event("stale", "warning"));
    alarms.observe(INFLUX.id, INFLUX.type, event("outage", "warning", ""));
    alarms.observe(INFLUX.id, INFLUX.type, event("queue-high", "warning", ""));
    alarms.observe(INFLUX.id, INFLUX.type, event("queue-full", "critical", ""));
    assert.deepEqual(alarms.countBySeverity(), { info: 0, warning: 2, critical: 1 });
    alarms.observe(INFLUX.id, INFLUX.type, event("recovered", "info", ""));
    assert.deepEqual(
      alarms.list().map((a) => `${a.nodeType}/${a.family}/${a.severity}`),
      ["gap-detector/stale/warning", "influx-write/queue/critical"],
    );
    alarms.observe("g1", "gap-detector", event("recovered", "info"));
    alarms.observe(INFLUX.id, INFLUX.type, event("queue-normal", "info", ""));
    assert.deepEqual(alarms.list(), []);
  });

  it("ftp-deliver: one alarm per file, retrying then failed (critical), cleared by its delivery", () => {
    const alarms = new AlarmTracker();
    alarms.observe(FTP.id, FTP.type, event("retrying", "warning", "ANH_REPORT_20261122.json"));
    alarms.observe(FTP.id, FTP.type, event("failed", "critical", "ANH_REPORT_20261122.json"));
    alarms.observe(FTP.id, FTP.type, event("retrying", "warning", "other.csv"));
    assert.deepEqual(alarms.countBySeverity(), { info: 0, warning: 1, critical: 1 });
    alarms.observe(FTP.id, FTP.type, event("delivered", "info", "ANH_REPORT_20261122.json"));
    assert.deepEqual(alarms.countBySeverity(), { info: 0, warning: 1, critical: 0 });
  });

  it("anh-json: a failed day's report is open until a report of that day is ready or uploaded", () => {
    const alarms = new AlarmTracker();
    const status = (s: string, severity = "info") => event("status", severity, "2026-11-22", { status: s });
    alarms.observe("anh1", "anh-json", status("generating"));
    assert.deepEqual(alarms.list(), []);
    alarms.observe("anh1", "anh-json", status("failed", "critical"));
    alarms.observe("anh1", "anh-json", status("generating"));
    assert.equal(alarms.countBySeverity().critical, 1);
    alarms.observe("anh1", "anh-json", status("ready"));
    assert.deepEqual(alarms.list(), []);
  });

  it("sigma-window: turbulent opens, stable clears; unknown types, events and severities change nothing", () => {
    const alarms = new AlarmTracker();
    alarms.observe("s1", "sigma-window", event("turbulent", "warning"));
    alarms.observe("x1", "someone-elses-node", event("violation", "critical"));
    alarms.observe(SPC.id, SPC.type, event("violation", "fatal"));
    alarms.observe(SPC.id, SPC.type, event("__proto__", "critical"));
    assert.deepEqual(alarms.countBySeverity(), { info: 0, warning: 1, critical: 0 });
    alarms.observe("s1", "sigma-window", event("stable", "info"));
    assert.deepEqual(alarms.list(), []);
  });

  it("drops all alarms of a node that stops, and only that node's", () => {
    const alarms = new AlarmTracker();
    alarms.observe(SPC.id, SPC.type, event("violation", "warning", "PT-1"));
    alarms.observe(SPC.id, SPC.type, event("violation", "warning", "PT-2"));
    alarms.observe("spc2", SPC.type, event("violation", "critical", "PT-1"));
    alarms.dropNode(SPC.id);
    assert.deepEqual(alarms.list().map((a) => a.nodeId), ["spc2"]);
  });
});
