// First start of the container: when the user dir has no flows file yet, writes one made of the package's
// flow templates (flows/*.json) and its Dashboard 2 flows (dashboards/dashboard2/*.json), so a fresh
// container comes up with the templates deployed, the way `npm start` does. An existing flows file (the
// user's deployed work, kept in the /data volume) is never touched.
//
// Environment: FIELD_RELIABILITY_DIR (the installed package), NODE_RED_USER_DIR (default /data),
// NODE_RED_FLOW_FILE (default flows.json), FR_TEMPLATES (comma-separated template names, e.g.
// "anh-daily-report,data-gap-monitor"; default all; "none" starts with an empty workspace).
"use strict";
const fs = require("fs");
const path = require("path");

/** The nodes of every *.json array file directly in `dir`, in file-name order; [] when there is no dir. */
function readFlowFiles(dir, wanted) {
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .filter((name) => !wanted || wanted.has(name.replace(/\.json$/, "")))
    .sort();
  const flows = [];
  for (const name of files) {
    const nodes = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
    // Label and translation tables live beside the flows as JSON objects: only arrays are flows.
    if (Array.isArray(nodes)) flows.push({ name, nodes });
  }
  return flows;
}

/**
 * Concatenates flow files into one flows array. A node id present in several files is kept once: the
 * templates share config nodes (the Dashboard 2 base, the InfluxDB server) by fixed id on purpose.
 */
function composeFlows(flowFiles) {
  const byId = new Map();
  for (const { name, nodes } of flowFiles) {
    for (const node of nodes) {
      if (typeof node !== "object" || node === null || typeof node.id !== "string") throw new Error(`${name}: every node needs a string id`);
      if (!byId.has(node.id)) byId.set(node.id, node);
    }
  }
  return [...byId.values()];
}

function main() {
  const packageDir = process.env.FIELD_RELIABILITY_DIR;
  if (!packageDir) throw new Error("FIELD_RELIABILITY_DIR is not set (the image sets it)");
  const userDir = process.env.NODE_RED_USER_DIR || "/data";
  const flowFile = path.join(userDir, process.env.NODE_RED_FLOW_FILE || "flows.json");
  if (fs.existsSync(flowFile)) {
    console.log(`[field-reliability] keeping the existing flows file ${flowFile}`);
    return;
  }
  const choice = (process.env.FR_TEMPLATES || "").trim();
  if (choice === "none") {
    console.log("[field-reliability] FR_TEMPLATES=none: starting with an empty workspace");
    return;
  }
  const wanted = choice ? new Set(choice.split(",").map((name) => name.trim()).filter(Boolean)) : undefined;
  const templates = readFlowFiles(path.join(packageDir, "flows"), wanted);
  if (wanted) {
    const found = new Set(templates.map((t) => t.name.replace(/\.json$/, "")));
    const missing = [...wanted].filter((name) => !found.has(name));
    if (missing.length) throw new Error(`FR_TEMPLATES names no template ${missing.join(", ")} (in ${path.join(packageDir, "flows")})`);
  }
  const dashboards = readFlowFiles(path.join(packageDir, "dashboards", "dashboard2"));
  const flows = composeFlows([...templates, ...dashboards]);
  fs.mkdirSync(userDir, { recursive: true });
  // Written beside the target and renamed, so a container killed here never leaves half a flows file.
  const partial = `${flowFile}.partial`;
  fs.writeFileSync(partial, JSON.stringify(flows, null, 2));
  fs.renameSync(partial, flowFile);
  const names = [...templates, ...dashboards].map((f) => f.name).join(", ") || "no templates found";
  console.log(`[field-reliability] first start: wrote ${flows.length} nodes to ${flowFile} (${names})`);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`[field-reliability] first start failed: ${err.message}`);
    process.exit(1);
  }
}

module.exports = { composeFlows, readFlowFiles };
