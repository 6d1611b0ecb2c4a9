/**
 * Every example in examples/ is imported into a real Node-RED runtime with the core nodes it uses and
 * run for a moment: its nodes must start without a configuration error, and our nodes must produce
 * output without reporting an error. Examples are what an integrator tries first.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import anhJsonNode from "../../nodes/anh-json/anh-json";
import anomalyDetectNode from "../../nodes/anomaly-detect/anomaly-detect";
import gapDetectorNode from "../../nodes/gap-detector/gap-detector";
import modbusDeviceNode from "../../nodes/modbus-device/modbus-device";
import modbusInNode from "../../nodes/modbus-in/modbus-in";
import sigmaWindowNode from "../../nodes/sigma-window/sigma-window";
import spcRulesNode from "../../nodes/spc-rules/spc-rules";
import { repoRoot } from "../support/repo";
import { coreNodes, helper, unloadAll, waitFor, type FlowNode, type NodeModule } from "../support/runtime";

const CORE_NODES = coreNodes("common/20-inject.js", "common/21-debug.js", "common/90-comment.js", "function/10-function.js", "function/15-change.js");
const OUR_NODES: Record<string, NodeModule> = {
  "sigma-window": sigmaWindowNode,
  "spc-rules": spcRulesNode,
  "gap-detector": gapDetectorNode,
  "anomaly-detect": anomalyDetectNode,
  "anh-json": anhJsonNode,
  "modbus-device": modbusDeviceNode,
  "modbus-in": modbusInNode,
};
/** Configuration nodes: no example of their own, they come with the nodes that use them. */
const CONFIG_TYPES = new Set(["modbus-device", "ftp-server", "influx-server", "opcua-endpoint"]);
/** Examples that need a live server run in their node's own tests (e.g. test/nodes/ftp-deliver/example.test.ts). */
const OWN_TEST = new Set(["ftp-deliver.json", "anh-daily-delivery.json", "influx-write.json", "influx-query.json", "thermal-segment.json", "reliability-score.json", "opcua-in.json"]);

const examplesDir = path.join(repoRoot(), "examples");

describe("examples/", () => {
  afterEach(async () => {
    await unloadAll();
  });

  it("has one example per node type of the package", () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(examplesDir, "..", "package.json"), "utf8")) as { "node-red": { nodes: Record<string, string> } };
    for (const type of Object.keys(pkg["node-red"].nodes).filter((t) => !CONFIG_TYPES.has(t))) {
      assert.ok(fs.existsSync(path.join(examplesDir, `${type}.json`)), `examples/${type}.json is missing`);
    }
  });

  for (const file of fs.readdirSync(examplesDir).filter((f) => f.endsWith(".json") && !OWN_TEST.has(f))) {
    it(`${file} runs in Node-RED without errors`, async () => {
      const nodes = JSON.parse(fs.readFileSync(path.join(examplesDir, file), "utf8")) as FlowNode[];
      const flow: FlowNode[] = [{ id: "example-tab", type: "tab", label: file }, ...nodes.map((n) => ({ ...n, z: "example-tab" }))];
      // Count what our nodes send: a helper node wired after each of them.
      const ours = flow.filter((n) => n.type in OUR_NODES && !CONFIG_TYPES.has(n.type));
      assert.ok(ours.length > 0, "the example uses a node of this package");
      for (const node of ours) {
        node.wires = (node.wires ?? []).map((targets, i) => (i === 0 ? [...targets, `probe-${node.id}`] : targets));
        flow.push({ id: `probe-${node.id}`, z: "example-tab", type: "helper" });
      }
      await helper.load([...CORE_NODES, ...Object.values(OUR_NODES)], flow);
      const received = new Map<string, number>(ours.map((n) => [n.id, 0]));
      for (const node of ours) helper.getNode(`probe-${node.id}`).on("input", () => received.set(node.id, (received.get(node.id) ?? 0) + 1));
      // Fire every inject once, as a user clicking its button would.
      for (const inject of flow.filter((n) => n.type === "inject")) helper.getNode(inject.id).receive({});
      await waitFor(() => [...received.values()].every((count) => count > 0), 5000, "output from each of the example's nodes");
      // Our nodes may answer a button pressed too early (an export before any training) with an error,
      // as they should; anything else logged as an error (a configuration error, a function node's code
      // failing, a core node refusing its settings) means the example is broken.
      const errors = helper
        .log()
        .args.map((args: [{ level: number; type?: string; msg: unknown }]) => args[0])
        .filter((entry: { level: number; type?: string; msg: unknown }) => entry.level === helper.log().ERROR)
        .filter((entry: { type?: string; msg: unknown }) => !(entry.type !== undefined && entry.type in OUR_NODES && !String(entry.msg).startsWith("invalid configuration")))
        .map((entry: { type?: string; msg: unknown }) => `${entry.type}: ${String(entry.msg)}`);
      assert.deepEqual(errors, []);
    });
  }
});
