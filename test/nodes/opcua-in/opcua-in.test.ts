/**
 * opcua-in and opcua-endpoint in a real Node-RED runtime against a real node-opcua server on 127.0.0.1.
 * Starting a node-opcua server takes seconds, so each suite starts one server and its tests share it.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { StatusCodes } from "node-opcua";
import { isGoodQuality } from "../../../lib/common/sample";
import type { EndpointConnection } from "../../../nodes/opcua-endpoint/connection";
import opcuaEndpointNode from "../../../nodes/opcua-endpoint/opcua-endpoint";
import opcuaInNode from "../../../nodes/opcua-in/opcua-in";
import { nodeIdOf, TestOpcuaServer, WELL_TAGS, type WellTag } from "../../support/opcua-server";
import { repoRoot } from "../../support/repo";
import { TcpProxy } from "../../support/tcp-proxy";
import { collect, helper, makeTempDir, waitFor, type FlowNode } from "../../support/runtime";

type Msg = Record<string, unknown>;
interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

const NODES = [opcuaEndpointNode, opcuaInNode];
const TAGS: WellTag[] = ["OilRate", "WaterRate", "GasRate", "TubingPressure", "CasingPressure", "Temperature", "Choke"];

function endpointNode(url: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id: "ep1", type: "opcua-endpoint", endpointUrl: url, securityMode: "None", securityPolicy: "", authentication: "anonymous", ...extra };
}

function inNode(id: string, tags: WellTag[], extra: Record<string, unknown> = {}): FlowNode[] {
  return [
    {
      id,
      z: "f1",
      type: "opcua-in",
      endpoint: "ep1",
      items: tags.map((tag) => ({ nodeId: nodeIdOf(tag), tag: `WP1.${tag}`, deadband: "" })),
      samplingInterval: 50,
      publishingInterval: 100,
      queueSize: 10,
      wires: [[`${id}-out`]],
      ...extra,
    },
    { id: `${id}-out`, z: "f1", type: "helper" },
  ];
}

function flow(endpoint: FlowNode, ...inNodes: FlowNode[][]): FlowNode[] {
  return [{ id: "f1", type: "tab", label: "opcua" }, endpoint, ...inNodes.flat()];
}

/** Status updates of a node, recorded as the editor would receive them. */
function recordStatus(id: string): NodeStatus[] {
  const node = helper.getNode(id);
  const seen: NodeStatus[] = [];
  const original = node.status.bind(node);
  node.status = (status: NodeStatus) => {
    seen.push(status);
    return original(status);
  };
  return seen;
}

function logged(level: "warn" | "error"): string[] {
  const log = helper.log();
  const wanted = level === "error" ? log.ERROR : log.WARN;
  return log.args.filter((args: [{ level: number }]) => args[0].level === wanted).map((args: [{ msg: unknown }]) => String(args[0].msg));
}

const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

const latest = (out: Msg[], topic: string): Msg | undefined => [...out].reverse().find((m) => m.topic === topic);

