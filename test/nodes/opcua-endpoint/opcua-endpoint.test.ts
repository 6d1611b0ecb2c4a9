/**
 * opcua-endpoint's security: a secured endpoint that trusts no unknown server certificate gets no data from
 * a server it has not been told to trust, and does once the server's certificate is in opcua-pki/trusted;
 * giving that up (security None, or trusting unknown certificates) is logged as a warning at each deploy.
 * Real node-opcua server (test/support/opcua-server.ts) and the real opcua-in node.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import opcuaEndpointNode from "../../../nodes/opcua-endpoint/opcua-endpoint";
import { securityWarnings } from "../../../nodes/opcua-endpoint/security";
import opcuaInNode from "../../../nodes/opcua-in/opcua-in";
import { nodeIdOf, TestOpcuaServer, WELL_TAGS } from "../../support/opcua-server";
import { collect, helper, makeTempDir, waitFor, type FlowNode } from "../../support/runtime";

const NODES = [opcuaEndpointNode, opcuaInNode];

function endpoint(url: string, extra: Record<string, unknown>): FlowNode {
  return { id: "ep1", type: "opcua-endpoint", endpointUrl: url, securityPolicy: "Basic256Sha256", authentication: "anonymous", reconnectMaxSeconds: 1, refusedRetrySeconds: 1, ...extra };
}

function flow(ep: FlowNode): FlowNode[] {
  return [
    { id: "f1", type: "tab", label: "opcua" },
    ep,
    { id: "in1", z: "f1", type: "opcua-in", endpoint: "ep1", items: [{ nodeId: nodeIdOf("OilRate"), tag: "WP1.OilRate", deadband: "" }], samplingInterval: 50, publishingInterval: 100, queueSize: 10, wires: [["in1-out"]] },
    { id: "in1-out", z: "f1", type: "helper" },
  ];
}

function logged(level: "warn" | "error"): string[] {
  const log = helper.log();
  const wanted = level === "error" ? log.ERROR : log.WARN;
  return log.args.filter((args: [{ level: number }]) => args[0].level === wanted).map((args: [{ msg: unknown }]) => String(args[0].msg));
}

const pemFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.(pem|der)$/.test(f)) : []);

describe("nodes/opcua-endpoint: security", function () {
  this.timeout(120_000);

  describe("securityWarnings", () => {
    const url = "opc.tcp://plc:4840";
    it("warns about security None, and about the password when a user logs in over it", () => {
      const [anonymous] = securityWarnings({ endpointUrl: url, securityMode: "None", authentication: "anonymous", acceptUnknownServerCertificate: false });
      assert.match(anonymous, /security mode None for opc\.tcp:\/\/plc:4840: values are neither signed nor encrypted/);
      assert.doesNotMatch(anonymous, /password/);
      const [user] = securityWarnings({ endpointUrl: url, securityMode: "None", authentication: "username", acceptUnknownServerCertificate: false });
      assert.match(user, /password/);
    });
    it("warns about trust on first use on a secured endpoint, and says nothing when it verifies", () => {
      const warnings = securityWarnings({ endpointUrl: url, securityMode: "SignAndEncrypt", authentication: "anonymous", acceptUnknownServerCertificate: true });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /trusts any server certificate it has not seen before/);
      assert.deepEqual(securityWarnings({ endpointUrl: url, securityMode: "Sign", authentication: "username", acceptUnknownServerCertificate: false }), []);
    });
  });

  describe("against a real server offering Sign and SignAndEncrypt", () => {
    let server: TestOpcuaServer;
    let userDir: string;
    before(async () => {
      server = await TestOpcuaServer.start({ secure: true });
      userDir = makeTempDir("fr-opcua-endpoint-");
      helper.settings({ userDir });
    });
    after(async () => {
      await helper.unload();
      helper.settings({ userDir: undefined });
      await server?.dispose();
      if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    });
    afterEach(async () => {
      await helper.unload();
    });

    it("security None: connects (the server offers it) and logs the warning at deploy", async () => {
      await helper.load(NODES, flow(endpoint(server.endpointUrl, { securityMode: "None", acceptUnknownServerCertificate: false })));
      assert.ok(logged("warn").some((m) => /security mode None/.test(m)), logged("warn").join("\n"));
      const out = collect(helper.getNode("in1-out"));
      await waitFor(() => out.length >= 1, 60_000, "a value");
    });

    it("SignAndEncrypt without trusting unknown certificates: no data from an untrusted server, data once its certificate is trusted", async () => {
      await helper.load(NODES, flow(endpoint(server.endpointUrl, { securityMode: "SignAndEncrypt", acceptUnknownServerCertificate: false })));
      assert.ok(!logged("warn").some((m) => /security mode None|trusts any server certificate/.test(m)), "a verified endpoint does not warn");
      const rejectedDir = path.join(userDir, "opcua-pki", "rejected");
      await waitFor(() => pemFiles(rejectedDir).length > 0, 60_000, "the server's certificate in opcua-pki/rejected");
      // Give the client time to try and fail; it must not have received a value.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(collect(helper.getNode("in1-out")).length, 0);
      assert.ok(logged("error").concat(logged("warn")).some((m) => /BadCertificate|certificate|untrusted/i.test(m)), "the refusal is reported");
      await helper.unload();
      // What a person does: move the server's certificate from rejected to trusted, redeploy.
      const trustedDir = path.join(userDir, "opcua-pki", "trusted", "certs");
      fs.mkdirSync(trustedDir, { recursive: true });
      for (const file of pemFiles(rejectedDir)) fs.renameSync(path.join(rejectedDir, file), path.join(trustedDir, file));
      await helper.load(NODES, flow(endpoint(server.endpointUrl, { securityMode: "SignAndEncrypt", acceptUnknownServerCertificate: false })));
      const out = collect(helper.getNode("in1-out"));
      await waitFor(() => out.length >= 1, 60_000, "a value over the verified, encrypted channel");
      assert.equal(out[0].payload, WELL_TAGS.OilRate);
    });

    it("trusting unknown certificates on a secured endpoint connects at once, and logs the warning", async () => {
      fs.rmSync(path.join(userDir, "opcua-pki", "trusted"), { recursive: true, force: true });
      await helper.load(NODES, flow(endpoint(server.endpointUrl, { securityMode: "Sign", acceptUnknownServerCertificate: true })));
      assert.ok(logged("warn").some((m) => /trusts any server certificate it has not seen before/.test(m)));
      const out = collect(helper.getNode("in1-out"));
      await waitFor(() => out.length >= 1, 60_000, "a value");
    });
  });
});
