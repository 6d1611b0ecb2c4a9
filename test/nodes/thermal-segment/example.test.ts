/**
 * examples/thermal-segment.json and examples/reliability-score.json run in Node-RED with the core nodes
 * they use (file in included, which test/examples/examples.test.ts does not load yet): every inject
 * fired once, each of our nodes produces output, and nothing logs an error.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import reliabilityScoreNode from "../../../nodes/reliability-score/reliability-score";
import thermalSegmentNode from "../../../nodes/thermal-segment/thermal-segment";
import { repoRoot } from "../../support/repo";
import { coreNodes, helper, unloadAll, waitFor, type FlowNode } from "../../support/runtime";

const CORE_NODES = coreNodes("common/20-inject.js", "common/21-debug.js", "common/90-comment.js", "function/10-function.js", "storage/10-file.js");
const OURS = new Set(["thermal-segment", "reliability-score"]);

describe("examples/thermal-segment.json and examples/reliability-score.json", () => {
  afterEach(async () => {
    await unloadAll();
  });

  for (const file of ["thermal-segment.json", "reliability-score.json"]) {
    it(`${file} runs without errors and every node of ours answers`, async () => {
      // The file-in node reads examples/tank-frame.png relative to the working directory, as in a checkout.
      const cwd = process.cwd();
      process.chdir(repoRoot());
      try {
        const nodes = JSON.parse(fs.readFileSync(path.join(repoRoot(), "examples", file), "utf8")) as FlowNode[];
        const flow: FlowNode[] = [{ id: "example-tab", type: "tab", label: file }, ...nodes.map((n) => ({ ...n, z: "example-tab" }))];
        const ours = flow.filter((n) => OURS.has(n.type));
        for (const node of ours) {
          node.wires = (node.wires ?? []).map((targets, i) => (i === 0 ? [...targets, `probe-${node.id}`] : targets));
          flow.push({ id: `probe-${node.id}`, z: "example-tab", type: "helper" });
        }
        await helper.load([...CORE_NODES, thermalSegmentNode, reliabilityScoreNode], flow);
        const received = new Map<string, number>(ours.map((n) => [n.id, 0]));
        for (const node of ours) helper.getNode(`probe-${node.id}`).on("input", () => received.set(node.id, (received.get(node.id) ?? 0) + 1));
        for (const inject of flow.filter((n) => n.type === "inject")) helper.getNode(inject.id).receive({});
        await waitFor(() => [...received.values()].every((count) => count > 0), 8000, "output from each of the example's nodes");
        await new Promise((resolve) => setTimeout(resolve, 300));
        const errors = helper
          .log()
          .args.map((args: [{ level: number; type?: string; msg: unknown }]) => args[0])
          .filter((entry: { level: number }) => entry.level === helper.log().ERROR)
          .map((entry: { type?: string; msg: unknown }) => `${entry.type}: ${String(entry.msg)}`);
        assert.deepEqual(errors, []);
      } finally {
        process.chdir(cwd);
      }
    });
  }
});
