// Node-RED settings used by `npm start` and by the Docker image.
// Everything a plant changes comes from environment variables; nothing secret is written here.
/* global Buffer */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
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

// --- Who may log in (SECURITY.md) -------------------------------------------------------------------------
// Three roles, each one user given by environment variables: a user name (optional, default the role's
// name) and a bcrypt hash of the password (`npx node-red admin hash-pw`, or any bcrypt tool). Setting at
// least one hash turns the login on for the editor, the admin API, both dashboards and every HTTP endpoint
// of the flows; no hash, no login (and then only 127.0.0.1 may listen, see below).
//   admin       everything ("*"): also installs palette modules and changes settings.
//   integrator  reads everything and deploys flows, edits context and the library, presses inject buttons,
//               toggles debug nodes; cannot install or remove palette modules (nodes.write) nor touch user
//               settings. Deploying flows runs code (function nodes): give this role to trusted people only.
//   operator    read-only editor ("read"); on Dashboard 2 an operator (a report retry needs the admin or
//               DASHBOARD_ADMINS).
const ROLES = [
  { role: "admin", permissions: "*" },
  { role: "integrator", permissions: ["read", "flows.write", "context.write", "library.write", "inject.write", "debug.write"] },
  { role: "operator", permissions: "read" },
];
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** The users the environment configures: FR_<ROLE>_USER (default the role) and FR_<ROLE>_PASSWORD_HASH. */
function usersFromEnvironment(env) {
  const users = [];
  for (const { role, permissions } of ROLES) {
    const prefix = `FR_${role.toUpperCase()}`;
    // Quotes around the value are dropped: `docker run --env-file` passes them on, compose's .env needs them.
    const hash = (env[`${prefix}_PASSWORD_HASH`] || "").trim().replace(/^(['"])(.*)\1$/, "$2");
    if (!hash) continue;
    // A plain password or a hash mangled by shell/compose interpolation ($ signs) would lock everyone out or,
    // worse, look configured: refuse to start and say which variable is wrong (never print its value).
    if (!BCRYPT_HASH.test(hash)) {
      throw new Error(`${prefix}_PASSWORD_HASH is not a bcrypt hash ($2b$<cost>$ followed by 53 characters): generate one with "npx node-red admin hash-pw"; in a .env file write it in single quotes`);
    }
    const username = (env[`${prefix}_USER`] || role).trim();
    if (!/^[\w.@-]{1,64}$/.test(username)) throw new Error(`${prefix}_USER must be 1-64 letters, digits or . _ @ -`);
    if (users.some((u) => u.username === username)) throw new Error(`${prefix}_USER: the user name "${username}" is given to two roles`);
    users.push({ username, password: hash, permissions, role });
  }
  return users;
}

/**
 * The monitoring system's token (Prometheus, the plant's health checks): a long random string the scraper sends
 * as "Authorization: Bearer <token>"; the environment holds only its SHA-256 (FR_MONITOR_TOKEN_SHA256, 64 hex
 * digits). Editor logins expire; this one does not, and it opens the package's health and metrics endpoints
 * (permission field-reliability.read) and nothing else. SHA-256 rather than bcrypt: the token is random and
 * long, and a scraper calls every few seconds.
 */
const MONITOR_PERMISSIONS = ["field-reliability.read"];
function monitorTokenFromEnvironment(env) {
  const value = (env.FR_MONITOR_TOKEN_SHA256 || "").trim().toLowerCase();
  if (!value) return null;
  if (!/^[0-9a-f]{64}$/.test(value)) throw new Error('FR_MONITOR_TOKEN_SHA256 must be the SHA-256 of the monitoring token, 64 hex digits: printf %s "$TOKEN" | sha256sum');
  return Buffer.from(value, "hex");
}

/** HTTPS from NODE_RED_TLS_CERT / NODE_RED_TLS_KEY (PEM file paths) and the optional NODE_RED_TLS_CA; null when unset. */
function httpsFromEnvironment(env) {
  const files = { cert: env.NODE_RED_TLS_CERT, key: env.NODE_RED_TLS_KEY, ca: env.NODE_RED_TLS_CA };
  if (!files.cert && !files.key) {
    if (files.ca) throw new Error("NODE_RED_TLS_CA is set without NODE_RED_TLS_CERT and NODE_RED_TLS_KEY");
    return null;
  }
  if (!files.cert || !files.key) throw new Error("HTTPS needs both NODE_RED_TLS_CERT and NODE_RED_TLS_KEY (PEM file paths)");
  for (const [name, file] of [["NODE_RED_TLS_CERT", files.cert], ["NODE_RED_TLS_KEY", files.key], ["NODE_RED_TLS_CA", files.ca]]) {
    if (!file) continue;
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch {
      throw new Error(`${name}: cannot read ${file}`);
    }
  }
  // A function, read again every httpsRefreshInterval hours: a renewed certificate is picked up without a restart.
  return () => {
    const options = { cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key) };
    if (files.ca) options.ca = fs.readFileSync(files.ca);
    return options;
  };
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
function isLoopback(host) {
  return /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost|::ffff:127(\.\d{1,3}){3})$/i.test(host);
}

const users = usersFromEnvironment(process.env);
const monitorTokenHash = monitorTokenFromEnvironment(process.env);
const https = httpsFromEnvironment(process.env);
const uiHost = (process.env.NODE_RED_HOST || "127.0.0.1").trim();
if (users.length === 0 && !isLoopback(uiHost)) {
  // Without users anybody who reaches the port owns the runtime (the editor deploys code): a network-facing
  // host needs users, or an explicit, loudly logged opt-out (e.g. a container published on the host's loopback).
  if (process.env.FR_ALLOW_UNAUTHENTICATED !== "1") {
    throw new Error(
      `NODE_RED_HOST=${uiHost} would open the editor to the network without a login: set FR_ADMIN_PASSWORD_HASH ` +
        "(and optionally FR_INTEGRATOR_/FR_OPERATOR_PASSWORD_HASH), or FR_ALLOW_UNAUTHENTICATED=1 if a firewall or a " +
        "loopback-only port mapping keeps everyone else out (see SECURITY.md)",
    );
  }
  console.warn(
    `[field-reliability] WARNING: NO LOGIN. Node-RED listens on ${uiHost} without users (FR_ALLOW_UNAUTHENTICATED=1): ` +
      "anyone who reaches this port can change the flows. Set FR_ADMIN_PASSWORD_HASH (SECURITY.md).",
  );
}

const security = {};
if (users.length > 0) {
  // The same users and the same bcrypt check for the editor (adminAuth: token login) and for everything served
  // under httpNodeRoot (HTTP Basic): Dashboard 2 pages and socket, Dashboard 1 (/ui) pages and socket, and the
  // flows' own http in endpoints.
  const { dashboardAuth } = require("./dashboards/dashboard2/dashboard-users.js");
  const nodeAuth = dashboardAuth(users.map(({ username, password, permissions }) => ({ username, password, permissions })));
  security.adminAuth = {
    type: "credentials",
    users: users.map(({ username, password, permissions }) => ({ username, password, permissions })),
    // A shift plus margin: the editor asks again the next day.
    sessionExpiryTime: 12 * 60 * 60,
  };
  if (monitorTokenHash !== null) {
    security.adminAuth.tokens = (token) => {
      const digest = crypto.createHash("sha256").update(String(token)).digest();
      return Promise.resolve(crypto.timingSafeEqual(digest, monitorTokenHash) ? { username: "monitor", permissions: MONITOR_PERMISSIONS } : null);
    };
  }
  // The function form is mounted in front of every route under httpNodeRoot (node-red/red.js).
  security.httpNodeAuth = nodeAuth.middleware;
  security.dashboard = { middleware: nodeAuth.middleware, ioMiddleware: nodeAuth.ioMiddleware };
  security.ui = { path: "ui", middleware: nodeAuth.middleware, ioMiddleware: nodeAuth.ioMiddleware };
  console.log(`[field-reliability] login required: ${users.map((u) => `${u.username} (${u.role})`).join(", ")}`);
}
if (https) {
  security.https = https;
  security.httpsRefreshInterval = 12;
  // Behind a TLS-terminating proxy too, a plain http request is redirected to https.
  security.requireHttps = true;
}

const userDir = process.env.NODE_RED_USER_DIR || path.join(__dirname, ".node-red");

module.exports = {
  uiPort: Number(process.env.PORT || 1880),
  // Without configured users only 127.0.0.1 (checked above).
  uiHost,
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
  ...security,
};
