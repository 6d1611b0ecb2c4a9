// Node-RED settings used by `npm start` and by the Docker image.
// Everything a plant changes comes from environment variables; nothing secret is written here.
"use strict";
const path = require("path");

const userDir = process.env.NODE_RED_USER_DIR || path.join(__dirname, ".node-red");

module.exports = {
  uiPort: Number(process.env.PORT || 1880),
  // Without configured users the editor must not be reachable from the network.
  uiHost: process.env.NODE_RED_HOST || "127.0.0.1",
  userDir,
  flowFile: process.env.NODE_RED_FLOW_FILE || "flows.json",
  flowFilePretty: true,
  // Credentials are always encrypted: with this variable unset Node-RED generates a key in the user dir.
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || undefined,
  contextStorage: {
    // "memory" is the default; "file" survives restarts (pick it in a node's "store" field).
    default: "memory",
    memory: { module: "memory" },
    file: { module: "localfilesystem", config: { flushInterval: Number(process.env.NODE_RED_CONTEXT_FLUSH_SECONDS || 30) } },
  },
  logging: {
    console: { level: process.env.NODE_RED_LOG_LEVEL || "info", metrics: false, audit: false },
  },
  editorTheme: {
    projects: { enabled: false },
    palette: { catalogues: [] },
    tours: false,
  },
  // Plants run without internet access: no update check, no prompt about it in the editor.
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  exportGlobalContextKeys: false,
  functionExternalModules: false,
};
