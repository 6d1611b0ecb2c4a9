/**
 * Users and roles as a plant turns them on (SECURITY.md): bcrypt hashes in FR_*_PASSWORD_HASH, a real
 * Node-RED 4.1 child process with the repo's settings.js. The admin API refuses calls without a token, each
 * role logs in and may do exactly what its permissions say, and everything served under httpNodeRoot (both
 * dashboards and the flows' http in endpoints) asks the same users for HTTP Basic credentials.
 */
import assert from "node:assert/strict";
import crypto from "crypto";
import fs from "fs";
import path from "path";
import bcrypt from "bcryptjs";
import WebSocket from "ws";
import { basic, request, startSecured, type SecuredNodeRed } from "./secured-node-red";

const PASSWORDS = { admin: "adm-Kq7!vR2-pass", integrator: "int-Zw4#nP9-pass", operator: "opr-Hy3$mT6-pass" } as const;
type Role = keyof typeof PASSWORDS;
/** The operator's user name is configured; the others keep the role's name (the default). */
const USERNAMES: Record<Role, string> = { admin: "admin", integrator: "integrator", operator: "control-room" };

/** The monitoring system's bearer token; the environment gets its SHA-256 only. */
const MONITOR_TOKEN = "mon-7c1e0b5a-Prometheus-scrape-token-55d2";

/**
 * A stand-in for the package's observability plugin: one admin route behind the same permission
 * (field-reliability.read), answering who was let in.
 */
const MONITOR_ROUTE = "/fr-security-monitor-probe";
function addMonitorStub(userDir: string): void {
  const stub = path.join(userDir, "node_modules", "fr-security-monitor-stub");
  fs.mkdirSync(stub, { recursive: true });
  fs.writeFileSync(path.join(stub, "package.json"), JSON.stringify({ name: "fr-security-monitor-stub", version: "1.0.0", "node-red": { plugins: { "fr-security-monitor-stub": "plugin.js" } } }));
  fs.writeFileSync(
    path.join(stub, "plugin.js"),
    `module.exports = function (RED) {
  RED.plugins.registerPlugin("fr-security-monitor-stub", { type: "fr-security-stub" });
  RED.httpAdmin.get(${JSON.stringify(MONITOR_ROUTE)}, RED.auth.needsPermission("field-reliability.read"), function (req, res) {
    res.json({ user: req.user && req.user.username });
  });
};
`,
  );
}

const HTTP_IN_PATH = "/fr-security-probe";
/** A flow with an http in endpoint, Dashboard 2 (ui-base at /dashboard with one page) and a Dashboard 1 tab. */
function probeFlows(label: string): Array<Record<string, unknown>> {
  return [
    { id: "sec-tab", type: "tab", label },
    { id: "sec-in", type: "http in", z: "sec-tab", url: HTTP_IN_PATH, method: "get", upload: false, wires: [["sec-fn"]] },
    { id: "sec-fn", type: "function", z: "sec-tab", func: 'msg.payload = { ok: true };\nreturn msg;', outputs: 1, wires: [["sec-out"]] },
    { id: "sec-out", type: "http response", z: "sec-tab", statusCode: "", headers: {}, wires: [] },
    { id: "sec-d2-base", type: "ui-base", name: "sec", path: "/dashboard", includeClientData: true, acceptsClientConfig: ["ui-notification", "ui-control"], showPathInSidebar: false, navigationStyle: "default" },
    { id: "sec-d2-theme", type: "ui-theme", name: "sec", colors: { surface: "#ffffff", primary: "#0094CE", bgPage: "#eeeeee", groupBg: "#ffffff", groupOutline: "#cccccc" }, sizes: { pagePadding: "12px", groupGap: "12px", groupBorderRadius: "4px", widgetGap: "12px" } },
    { id: "sec-d2-page", type: "ui-page", name: "sec", ui: "sec-d2-base", path: "/sec", layout: "grid", theme: "sec-d2-theme", order: 1, className: "", visible: "true", disabled: "false" },
  ];
}

