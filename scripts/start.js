#!/usr/bin/env node
// Runs Node-RED 4.1 from this package's own node_modules with the repo's settings.js. The user dir
// (.node-red/, git-ignored) gets a symlink to this package in its node_modules, the way
// `npm install <path>` links a package under development, so Node-RED loads our nodes as a module.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");

const root = path.resolve(__dirname, "..");
const userDir = process.env.NODE_RED_USER_DIR || path.join(root, ".node-red");
const pkg = require(path.join(root, "package.json"));

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

const redJs = require.resolve("node-red/red.js");
const child = spawn(process.execPath, [redJs, "--settings", path.join(root, "settings.js"), "--userDir", userDir, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, NODE_RED_USER_DIR: userDir },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(signal ? 1 : code ?? 0));
