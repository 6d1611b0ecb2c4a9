/**
 * flows/alert-subflow.json in Node-RED 4.1 run as a child process (the repo's settings.js), deployed
 * through the admin API, with node-red-node-email sending to a real SMTP server (smtp-server, with
 * authentication) and the webhook going to a local HTTP server. Events go in as the nodes send them;
 * the mails that arrive are the assertion: one per raise and one per clear, readable, rate-limited,
 * critical also to the webhook, nothing below the minimum severity, and the SMTP password nowhere.
 */
import assert from "node:assert/strict";
import fs from "fs";
import http from "http";
import path from "path";
import { SMTPServer } from "smtp-server";
import { seededRandom } from "../../lib/common/random";
import { deploy, getFlows, start, watchStatuses, type FlowNode, type NodeRedProcess, type StatusWatcher } from "../support/node-red-process";
import { freePort } from "../support/ports";
import { repoRoot } from "../support/repo";
import { waitFor } from "../support/runtime";

interface ParsedMail {
  subject?: string;
  text?: string;
  from?: { text: string };
  to?: { text: string } | Array<{ text: string }>;
}
type SimpleParser = (source: Buffer) => Promise<ParsedMail>;
// mailparser comes with node-red-node-email (its IMAP/POP3 side); resolve it from there rather than
// hand-writing a MIME decoder for quoted-printable bodies and RFC 2047 subjects.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { simpleParser } = require(require.resolve("mailparser", { paths: [path.dirname(require.resolve("node-red-node-email/package.json"))] })) as { simpleParser: SimpleParser };

const SMTP_USER = "fr-alerts";
// The password is made here, handed to Node-RED only through the environment, and must never come back out.
const random = seededRandom(0x5eed);
const SMTP_PASSWORD = `pw-${Array.from({ length: 16 }, () => Math.floor(random() * 36).toString(36)).join("")}`;
const T0 = Date.UTC(2026, 10, 23, 19, 50, 7);

interface Mail {
  subject: string;
  text: string;
  from: string;
  to: string;
  user: string;
}