async function token(red: SecuredNodeRed, username: string, password: string): Promise<{ status: number; token?: string }> {
  const body = new URLSearchParams({ client_id: "node-red-editor", grant_type: "password", scope: "", username, password }).toString();
  const answer = await request(`${red.url}/auth/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  return { status: answer.status, token: answer.status === 200 ? (JSON.parse(answer.body) as { access_token: string }).access_token : undefined };
}

async function deployAs(red: SecuredNodeRed, bearer: string | null, label: string): Promise<number> {
  const headers: Record<string, string> = { "content-type": "application/json", "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "full" };
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  return (await request(`${red.url}/flows`, { method: "POST", headers, body: JSON.stringify({ flows: probeFlows(label) }) })).status;
}

describe("security: users and roles from the environment (settings.js adminAuth)", function () {
  this.timeout(120_000);
  let red: SecuredNodeRed;
  const tokens: Partial<Record<Role, string>> = {};

  before(async () => {
    // Cost 4: the lowest bcrypt allows, to keep the test quick; plants use the default of hash-pw.
    const hash = (password: string) => bcrypt.hashSync(password, 4);
    red = await startSecured({
      env: {
        FR_ADMIN_PASSWORD_HASH: hash(PASSWORDS.admin),
        FR_INTEGRATOR_PASSWORD_HASH: hash(PASSWORDS.integrator),
        FR_OPERATOR_USER: USERNAMES.operator,
        FR_OPERATOR_PASSWORD_HASH: hash(PASSWORDS.operator),
        FR_MONITOR_TOKEN_SHA256: crypto.createHash("sha256").update(MONITOR_TOKEN).digest("hex"),
        // The container's case: all interfaces, allowed because users are configured.
        NODE_RED_HOST: "0.0.0.0",
      },
      prepareUserDir: addMonitorStub,
    });
  });

  after(async () => {
    await red?.stop();
  });

  it("refuses the admin API without a token: GET/POST /flows, GET /settings, GET /nodes", async () => {
    for (const path of ["/flows", "/settings", "/nodes", "/credentials/influx-server/x"]) {
      const answer = await request(`${red.url}${path}`, { headers: { accept: "application/json" } });
      assert.equal(answer.status, 401, `GET ${path}`);
    }
    assert.equal(await deployAs(red, null, "anonymous"), 401);
    assert.equal((await request(`${red.url}/flows`, { headers: { authorization: "Bearer not-a-token" } })).status, 401, "a made-up token");
  });

  it("tells the editor to show the login form, and logs each role in with its password only", async () => {
    const login = JSON.parse((await request(`${red.url}/auth/login`)).body) as { type?: string };
    assert.equal(login.type, "credentials");
    for (const role of Object.keys(PASSWORDS) as Role[]) {
      const wrong = await token(red, USERNAMES[role], `${PASSWORDS[role]}x`);
      assert.notEqual(wrong.status, 200, `${role} with a wrong password`);
      const right = await token(red, USERNAMES[role], PASSWORDS[role]);
      assert.equal(right.status, 200, `${role} logs in`);
      tokens[role] = right.token;
    }
    assert.notEqual((await token(red, "operator", PASSWORDS.operator)).status, 200, "the default operator name is not a user once FR_OPERATOR_USER renames it");
  });

  it("gives each role its permissions: everyone reads, the operator cannot deploy, the integrator and the admin can", async () => {
    for (const role of Object.keys(PASSWORDS) as Role[]) {
      const answer = await request(`${red.url}/flows`, { headers: { authorization: `Bearer ${tokens[role]}`, "Node-RED-API-Version": "v2" } });
      assert.equal(answer.status, 200, `${role} reads the flows`);
    }
    const operatorDeploy = await deployAs(red, tokens.operator ?? "", "by operator");
    assert.ok(operatorDeploy === 401 || operatorDeploy === 403, `the operator's deploy is refused (HTTP ${operatorDeploy})`);
    assert.equal(await deployAs(red, tokens.integrator ?? "", "by integrator"), 200, "the integrator deploys");
    assert.equal(await deployAs(red, tokens.admin ?? "", "by admin"), 200, "the admin deploys");
    const flows = JSON.parse((await request(`${red.url}/flows`, { headers: { authorization: `Bearer ${tokens.operator}`, "Node-RED-API-Version": "v2" } })).body) as { flows: Array<{ id: string; label?: string }> };
    assert.equal(flows.flows.find((n) => n.id === "sec-tab")?.label, "by admin", "the deployed flows are the admin's, not the operator's");
  });

  it("keeps palette changes (nodes.write) to the admin: the integrator may not switch a module off or on", async () => {
    // PUT /nodes/<module> enables or disables a module: nodes.write, like installing one, without the network.
    const enable = (bearer: string | undefined) =>
      request(`${red.url}/nodes/node-red-contrib-field-reliability`, { method: "PUT", headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" }, body: JSON.stringify({ enabled: true }) });
    const byIntegrator = await enable(tokens.integrator);
    assert.ok(byIntegrator.status === 401 || byIntegrator.status === 403, `integrator: HTTP ${byIntegrator.status}`);
    const byOperator = await enable(tokens.operator);
    assert.ok(byOperator.status === 401 || byOperator.status === 403, `operator: HTTP ${byOperator.status}`);
    assert.equal((await enable(tokens.admin)).status, 200, "the admin may");
  });

  it("asks for the same users on the dashboards and the flows' http endpoints (HTTP Basic)", async () => {
    const d2 = async (headers: Record<string, string>) => request(`${red.url}/dashboard/sec`, { headers });
    const d1 = async (headers: Record<string, string>) => request(`${red.url}/ui/`, { headers });
    const endpoint = async (headers: Record<string, string>) => request(`${red.url}${HTTP_IN_PATH}`, { headers });
    for (const [what, get] of [["Dashboard 2", d2], ["Dashboard 1", d1], ["http in", endpoint]] as const) {
      const anonymous = await get({});
      assert.equal(anonymous.status, 401, `${what} without credentials`);
      assert.match(String(anonymous.headers["www-authenticate"]), /^Basic /, `${what} asks for Basic credentials`);
      assert.equal((await get({ authorization: basic(USERNAMES.operator, `${PASSWORDS.operator}!`) })).status, 401, `${what} with a wrong password`);
      assert.equal((await get({ authorization: basic("nobody", PASSWORDS.admin) })).status, 401, `${what} with an unknown user`);
      for (const role of Object.keys(PASSWORDS) as Role[]) {
        const answer = await get({ authorization: basic(USERNAMES[role], PASSWORDS[role]) });
        assert.equal(answer.status, 200, `${what} for ${role}`);
      }
    }
    assert.deepEqual(JSON.parse((await endpoint({ authorization: basic(USERNAMES.operator, PASSWORDS.operator) })).body), { ok: true });
    assert.match((await d2({ authorization: basic(USERNAMES.admin, PASSWORDS.admin) })).body, /<html/i);
  });

  it("closes the editor's /comms socket (statuses, debug messages) to a client without a valid token", async () => {
    const first = (auth: string | null) =>
      new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(`${red.url.replace(/^http/, "ws")}/comms`);
        socket.once("error", reject);
        socket.once("open", () => socket.send(JSON.stringify(auth === null ? { subscribe: "status/#" } : { auth })));
        socket.once("message", (data: WebSocket.RawData) => {
          resolve(data.toString());
          socket.close();
        });
      });
    assert.deepEqual(JSON.parse(await first(null)), { auth: "fail" }, "a subscription without a token");
    assert.deepEqual(JSON.parse(await first("made-up-token")), { auth: "fail" }, "a made-up token");
    assert.deepEqual(JSON.parse(await first(tokens.operator ?? "")), { auth: "ok" }, "the operator's token");
  });

  it("gives the monitoring token nothing of the editor or the admin API", async () => {
    const bearer = { authorization: `Bearer ${MONITOR_TOKEN}` };
    for (const route of ["/flows", "/settings", "/nodes"]) assert.equal((await request(`${red.url}${route}`, { headers: bearer })).status, 401, `GET ${route}`);
    assert.equal(await deployAs(red, MONITOR_TOKEN, "by monitor"), 401);
    assert.equal((await request(`${red.url}/ui/`, { headers: bearer })).status, 401, "nor the dashboards");
  });

  it("opens an admin route that needs field-reliability.read (as the health and metrics endpoints do) to the monitoring token", async () => {
    for (const [who, headers] of [
      ["anonymous", {}],
      ["a wrong token", { authorization: "Bearer wrong-token" }],
      ["HTTP Basic of the admin", { authorization: basic(USERNAMES.admin, PASSWORDS.admin) }],
    ] as const) {
      assert.equal((await request(`${red.url}${MONITOR_ROUTE}`, { headers })).status, 401, who);
    }
    const answer = await request(`${red.url}${MONITOR_ROUTE}`, { headers: { authorization: `Bearer ${MONITOR_TOKEN}` } });
    assert.equal(answer.status, 200, "the monitoring token");
    assert.deepEqual(JSON.parse(answer.body), { user: "monitor" });
    assert.equal((await request(`${red.url}${MONITOR_ROUTE}`, { headers: { authorization: `Bearer ${tokens.operator}` } })).status, 200, "an operator's login (read) too");
  });

  it("logs the user names and roles at start, never a password or a hash", () => {
    const logs = red.logs();
    assert.match(logs, /login required: admin \(admin\), integrator \(integrator\), control-room \(operator\)/);
    for (const password of [...Object.values(PASSWORDS), MONITOR_TOKEN]) assert.ok(!logs.includes(password), "a password or token in the log");
    assert.ok(!/\$2[aby]\$04\$/.test(logs), "a bcrypt hash in the log");
  });
});
