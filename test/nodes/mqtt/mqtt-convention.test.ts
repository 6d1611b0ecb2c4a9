/**
 * The MQTT convention end to end: contract messages → core change node (CHANGE_RULES_TO_MQTT) → core
 * mqtt out (MQTT v5, QoS 1) → Debian mosquitto → core mqtt in (parsed JSON) → core change node
 * (CHANGE_RULES_FROM_MQTT) → contract messages. The raw broker traffic is checked against
 * lib/mqtt/convention.ts, so the documented change-node rules and the library cannot drift apart.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { CHANGE_RULES_FROM_MQTT, CHANGE_RULES_TO_MQTT, fromMqttMessage, toMqttMessage } from "../../../lib/mqtt/convention";
import { Mosquitto } from "../../support/mosquitto";
import { repoRoot } from "../../support/repo";
import { collect, coreNodes, helper, waitFor, type FlowNode } from "../../support/runtime";

const CORE_NODES = coreNodes("network/10-mqtt.js", "function/15-change.js");

type Msg = Record<string, unknown>;
const T = Date.UTC(2026, 10, 23, 10, 0, 0);

function flow(port: number): FlowNode[] {
  return [
    { id: "f1", type: "tab", label: "mqtt", env: [ { name: "PLANT_SITE", value: "CaseNare", type: "str" }, { name: "PLANT_ASSET", value: "WP1", type: "str" } ] },
    { id: "broker", type: "mqtt-broker", name: "test broker", broker: "127.0.0.1", port: String(port), clientid: "", autoConnect: true, usetls: false, protocolVersion: "5", keepalive: "15", cleansession: true },
    { id: "to-mqtt", z: "f1", type: "change", rules: CHANGE_RULES_TO_MQTT, wires: [["publish", "sent"]] },
    { id: "sent", z: "f1", type: "helper" },
    { id: "publish", z: "f1", type: "mqtt out", broker: "broker", topic: "", qos: "1", retain: "false" },
    { id: "subscribe", z: "f1", type: "mqtt in", broker: "broker", topic: "plant/+/+/+", qos: "1", datatype: "json", nl: false, rap: true, rh: 0, inputs: 0, wires: [["raw", "from-mqtt"]] },
    { id: "raw", z: "f1", type: "helper" },
    { id: "from-mqtt", z: "f1", type: "change", rules: CHANGE_RULES_FROM_MQTT, wires: [["sink"]] },
    { id: "sink", z: "f1", type: "helper" },
  ];
}

describe("MQTT convention with core mqtt nodes and mosquitto", function () {
  this.timeout(60_000);
  let broker: Mosquitto;
  before(async () => {
    broker = await Mosquitto.start();
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(async () => {
    await helper.unload();
  });

  it("carries contract messages as plant/<site>/<asset>/<tag> with {value, timestamp, quality} and back", async () => {
    await helper.load(CORE_NODES, flow(broker.port));
    const src = helper.getNode("to-mqtt");
    const sent = collect(helper.getNode("sent"));
    const raw = collect(helper.getNode("raw"));
    const sink = collect(helper.getNode("sink"));
    // The subscription is made once the broker connection is up: probe until a message comes back.
    await waitFor(() => helper.getNode("broker").connected === true, 10_000, "the broker connection");
    const probeAt = Date.now();
    while (raw.length === 0) {
      src.receive({ topic: "probe", payload: 0, timestamp: T, quality: 192 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (Date.now() - probeAt > 10_000) throw new Error("no message came back through mosquitto");
    }
    raw.length = 0;
    sink.length = 0;
    sent.length = 0;

    const contract: Msg[] = [
      { topic: "OilRate", payload: 812.5, timestamp: T, quality: { value: 0, name: "Good" } },
      { topic: "TubingPressure", payload: 0, timestamp: T + 1000, quality: { value: 0x808b0000, name: "BadSensorFailure" } },
      { topic: "Choke", payload: { value: 32, timestamp: T + 2000, quality: 192 } },
      { topic: "PumpRunning", payload: true, timestamp: T + 3000, quality: 192 },
    ];
    for (const msg of contract) src.receive(structuredClone(msg)); // the change node edits the message it gets
    await waitFor(() => sink.length === contract.length, 10_000, "every message back from the broker");

    // The change node evaluates JSONata asynchronously: messages of different tags may overtake each other.
    const byTag = (list: Msg[], tag: string) => list.find((m) => String(m.topic).endsWith(`/${tag}`)) as Msg;
    for (const msg of contract) {
      const tag = msg.topic as string;
      const expected = toMqttMessage(msg, { site: "CaseNare", asset: "WP1" });
      // What the change node published is what the library makes of the same message...
      assert.deepEqual({ topic: byTag(sent, tag).topic, payload: byTag(sent, tag).payload }, expected);
      // ...the broker delivered it unchanged (QoS 1, JSON)...
      const wire = byTag(raw, tag);
      assert.deepEqual({ topic: wire.topic, payload: wire.payload }, expected);
      assert.equal(wire.qos, 1);
      // ...and the receiving side gives the contract message the library reads from the wire.
      const back = fromMqttMessage(wire.topic, wire.payload);
      const received = byTag(sink, tag);
      assert.deepEqual(
        { topic: received.topic, payload: received.payload, timestamp: received.timestamp, quality: received.quality },
        { topic: back.topic, payload: back.payload, timestamp: back.timestamp, quality: back.quality },
      );
    }
    const sorted = [...sink].sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
    assert.deepEqual(
      sorted.map((m) => m.topic),
      ["CaseNare/WP1/OilRate", "CaseNare/WP1/TubingPressure", "CaseNare/WP1/Choke", "CaseNare/WP1/PumpRunning"],
    );
    assert.deepEqual(
      sorted.map((m) => m.payload),
      [812.5, 0, 32, true],
    );
    assert.deepEqual(sorted[1].quality, { value: 0x808b0000, name: "BadSensorFailure" });
  });

  it("the documented change-node rules are the ones tested here", () => {
    const doc = fs.readFileSync(path.join(repoRoot(), "docs", "mqtt-convention.md"), "utf8");
    for (const rule of [...CHANGE_RULES_TO_MQTT, ...CHANGE_RULES_FROM_MQTT]) assert.ok(doc.includes(rule.to), `docs/mqtt-convention.md shows ${rule.to}`);
  });
});
