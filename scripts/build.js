#!/usr/bin/env node
// Compiles the TypeScript sources to CommonJS in dist/ and copies each node's editor files
// (<type>.html, icons/, locales/) beside its compiled .js, where Node-RED looks for them.
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.json")], {
  stdio: "inherit",
});

const nodesDir = path.join(root, "nodes");
for (const type of fs.readdirSync(nodesDir)) {
  const source = path.join(nodesDir, type);
  const html = path.join(source, `${type}.html`);
  if (!fs.existsSync(html)) continue; // shared helpers, not a node
  const target = path.join(dist, "nodes", type);
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(html, path.join(target, `${type}.html`));
  for (const extra of ["icons", "locales"]) {
    const dir = path.join(source, extra);
    if (fs.existsSync(dir)) fs.cpSync(dir, path.join(target, extra), { recursive: true });
  }
}