/** A real SMTP server on a free port: AUTH PLAIN/LOGIN with one user, no TLS (a local test server). */
async function startSmtp(): Promise<{ port: number; mails: Mail[]; rejectedLogins: () => number; close(): Promise<void> }> {
  const mails: Mail[] = [];
  let rejected = 0;
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return callback(null, { user: SMTP_USER });
      rejected++;
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        simpleParser(Buffer.concat(chunks))
          .then((mail) => {
            const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(", ") : (mail.to?.text ?? "");
            mails.push({ subject: mail.subject ?? "", text: mail.text ?? "", from: mail.from?.text ?? "", to, user: String(session.user) });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, mails, rejectedLogins: () => rejected, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The webhook receiver: records each POST's path and JSON body. */
async function startWebhook(): Promise<{ port: number; calls: Array<{ path: string; body: Record<string, unknown> }>; close(): Promise<void> }> {
  const calls: Array<{ path: string; body: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      calls.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> });
      // /broken/* stands for an on-call service that is failing
      res.writeHead(req.url?.startsWith("/broken/") ? 503 : 204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, calls, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const SUBFLOW_FILE = path.join(repoRoot(), "flows", "alert-subflow.json");
const subflow = (): FlowNode[] => JSON.parse(fs.readFileSync(SUBFLOW_FILE, "utf8")) as FlowNode[];

/** Instances of the subflow with their properties, fed by POST /alert-test/<name>, recorded for GET /alert-test. */
const INSTANCES: Record<string, Record<string, string>> = {
  main: { RATE_LIMIT_PER_MIN: "30", ESCALATE_AFTER_MIN: "0" },
  limited: { RATE_LIMIT_PER_MIN: "2", ESCALATE_AFTER_MIN: "0" },
  escalating: { RATE_LIMIT_PER_MIN: "30", ESCALATE_AFTER_MIN: "0.02" },
  /** WEBHOOK_URL set by the test once the webhook server has its port */
  brokenHook: { RATE_LIMIT_PER_MIN: "30", ESCALATE_AFTER_MIN: "0" },
};

function testTab(): FlowNode[] {
  const z = "alert-test-tab";
  const nodes: FlowNode[] = [{ id: z, type: "tab", label: "alert test", disabled: false, info: "" }];
  nodes.push({
    id: "record",
    type: "function",
    z,
    name: "record",
    func: 'const all = global.get("alertTest") || {};\nconst list = all[msg._instance + ":" + msg._output] || (all[msg._instance + ":" + msg._output] = []);\nconst copy = RED.util.cloneMessage(msg);\ndelete copy._msgid;\nlist.push(copy);\nglobal.set("alertTest", all);\nreturn null;',
    outputs: 0,
    wires: [],
  });
  Object.entries(INSTANCES).forEach(([name, env], i) => {
    nodes.push({ id: `in-${name}`, type: "http in", z, name: "", url: `/alert-test/${name}`, method: "post", upload: false, swaggerDoc: "", wires: [[`split-${name}`]] });
    nodes.push({
      id: `split-${name}`,
      type: "function",
      z,
      name: "one message per event",
      func: "for (const payload of msg.payload) node.send([{ topic: payload.topic, payload }, null]);\nreturn [null, { req: msg.req, res: msg.res, payload: { ok: true } }];",
      outputs: 2,
      wires: [[`alert-${name}`], [`answer-${name}`]],
    });
    nodes.push({ id: `answer-${name}`, type: "http response", z, name: "", statusCode: "", headers: {}, wires: [] });
    nodes.push({
      id: `alert-${name}`,
      type: "subflow:fr-alert-subflow",
      z,
      name: `alert ${name}`,
      env: Object.entries(env).map(([key, value]) => ({ name: key, type: /_MIN$/.test(key) ? "num" : "str", value })),
      x: 300,
      y: 80 + 80 * i,
      wires: [[`mark-${name}-1`], [`mark-${name}-2`]],
    });
    for (const output of [1, 2]) {
      nodes.push({
        id: `mark-${name}-${output}`,
        type: "change",
        z,
        name: "",
        rules: [
          { t: "set", p: "_instance", pt: "msg", to: name, tot: "str" },
          { t: "set", p: "_output", pt: "msg", to: String(output), tot: "str" },
        ],
        wires: [["record"]],
      });
    }
  });
  nodes.push({ id: "get-record", type: "http in", z, name: "", url: "/alert-test", method: "get", upload: false, swaggerDoc: "", wires: [["read-record"]] });
  nodes.push({ id: "read-record", type: "function", z, name: "", func: 'msg.payload = global.get("alertTest") || {};\nreturn msg;', outputs: 1, wires: [["answer-record"]] });
  nodes.push({ id: "answer-record", type: "http response", z, name: "", statusCode: "", headers: {}, wires: [] });
  // A node without a position is taken for a config node (and a subflow instance is then never started).
  return nodes.map((node, i) => (node.type === "tab" || "x" in node ? node : { ...node, x: 100 + 200 * (i % 4), y: 60 + 40 * Math.floor(i / 4) }));
}

/** The user dir's own files (not the package linked into its node_modules). */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== "node_modules") return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

function event(event: string, severity: string, topic: string, offsetS = 0, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { event, severity, topic, timestamp: T0 + offsetS * 1000, message: `${topic}: ${event}`, details: {}, ...extra };
}

describe("flows/alert-subflow.json in Node-RED with a real SMTP server", function () {
  this.timeout(120_000);
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let red: NodeRedProcess;
  let statuses: StatusWatcher;
  let logOffset = 0;

  before(async () => {
    smtp = await startSmtp();
    hook = await startWebhook();
    INSTANCES.brokenHook.WEBHOOK_URL = `http://127.0.0.1:${hook.port}/broken/token-123`;
    red = await start({
      env: {
        NODE_RED_LOG_LEVEL: "debug",
        SMTP_HOST: "127.0.0.1",
        SMTP_PORT: String(smtp.port),
        SMTP_USER,
        SMTP_PASSWORD,
        ALERT_EMAIL_TO: "ops@plant.test",
        ALERT_EMAIL_FROM: "alerts@plant.test",
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${hook.port}/hooks/on-call`,
        SITE: "TEST-PAD",
      },
    });
    statuses = await watchStatuses(red.url);
    logOffset = red.logs().length;
    await deploy(red.url, [...subflow(), ...testTab()]);
  });

  after(async () => {
    statuses?.close();
    await red?.stop();
    await smtp?.close();
    await hook?.close();
  });

  const send = async (instance: string, events: Record<string, unknown>[]): Promise<void> => {
    const response = await fetch(`${red.url}/alert-test/${instance}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
    assert.equal(response.status, 200);
    await response.arrayBuffer();
  };
  const recorded = async (): Promise<Record<string, Array<Record<string, unknown>>>> => {
    const response = await fetch(`${red.url}/alert-test`);
    return (await response.json()) as Record<string, Array<Record<string, unknown>>>;
  };
  const mailsAbout = (tag: string) => smtp.mails.filter((m) => m.subject.includes(` ${tag}:`));
  /** waits for `count` mails about `tag`, then a little longer to see that no more come */
  const expectMails = async (tag: string, count: number): Promise<Mail[]> => {
    await waitFor(() => mailsAbout(tag).length >= count, 15_000, `${count} mail(s) about ${tag}`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return mailsAbout(tag);
  };

  it("deploys without an error", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(red.errors(logOffset), []);
    assert.match(red.logs(), /Started flows/);
  });

  it("sends one mail per raise and one per clear, whatever repeats in between, readable, over authenticated SMTP", async () => {
    await send("main", [
      event("violation", "warning", "W01.OilRate", 0, { message: "W01.OilRate: rule1 at 912.4 (centre 800, UCL 900, LCL 700)", details: { rule: "rule1", value: 912.4 } }),
      event("violation", "warning", "W01.OilRate", 1, { details: { rule: "rule1" } }),
      event("violation", "warning", "W01.OilRate", 2, { details: { rule: "rule5" } }),
    ]);
    await send("main", [event("violation", "warning", "W01.OilRate", 3)]);
    const raised = await expectMails("W01.OilRate", 1);
    assert.equal(raised.length, 1, "one mail for the raise and its repeats");
    const [mail] = raised;
    assert.equal(mail.subject, "[WARNING] TEST-PAD W01.OilRate: violation raised");
    assert.equal(mail.to, "ops@plant.test");
    assert.equal(mail.from, "alerts@plant.test");
    assert.equal(mail.user, SMTP_USER, "the e-mail node logged in with the user from the environment");
    const lines = mail.text.split("\n");
    assert.equal(lines[0], "W01.OilRate: rule1 at 912.4 (centre 800, UCL 900, LCL 700)");
    assert.ok(lines.includes("Severity: warning"), mail.text);
    assert.ok(lines.includes("Tag:      W01.OilRate"), mail.text);
    assert.ok(lines.includes("Time:     2026-11-23 19:50:07 UTC"), mail.text);
    assert.ok(lines.includes("  value: 912.4"), mail.text);

    await send("main", [event("in-control", "info", "W01.OilRate", 10, { message: "W01.OilRate is back in control" }), event("in-control", "info", "W01.OilRate", 11)]);
    const all = await expectMails("W01.OilRate", 2);
    assert.equal(all.length, 2, "one mail for the clear");
    assert.equal(all[1].subject, "[CLEARED] TEST-PAD W01.OilRate: violation cleared");
    assert.match(all[1].text, /^W01\.OilRate is back in control\n/);
    assert.match(all[1].text, /Event: {4}violation, cleared by in-control/);
    assert.equal(smtp.rejectedLogins(), 0);
  });

  it("sends nothing below the minimum severity (warning), not even the clear", async () => {
    const before = smtp.mails.length;
    await send("main", [event("anomaly", "info", "W02.GasRate"), event("anomaly-cleared", "info", "W02.GasRate", 5), event("gap", "info", "W02.GasRate", 6)]);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(smtp.mails.length, before);
    const rec = await recorded();
    assert.equal((rec["main:2"] ?? []).filter((m) => (m.payload as { topic: string }).topic === "W02.GasRate").length, 3, "the events still go on to output 2");
  });

  it("sends a critical at once to e-mail and the webhook, and its clear to both", async () => {
    await send("main", [event("anomaly", "warning", "W03.Choke"), event("anomaly", "critical", "W03.Choke", 5, { message: "W03.Choke: critical anomaly, score 9.1" })]);
    const mails = await expectMails("W03.Choke", 2);
    // Each mail goes over its own SMTP connection, so two sent in the same instant may arrive in either order.
    assert.deepEqual(mails.map((m) => m.subject).sort(), ["[CRITICAL] TEST-PAD W03.Choke: anomaly escalated from warning", "[WARNING] TEST-PAD W03.Choke: anomaly raised"]);
    await waitFor(() => hook.calls.some((c) => c.body.topic === "W03.Choke"), 5000, "the webhook call");
    const calls = hook.calls.filter((c) => c.body.topic === "W03.Choke");
    assert.equal(calls.length, 1, "the warning did not go to the webhook, the critical did");
    assert.equal(calls[0].path, "/hooks/on-call");
    assert.equal(calls[0].body.severity, "critical");
    assert.equal(calls[0].body.kind, "escalated");
    assert.equal(calls[0].body.message, "W03.Choke: critical anomaly, score 9.1");
    assert.equal(calls[0].body.site, "TEST-PAD");
    await send("main", [event("anomaly-cleared", "info", "W03.Choke", 30)]);
    await expectMails("W03.Choke", 3);
    await waitFor(() => hook.calls.filter((c) => c.body.topic === "W03.Choke").length === 2, 5000, "the clear on the webhook");
    assert.equal(hook.calls.filter((c) => c.body.topic === "W03.Choke")[1].body.kind, "cleared");
  });

  it("holds to the rate limit (2 per minute) and says what it held", async () => {
    await send("limited", ["T1.Level", "T1.Inflow", "T1.Outflow", "T1.TempTop"].map((tag, i) => event("stale", "warning", tag, i)));
    await waitFor(() => smtp.mails.filter((m) => m.subject.includes(" T1.")).length >= 2, 15_000, "two mails");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const limited = smtp.mails.filter((m) => m.subject.includes(" T1."));
    assert.deepEqual(limited.map((m) => m.subject).sort(), ["[WARNING] TEST-PAD T1.Inflow: stale raised", "[WARNING] TEST-PAD T1.Level: stale raised"]);
    await waitFor(() => /2 held/.test(statusText("alert-limited")), 12_000, "the status shows the held notifications");
  });

  it("escalates a warning left open past ESCALATE_AFTER_MIN once, to e-mail and the webhook", async () => {
    await send("escalating", [event("turbulent", "warning", "T1.Outflow", 0, { message: "T1.Outflow is turbulent (σ 4.2, limit 3)" })]);
    const mails = await expectMails("T1.Outflow", 2);
    const escalating = mails.filter((m) => !m.subject.includes("stale")).sort((a, b) => Number(a.subject.includes("unresolved")) - Number(b.subject.includes("unresolved")));
    assert.equal(escalating[0].subject, "[WARNING] TEST-PAD T1.Outflow: turbulent raised");
    assert.match(escalating[1].subject, /^\[WARNING\] TEST-PAD T1\.Outflow: turbulent unresolved for \d+\.\d s$/);
    assert.match(escalating[1].text, /^T1\.Outflow is turbulent \(σ 4\.2, limit 3\)\n/, "UTF-8 survives the mail");
    await waitFor(() => hook.calls.some((c) => c.body.topic === "T1.Outflow" && c.body.kind === "unresolved"), 5000, "the escalation on the webhook");
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    assert.equal(mailsAbout("T1.Outflow").filter((m) => m.subject.includes("turbulent")).length, 2, "escalated once, not on every check");
  });

  it("reports a webhook that answers with an error to the log (without its URL) and still sends the mail", async () => {
    const from = red.logs().length;
    await send("brokenHook", [event("queue-full", "critical", "", 0, { message: "disk queue full (1048576 bytes): 120 points dropped" })]);
    await waitFor(() => red.errors(from).some((line) => line.includes("alert webhook answered HTTP 503")), 10_000, "the webhook error in the log");
    assert.ok(!red.logs().slice(from).includes("token-123"), "the webhook URL (it may hold a token) is not logged");
    await waitFor(() => smtp.mails.some((m) => m.subject === "[CRITICAL] TEST-PAD (no tag): queue-full raised"), 10_000, "the mail");
  });

  it("passes every event on (output 2) and reports each notification (output 1)", async () => {
    const rec = await recorded();
    const notes = (rec["main:1"] ?? []).map((m) => m.payload as { kind: string; topic: string; subject: string });
    assert.deepEqual(
      notes.filter((n) => n.topic === "W01.OilRate").map((n) => n.kind),
      ["raised", "cleared"],
    );
    assert.deepEqual((rec["main:1"] ?? []).find((m) => (m.payload as { topic: string }).topic === "W03.Choke" && (m.payload as { kind: string }).kind === "escalated")?.channels, { email: true, webhook: true });
    assert.equal((rec["main:2"] ?? []).filter((m) => (m.payload as { topic: string }).topic === "W01.OilRate").length, 6);
  });

  it("never shows the SMTP password: not in the flow file, the deployed flows, the user dir or the runtime's log", async () => {
    assert.ok(!fs.readFileSync(SUBFLOW_FILE, "utf8").includes(SMTP_PASSWORD));
    const email = subflow().find((n) => n.type === "e-mail") as FlowNode & { credentials: Record<string, string> };
    assert.deepEqual(email.credentials, { userid: "${SMTP_USER}", password: "${SMTP_PASSWORD}" }, "only the variable names are in the file");
    assert.ok(!JSON.stringify(await getFlows(red.url)).includes(SMTP_PASSWORD));
    const files = filesUnder(red.userDir);
    assert.ok(files.some((file) => file.endsWith("flows.json")), "the runtime saved the flows");
    for (const file of files) assert.ok(!fs.readFileSync(file).includes(SMTP_PASSWORD), `${file} holds the password`);
    assert.ok(red.logs().includes("Started flows"), "the log was captured");
    assert.ok(!red.logs().includes(SMTP_PASSWORD), "the runtime's log holds the password");
    assert.ok(!JSON.stringify(await recorded()).includes(SMTP_PASSWORD));
    const unexpected = red.errors(logOffset).filter((line) => !line.includes("alert webhook answered HTTP 503"));
    assert.deepEqual(unexpected, [], "and nothing else went wrong on the way");
  });

  function statusText(instanceId: string): string {
    return statuses.latest.get(instanceId)?.text ?? "";
  }
});