describe("nodes/opcua-in against a node-opcua server", function () {
  this.timeout(120_000);
  let userDir: string;

  before(() => {
    userDir = makeTempDir("fr-opcua-userdir-");
    helper.settings({ userDir });
  });
  after(() => {
    helper.settings({ userDir: undefined });
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  describe("anonymous, security None", () => {
    let server: TestOpcuaServer;
    before(async () => {
      // Choke is an AnalogItem with an EURange (the percent deadband needs one); the others are plain variables.
      server = await TestOpcuaServer.start({ euRanges: { Choke: { low: 0, high: 200 } } });
    });
    after(async () => {
      await server?.dispose();
    });
    afterEach(async () => {
      await helper.unload();
    });

    it("emits every well variable in the message contract, with source time and quality", async () => {
      await helper.load(NODES, flow(endpointNode(server.endpointUrl), inNode("in1", TAGS)));
      const out = collect(helper.getNode("in1-out"));
      await waitFor(() => TAGS.every((tag) => latest(out, `WP1.${tag}`) !== undefined), 30_000, "the initial values");
      for (const tag of TAGS) {
        const msg = latest(out, `WP1.${tag}`) as Msg;
        assert.equal(msg.payload, WELL_TAGS[tag]);
        assert.deepEqual(msg.quality, { value: 0, name: "Good" });
        assert.equal(msg.nodeId, nodeIdOf(tag));
        assert.equal(typeof msg.timestamp, "number");
      }

      const sourceTime = new Date(Date.UTC(2026, 10, 23, 11, 0, 0, 250));
      server.set("OilRate", 799.25, StatusCodes.Good, sourceTime);
      await waitFor(() => latest(out, "WP1.OilRate")?.payload === 799.25, 10_000, "the new oil rate");
      assert.equal(latest(out, "WP1.OilRate")?.timestamp, sourceTime.getTime(), "the timestamp is the source timestamp");

      server.set("TubingPressure", 0, StatusCodes.BadSensorFailure);
      server.set("Temperature", 79.1, StatusCodes.UncertainLastUsableValue);
      await waitFor(() => (latest(out, "WP1.TubingPressure")?.quality as { name: string }).name === "BadSensorFailure", 10_000, "the bad status");
      await waitFor(() => (latest(out, "WP1.Temperature")?.quality as { name: string }).name === "UncertainLastUsableValue", 10_000, "the uncertain status");
      const bad = latest(out, "WP1.TubingPressure") as Msg;
      assert.equal((bad.quality as { value: number }).value, StatusCodes.BadSensorFailure.value);
      // The analytics read the quality as this package's contract defines it.
      assert.equal(isGoodQuality(bad.quality), false);
      assert.equal(isGoodQuality(latest(out, "WP1.Temperature")?.quality), false);
      assert.equal(isGoodQuality(latest(out, "WP1.OilRate")?.quality), true);

      server.set("TubingPressure", 640.5, StatusCodes.Good);
      await waitFor(() => latest(out, "WP1.TubingPressure")?.payload === 640.5, 10_000, "the good value again");
    });

    it("applies the absolute deadband, but never to a change of status", async () => {
      const items = [{ nodeId: nodeIdOf("Choke"), tag: "choke", deadband: 2, deadbandType: "absolute" }];
      await helper.load(NODES, flow(endpointNode(server.endpointUrl), inNode("in1", [], { items })));
      const out = collect(helper.getNode("in1-out"));
      server.set("Choke", 40);
      await waitFor(() => out.some((m) => m.payload === 40), 30_000, "choke 40");
      for (const value of [41, 41.5, 42.5, 43]) {
        server.set("Choke", value);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      server.set("Choke", 43, StatusCodes.BadOutOfService);
      await waitFor(() => out.some((m) => (m.quality as { name: string }).name === "BadOutOfService"), 10_000, "the status change");
      const afterForty = out.slice(out.findIndex((m) => m.payload === 40));
      assert.deepEqual(
        afterForty.map((m) => [m.payload, (m.quality as { name: string }).name]),
        [
          [40, "Good"],
          [42.5, "Good"],
          [43, "BadOutOfService"],
        ],
      );
    });

    it("percent deadband: the server applies it from the item's EURange; a variable without EURange is refused with a warning naming it", async () => {
      const items = [
        // 1.5 % of the EURange 0-200: changes of more than 3 pass
        { nodeId: nodeIdOf("Choke"), tag: "choke", deadband: 1.5, deadbandType: "percent" },
        { nodeId: nodeIdOf("GasRate"), tag: "gas", deadband: 1.5, deadbandType: "percent" },
        { nodeId: nodeIdOf("OilRate"), tag: "oil" },
      ];
      await helper.load(NODES, flow(endpointNode(server.endpointUrl), inNode("in1", [], { items })));
      const out = collect(helper.getNode("in1-out"));
      server.set("Choke", 40);
      await waitFor(() => out.some((m) => m.topic === "choke" && m.payload === 40), 30_000, "choke 40");
      for (const value of [41, 42.5, 43.5, 45, 47, 46]) {
        server.set("Choke", value);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      server.set("Choke", 46, StatusCodes.BadOutOfService);
      await waitFor(() => out.some((m) => m.topic === "choke" && (m.quality as { name: string }).name === "BadOutOfService"), 10_000, "the status change");
      const choke = out.filter((m) => m.topic === "choke");
      const afterForty = choke.slice(choke.findIndex((m) => m.payload === 40));
      assert.deepEqual(
        afterForty.map((m) => [m.payload, (m.quality as { name: string }).name]),
        [
          [40, "Good"],
          [43.5, "Good"],
          [47, "Good"],
          [46, "BadOutOfService"],
        ],
      );
      await waitFor(() => logged("warn").some((m) => m.includes("gas (")), 10_000, "the warning about the refused deadband");
      const warning = logged("warn").find((m) => m.includes("gas (")) as string;
      assert.match(warning, /gas \(ns=1;s=Well01\.GasRate\): Bad\w+ \(the server refuses the 1\.5 % deadband: the variable has no EURange/);
      assert.ok(!warning.includes("choke"), "the item with an EURange is not named");
      assert.ok(out.some((m) => m.topic === "oil"), "the other items of the node report");
      assert.ok(!out.some((m) => m.topic === "gas"), "the refused item sends nothing");
    });

    it("shares one session between two opcua-in nodes, one subscription each, and leaves nothing behind on close", async () => {
      const sessionsBefore = server.sessionCount;
      await helper.load(NODES, flow(endpointNode(server.endpointUrl), inNode("in1", ["OilRate", "GasRate"]), inNode("in2", ["WaterRate"], { publishingInterval: 250 })));
      const out1 = collect(helper.getNode("in1-out"));
      const out2 = collect(helper.getNode("in2-out"));
      await waitFor(() => out1.length >= 2 && out2.length >= 1, 30_000, "values on both nodes");
      assert.equal(server.sessionCount - sessionsBefore, 1, "one session for both nodes");
      assert.equal(server.subscriptionCount, 2);
      assert.deepEqual(new Set(out1.map((m) => m.topic)), new Set(["WP1.OilRate", "WP1.GasRate"]));
      assert.deepEqual(new Set(out2.map((m) => m.topic)), new Set(["WP1.WaterRate"]));
      const connection = helper.getNode("ep1").connection as EndpointConnection;

      await helper.unload();
      await waitFor(() => server.sessionCount === sessionsBefore && server.subscriptionCount === 0, 10_000, "the session and subscriptions to be gone on the server");
      assert.equal(connection.state, "closed");
      assert.equal(connection.hasRetryTimer, false);
      assert.equal(connection.currentSession, null);
      // Redeploys do not pile up timers: a second deploy and close ends where the first one ended (the
      // first leaves a few process-wide timers of node-opcua's and Node-RED's, started once).
      const timersAfterFirst = activeTimers();
      await helper.load(NODES, flow(endpointNode(server.endpointUrl), inNode("in1", ["OilRate"])));
      const again = collect(helper.getNode("in1-out"));
      await waitFor(() => again.length >= 1, 30_000, "values after the redeploy");
      await helper.unload();
      await waitFor(() => server.sessionCount === sessionsBefore && activeTimers() <= timersAfterFirst, 10_000, `timers back to ${timersAfterFirst} (now ${activeTimers()})`);
    });

    it("reconnects after a server restart: status reconnecting, then data again within 10 s, no leftover subscriptions", async () => {
      await helper.load(NODES, flow(endpointNode(server.endpointUrl), inNode("in1", ["OilRate", "Choke"])));
      const out = collect(helper.getNode("in1-out"));
      const statuses = recordStatus("in1");
      await waitFor(() => out.length >= 2, 30_000, "the first values");
      assert.equal(server.subscriptionCount, 1);

      await server.stop();
      await waitFor(() => statuses.some((s) => s.text === "reconnecting"), 10_000, "status reconnecting");
      assert.equal(statuses[statuses.length - 1].fill, "yellow");
      await new Promise((resolve) => setTimeout(resolve, 3000)); // a few retries against a closed port
      server.set("OilRate", 905.5);
      await server.start();
      const backAt = Date.now();
      await waitFor(() => latest(out, "WP1.OilRate")?.payload === 905.5, 10_000, "data within 10 s of the restart");
      const downtimeToData = Date.now() - backAt;
      console.log(`      OPC UA data again ${downtimeToData} ms after the server was back`);
      server.set("Choke", 36);
      await waitFor(() => latest(out, "WP1.Choke")?.payload === 36, 10_000, "live changes after the restart");
      assert.equal(server.subscriptionCount, 1, "exactly one subscription after resubscribing");
      assert.equal(server.sessionCount, 1);
      await waitFor(() => statuses[statuses.length - 1].fill === "green", 2000, "status connected");
      assert.equal(logged("warn").filter((m) => m.includes("reconnecting")).length, 1, "one warning per outage, not one per attempt");
    });

    it("network black hole (no FIN, no RST, packets dropped): status reconnecting, then data again within 10 s of the path coming back", async () => {
      const proxy = await TcpProxy.start(server.port);
      try {
        await helper.load(NODES, flow(endpointNode(`opc.tcp://127.0.0.1:${proxy.port}/UA/WellPad`), inNode("in1", ["OilRate", "Choke"])));
        const out = collect(helper.getNode("in1-out"));
        const statuses = recordStatus("in1");
        await waitFor(() => out.length >= 2, 30_000, "the first values through the proxy");
        proxy.blackHole();
        const lostAt = Date.now();
        server.set("OilRate", 1.5);
        await waitFor(() => statuses.some((s) => s.text === "reconnecting"), 25_000, "status reconnecting without any close from the network");
        console.log(`      OPC UA black hole noticed after ${Date.now() - lostAt} ms`);
        assert.equal(statuses[statuses.length - 1].fill, "yellow");
        assert.ok(!out.some((m) => m.payload === 1.5), "nothing passes the black hole");
        await new Promise((resolve) => setTimeout(resolve, 3000)); // retries into the black hole
        server.set("OilRate", 906.5);
        proxy.restore();
        const backAt = Date.now();
        await waitFor(() => latest(out, "WP1.OilRate")?.payload === 906.5, 10_000, "data within 10 s of the path coming back");
        console.log(`      OPC UA data again ${Date.now() - backAt} ms after the black hole ended`);
        server.set("Choke", 37);
        await waitFor(() => latest(out, "WP1.Choke")?.payload === 37, 10_000, "live changes after the black hole");
        const connection = helper.getNode("ep1").connection as EndpointConnection;
        assert.equal(connection.state, "connected");
        assert.equal(connection.subscriptionCount, 1, "one subscription, not one per reconnect");
        await waitFor(() => statuses[statuses.length - 1].fill === "green", 2000, "status connected");
      } finally {
        await helper.unload();
        await proxy.close();
      }
    });

    it("examples/opcua-in.json runs against the well pad and holds no secret", async () => {
      const example = JSON.parse(fs.readFileSync(path.join(repoRoot(), "examples", "opcua-in.json"), "utf8")) as FlowNode[];
      for (const node of example) {
        assert.deepEqual(Object.keys(node).filter((key) => /credentials|password|user/i.test(key)), [], `no login in ${node.type}`);
      }
      const nodes = example
        .filter((n) => n.type !== "debug" && n.type !== "comment")
        .map((n) => (n.type === "opcua-endpoint" ? { ...n, endpointUrl: server.endpointUrl } : { ...n, z: "f1", wires: [["probe"]] }));
      await helper.load(NODES, [{ id: "f1", type: "tab", label: "example" }, ...nodes, { id: "probe", z: "f1", type: "helper" }]);
      const out = collect(helper.getNode("probe"));
      await waitFor(() => new Set(out.map((m) => m.topic)).size === TAGS.length, 30_000, "every tag of the example");
      assert.deepEqual(logged("error"), []);
    });

    it("reports a bad configuration and items the server does not know", async () => {
      const items = [
        { nodeId: nodeIdOf("OilRate"), tag: "oil" },
        { nodeId: "ns=1;s=Well01.NoSuchTag", tag: "ghost" },
        // alone in its request (its own deadband): node-opcua reports it differently
        { nodeId: "ns=1;s=Well01.NoSuchTag2", tag: "lonely-ghost", deadband: 1 },
      ];
      await helper.load(NODES, flow(endpointNode(server.endpointUrl), inNode("in1", [], { items }), inNode("in2", [], { items: [{ nodeId: "Well01.OilRate" }] })));
      const out = collect(helper.getNode("in1-out"));
      await waitFor(() => logged("warn").some((m) => m.includes("ghost")), 30_000, "the warning about the unknown item");
      const warning = logged("warn").find((m) => m.includes("ghost")) as string;
      assert.match(warning, /ghost \(ns=1;s=Well01.NoSuchTag\): BadNodeIdUnknown/);
      assert.match(warning, /lonely-ghost \(ns=1;s=Well01.NoSuchTag2\): .*BadNodeIdUnknown/);
      assert.equal(server.sessionCount, 1, "a refused item does not make the node reconnect");
      await waitFor(() => out.some((m) => m.topic === "oil"), 10_000, "the known item still reports");
      assert.ok(logged("error").some((m) => /items\[0\]\.nodeId: expected a NodeId/.test(m)));
    });
  });

  describe("SignAndEncrypt with user and password", () => {
    const USER = { userName: "operator", password: "s3cret-Pa55" };
    let server: TestOpcuaServer;
    before(async () => {
      server = await TestOpcuaServer.start({ secure: true, user: USER });
    });
    after(async () => {
      await server?.dispose();
    });
    afterEach(async () => {
      await helper.unload();
    });

    const secureEndpoint = (securityMode: string) => endpointNode(server.endpointUrl, { securityMode, securityPolicy: "Basic256Sha256", authentication: "username" });

    it("connects with SignAndEncrypt / Basic256Sha256 and the user from the credentials; the client certificate is in the user dir", async () => {
      await helper.load(NODES, flow(secureEndpoint("SignAndEncrypt"), inNode("in1", ["CasingPressure"])), { ep1: { user: USER.userName, password: USER.password } });
      const out = collect(helper.getNode("in1-out"));
      await waitFor(() => out.length >= 1, 60_000, "a value over the encrypted channel");
      assert.equal(out[0].payload, WELL_TAGS.CasingPressure);
      assert.ok(fs.existsSync(`${userDir}/opcua-pki/own/certs`), "client PKI under the Node-RED user dir");
      assert.ok(fs.readdirSync(`${userDir}/opcua-pki/own/certs`).some((f) => f.endsWith(".pem")));
      assert.equal(server.rejectedLogins, 0);
      // The deployed flow configuration (what an export gives) holds the user's login nowhere.
      const deployed = JSON.stringify(await helper._redNodes.getFlows());
      assert.ok(deployed.includes(server.endpointUrl));
      assert.ok(!deployed.includes(USER.password) && !deployed.includes(USER.userName));
    });

    it("wrong password: one clear error, no reconnect storm, and the password appears nowhere", async () => {
      const wrong = "not-the-Pa55word";
      const rejectedBefore = server.rejectedLogins;
      await helper.load(NODES, flow(secureEndpoint("Sign"), inNode("in1", ["OilRate"])), { ep1: { user: USER.userName, password: wrong } });
      const statuses = recordStatus("in1");
      await waitFor(() => logged("error").some((m) => m.includes("refused")), 60_000, "the refusal");
      const error = logged("error").find((m) => m.includes("refused")) as string;
      assert.match(error, /BadUserAccessDenied|BadIdentityTokenRejected/);
      assert.match(error, /user, password/);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      assert.equal(server.rejectedLogins - rejectedBefore, 1, "one login attempt, not a storm");
      assert.equal(logged("error").filter((m) => m.includes("refused")).length, 1);
      const last = statuses[statuses.length - 1];
      assert.equal(last.fill, "red");
      assert.match(String(last.text), /refused: Bad/);
      const everything = JSON.stringify([helper.log().args, statuses, helper.getNode("ep1").endpointUrl]);
      assert.ok(!everything.includes(wrong), "the password is not in logs or status");
      assert.ok(!everything.includes(USER.password));
    });
  });
});
