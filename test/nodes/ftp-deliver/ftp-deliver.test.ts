import assert from "node:assert/strict";
import { createHash } from "crypto";
import fs from "fs";
import path from "path";
import ftpDeliverNode from "../../../nodes/ftp-deliver/ftp-deliver";
import ftpServerNode from "../../../nodes/ftp-server/ftp-server";
import { Outbox } from "../../../lib/delivery/outbox";
import { freePort, makeCertificates, startFtpServer, type TestCertificates, type TestFtpServer, type TestSecureMode } from "../../support/ftp-server";
import { errorMessages, probe, testFlow, NODE_ID, type Msg } from "../../support/node-harness";
import { helper, makeTempDir, waitFor, type FlowNode } from "../../support/runtime";

const USER = "anh";
const PASSWORD = "s3cret-Pa55";
const SERVER_ID = "n-ftp-server";
const NODES = [ftpServerNode, ftpDeliverNode];

interface Delivery {
  status: string;
  remotePath: string;
  bytes: number;
  attempts: number;
  sha256: string;
  deliveredAt: string | null;
  alreadyPresent?: boolean;
  error?: string;
}
interface DeliveryEvent {
  event: string;
  severity: string;
  topic: string;
  message: string;
  details: Record<string, unknown>;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function flow(port: number, server: Record<string, unknown> = {}, deliver: Record<string, unknown> = {}): FlowNode[] {
  return [
    ...testFlow("ftp-deliver", 2, {
      server: SERVER_ID,
      remoteDir: "/anh/reports",
      mode: "message",
      schedule: "06:50",
      timeZone: "America/Bogota",
      outboxDir: "",
      retryInitialSeconds: 0.05,
      retryMaxSeconds: 0.2,
      deadlineMinutes: 1,
      ...deliver,
    }),
    { id: SERVER_ID, type: "ftp-server", host: "127.0.0.1", port, secure: "none", rejectUnauthorized: true, ca: "", timeoutSeconds: 5, usePasvAddress: false, ...server },
  ];
}

const credentials = (password = PASSWORD) => ({ [SERVER_ID]: { user: USER, password } });

function harness() {
  const h = probe(2);
  return { ...h, out: h.outputs[0], events: h.outputs[1] };
}
const deliveryOf = (msg: Msg) => msg.delivery as Delivery;
const eventsOf = (h: ReturnType<typeof harness>) => h.events.map((m) => m.payload as DeliveryEvent);
/** Every status the node shows from now on (the helper emits "call:status" for each). */
function statusesOf(id: string): { text?: string }[] {
  const shown: { text?: string }[] = [];
  helper.getNode(id).on("call:status", (call: { args: [{ text?: string }] }) => shown.push(call.args[0]));
  return shown;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const REPORT = { date: "2026-11-22", well: "CAS-12", variables: [{ code: "OIL", values: [1, 2, 3] }] };

describe("nodes/ftp-deliver in a Node-RED runtime against a real ftp-srv", function () {
  this.timeout(20000);
  let certificates: TestCertificates;
  let userDir: string;
  let server: TestFtpServer | null = null;

  before(() => {
    certificates = makeCertificates();
  });
  beforeEach(() => {
    userDir = makeTempDir("fr-ftp-user-");
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await server?.close();
    server = null;
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  for (const secure of ["none", "explicit", "implicit"] as TestSecureMode[]) {
    it(`delivers msg.payload as msg.filename and reports msg.delivery (${secure})`, async () => {
      server = await startFtpServer({ secure, certificates });
      await helper.load(NODES, flow(server.port, { secure, ca: secure === "none" ? "" : certificates.caPem }), credentials());
      const h = harness();
      const before = Date.now();
      h.input.receive({ filename: "ANH_REPORT_20261122.json", payload: REPORT });
      await waitFor(() => h.out.length === 1, 8000, "delivery");
      const json = JSON.stringify(REPORT);
      const delivery = deliveryOf(h.out[0]);
      assert.deepEqual({ ...delivery, deliveredAt: null }, { status: "delivered", remotePath: "/anh/reports/ANH_REPORT_20261122.json", bytes: Buffer.byteLength(json), attempts: 1, sha256: sha256(json), deliveredAt: null, alreadyPresent: false });
      assert.ok(Date.parse(delivery.deliveredAt as string) >= before - 1000);
      assert.equal(h.out[0].filename, "ANH_REPORT_20261122.json", "the input message passes on");
      assert.equal(fs.readFileSync(path.join(server.root, "anh/reports/ANH_REPORT_20261122.json"), "utf8"), json);
      assert.deepEqual(server.files(), ["anh/reports/ANH_REPORT_20261122.json"]);
      await waitFor(() => h.events.length === 1);
      assert.deepEqual([eventsOf(h)[0].event, eventsOf(h)[0].severity, eventsOf(h)[0].topic], ["delivered", "info", "ANH_REPORT_20261122.json"]);
      assert.deepEqual(fs.readdirSync(path.join(userDir, "ftp-outbox", NODE_ID)), [], "outbox in userDir, emptied");
    });
  }

  it("sends Buffers and strings as they are, and rejects other payloads through Catch", async () => {
    server = await startFtpServer();
    await helper.load(NODES, flow(server.port, {}, { remoteDir: "" }), credentials());
    const h = harness();
    h.input.receive({ filename: "a.bin", payload: Buffer.from([0, 1, 2, 255]) });
    h.input.receive({ filename: "b.txt", payload: "ñandú\n" });
    h.input.receive({ filename: "c.txt", payload: 42 });
    h.input.receive({ filename: "../etc/x", payload: "x" });
    h.input.receive({ payload: "x" });
    h.input.receive({ command: "explode" });
    await waitFor(() => h.out.length === 2 && h.caught.length === 4, 8000);
    assert.ok(fs.readFileSync(path.join(server.root, "a.bin")).equals(Buffer.from([0, 1, 2, 255])));
    assert.equal(fs.readFileSync(path.join(server.root, "b.txt"), "utf8"), "ñandú\n");
    const errors = errorMessages(h);
    assert.match(errors[0], /msg\.payload: expected a Buffer, a string or an object/);
    assert.match(errors[1], /msg\.filename: expected a plain file name/);
    assert.match(errors[2], /msg\.filename: expected a file name/);
    assert.match(errors[3], /msg\.command: expected "retry" or "send"/);
  });

  it("server down at send time, then up: delivered once", async () => {
    const port = await freePort();
    await helper.load(NODES, flow(port), credentials());
    const h = harness();
    h.input.receive({ filename: "R.json", payload: REPORT });
    await waitFor(() => h.events.length === 1, 5000, "retrying event");
    assert.equal(eventsOf(h)[0].event, "retrying");
    assert.equal(eventsOf(h)[0].severity, "warning");
    await sleep(300);
    assert.equal(h.events.length, 1, "one event per round, not one per attempt");
    server = await startFtpServer({ port });
    await waitFor(() => h.out.length === 1, 5000, "delivery");
    assert.equal(deliveryOf(h.out[0]).status, "delivered");
    assert.ok(deliveryOf(h.out[0]).attempts >= 2);
    assert.deepEqual(server.files(), ["anh/reports/R.json"]);
    assert.equal(server.counters.renamed.length, 1);
    assert.equal(server.counters.stored.length, 1);
  });

  it("connection cut mid-upload: no partial final file, delivered once", async () => {
    server = await startFtpServer({ faults: { cutUpload: { upload: 1, afterBytes: 200_000 } } });
    await helper.load(NODES, flow(server.port), credentials());
    const h = harness();
    const data = Buffer.alloc(3_000_000, "x");
    h.input.receive({ filename: "BIG.json", payload: data });
    await waitFor(() => h.events.length >= 1, 5000);
    assert.equal(eventsOf(h)[0].event, "retrying");
    await waitFor(() => h.out.length === 1, 8000, "delivery");
    assert.equal(deliveryOf(h.out[0]).attempts, 2);
    assert.deepEqual(server.files(), ["anh/reports/BIG.json"]);
    assert.ok(fs.readFileSync(path.join(server.root, "anh/reports/BIG.json")).equals(data));
    assert.equal(server.counters.renamed.length, 1);
  });

  it("wrong password: fails fast with a clear error, no retry storm, and the file stays for a retry", async () => {
    server = await startFtpServer();
    await helper.load(NODES, flow(server.port), credentials("Wrong-Pa55word"));
    const h = harness();
    h.input.receive({ filename: "R.json", payload: REPORT });
    await waitFor(() => h.caught.length === 1 && h.out.length === 1, 5000);
    await sleep(500);
    assert.equal(server.counters.logins, 1, "one login, no retries");
    assert.match(errorMessages(h)[0], /R\.json not delivered after 1 attempt\(s\): login refused by ftp:\/\/anh@127\.0\.0\.1:\d+: 530/);
    assert.equal(deliveryOf(h.out[0]).status, "failed");
    assert.deepEqual(eventsOf(h).map((e) => [e.event, e.severity]), [["failed", "critical"]]);
    const outbox = new Outbox(path.join(userDir, "ftp-outbox", NODE_ID));
    assert.deepEqual(outbox.list().map((e) => [e.name, e.status]), [["R.json", "failed"]]);
    assert.deepEqual(server.files(), []);
  });

  it("refuses an untrusted certificate unless the CA is configured", async () => {
    server = await startFtpServer({ secure: "explicit", certificates });
    await helper.load(NODES, flow(server.port, { secure: "explicit" }), credentials());
    let h = harness();
    h.input.receive({ filename: "R.json", payload: REPORT });
    await waitFor(() => h.caught.length === 1, 5000);
    assert.match(errorMessages(h)[0], /TLS certificate of ftps:\/\/anh@127\.0\.0\.1:\d+ \(explicit TLS\) is not trusted/);
    assert.equal(server.counters.logins, 0, "no credentials sent");
    await helper.unload();

    // The CA as a file path on the Node-RED host; the outbox still holds R.json and a retry sends it.
    const caFile = path.join(certificates.dir, "ca.pem");
    await helper.load(NODES, flow(server.port, { secure: "explicit", ca: caFile }), credentials());
    h = harness();
    h.input.receive({ command: "retry" });
    await waitFor(() => h.out.length === 1, 5000);
    assert.equal(deliveryOf(h.out[0]).status, "delivered");
    assert.equal(deliveryOf(h.out[0]).attempts, 2);
    assert.deepEqual(server.files(), ["anh/reports/R.json"]);
  });

  it("delivers the files left in the outbox after a Node-RED restart", async () => {
    const port = await freePort();
    const deliver = { deadlineMinutes: 60, retryInitialSeconds: 30, retryMaxSeconds: 60 };
    await helper.load(NODES, flow(port, {}, deliver), credentials());
    let h = harness();
    h.input.receive({ filename: "A.json", payload: { a: 1 } });
    h.input.receive({ filename: "B.json", payload: { b: 2 } });
    await waitFor(() => h.events.length === 2, 5000, "both waiting for a retry");
    await helper.unload(); // Node-RED stops while both files wait for their next attempt in 15-30 s
    server = await startFtpServer({ port });
    await helper.load(NODES, flow(port, {}, { ...deliver, retryInitialSeconds: 0.05 }), credentials());
    h = harness();
    assert.equal(server.counters.logins, 0);
    h.input.receive({ command: "retry" });
    await waitFor(() => h.out.length === 2, 5000, "delivery after restart");
    assert.deepEqual(h.out.map((m) => [m.filename, deliveryOf(m).status]), [["A.json", "delivered"], ["B.json", "delivered"]]);
    assert.deepEqual(server.files(), ["anh/reports/A.json", "anh/reports/B.json"]);
  });

  it("resumes a delivery interrupted by a crash without any command", async () => {
    server = await startFtpServer();
    // What a crash mid-attempt leaves: a pending record with one attempt counted.
    const outbox = new Outbox(path.join(userDir, "ftp-outbox", NODE_ID));
    const entry = outbox.add({ name: "C.json", remoteDir: "/anh/reports", content: Buffer.from('{"c":3}'), status: "pending" });
    outbox.update(entry.id, { attempts: 1, roundAttempts: 1, roundStartedAt: Date.now() });
    await helper.load(NODES, flow(server.port), credentials());
    const h = harness();
    await waitFor(() => h.out.length === 1, 5000);
    assert.deepEqual(deliveryOf(h.out[0]), { ...deliveryOf(h.out[0]), status: "delivered", attempts: 2, remotePath: "/anh/reports/C.json" });
    assert.equal(h.out[0].filename, "C.json");
  });

  it("in schedule mode keeps files queued until the scheduled time, then delivers them", async () => {
    server = await startFtpServer();
    // Once a minute, 3 s from now: a schedule that fires within the status throttle (250 ms) of the input
    // would turn "queued" into "delivering" before the status shows it.
    const due = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    await helper.load(NODES, flow(server.port, {}, { mode: "schedule", schedule: `${due.getSeconds()} * * * * *` }), credentials());
    const h = harness();
    const statuses = statusesOf(NODE_ID);
    h.input.receive({ filename: "S.json", payload: { s: 1 } });
    await waitFor(() => statuses.some((s) => String(s.text) === `1 queued for ${due.toISOString()}`), 2000, "queued status");
    assert.equal(server.counters.logins, 0);
    await waitFor(() => h.out.length === 1, 8000, "scheduled delivery");
    assert.equal(deliveryOf(h.out[0]).status, "delivered");
    assert.ok(Date.now() >= due.getTime(), "delivered before the scheduled time");
  });

  it("rejects a bad configuration, naming the field", async () => {
    await helper.load(NODES, flow(21, {}, { schedule: "25:00", mode: "schedule" }), credentials());
    const h = harness();
    h.input.receive({ filename: "x", payload: "x" });
    await waitFor(() => h.caught.length === 1);
    assert.match(errorMessages(h)[0], /schedule: expected a time of day HH:MM/);
    await helper.unload();
    await helper.load(NODES, flow(21, { secure: "tls" }), credentials());
    const h2 = harness();
    h2.input.receive({ filename: "x", payload: "x" });
    await waitFor(() => h2.caught.length === 1);
    assert.match(errorMessages(h2)[0], /secure: expected "none", "explicit" or "implicit"/);
  });

  it("keeps the password out of the flow JSON, status, events, outputs and log", async () => {
    server = await startFtpServer();
    const secret = "Top-Secret-Pw-42";
    // Deploy as the editor does: credentials inline in the config node; the runtime moves them out.
    const deployed = flow(server.port).map((n) => (n.id === SERVER_ID ? { ...n, credentials: { user: USER, password: secret } } : n));
    await helper.load(NODES, flow(server.port), credentials(PASSWORD));
    await helper._redNodes.setFlows(deployed, null, "full");
    await waitFor(() => helper.getNode(NODE_ID) !== null);
    const h = harness();
    const statuses = statusesOf(NODE_ID);
    h.input.receive({ filename: "R.json", payload: REPORT });
    await waitFor(() => h.caught.length === 1 && statuses.some((s) => /login refused/.test(String(s.text))), 5000, "login failure");
    const flowJson = JSON.stringify(helper._redNodes.getFlows());
    const everything = JSON.stringify([flowJson, statuses, h.outputs, h.caught, helper.log().args]);
    assert.ok(!everything.includes(secret), "password leaked");
    assert.ok(flowJson.includes(SERVER_ID) && !flowJson.includes('"password"'));
    assert.equal(server.counters.refusedLogins, 1, "the login used the deployed credentials");
    assert.match(errorMessages(h)[0], /login refused by ftp:\/\/anh@127\.0\.0\.1/);
  });
});
