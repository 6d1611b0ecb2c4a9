/**
 * modbus-device + modbus-in in a real Node-RED runtime (node-red-node-test-helper) against a real
 * Modbus TCP server (modbus-serial ServerTCP on 127.0.0.1).
 */
import assert from "node:assert/strict";
import modbusDeviceNode from "../../../nodes/modbus-device/modbus-device";
import modbusInNode from "../../../nodes/modbus-in/modbus-in";
import { encodeRegisters } from "../../../lib/modbus/decode";
import { ModbusTestServer } from "../../support/modbus-server";
import { TcpProxy } from "../../support/tcp-proxy";
import { NODE_ID, errorMessages, probe, testFlow, type Msg } from "../../support/node-harness";
import { helper, unloadAll, waitFor, type FlowNode } from "../../support/runtime";

const NODES = [modbusDeviceNode, modbusInNode];
const DEVICE_ID = "n-device";

function device(port: number, config: Record<string, unknown> = {}): FlowNode {
  return { id: DEVICE_ID, type: "modbus-device", name: "", transport: "tcp", host: "127.0.0.1", port, unitId: 1, timeoutMs: 300, reconnectMinMs: 50, reconnectMaxMs: 200, maxRegisters: 125, maxGap: 10, ...config };
}

const REGISTERS = [
  { tag: "PT-101", area: "holding", address: 0, type: "float32", byteOrder: "big", wordOrder: "little", scale: 1, offset: 0, unit: "bar" },
  { tag: "TT-102", area: "holding", address: 2, type: "int16", byteOrder: "big", wordOrder: "big", scale: 0.1, offset: 0, unit: "°C" },
  { tag: "FT-103", area: "input", address: 10, type: "uint32", byteOrder: "big", wordOrder: "big", scale: 1, offset: 0, unit: "" },
  { tag: "P-1.run", area: "coil", address: 0, type: "bool", byteOrder: "big", wordOrder: "big", scale: 1, offset: 0, unit: "" },
];

function flow(port: number, inConfig: Record<string, unknown> = {}, deviceConfig: Record<string, unknown> = {}): FlowNode[] {
  return [...testFlow("modbus-in", 1, { device: DEVICE_ID, interval: 0.05, registers: REGISTERS, ...inConfig }), device(port, deviceConfig)];
}

function writeImage(server: ModbusTestServer, pressure: number, temperatureTenths: number, flowCount: number, running: boolean): void {
  server.setWords("holding", 0, encodeRegisters(pressure, "float32", "big", "little"));
  server.setWords("holding", 2, encodeRegisters(temperatureTenths, "int16"));
  server.setWords("input", 10, encodeRegisters(flowCount, "uint32"));
  server.coils[0] = running ? 1 : 0;
}

/** Status updates of the node under test from now on. */
function recordStatus(): Array<{ fill?: string; shape?: string; text?: string }> {
  const node = helper.getNode(NODE_ID);
  const seen: Array<{ fill?: string; shape?: string; text?: string }> = [];
  const original = node.status.bind(node);
  node.status = (s: { fill?: string; shape?: string; text?: string }) => {
    seen.push(s);
    return original(s);
  };
  return seen;
}

const lastOf = (out: Msg[], topic: string): Msg | undefined => [...out].reverse().find((m) => m.topic === topic);
const resources = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "TCPSocketWrap" || r === "TCPServerWrap").length;

