#!/usr/bin/env node
// `npm start`: the embedded demo. Starts the simulated plant (dist/sim/cli.js, a child process; SIM=off
// skips it), points the templates' environment variables at it where they are unset, writes the flows
// file on a first start (the flow templates and the Dashboard 2 flows), then runs Node-RED 4.1 from this
// package's own node_modules with the repo's settings.js. The user dir (.node-red/, git-ignored) gets a
// symlink to this package in its node_modules, the way `npm install <path>` links a package under
// development, so Node-RED loads our nodes as a module. Ctrl-C (SIGINT/SIGTERM) stops both.
//
// Environment: NODE_RED_USER_DIR (default .node-red/), PORT (1880), NODE_RED_FLOW_FILE (flows.json),
// FR_TEMPLATES (first start: comma-separated template names, default all, "none" = empty workspace),
// SIM (off = no simulator), SIM_* (see docs/simulator.md), SIM_CLI (another simulator script, for tests).
/* global setTimeout, clearTimeout */
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { spawn } = require("child_process");
// The container's first start composes the same flows file: one implementation for both.
const { composeFlows, readFlowFiles } = require("../docker/first-start.js");

const root = path.resolve(__dirname, "..");
const userDir = process.env.NODE_RED_USER_DIR || path.join(root, ".node-red");
const pkg = require(path.join(root, "package.json"));
const SIM_READY_TIMEOUT_MS = 180_000;

function linkPackage() {
  fs.mkdirSync(path.join(userDir, "node_modules"), { recursive: true });
  const userPkg = path.join(userDir, "package.json");
  if (!fs.existsSync(userPkg)) {
    fs.writeFileSync(userPkg, JSON.stringify({ name: "node-red-project", private: true, dependencies: { [pkg.name]: `file:${root}` } }, null, 2));
  }
  const link = path.join(userDir, "node_modules", pkg.name);
  let linked = false;
  try {
    linked = fs.realpathSync(link) === fs.realpathSync(root);
  } catch {
    linked = false;
  }
  if (!linked) {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(root, link, "dir");
  }
}

/** Starts the simulator and resolves with its URLs once it prints its ready line. */
function startSimulator() {
  const cli = process.env.SIM_CLI || path.join(root, "dist", "sim", "cli.js");
  if (!fs.existsSync(cli)) throw new Error(`no simulator at ${cli}: run "npm run build" first (or set SIM=off)`);
  const child = spawn(process.execPath, [cli], { stdio: ["ignore", "pipe", "inherit"], env: process.env });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`the simulator did not start within ${SIM_READY_TIMEOUT_MS / 1000} s`));
    }, SIM_READY_TIMEOUT_MS);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited (${signal || code}) before it was ready`));
    };
    child.once("exit", onExit);
    const lines = readline.createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (line.startsWith('{"ready":true')) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve({ child, urls: JSON.parse(line).urls });
        console.log(`[field-reliability] simulator ready: ${line}`);
        return;
      }
      console.log(line);
    });
  });
}

/** The templates' addresses of the simulator, for each variable the user left unset. */
function pointAtSimulator(urls) {
  const defaults = {
    OPCUA_ENDPOINT: urls.opcua,
    MODBUS_HOST: urls.modbus && urls.modbus.host,
    MODBUS_PORT: urls.modbus && String(urls.modbus.port),
    CAMERA_URL: urls.camera,
    SIM_URL: urls.http,
    SOURCE_HISTORY_URL: urls.history,
    MQTT_URL: urls.mqtt,
  };
  for (const [name, value] of Object.entries(defaults)) {
    if (process.env[name] === undefined && value !== undefined) process.env[name] = value;
  }
}

/** First start: a flows file made of the templates and the Dashboard 2 flows. An existing one is kept. */
function writeFirstFlows() {
  const flowFile = path.join(userDir, process.env.NODE_RED_FLOW_FILE || "flows.json");
  if (fs.existsSync(flowFile)) return;
  const choice = (process.env.FR_TEMPLATES || "").trim();
  if (choice === "none") return;
  const wanted = choice ? new Set(choice.split(",").map((name) => name.trim()).filter(Boolean)) : undefined;
  const files = [...readFlowFiles(path.join(root, "flows"), wanted), ...readFlowFiles(path.join(root, "dashboards", "dashboard2"))];
  if (files.length === 0) return;
  const flows = composeFlows(files);
  // Written beside the target and renamed: an interrupted first start never leaves half a flows file.
  fs.writeFileSync(`${flowFile}.partial`, JSON.stringify(flows, null, 2));
  fs.renameSync(`${flowFile}.partial`, flowFile);
  console.log(`[field-reliability] first start: ${flows.length} nodes from ${files.map((f) => f.name).join(", ")} in ${flowFile}`);
}

function exited(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

let sim = null;

async function main() {
  linkPackage();
  if ((process.env.SIM || "").trim().toLowerCase() !== "off") {
    sim = await startSimulator();
    pointAtSimulator(sim.urls);
  }
  writeFirstFlows();

  const redJs = require.resolve("node-red/red.js");
  const red = spawn(process.execPath, [redJs, "--settings", path.join(root, "settings.js"), "--userDir", userDir, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, NODE_RED_USER_DIR: userDir },
  });
  let stopping = false;
  const stopAll = async (signal, code) => {
    if (stopping) return;
    stopping = true;
    for (const child of [red, sim && sim.child]) if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    await Promise.all([exited(red), exited(sim && sim.child)]);
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stopAll(signal, 0));
  red.on("exit", (code, signal) => stopAll("SIGTERM", signal ? 1 : (code ?? 0)));
  if (sim) {
    sim.child.on("exit", (code, signal) => {
      if (!stopping) console.error(`[field-reliability] the simulator stopped (${signal || code}); Node-RED keeps running`);
    });
  }
}

main().catch((err) => {
  console.error(`[field-reliability] ${err.message}`);
  // A simulator already running must not outlive us.
  if (sim && sim.child.exitCode === null) sim.child.kill("SIGTERM");
  process.exitCode = 1;
});
