/**
 * examples/modbus-in.json in a real Node-RED runtime: against a real Modbus TCP server it delivers the
 * good values; without one it sends bad quality and logs no error (only the device's warning).
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import modbusDeviceNode from "../../../nodes/modbus-device/modbus-device";
import modbusInNode from "../../../nodes/modbus-in/modbus-in";
import { encodeRegisters } from "../../../lib/modbus/decode";
import { ModbusTestServer, freePort } from "../../support/modbus-server";
import { coreNodes, helper, unloadAll, waitFor, type FlowNode } from "../../support/runtime";
import { repoRoot } from "../../support/repo";

const NODES = [...coreNodes("common/20-inject.js", "common/21-debug.js", "common/90-comment.js", "function/10-function.js"), modbusDeviceNode, modbusInNode];

/** The example on a tab, its device pointed at `port`, a probe after each function and modbus-in node. */
function exampleFlow(port: number): FlowNode[] {
  const nodes = JSON.parse(fs.readFileSync(path.join(repoRoot(), "examples", "modbus-in.json"), "utf8")) as FlowNode[];
  const flow: FlowNode[] = [{ id: "tab", type: "tab", label: "example" }];
  for (const node of nodes) {
    // Every node on the tab, the config node too, as Node-RED's import puts them.
    const copy: FlowNode = node.type === "modbus-device" ? { ...node, port, z: "tab" } : { ...node, z: "tab" };
    if (node.type === "function" || node.type === "modbus-in") {
      copy.wires = [[...(node.wires?.[0] ?? []), `probe-${node.type}`]];
      flow.push({ id: `probe-${node.type}`, z: "tab", type: "helper" });
    }
    flow.push(copy);
  }
  return flow;
}

function collect(id: string): Record<string, unknown>[] {
  const received: Record<string, unknown>[] = [];
  helper.getNode(id).on("input", (m: Record<string, unknown>) => received.push(m));
  return received;
}

const errorsLogged = (): string[] =>
  helper
    .log()
    .args.filter((args: [{ level: number }]) => args[0].level === helper.log().ERROR)
    .map((args: [{ msg: unknown }]) => String(args[0].msg));

describe("examples/modbus-in.json", () => {
  afterEach(async () => {
    await unloadAll();
  });

  it("delivers every tag's good value from a real server", async () => {
    const server = await ModbusTestServer.start();
    try {
      server.setWords("holding", 0, encodeRegisters(2.5, "float32", "big", "little"));
      server.setWords("holding", 2, encodeRegisters(215, "int16"));
      server.setWords("input", 10, encodeRegisters(123456, "uint32"));
      server.coils[0] = 1;
      await helper.load(NODES, exampleFlow(server.port));
      const good = collect("probe-function");
      await waitFor(() => new Set(good.map((m) => m.topic)).size === 4, 5000, "a good value of each tag");
      const value = (topic: string) => good.find((m) => m.topic === topic)?.payload;
      assert.deepEqual([value("PT-101"), value("TT-102"), value("FT-103"), value("P-1.run")], [2.5, 215 * 0.1, 123456, true]);
      assert.equal(server.requests.length >= 3, true);
      assert.deepEqual(errorsLogged(), []);
    } finally {
      await unloadAll();
      await server.stop();
    }
  });

  it("without a server: bad quality for every tag, a warning, no error", async () => {
    await helper.load(NODES, exampleFlow(await freePort()));
    const all = collect("probe-modbus-in");
    const good = collect("probe-function");
    helper.getNode("c3c0ffee00000203").receive({});
    await waitFor(() => all.length >= 4, 5000, "messages");
    assert.ok(all.every((m) => m.quality === 0 && m.payload === null));
    assert.equal(good.length, 0);
    assert.deepEqual(errorsLogged(), []);
    const warnings = helper
      .log()
      .args.filter((args: [{ level: number }]) => args[0].level === helper.log().WARN)
      .map((args: [{ msg: unknown }]) => String(args[0].msg));
    assert.ok(warnings.some((w: string) => /reconnecting/.test(w)), warnings.join(" | "));
  });
});
