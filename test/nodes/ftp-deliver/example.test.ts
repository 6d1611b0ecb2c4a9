/**
 * examples/ftp-deliver.json imported into a real Node-RED runtime, its config node pointed at a real
 * ftp-srv: the "make a report" inject must end in a delivered file and msg.delivery on output 1.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import ftpDeliverNode from "../../../nodes/ftp-deliver/ftp-deliver";
import ftpServerNode from "../../../nodes/ftp-server/ftp-server";
import { startFtpServer, type TestFtpServer } from "../../support/ftp-server";
import { repoRoot } from "../../support/repo";
import { collect, coreNodes, helper, makeTempDir, waitFor, type FlowNode } from "../../support/runtime";

const CORE_NODES = coreNodes("common/20-inject.js", "common/21-debug.js", "common/90-comment.js", "function/10-function.js");

describe("examples/ftp-deliver.json", function () {
  this.timeout(20000);
  let server: TestFtpServer | null = null;
  let userDir: string;

  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await server?.close();
    server = null;
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("delivers the example report to a real server", async () => {
    server = await startFtpServer();
    userDir = makeTempDir("fr-ftp-example-");
    helper.settings({ userDir });
    const nodes = JSON.parse(fs.readFileSync(path.join(repoRoot(), "examples", "ftp-deliver.json"), "utf8")) as FlowNode[];
    const config = nodes.find((n) => n.type === "ftp-server");
    const deliver = nodes.find((n) => n.type === "ftp-deliver");
    const inject = nodes.find((n) => n.type === "inject" && n.name === "make a report");
    assert.ok(config && deliver && inject, "the example has an ftp-server, an ftp-deliver and a report inject");
    assert.ok(!("password" in config) && !("credentials" in config), "no credentials in the example");
    const flow: FlowNode[] = [{ id: "example-tab", type: "tab", label: "example" }, ...nodes.map((n) => (n.type === "ftp-server" ? { ...n, host: "127.0.0.1", port: server!.port } : { ...n, z: "example-tab" }))];
    const probeFlow = flow.map((n) => (n.id === deliver.id ? { ...n, wires: [[...(n.wires?.[0] ?? []), "probe"], n.wires?.[1] ?? []] } : n));
    probeFlow.push({ id: "probe", z: "example-tab", type: "helper" });
    await helper.load([...CORE_NODES, ftpServerNode, ftpDeliverNode], probeFlow, { [config.id]: { user: "anh", password: "s3cret-Pa55" } });
    const received = collect(helper.getNode("probe"));
    helper.getNode(inject.id).receive({});
    await waitFor(() => received.length === 1, 8000, "delivery");
    const delivery = received[0].delivery as { status: string; remotePath: string };
    assert.equal(delivery.status, "delivered");
    assert.match(delivery.remotePath, /^\/anh\/reports\/ANH_REPORT_\d{8}\.json$/);
    assert.deepEqual(server.files(), [delivery.remotePath.slice(1)]);
    const errors = helper.log().args.filter((args: [{ level: number }]) => args[0].level === helper.log().ERROR);
    assert.deepEqual(errors, []);
  });
});
