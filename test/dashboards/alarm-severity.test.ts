/**
 * The event function of each dashboard variant, run by Node-RED's own function node: one point can start
 * several rules of one family (a spike gives spc-rules' nelson-1, critical, and nelson-5, warning, as two
 * events), and the overview must keep showing the worst of them until the family clears.
 */
import assert from "node:assert/strict";
import { readFlowFile } from "../support/node-red-process";
import { coreNodes, helper, unloadAll, waitFor, type FlowNode } from "../support/runtime";

const FUNCTION_NODE = coreNodes("function/10-function.js");

interface Variant {
  name: string;
  file: string;
  functionId: string;
  /** the flow context key of the alarm map and the key of topic's spc alarm in it */
  store: string;
  spcKey: (topic: string) => string;
}

const VARIANTS: Variant[] = [
  { name: "Dashboard 2", file: "dashboards/dashboard2/operator-dashboard.json", functionId: "fr-d2-fn-event", store: "frAlarms", spcKey: (t) => `${t}|spc` },
  { name: "Dashboard 1", file: "dashboards/dashboard1/operator-dashboard.json", functionId: "fr-d1-fn-event", store: "alarms", spcKey: (t) => `spc|${t}` },
];

const TOPIC = "W02.PumpCurrent";

function violation(rule: string, severity: "critical" | "warning", timestamp: number) {
  return { topic: TOPIC, payload: { event: "violation", severity, topic: TOPIC, timestamp, message: `${TOPIC} 48.00: ${rule}`, details: { rule, value: 48 } } };
}

for (const variant of VARIANTS) {
  describe(`${variant.name}: alarm severity within a family`, function () {
    let alarms: () => Record<string, { severity: string; rule: string | null; message: string }>;
    let send: (msg: object) => void;

    beforeEach(async function () {
      const flow = readFlowFile(variant.file) as FlowNode[];
      const fn = flow.find((n) => n.id === variant.functionId);
      assert.ok(fn, `${variant.functionId} is not in ${variant.file}`);
      const tab = { id: "tab", type: "tab", label: variant.name };
      await helper.load(FUNCTION_NODE, [tab, { ...fn, z: "tab", wires: [] }]);
      const node = helper.getNode(variant.functionId);
      send = (msg) => node.receive(msg);
      alarms = () => (node.context().flow.get(variant.store) ?? {}) as ReturnType<typeof alarms>;
    });

    afterEach(unloadAll);

    let sentinels = 0;
    /** The function node takes messages in order: once a later marker alarm is stored, the ones before it are too. */
    async function settle(): Promise<void> {
      const marker = `MARKER-${++sentinels}`;
      send({ topic: marker, payload: { event: "violation", severity: "info", topic: marker, timestamp: Date.now(), message: marker, details: { rule: "nelson-2" } } });
      await waitFor(() => variant.spcKey(marker) in alarms(), 5000, `${marker} stored`);
    }

    it("keeps nelson-1 (critical) when nelson-5 (warning) starts at the same point, in either order", async function () {
      const t = Date.now();
      send(violation("nelson-1", "critical", t));
      send(violation("nelson-5", "warning", t));
      await settle();
      const first = alarms()[variant.spcKey(TOPIC)];
      assert.equal(first?.severity, "critical", JSON.stringify(alarms()));
      assert.match(first.message, /nelson-1/);

      send({ topic: TOPIC, payload: { event: "in-control", severity: "info", topic: TOPIC, timestamp: t + 1000, message: "back", details: {} } });
      await settle();
      send(violation("nelson-5", "warning", t + 2000));
      send(violation("nelson-1", "critical", t + 2000));
      await settle();
      assert.equal(alarms()[variant.spcKey(TOPIC)]?.severity, "critical", "a critical rule after a warning one raises the alarm to critical");
    });

    it("takes the milder severity again once the family has cleared", async function () {
      const t = Date.now();
      send(violation("nelson-1", "critical", t));
      send({ topic: TOPIC, payload: { event: "in-control", severity: "info", topic: TOPIC, timestamp: t + 1000, message: "back", details: {} } });
      await settle();
      send(violation("nelson-2", "warning", t + 2000));
      await settle();
      const alarm = alarms()[variant.spcKey(TOPIC)];
      assert.equal(alarm?.severity, "warning", JSON.stringify(alarms()));
      assert.match(alarm.message, /nelson-2/);
    });
  });
}
