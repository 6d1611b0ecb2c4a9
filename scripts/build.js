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
// The shared editor helpers go at the top of every node's HTML (see nodes/shared/editor.js).
const sharedEditor = fs.readFileSync(path.join(nodesDir, "shared", "editor.js"), "utf8");
const sharedEditorTag = `<script type="text/javascript">\n${sharedEditor}</script>\n\n`;
for (const type of fs.readdirSync(nodesDir)) {
  const source = path.join(nodesDir, type);
  const html = path.join(source, `${type}.html`);
  if (!fs.existsSync(html)) continue; // shared helpers, not a node
  const target = path.join(dist, "nodes", type);
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, `${type}.html`), sharedEditorTag + fs.readFileSync(html, "utf8"));
  for (const extra of ["icons", "locales"]) {
    const dir = path.join(source, extra);
    if (fs.existsSync(dir)) fs.cpSync(dir, path.join(target, extra), { recursive: true });
  }
}
