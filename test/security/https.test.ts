/**
 * HTTPS and the listening address, on a real Node-RED 4.1 with the repo's settings.js:
 * - NODE_RED_TLS_CERT/KEY given: editor, admin API and dashboards answer over TLS with that certificate,
 *   a client that does not trust the CA is refused, and plain HTTP gets no page on that port;
 * - no users: Node-RED listens on 127.0.0.1 only (another loopback address, which a 0.0.0.0 socket would
 *   accept, is refused).
 */
import assert from "node:assert/strict";
import { spawn } from "child_process";
import fs from "fs";
import path from "path";
import bcrypt from "bcryptjs";
import { makeCertificates, type TestCertificates } from "../support/ftp-server";
import { repoRoot } from "../support/repo";
import { basic, request, startSecured, type SecuredNodeRed } from "./secured-node-red";
import { eventually } from "../support/wait";

const ADMIN_PASSWORD = "tls-Adm1n-Fz8@pass";

describe("security: HTTPS from NODE_RED_TLS_CERT / NODE_RED_TLS_KEY", function () {
  this.timeout(120_000);
  let certs: TestCertificates;
  let red: SecuredNodeRed;
  let ca: Buffer;

  before(async () => {
    certs = makeCertificates();
    ca = Buffer.from(certs.caPem);
    red = await startSecured({
      scheme: "https",
      ca,
      env: {
        NODE_RED_TLS_CERT: path.join(certs.dir, "server.pem"),
        NODE_RED_TLS_KEY: path.join(certs.dir, "server.key"),
        FR_ADMIN_PASSWORD_HASH: bcrypt.hashSync(ADMIN_PASSWORD, 4),
      },
    });
  });

  after(async () => {
    await red?.stop();
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  it("serves the editor over TLS with the configured certificate", async () => {
    assert.match(red.url, /^https:/);
    const editor = await request(`${red.url}/`, { ca });
    assert.equal(editor.status, 200);
    assert.match(editor.body, /Node-RED/);
    assert.match(red.logs(), new RegExp(`Server now running at https://127\\.0\\.0\\.1:${red.port}/`));
  });

  it("is refused by a client that does not trust the certificate's CA (verification stays on)", async () => {
    await assert.rejects(request(`${red.url}/`), /self[- ]signed|unable to verify|certificate/i);
  });

  it("answers no page to plain HTTP on its port", async () => {
    const plain = await request(`http://127.0.0.1:${red.port}/`).then(
      (answer) => answer,
      () => null,
    );
    assert.ok(plain === null || plain.status === 400, `plain HTTP got ${plain?.status}: ${plain?.body.slice(0, 80)}`);
    assert.ok(plain === null || !/Node-RED/.test(plain.body), "no editor page over plain HTTP");
  });

  it("keeps the admin API behind its login over TLS, and the dashboards behind theirs", async () => {
    assert.equal((await request(`${red.url}/flows`, { ca })).status, 401);
    const body = new URLSearchParams({ client_id: "node-red-editor", grant_type: "password", scope: "", username: "admin", password: ADMIN_PASSWORD }).toString();
    const login = await request(`${red.url}/auth/token`, { ca, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    assert.equal(login.status, 200);
    const bearer = (JSON.parse(login.body) as { access_token: string }).access_token;
    assert.equal((await request(`${red.url}/flows`, { ca, headers: { authorization: `Bearer ${bearer}` } })).status, 200);
    assert.equal((await request(`${red.url}/ui/`, { ca })).status, 401);
    assert.equal((await request(`${red.url}/ui/`, { ca, headers: { authorization: basic("admin", ADMIN_PASSWORD) } })).status, 200);
  });
});

/** Exit code of the container's health check (docker/healthcheck.js) with `env`. */
function healthcheck(env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, [path.join(repoRoot(), "docker", "healthcheck.js")], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: "ignore" });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("security: the container health check under HTTPS", function () {
  this.timeout(120_000);
  let certs: TestCertificates;
  let red: SecuredNodeRed;

  before(async () => {
    certs = makeCertificates();
    red = await startSecured({ scheme: "https", ca: Buffer.from(certs.caPem), env: { NODE_RED_TLS_CERT: path.join(certs.dir, "server.pem"), NODE_RED_TLS_KEY: path.join(certs.dir, "server.key") } });
  });

  after(async () => {
    await red?.stop();
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  it("probes over TLS when NODE_RED_TLS_CERT is set, and finds nothing healthy over plain HTTP", async () => {
    assert.equal(await healthcheck({ PORT: String(red.port), NODE_RED_TLS_CERT: path.join(certs.dir, "server.pem") }), 0);
    assert.equal(await healthcheck({ PORT: String(red.port) }), 1);
  });
});

describe("security: without users Node-RED listens on 127.0.0.1 only", function () {
  this.timeout(120_000);
  let red: SecuredNodeRed;

  before(async () => {
    red = await startSecured();
  });

  after(async () => {
    await red?.stop();
  });

  it("answers on 127.0.0.1 without a login, and refuses a connection to another address of this machine", async () => {
    // The editor page answers before the runtime has loaded its flows (GET /flows is 400 until then).
    const flows = await eventually(async () => {
      const answer = await request(`${red.url}/flows`);
      return answer.status === 400 ? undefined : answer;
    }, 30_000, "the runtime's flows loaded");
    assert.equal(flows.status, 200, "no users: the admin API is open on loopback");
    // A socket bound to 0.0.0.0 would accept 127.0.0.2 as well; one bound to 127.0.0.1 refuses it.
    await assert.rejects(request(`${red.url}/`, { connectTo: "127.0.0.2" }), /ECONNREFUSED/);
    assert.match(red.logs(), new RegExp(`Server now running at http://127\\.0\\.0\\.1:${red.port}/`));
  });
});
