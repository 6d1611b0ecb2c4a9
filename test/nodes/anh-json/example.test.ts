/**
 * examples/anh-json.json in a real runtime, as test/examples does for the nodes registered in package.json:
 * its nodes start without a configuration error and the batch inject gives a report on output 1
 * (3 outage slots per tag + 1 slot of bad tubing pressure = 10 missing).
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import anhJsonNode from "../../../nodes/anh-json/anh-json";
import { coreNodes, helper, makeTempDir, unloadAll, waitFor, type FlowNode } from "../../support/runtime";
import { repoRoot } from "../../support/repo";

const CORE_NODES = coreNodes("common/20-inject.js", "common/21-debug.js", "common/90-comment.js", "function/10-function.js");

describe("examples/anh-json.json", () => {
  let userDir: string;
  beforeEach(() => {
    userDir = makeTempDir("anh-example-");
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await unloadAll();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("runs in Node-RED and reports yesterday from the batch, journal in the user dir", async () => {
    const nodes = JSON.parse(fs.readFileSync(path.join(repoRoot(), "examples", "anh-json.json"), "utf8")) as FlowNode[];
    const flow: FlowNode[] = [{ id: "example-tab", type: "tab", label: "example" }, ...nodes.map((n) => ({ ...n, z: "example-tab" }))];
    const ours = flow.find((n) => n.type === "anh-json") as FlowNode;
    ours.wires = [[...(ours.wires?.[0] ?? []), "probe"], ours.wires?.[1] ?? []];
    flow.push({ id: "probe", z: "example-tab", type: "helper" });
    await helper.load([...CORE_NODES, anhJsonNode], flow);
    const reports: Record<string, unknown>[] = [];
    helper.getNode("probe").on("input", (msg: Record<string, unknown>) => reports.push(msg));
    for (const inject of flow.filter((n) => n.type === "inject")) helper.getNode(inject.id).receive({});
    await waitFor(() => reports.length === 1, 10000, "the example's report");
    const summary = reports[0].report as { status: string; compliant: boolean; missingSlots: number };
    assert.match(String(reports[0].filename), /^ANH_REPORT_\d{8}\.json$/);
    assert.deepEqual([summary.status, summary.compliant, summary.missingSlots], ["ready", true, 10]);
    assert.ok(fs.existsSync(path.join(userDir, "anh-json", ours.id, "audit.jsonl")), "journal directory inside the user dir");
    const errors = helper.log().args.filter((args: [{ level: number }]) => args[0].level === helper.log().ERROR);
    assert.deepEqual(errors.map((args: [{ msg: unknown }]) => String(args[0].msg)), []);
  });
});
