/**
 * One concept in one place: the alert subflow's function node is a generated copy of lib/alerting, and
 * every template carries the same subflow definition as flows/alert-subflow.json.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { isDeepStrictEqual } from "util";
import { repoRoot } from "../../support/repo";

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

interface SyncScript {
  SUBFLOW_ID: string;
  FUNCTION_ID: string;
  SUBFLOW_FILE: string;
  functionSource(): string;
  definitionOf(flow: FlowNode[]): FlowNode[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sync = require(path.join(repoRoot(), "scripts", "sync-alert-subflow.js")) as SyncScript;
const flowsDir = path.join(repoRoot(), "flows");
const readFlow = (file: string): FlowNode[] => JSON.parse(fs.readFileSync(file, "utf8")) as FlowNode[];

describe("flows/alert-subflow.json is in sync", () => {
  it("its function node is the current lib/alerting (run node scripts/sync-alert-subflow.js when this fails)", () => {
    const fn = readFlow(sync.SUBFLOW_FILE).find((node) => node.id === sync.FUNCTION_ID);
    assert.ok(fn, "the function node is there");
    assert.equal(fn.func, sync.functionSource());
  });

  it("holds one subflow, fr-alert-subflow, and every other node inside it", () => {
    const flow = readFlow(sync.SUBFLOW_FILE);
    assert.deepEqual(flow.filter((node) => node.type === "subflow").map((node) => node.id), [sync.SUBFLOW_ID]);
    assert.deepEqual(flow.filter((node) => node.id !== sync.SUBFLOW_ID && node.z !== sync.SUBFLOW_ID), []);
  });

  const templates = fs.readdirSync(flowsDir).filter((file) => file.endsWith(".json") && file !== path.basename(sync.SUBFLOW_FILE));
  for (const file of templates) {
    it(`${file}: an alert instance comes with the definition of flows/alert-subflow.json, unchanged`, function () {
      const template = readFlow(path.join(flowsDir, file));
      if (!template.some((node) => node.type === `subflow:${sync.SUBFLOW_ID}`)) this.skip();
      const copy = new Map(sync.definitionOf(template).map((node) => [node.id, node]));
      const differing = readFlow(sync.SUBFLOW_FILE)
        .filter((node) => !isDeepStrictEqual(copy.get(node.id), node))
        .map((node) => node.id);
      const extra = [...copy.keys()].filter((id) => !readFlow(sync.SUBFLOW_FILE).some((node) => node.id === id));
      assert.deepEqual({ differing, extra }, { differing: [], extra: [] }, "regenerate the templates: npm run build:flows");
    });
  }
});
