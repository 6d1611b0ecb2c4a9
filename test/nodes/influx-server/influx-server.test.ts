/**
 * influx-server over https: the certificate is verified by default (Node's public CAs, or the plant's CA
 * given in the node), and turning verification off is explicit and logged as a warning. The servers are
 * real (InfluxDB 1.6 for v1 write + InfluxQL, VictoriaMetrics for the v2 write API) behind a real TLS
 * endpoint (node:tls, the test CA's certificate for 127.0.0.1) that passes the bytes on.
 */
import assert from "node:assert/strict";
import fs from "fs";
import net from "net";
import path from "path";
import tls from "tls";
import influxServerNode from "../../../nodes/influx-server/influx-server";
import { parseServerConfig, tlsWarning, type InfluxServerDef, type InfluxServerNode } from "../../../nodes/influx-server/influx-server-config";
import { InputError } from "../../../lib/common/errors";
import { makeCertificates, type TestCertificates } from "../../support/ftp-server";
import { InfluxDB1Server, VictoriaMetricsServer } from "../../support/influx-servers";
import { helper, unloadAll, type FlowNode } from "../../support/runtime";

/** TLS in front of a plain TCP server: what a reverse proxy or InfluxDB's own https listener does. */
async function tlsFront(certs: TestCertificates, targetPort: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: certs.certPem, key: certs.keyPem }, (socket) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    socket.pipe(upstream).pipe(socket);
  });
  server.on("tlsClientError", () => undefined); // a client that refuses our certificate hangs up: expected here
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const NO_PARAMS = { range: null, topic: null };

function serverDef(url: string, apiVersion: "v1" | "v2", tlsSettings: { rejectUnauthorized?: boolean | string; ca?: string } = {}): FlowNode {
  return { id: "n-server", type: "influx-server", name: "", url, apiVersion, database: "plant", retentionPolicy: "", org: "o", bucket: "plant", timeoutSeconds: 5, ...tlsSettings };
}

async function loadServer(def: FlowNode): Promise<InfluxServerNode> {
  await helper.load([influxServerNode], [def]);
  return helper.getNode("n-server") as unknown as InfluxServerNode;
}

/** The TLS warnings the runtime logged (the test helper logs other warnings of its own). */
function warnings(): string[] {
  return helper
    .log()
    .args.filter((args: [{ level: number; msg: unknown }]) => args[0].level === helper.log().WARN)
    .map((args: [{ msg: unknown }]) => String(args[0].msg))
    .filter((msg: string) => /TLS/.test(msg));
}