describe("nodes/modbus-in with modbus-device in a Node-RED runtime", () => {
  let server: ModbusTestServer;

  beforeEach(async () => {
    server = await ModbusTestServer.start();
  });
  afterEach(async () => {
    await unloadAll();
    await server.stop();
  });

  it("sends one message per tag in the shared contract, reading contiguous registers together", async () => {
    writeImage(server, 4.25, -123, 4_000_000_000, true);
    await helper.load(NODES, flow(server.port));
    const h = probe(1);
    const out = h.outputs[0];
    await waitFor(() => out.length >= 8, 3000, "two polls");
    const first = out.slice(0, 4);
    assert.deepEqual(
      first.map((m) => [m.topic, m.payload, m.quality, m.unit]),
      [
        ["PT-101", 4.25, 192, "bar"],
        ["TT-102", -123 * 0.1, 192, "°C"],
        ["FT-103", 4_000_000_000, 192, undefined],
        ["P-1.run", true, 192, undefined],
      ],
    );
    for (const m of first) {
      assert.equal(typeof m.timestamp, "number");
      assert.ok(Math.abs((m.timestamp as number) - Date.now()) < 5000);
    }
    assert.deepEqual(first[0].modbus, { area: "holding", address: 0, error: null });
    // Per poll: one request for the 3 holding registers, one input, one coil.
    const polls = Math.floor(server.requests.length / 3);
    assert.ok(polls >= 2);
    assert.deepEqual(
      server.requests.slice(0, 3).map((r) => [r.functionCode, r.address, r.quantity]),
      [
        [3, 0, 3],
        [4, 10, 2],
        [1, 0, 1],
      ],
    );
    writeImage(server, -1.5, 5, 7, false);
    await waitFor(() => lastOf(out, "P-1.run")?.payload === false && lastOf(out, "PT-101")?.payload === -1.5, 3000, "new values");
    assert.deepEqual(h.caught, []);
  });

  it("modbus-in nodes that use one device share its one connection", async () => {
    writeImage(server, 1, 2, 3, true);
    const second = { id: "n-second", z: "f1", type: "modbus-in", device: DEVICE_ID, interval: 0.05, registers: [{ tag: "other", area: "holding", address: 100 }], wires: [["n-second-out"]] };
    await helper.load(NODES, [...flow(server.port), second, { id: "n-second-out", z: "f1", type: "helper" }]);
    const h = probe(1);
    const otherOut: Msg[] = [];
    helper.getNode("n-second-out").on("input", (m: Msg) => otherOut.push(m));
    await waitFor(() => h.outputs[0].length >= 8 && otherOut.length >= 2, 3000, "both nodes polling");
    assert.equal(server.connections, 1);
    assert.equal(otherOut[0].quality, 192);
  });

  it("server stopped: bad quality (payload null) on every tag, status reconnecting; restarted: good values again", async () => {
    writeImage(server, 10, 100, 1000, true);
    await helper.load(NODES, flow(server.port));
    const h = probe(1);
    const out = h.outputs[0];
    await waitFor(() => out.length >= 4, 3000, "first poll");
    const statuses = recordStatus();

    await server.stop();
    writeImage(server, 20, 200, 2000, false); // changed while down: must not show up before the restart
    const downFrom = out.length;
    await waitFor(() => out.slice(downFrom).filter((m) => m.quality === 0).length >= 8, 3000, "bad quality while down");
    await waitFor(() => statuses.some((s) => s.text?.startsWith("reconnecting")), 3000, "reconnecting status");
    const whileDown = out.slice(out.findIndex((m, i) => i >= downFrom && m.quality === 0));
    const downMessages = whileDown.slice(0, 8);
    for (const m of downMessages) {
      assert.equal(m.quality, 0, `${m.topic} is bad while the server is down`);
      assert.equal(m.payload, null, `${m.topic} carries no stale value`);
      assert.match((m.modbus as { error: string }).error, /not connected|closed|lost/);
    }
    const reconnecting = statuses.find((s) => s.text?.startsWith("reconnecting"));
    assert.deepEqual([reconnecting?.fill, reconnecting?.shape], ["grey", "ring"]);

    await server.restart();
    await waitFor(() => lastOf(out, "PT-101")?.quality === 192 && lastOf(out, "P-1.run")?.quality === 192, 5000, "good values after the restart");
    assert.equal(lastOf(out, "PT-101")?.payload, 20);
    assert.equal(lastOf(out, "FT-103")?.payload, 2000);
    // Whatever was sent as good carried a value the server really had at that time.
    for (const m of out.filter((msg) => msg.topic === "PT-101" && msg.quality === 192)) assert.ok(m.payload === 10 || m.payload === 20);
    await waitFor(() => statuses.some((s) => s.fill === "green" && s.text?.startsWith("connected")), 3000, "connected status");
  });

  it("a device that stops answering: bad quality after the timeout, then good values when it answers again", async () => {
    writeImage(server, 1, 1, 1, true);
    await helper.load(NODES, flow(server.port, { interval: 0.1 }));
    const h = probe(1);
    const out = h.outputs[0];
    await waitFor(() => out.length >= 4, 3000, "first poll");
    server.stall(true);
    server.holding[2] = 77;
    const from = out.length;
    await waitFor(() => out.slice(from).some((m) => m.topic === "TT-102" && m.quality === 0), 3000, "timeout");
    const bad = out.slice(from).find((m) => m.topic === "TT-102" && m.quality === 0) as Msg;
    assert.equal(bad.payload, null);
    assert.match((bad.modbus as { error: string }).error, /timed out/i);
    server.stall(false);
    await waitFor(() => lastOf(out, "TT-102")?.quality === 192 && Math.abs((lastOf(out, "TT-102")?.payload as number) - 7.7) < 1e-9, 5000, "recovered");
  });

  it("network black hole (no FIN, no RST, packets dropped): bad quality, never a stale value as good; good values again when the path is back", async () => {
    writeImage(server, 5, 50, 5, true);
    const proxy = await TcpProxy.start(server.port);
    try {
      await helper.load(NODES, flow(proxy.port, { interval: 0.1 }));
      const h = probe(1);
      const out = h.outputs[0];
      const statuses = recordStatus();
      await waitFor(() => lastOf(out, "PT-101")?.payload === 5, 3000, "values through the proxy");
      proxy.blackHole();
      writeImage(server, 6, 60, 6, true); // changes nobody can read now
      const from = out.length;
      await waitFor(() => ["PT-101", "TT-102", "FT-103", "P-1.run"].every((tag) => out.slice(from).some((m) => m.topic === tag && m.quality === 0)), 5000, "bad quality on every tag");
      const bad = out.slice(from).find((m) => m.quality === 0) as Msg;
      assert.equal(bad.payload, null);
      assert.match((bad.modbus as { error: string }).error, /timed out/i);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // polls and reconnects into the black hole
      const during = out.slice(from);
      assert.ok(!during.some((m) => m.topic === "PT-101" && m.payload === 6), "nothing is read through the black hole");
      assert.ok(during.slice(during.findIndex((m) => m.quality === 0)).every((m) => m.quality === 0), "once bad, bad until the path is back: no stale value passed as good");
      assert.ok(statuses.some((s) => s.fill !== "green"), "the status leaves green");
      writeImage(server, 7, 70, 7, true);
      proxy.restore();
      const backAt = Date.now();
      await waitFor(() => lastOf(out, "PT-101")?.payload === 7 && lastOf(out, "TT-102")?.quality === 192 && lastOf(out, "FT-103")?.payload === 7 && lastOf(out, "P-1.run")?.quality === 192, 5000, "good values again");
      console.log(`      Modbus good values ${Date.now() - backAt} ms after the black hole ended`);
      await waitFor(() => statuses.some((s) => s.fill === "green"), 3000, "status connected");
    } finally {
      await unloadAll();
      await proxy.close();
    }
  });

  it("interval 0: polls only when a message arrives", async () => {
    writeImage(server, 3, 3, 3, true);
    await helper.load(NODES, flow(server.port, { interval: 0 }));
    const h = probe(1);
    await waitFor(() => h.outputs[0].length === 4, 3000, "the poll at start");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(h.outputs[0].length, 4, "no timer polls");
    h.input.receive({ payload: "poll" });
    await waitFor(() => h.outputs[0].length === 8, 3000, "the poll on input");
  });

  it("configuration errors are clear: bad address, unknown type, overlapping registers, missing or invalid device", async () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, RegExp]> = [
      [{ registers: [{ tag: "a", area: "holding", address: 70000, type: "int16" }] }, {}, /registers\[0\]\.address: expected a whole protocol address 0-65535/],
      [{ registers: [{ tag: "a", area: "holding", address: 1, type: "double" }] }, {}, /registers\[0\]\.type: expected one of "int16".*got string "double"/],
      [
        {
          registers: [
            { tag: "a", area: "holding", address: 1, type: "float32" },
            { tag: "b", area: "holding", address: 2, type: "int16" },
          ],
        },
        {},
        /registers\[1\]\.address: "b" \(holding 2\) overlaps "a"/,
      ],
      [{ registers: [{ tag: "a", area: "holding", address: 65534, type: "float64" }] }, {}, /registers\[0\]\.address: a float64 at 65534 needs 4 registers/],
      [{ interval: -1 }, {}, /interval: expected seconds/],
      [{ device: "" }, {}, /device: expected a modbus-device/],
      [{}, { port: 70000 }, /device: the device configuration is invalid: port: expected a TCP port/],
    ];
    for (const [inConfig, deviceConfig, expected] of cases) {
      await helper.load(NODES, flow(server.port, inConfig, deviceConfig));
      const h = probe(1);
      h.input.receive({ payload: "poll" });
      await waitFor(() => h.caught.length === 1, 3000, "the error at the Catch node");
      assert.match(errorMessages(h)[0], expected);
      const logged = helper
        .log()
        .args.filter((args: [{ level: number; msg: unknown }]) => args[0].level === helper.log().ERROR)
        .map((args: [{ msg: unknown }]) => String(args[0].msg));
      assert.ok(
        logged.some((text: string) => expected.test(text)),
        `logged: ${logged.join(" | ")}`,
      );
      assert.equal(h.outputs[0].length, 0);
      await unloadAll();
    }
    assert.equal(server.connections, 0, "no connection for a bad configuration");
  });

  it("leaves no timer or socket behind after the flows stop", async () => {
    writeImage(server, 1, 1, 1, true);
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1));
    const before = resources();
    await server.restart();
    // A device that times out (held request and reconnect timer) is the hardest case to clean up.
    await helper.load(NODES, flow(server.port, { interval: 0.02 }));
    const h = probe(1);
    await waitFor(() => h.outputs[0].length >= 4, 3000, "polling");
    server.stall(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await unloadAll();
    await server.stop();
    await waitFor(() => resources() <= before, 3000, `resources released (${process.getActiveResourcesInfo().join(", ")})`);
  });
});
