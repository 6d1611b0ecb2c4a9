// Node-RED settings used by `npm start` and by the Docker image.
// Everything a plant changes comes from environment variables; nothing secret is written here.
"use strict";
const path = require("path");

// Where the flow templates find the plant (docs/integration-contract.md, last section). Each variable the
// environment leaves unset gets a default pointing at the simulated plant on this machine (`npm run sim`
// with its default ports; `npm start` sets the first seven to the simulator it started). A variable set to
// an empty string stays empty. The secrets (INFLUX_TOKEN, INFLUX_PASSWORD, FTP_PASSWORD, SMTP_PASSWORD)
// default to empty: the templates hand them to the nodes as credentials, never into a flow file.
const SIM_HOST = "127.0.0.1";
const fieldDefaults = {
  OPCUA_ENDPOINT: `opc.tcp://${SIM_HOST}:4840/UA/FieldReliabilitySim`,
  MODBUS_HOST: SIM_HOST,
  MODBUS_PORT: "5020",
  CAMERA_URL: `http://${SIM_HOST}:8090/camera/T1/frame.png`,
  SIM_URL: `http://${SIM_HOST}:8090`,
  // The simulator's source history, which the data-gap-monitor template re-reads gaps from.
  SOURCE_HISTORY_URL: `http://${SIM_HOST}:8090/history`,
  MQTT_URL: `mqtt://${SIM_HOST}:1883`,
  // No InfluxDB in the demo: nothing listens here, so historian writes wait in the bounded durable queue
  // and the flows keep running; set INFLUX_URL to a real server and they go there.
  INFLUX_URL: "http://127.0.0.1:8086",
  INFLUX_API: "v2",
  INFLUX_DB: "field",
  INFLUX_ORG: "field-reliability",
  INFLUX_BUCKET: "field",
  INFLUX_TOKEN: "",
  INFLUX_USER: "",
  INFLUX_PASSWORD: "",
  // No FTP server in the demo either: reports wait in the delivery outbox and are retried.
  FTP_HOST: "127.0.0.1",
  FTP_PORT: "21",
  FTP_USER: "anh",
  FTP_PASSWORD: "",
  FTP_SECURE: "none",
  // No mail server: alerts are de-duplicated and shown on the dashboard, the e-mail step is skipped.
  SMTP_HOST: "",
  SMTP_PORT: "587",
  SMTP_USER: "",
  SMTP_PASSWORD: "",
  ALERT_EMAIL_TO: "",
  ALERT_EMAIL_FROM: "",
  ALERT_WEBHOOK_URL: "",
  SITE: "demo",
  DASHBOARD_LANG: "en",
};
for (const [name, value] of Object.entries(fieldDefaults)) process.env[name] ??= value;
// The alert e-mail logs in only when a user is configured (node-red-node-email's "BASIC"); a relay that takes
// mail without login is "NONE", which also keeps that node from logging "no userid" errors at every start.
process.env.SMTP_AUTH ??= process.env.SMTP_USER ? "BASIC" : "NONE";

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
