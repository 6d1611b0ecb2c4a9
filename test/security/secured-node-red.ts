/**
 * Node-RED 4.1 with the repo's settings.js as the security tests need it: none of the developer's security
 * variables leak in, readiness is the editor page (GET /settings answers 401 with users), http or https
 * with the test's CA; and, for a start the settings refuse, the exit code and output instead of a process.
 */
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { exitOf, start, type NodeRedProcess } from "../support/node-red-process";
import { freePort } from "../support/ports";
import { repoRoot } from "../support/repo";

export { basic, request, type Answer, type RequestOptions } from "../support/http";

export type SecuredNodeRed = NodeRedProcess;

export interface SecuredStartOptions {
  /** variables on top of this process's (undefined removes one) */
  env?: Record<string, string | undefined>;
  /** "https" when the environment gives certificates */
  scheme?: "http" | "https";
  ca?: Buffer;
  readyTimeoutMs?: number;
  /** called with the fresh user dir before Node-RED starts (e.g. to add a stub module) */
  prepareUserDir?: (userDir: string) => void;
}

/** The variables a developer's shell may hold that would change what these tests see. */
const NEUTRAL_ENV: Record<string, undefined> = {
  NODE_RED_HOST: undefined,
  FR_ALLOW_UNAUTHENTICATED: undefined,
  FR_ADMIN_USER: undefined,
  FR_ADMIN_PASSWORD_HASH: undefined,
  FR_INTEGRATOR_USER: undefined,
  FR_INTEGRATOR_PASSWORD_HASH: undefined,
  FR_OPERATOR_USER: undefined,
  FR_OPERATOR_PASSWORD_HASH: undefined,
  FR_MONITOR_TOKEN_SHA256: undefined,
  NODE_RED_TLS_CERT: undefined,
  NODE_RED_TLS_KEY: undefined,
  NODE_RED_TLS_CA: undefined,
};

function childEnv(userDir: string, port: number, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...NEUTRAL_ENV, NODE_RED_USER_DIR: userDir, PORT: String(port), ...extra })) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Node-RED with the repo's settings.js on a free port and a fresh user dir; resolves once the editor page answers. */
export function startSecured(options: SecuredStartOptions = {}): Promise<SecuredNodeRed> {
  return start({
    env: { ...NEUTRAL_ENV, ...options.env },
    scheme: options.scheme,
    ca: options.ca,
    // The editor page answers 200 with or without users; /settings answers 401 with them.
    readyPath: "/",
    readyTimeoutMs: options.readyTimeoutMs,
    prepareUserDir: options.prepareUserDir,
  });
}

/** Runs Node-RED with settings the test expects it to refuse: resolves with its exit code and output (kills it after `timeoutMs`). */
export async function runRefused(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-security-"));
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", path.join(repoRoot(), "settings.js"), "--userDir", userDir], {
    env: childEnv(userDir, port, env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exitOf(child);
  clearTimeout(killer);
  fs.rmSync(userDir, { recursive: true, force: true });
  return { code: child.exitCode, output };
}

/** What settings.js exports under `env`, loaded in a child process (it reads process.env once, at load). */
export function loadSettings(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const script = `const s = require(${JSON.stringify(path.join(repoRoot(), "settings.js"))});
const https = typeof s.https === "function" ? s.https() : null;
process.stdout.write("SETTINGS " + JSON.stringify({
  uiHost: s.uiHost,
  adminAuth: s.adminAuth ? { type: s.adminAuth.type, users: s.adminAuth.users.map((u) => ({ username: u.username, permissions: u.permissions })), hasDefault: "default" in s.adminAuth } : null,
  adminAuthTokens: typeof (s.adminAuth && s.adminAuth.tokens),
  httpNodeAuth: typeof s.httpNodeAuth,
  dashboard: s.dashboard ? Object.keys(s.dashboard).sort() : null,
  ui: s.ui ? Object.keys(s.ui).sort() : null,
  https: https ? Object.keys(https).sort() : null,
  requireHttps: s.requireHttps === true,
}) + "\\n");`;
  const child = spawn(process.execPath, ["-e", script], { env: childEnv(os.tmpdir(), 1, env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return exitOf(child).then(() => ({ code: child.exitCode, output }));
}