describe("nodes/influx-server: TLS verification", function () {
  this.timeout(60_000);
  let certs: TestCertificates;
  let caFile: string;

  before(() => {
    certs = makeCertificates();
    caFile = path.join(certs.dir, "ca.pem");
  });
  after(() => {
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });
  afterEach(async () => unloadAll());

  describe("configuration", () => {
    const base: Partial<InfluxServerDef> = { url: "https://historian.plant:8086", apiVersion: "v1", database: "plant" };

    it("verifies an https server by default and has no TLS settings for http", () => {
      assert.deepEqual(parseServerConfig(base).tls, { rejectUnauthorized: true });
      assert.deepEqual(parseServerConfig({ ...base, rejectUnauthorized: "" }).tls, { rejectUnauthorized: true });
      assert.equal(parseServerConfig({ ...base, url: "http://historian.plant:8086", rejectUnauthorized: false }).tls, undefined);
      assert.equal(tlsWarning(parseServerConfig(base)), null);
    });

    it("turns verification off only for an explicit false, with a warning naming the server", () => {
      for (const off of [false, "false"]) {
        const config = parseServerConfig({ ...base, rejectUnauthorized: off });
        assert.deepEqual(config.tls, { rejectUnauthorized: false });
        assert.match(tlsWarning(config) ?? "", /TLS certificate verification is off for https:\/\/historian\.plant:8086/);
      }
      assert.throws(() => parseServerConfig({ ...base, rejectUnauthorized: "no" as unknown as string }), (err: unknown) => err instanceof InputError && /rejectUnauthorized/.test(err.message));
    });

    it("reads the plant's CA from PEM text or a file, and names the field when the file is missing", () => {
      assert.equal(parseServerConfig({ ...base, ca: caFile }).tls?.ca, certs.caPem);
      assert.equal(parseServerConfig({ ...base, ca: certs.caPem }).tls?.ca, certs.caPem);
      assert.throws(() => parseServerConfig({ ...base, ca: path.join(certs.dir, "missing.pem") }), (err: unknown) => err instanceof InputError && /ca/.test(err.message) && /ENOENT/.test(err.message));
    });
  });

  describe("v1 (InfluxDB 1.6 behind TLS)", () => {
    let influx: InfluxDB1Server;
    let front: { url: string; close(): Promise<void> };
    before(async () => {
      influx = await InfluxDB1Server.create();
      await influx.query("CREATE DATABASE plant");
      front = await tlsFront(certs, influx.port);
    });
    after(async () => {
      await front?.close();
      await influx?.dispose();
    });

    it("refuses a server whose certificate no trusted CA signed, and keeps the data for a retry", async () => {
      const node = await loadServer(serverDef(front.url, "v1"));
      const outcome = await node.createWriteTransport("ms").write("tls,case=untrusted value=1 1700000000000");
      assert.equal(outcome.kind, "retry");
      assert.match(outcome.kind === "retry" ? outcome.message : "", /CERT|certificate|self[- ]signed|VERIFY/i);
      await assert.rejects(node.query("influxql", "SELECT * FROM tls", NO_PARAMS), /CERT|certificate|self[- ]signed|VERIFY/i);
      assert.deepEqual(await influx.select("SELECT * FROM tls", "plant"), [], "nothing reached the server");
      assert.deepEqual(warnings(), []);
    });

    it("writes and queries through TLS verified against the plant's CA", async () => {
      const node = await loadServer(serverDef(front.url, "v1", { ca: caFile }));
      assert.deepEqual(await node.createWriteTransport("ms").write("tls,case=trusted value=2 1700000000000"), { kind: "ok" });
      const rows = await node.query("influxql", "SELECT value FROM tls WHERE \"case\" = 'trusted'", NO_PARAMS);
      assert.deepEqual(rows, [{ measurement: "tls", time: 1700000000000, value: 2 }]);
      assert.deepEqual(warnings(), []);
    });

    it("with verification off it connects, and the node logs a warning once at start", async () => {
      const node = await loadServer(serverDef(front.url, "v1", { rejectUnauthorized: false }));
      assert.deepEqual(await node.createWriteTransport("ms").write("tls,case=unverified value=3 1700000000000"), { kind: "ok" });
      const logged = warnings();
      assert.equal(logged.length, 1, logged.join("\n"));
      assert.match(logged[0], new RegExp(`TLS certificate verification is off for ${front.url.replace(/\./g, "\\.")}`));
    });
  });

  describe("v2 write API (VictoriaMetrics behind TLS, @influxdata/influxdb-client)", () => {
    let vm: VictoriaMetricsServer;
    let front: { url: string; close(): Promise<void> };
    before(async () => {
      vm = await VictoriaMetricsServer.create();
      front = await tlsFront(certs, vm.port);
    });
    after(async () => {
      await front?.close();
      await vm?.dispose();
    });

    it("refuses the untrusted certificate by default and writes once the CA is given", async () => {
      const untrusted = await loadServer(serverDef(front.url, "v2"));
      const refused = await untrusted.createWriteTransport("ms").write("tls_v2,case=untrusted value=1 1700000000000");
      assert.equal(refused.kind, "retry");
      assert.match(refused.kind === "retry" ? refused.message : "", /CERT|certificate|self[- ]signed|VERIFY/i);
      await unloadAll();
      const trusted = await loadServer(serverDef(front.url, "v2", { ca: certs.caPem }));
      assert.deepEqual(await trusted.createWriteTransport("ms").write("tls_v2,case=trusted value=2 1700000000000"), { kind: "ok" });
      const stored = await vm.export('{__name__=~"tls_v2.*"}');
      assert.deepEqual(
        stored.map((s) => s.metric.case),
        ["trusted"],
      );
    });
  });
});
