/**
 * settings.js decides from the environment alone: who may log in, on which address Node-RED may listen,
 * and whether it speaks HTTPS. Each case loads settings.js in a child process (it reads process.env once)
 * or, where it must refuse, runs Node-RED itself and checks that it stops with a message naming the cause.
 */
import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import bcrypt from "bcryptjs";
import { loadSettings, runRefused } from "./secured-node-red";

interface Loaded {
  uiHost: string;
  adminAuth: { type: string; users: Array<{ username: string; permissions: string | string[] }>; hasDefault: boolean } | null;
  adminAuthTokens: string;
  httpNodeAuth: string;
  dashboard: string[] | null;
  ui: string[] | null;
  https: string[] | null;
  requireHttps: boolean;
}

async function settingsUnder(env: Record<string, string | undefined>): Promise<{ loaded: Loaded; output: string }> {
  const { code, output } = await loadSettings(env);
  assert.equal(code, 0, output);
  const line = output.split("\n").find((l) => l.startsWith("SETTINGS "));
  assert.ok(line, output);
  return { loaded: JSON.parse(line.slice("SETTINGS ".length)) as Loaded, output };
}

async function refusal(env: Record<string, string | undefined>): Promise<string> {
  const { code, output } = await loadSettings(env);
  assert.notEqual(code, 0, `settings.js loaded although it should refuse:\n${output}`);
  return output;
}

