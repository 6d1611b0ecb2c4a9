/**
 * examples/anh-daily-delivery.json (readings → anh-json → ftp-deliver → debug) imported into a real
 * Node-RED runtime with its FTP config node pointed at a real ftp-srv: the report must arrive once on the
 * server, byte for byte what anh-json built, and anh-json must learn that it was uploaded.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import anhJsonNode from "../../nodes/anh-json/anh-json";
import ftpDeliverNode from "../../nodes/ftp-deliver/ftp-deliver";
import ftpServerNode from "../../nodes/ftp-server/ftp-server";
import { startFtpServer, type TestFtpServer } from "../support/ftp-server";
import { repoRoot } from "../support/repo";
import { collect, coreNodes, helper, makeTempDir, waitFor, type FlowNode } from "../support/runtime";

const CORE_NODES = coreNodes("common/20-inject.js", "common/21-debug.js", "common/90-comment.js", "function/10-function.js");

describe("examples/anh-daily-delivery.json", function () {
  this.timeout(30000);
  let server: TestFtpServer | null = null;
  let userDir = "";

  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await server?.close();
    server = null;
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("delivers yesterday's report exactly once and marks it uploaded", async () => {
    server = await startFtpServer();
    userDir = makeTempDir("fr-anh-example-");
    helper.settings({ userDir });
    const nodes = JSON.parse(fs.readFileSync(path.join(repoRoot(), "examples", "anh-daily-delivery.json"), "utf8")) as FlowNode[];
    const config = nodes.find((n) => n.type === "ftp-server");
    const anh = nodes.find((n) => n.type === "anh-json");
    const deliver = nodes.find((n) => n.type === "ftp-deliver");
    const inject = nodes.find((n) => n.type === "inject");
    assert.ok(config && anh && deliver && inject);
    assert.ok(!("password" in config) && !("credentials" in config), "no credentials in the example");
    const flow: FlowNode[] = [
      { id: "example-tab", type: "tab", label: "example" },
      ...nodes.map((n) => (n.type === "ftp-server" ? { ...n, host: "127.0.0.1", port: server!.port } : { ...n, z: "example-tab" })),
      { id: "probe-report", z: "example-tab", type: "helper" },
      { id: "probe-delivery", z: "example-tab", type: "helper" },
      { id: "probe-status", z: "example-tab", type: "helper" },
    ];
    const anhNode = flow.find((n) => n.id === anh.id) as FlowNode;
    anhNode.wires = [[...(anhNode.wires?.[0] ?? []), "probe-report"], [...(anhNode.wires?.[1] ?? []), "probe-status"]];
    const deliverNode = flow.find((n) => n.id === deliver.id) as FlowNode;
    deliverNode.wires = [[...(deliverNode.wires?.[0] ?? []), "probe-delivery"], deliverNode.wires?.[1] ?? []];
    await helper.load([...CORE_NODES, anhJsonNode, ftpServerNode, ftpDeliverNode], flow, { [config.id]: { user: "anh", password: "s3cret-Pa55" } });
    const reports = collect(helper.getNode("probe-report"));
    const deliveries = collect(helper.getNode("probe-delivery"));
    const statuses = collect(helper.getNode("probe-status"));
    helper.getNode(inject.id).receive({});
    await waitFor(() => deliveries.length === 1, 20000, "delivery");
    const report = reports[0];
    const delivery = deliveries[0].delivery as { status: string; remotePath: string; sha256: string };
    assert.equal(delivery.status, "delivered");
    assert.equal(delivery.remotePath, `/anh/reports/${String(report.filename)}`);
    assert.match(String(report.filename), /^ANH_REPORT_\d{8}\.json$/);
    assert.deepEqual(server.files(), [delivery.remotePath.slice(1)], "exactly one file on the server, no .part left");
    const uploaded = JSON.parse(fs.readFileSync(path.join(server.root, delivery.remotePath), "utf8")) as unknown;
    assert.deepEqual(uploaded, report.payload, "the file is the report anh-json built");
    await waitFor(() => statuses.some((m) => JSON.stringify(m.payload).includes("uploaded")), 5000, "the report marked uploaded");
  });
});