describe("security: settings.js from the environment", function () {
  this.timeout(60_000);
  const hash = bcrypt.hashSync("not-used-here", 4);
  let certDir = "";

  before(() => {
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-settings-tls-"));
    const env = { ...process.env };
    // A developer's OPENSSL_CONF may point at a config this openssl cannot read: use the system one.
    delete env.OPENSSL_CONF;
    execFileSync("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1"], { cwd: certDir, stdio: "pipe", env });
  });

  after(() => {
    if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
  });

  it("without users: no login, 127.0.0.1 only, nothing in front of the dashboards", async () => {
    const { loaded } = await settingsUnder({});
    assert.equal(loaded.uiHost, "127.0.0.1");
    assert.equal(loaded.adminAuth, null);
    assert.equal(loaded.httpNodeAuth, "undefined");
    assert.equal(loaded.dashboard, null);
    assert.equal(loaded.https, null);
    assert.equal(loaded.requireHttps, false);
  });

  it("without users, another loopback address is fine but a network address is refused", async () => {
    assert.equal((await settingsUnder({ NODE_RED_HOST: "127.0.0.2" })).loaded.uiHost, "127.0.0.2");
    for (const host of ["0.0.0.0", "::", "192.168.10.5"]) {
      const output = await refusal({ NODE_RED_HOST: host });
      assert.match(output, new RegExp(`NODE_RED_HOST=${host.replace(/\./g, "\\.")} would open the editor to the network without a login`));
      assert.match(output, /FR_ADMIN_PASSWORD_HASH/);
    }
  });

  it("lets Node-RED itself stop at start when the host is open and no user is configured", async () => {
    const { code, output } = await runRefused({ NODE_RED_HOST: "0.0.0.0" });
    assert.equal(code, 1, output);
    assert.match(output, /Error loading settings file/);
    assert.match(output, /would open the editor to the network without a login/);
  });

  it("opens a network address without users only with FR_ALLOW_UNAUTHENTICATED=1, and warns loudly", async () => {
    const refused = await refusal({ NODE_RED_HOST: "0.0.0.0", FR_ALLOW_UNAUTHENTICATED: "yes" });
    assert.match(refused, /would open the editor/, "only the exact value 1 opts out");
    const { loaded, output } = await settingsUnder({ NODE_RED_HOST: "0.0.0.0", FR_ALLOW_UNAUTHENTICATED: "1" });
    assert.equal(loaded.uiHost, "0.0.0.0");
    assert.equal(loaded.adminAuth, null);
    assert.match(output, /WARNING: NO LOGIN\. Node-RED listens on 0\.0\.0\.0 without users/);
  });

  it("maps the three roles to Node-RED permissions, with default and configured user names", async () => {
    const { loaded } = await settingsUnder({
      NODE_RED_HOST: "0.0.0.0",
      FR_ADMIN_PASSWORD_HASH: hash,
      // Spaces and the quotes a .env file needs (docker run --env-file keeps them) are dropped.
      FR_INTEGRATOR_PASSWORD_HASH: ` '${hash}' `,
      FR_OPERATOR_USER: "shift.lead",
      FR_OPERATOR_PASSWORD_HASH: hash,
    });
    assert.equal(loaded.uiHost, "0.0.0.0", "users make a network address acceptable");
    assert.equal(loaded.adminAuth?.type, "credentials");
    assert.equal(loaded.adminAuth?.hasDefault, false, "no anonymous access");
    assert.deepEqual(loaded.adminAuth?.users, [
      { username: "admin", permissions: "*" },
      { username: "integrator", permissions: ["read", "flows.write", "context.write", "library.write", "inject.write", "debug.write"] },
      { username: "shift.lead", permissions: "read" },
    ]);
    assert.equal(loaded.httpNodeAuth, "function");
    assert.deepEqual(loaded.dashboard, ["ioMiddleware", "middleware"]);
    assert.deepEqual(loaded.ui, ["ioMiddleware", "middleware", "path"]);
  });

  it("turns the login on with a single role too (only an operator)", async () => {
    const { loaded } = await settingsUnder({ FR_OPERATOR_PASSWORD_HASH: hash });
    assert.deepEqual(loaded.adminAuth?.users, [{ username: "operator", permissions: "read" }]);
  });

  it("refuses a password that is not a bcrypt hash, without printing it", async () => {
    const output = await refusal({ FR_ADMIN_PASSWORD_HASH: "PlainTextSecret-991" });
    assert.match(output, /FR_ADMIN_PASSWORD_HASH is not a bcrypt hash/);
    assert.ok(!output.includes("PlainTextSecret-991"), "the value is not echoed");
    // A hash whose $-parts a shell or compose file swallowed.
    assert.match(await refusal({ FR_INTEGRATOR_PASSWORD_HASH: hash.replace(/^\$2b\$04/, "") }), /FR_INTEGRATOR_PASSWORD_HASH is not a bcrypt hash/);
  });

  it("refuses one user name for two roles and a user name with spaces", async () => {
    assert.match(await refusal({ FR_ADMIN_PASSWORD_HASH: hash, FR_OPERATOR_USER: "admin", FR_OPERATOR_PASSWORD_HASH: hash }), /FR_OPERATOR_USER: the user name "admin" is given to two roles/);
    assert.match(await refusal({ FR_ADMIN_USER: "the boss", FR_ADMIN_PASSWORD_HASH: hash }), /FR_ADMIN_USER must be/);
  });

  it("takes the monitoring token as a SHA-256 only, and only with users", async () => {
    const digest = "ab".repeat(32);
    assert.equal((await settingsUnder({ FR_ADMIN_PASSWORD_HASH: hash, FR_MONITOR_TOKEN_SHA256: digest.toUpperCase() })).loaded.adminAuthTokens, "function");
    assert.equal((await settingsUnder({ FR_ADMIN_PASSWORD_HASH: hash })).loaded.adminAuthTokens, "undefined");
    const output = await refusal({ FR_ADMIN_PASSWORD_HASH: hash, FR_MONITOR_TOKEN_SHA256: "the-token-itself-123" });
    assert.match(output, /FR_MONITOR_TOKEN_SHA256 must be the SHA-256 of the monitoring token/);
    assert.ok(!output.includes("the-token-itself-123"));
  });

  it("serves HTTPS (and requires it) when both certificate paths are given", async () => {
    const { loaded } = await settingsUnder({ NODE_RED_TLS_CERT: path.join(certDir, "cert.pem"), NODE_RED_TLS_KEY: path.join(certDir, "key.pem") });
    assert.deepEqual(loaded.https, ["cert", "key"]);
    assert.equal(loaded.requireHttps, true);
    const withCa = await settingsUnder({ NODE_RED_TLS_CERT: path.join(certDir, "cert.pem"), NODE_RED_TLS_KEY: path.join(certDir, "key.pem"), NODE_RED_TLS_CA: path.join(certDir, "cert.pem") });
    assert.deepEqual(withCa.loaded.https, ["ca", "cert", "key"]);
  });

  it("refuses half an HTTPS configuration and unreadable certificate files", async () => {
    assert.match(await refusal({ NODE_RED_TLS_CERT: path.join(certDir, "cert.pem") }), /HTTPS needs both NODE_RED_TLS_CERT and NODE_RED_TLS_KEY/);
    assert.match(await refusal({ NODE_RED_TLS_KEY: path.join(certDir, "key.pem") }), /HTTPS needs both/);
    assert.match(await refusal({ NODE_RED_TLS_CA: path.join(certDir, "cert.pem") }), /NODE_RED_TLS_CA is set without/);
    assert.match(await refusal({ NODE_RED_TLS_CERT: path.join(certDir, "missing.pem"), NODE_RED_TLS_KEY: path.join(certDir, "key.pem") }), /NODE_RED_TLS_CERT: cannot read/);
  });
});
