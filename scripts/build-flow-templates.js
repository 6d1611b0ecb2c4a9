#!/usr/bin/env node
// Generates the four flow templates flows/*.json (issue #10) from this one source, with an identical copy of
// flows/alert-subflow.json in each. Run `npm run build:flows` after editing this file or the alert subflow;
// test/flows/templates-sync.test.ts fails when the committed JSON differs from what this script writes.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
// --check: write nothing, exit 1 when a committed template differs from what this script makes.
const checkOnly = process.argv.includes("--check");
const stale = [];
const out = (name, nodes) => {
  const file = path.join(root, "flows", name);
  const text = JSON.stringify(nodes, null, 2) + "\n";
  if (!checkOnly) fs.writeFileSync(file, text);
  else if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) stale.push(name);
};

const ALERT_FILE = path.join(root, "flows", "alert-subflow.json");
function alertSubflowDefinition() {
  if (fs.existsSync(ALERT_FILE)) {
    const nodes = JSON.parse(fs.readFileSync(ALERT_FILE, "utf8"));
    return Array.isArray(nodes) ? nodes : [nodes];
  }
  // Placeholder until flows/alert-subflow.json lands: same id, one input, no output.
  return [
    {
      id: "fr-alert-subflow",
      type: "subflow",
      name: "alert",
      info: "Placeholder for the shared alert subflow (flows/alert-subflow.json).",
      category: "field reliability",
      in: [{ x: 60, y: 80, wires: [] }],
      out: [],
      env: [],
      color: "#E2D96E",
    },
  ];
}

/** Shared config nodes: fixed ids so that importing several templates finds them already there. */
const CFG = {
  influx: {
    id: "fr-cfg-influx",
    type: "influx-server",
    name: "historian (INFLUX_URL)",
    url: "${INFLUX_URL}",
    apiVersion: "${INFLUX_API}",
    database: "${INFLUX_DB}",
    retentionPolicy: "",
    org: "${INFLUX_ORG}",
    bucket: "${INFLUX_BUCKET}",
    timeoutSeconds: 10,
    credentials: { username: "${INFLUX_USER}", password: "${INFLUX_PASSWORD}", token: "${INFLUX_TOKEN}" },
  },
  opcua: {
    id: "fr-cfg-opcua",
    type: "opcua-endpoint",
    name: "well pad (OPCUA_ENDPOINT)",
    endpointUrl: "${OPCUA_ENDPOINT}",
    securityMode: "None",
    securityPolicy: "Basic256Sha256",
    authentication: "anonymous",
    acceptUnknownServerCertificate: true,
    reconnectMaxSeconds: 4,
    refusedRetrySeconds: 60,
  },
  modbus: {
    id: "fr-cfg-modbus",
    type: "modbus-device",
    name: "tank T1 (MODBUS_HOST:MODBUS_PORT)",
    transport: "tcp",
    host: "${MODBUS_HOST}",
    port: "${MODBUS_PORT}",
    serialPath: "",
    baudRate: 9600,
    parity: "none",
    dataBits: 8,
    stopBits: 1,
    unitId: 1,
    timeoutMs: 2000,
    reconnectMinMs: 1000,
    reconnectMaxMs: 8000,
    maxRegisters: 125,
    maxGap: 10,
  },
  ftp: {
    id: "fr-cfg-ftp",
    type: "ftp-server",
    name: "regulator FTP (FTP_HOST)",
    host: "${FTP_HOST}",
    port: "${FTP_PORT}",
    secure: "${FTP_SECURE}",
    rejectUnauthorized: true,
    ca: "",
    timeoutSeconds: 30,
    usePasvAddress: false,
    credentials: { user: "${FTP_USER}", password: "${FTP_PASSWORD}" },
  },
};

const WELL_TAGS = ["OilRate", "WaterRate", "GasRate", "TubingPressure", "CasingPressure", "Temperature", "Choke", "PumpSpeed", "PumpCurrent"];
const WELLS = ["W01", "W02", "W03"];

/** A template under construction: deterministic ids, nodes on one tab, groups around blocks. */
class Template {
  constructor(slug, label, info) {
    this.slug = slug;
    this.tab = this.id("tab");
    this.nodes = [{ id: this.tab, type: "tab", label, disabled: false, info, env: [] }];
    this.groups = [];
  }
  id(name) {
    return crypto.createHash("sha1").update(`${this.slug}/${name}`).digest("hex").slice(0, 16);
  }
  add(name, type, props, x, y, z = this.tab) {
    const node = { id: this.id(name), type, z, name: props.name ?? "", ...props, x, y };
    if (!("wires" in node) && !["comment", "tab", "group"].includes(type)) node.wires = [];
    this.nodes.push(node);
    return node;
  }
  /** Wires output `port` of node `from` to each node in `to`. */
  wire(from, port, ...to) {
    while (from.wires.length <= port) from.wires.push([]);
    for (const target of to) from.wires[port].push(target.id);
  }
  group(name, label, members, style = {}) {
    const xs = members.map((n) => n.x);
    const ys = members.map((n) => n.y);
    const x = Math.min(...xs) - 110;
    const y = Math.min(...ys) - 50;
    const group = {
      id: this.id(`group/${name}`),
      type: "group",
      z: this.tab,
      name: label,
      style: { label: true, stroke: "#999999", fill: "#f2f2f2", "fill-opacity": 0.4, ...style },
      nodes: members.map((n) => n.id),
      x,
      y,
      w: Math.max(...xs) - Math.min(...xs) + 220,
      h: Math.max(...ys) - Math.min(...ys) + 82,
    };
    for (const n of members) n.g = group.id;
    this.nodes.push(group);
    return group;
  }
  build(extra) {
    return [...this.nodes, ...extra];
  }
}

const comment = (t, name, title, info, x, y, z) => t.add(name, "comment", { name: title, info, wires: undefined }, x, y, z);
// A dashboard link goes to both variants' link ins (Dashboard 2: fr-ui-*, Dashboard 1: fr-ui-*-d1), which
// may be installed side by side; a missing one is simply not sent to.
const linkOut = (t, name, label, target, x, y) =>
  t.add(name, "link out", { name: label, mode: "link", links: target.startsWith("fr-ui-") ? [target, `${target}-d1`] : [target] }, x, y);
const debug = (t, name, label, x, y, complete = "payload", z) =>
  t.add(name, "debug", { name: label, active: true, tosidebar: true, console: false, tostatus: false, complete, targetType: complete === "true" ? "full" : "msg", statusVal: "", statusType: "auto" }, x, y, z);
const fn = (t, name, label, func, x, y, outputs = 1, z) => t.add(name, "function", { name: label, func, outputs, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [] }, x, y, z);
const alertInstance = (t, name, x, y) => t.add(name, "subflow:fr-alert-subflow", { name: "alert: e-mail / webhook", env: [] }, x, y);

// ---------------------------------------------------------------------------------------------
// Events: the block every template has. Events → alert subflow, dashboard, and the `events` measurement.
const EVENT_POINT = `// One event of our nodes ({event, severity, topic, timestamp, message, details}) as a point of the
// contract's \`events\` measurement: tags event, severity, tag; fields message and value.
const e = msg.payload;
if (e === null || typeof e !== "object" || typeof e.event !== "string") return null;
const details = e.details || {};
const value = [details.value, details.score, details.std, details.durationMs].find((v) => typeof v === "number" && isFinite(v));
const fields = { message: String(e.message || e.event) };
if (value !== undefined) fields.value = value;
return {
    topic: undefined,
    payload: {
        measurement: "events",
        tags: { event: e.event, severity: String(e.severity || "info"), tag: String(e.topic || msg.topic || "") },
        fields,
        timestamp: e.timestamp || Date.now(),
    },
};`;

function eventsBlock(t, x0, y0, sources) {
  const c = comment(t, "events/comment", "Every event: alert, dashboard, historian", "Each event output of the nodes above (sigma-window, spc-rules, anomaly-detect, gap-detector, influx-write, anh-json, ftp-deliver) arrives here as it was sent: `payload = {event, severity, topic, timestamp, message, details}`.\n\n- **alert** (subflow `fr-alert-subflow`): de-duplicates, rate-limits, escalates by severity, sends e-mail (SMTP_* and ALERT_EMAIL_* variables) and the optional webhook (ALERT_WEBHOOK_URL).\n- **to dashboard**: link to the dashboard's `fr-ui-event` link in (nothing happens when no dashboard is installed).\n- **events → historian**: one point per event in the `events` measurement (tags event, severity, tag; fields message, value).", x0 + 100, y0);
  const inbound = t.add("events/in", "junction", { wires: [] }, x0, y0 + 80);
  delete inbound.name;
  const alert = alertInstance(t, "events/alert", x0 + 200, y0 + 40);
  const ui = linkOut(t, "events/ui", "to dashboard: fr-ui-event", "fr-ui-event", x0 + 200, y0 + 80);
  const point = fn(t, "events/point", "event → point", EVENT_POINT, x0 + 200, y0 + 120);
  const write = t.add(
    "events/write",
    "influx-write",
    influxWrite("events → historian", "events", { topicTag: "", qualityField: "", analytics: "" }),
    x0 + 400,
    y0 + 120,
  );
  const writeEvents = linkOut(t, "events/write-events", "historian events: fr-ui-event", "fr-ui-event", x0 + 600, y0 + 120);
  const writeAlert = alertInstance(t, "events/write-alert", x0 + 600, y0 + 160);
  t.wire(inbound, 0, alert, ui, point);
  t.wire(point, 0, write);
  // The historian's own outage events go to the operator and the alert, not back into the historian.
  t.wire(write, 0, writeEvents, writeAlert);
  for (const [node, port] of sources) t.wire(node, port, inbound);
  t.group("events", "Events → alert subflow, dashboard, historian", [c, inbound, alert, ui, point, write, writeEvents, writeAlert], { fill: "#ffefbf" });
  return inbound;
}

function influxWrite(name, measurement, overrides = {}) {
  return {
    name,
    server: CFG.influx.id,
    measurement,
    topicTag: "tag",
    tags: "",
    valueField: "value",
    qualityField: "quality",
    analytics: "",
    integerFields: "",
    precision: "ms",
    batchSize: 5000,
    flushSeconds: 1,
    queueDir: "",
    queueMaxMB: 512,
    writeAhead: false,
    retryMaxSeconds: 30,
    ...overrides,
  };
}

const ASSET_TAGS = (asset) => ({
  rules: [{ t: "set", p: "tags", pt: "msg", to: `{"asset": ${asset}, "site": $env("SITE")}`, tot: "jsonata" }],
  action: "",
  property: "",
  from: "",
  to: "",
  reg: false,
});

function errorsBlock(t, x, y) {
  const c = comment(t, "errors/comment", "Errors", "Bad input and failures of any node on this tab (a Catch node): shown in the debug sidebar and written to the Node-RED log. The nodes keep running.", x + 100, y);
  const catchAll = t.add("errors/catch", "catch", { name: "errors on this tab", scope: null, uncaught: false }, x, y + 40);
  const log = debug(t, "errors/debug", "error", x + 200, y + 40, "error");
  log.console = true;
  t.wire(catchAll, 0, log);
  t.group("errors", "Errors", [c, catchAll, log], { fill: "#ffdddd" });
}

// =============================================================================================
// 1. tank-thermal-reliability
function tankThermalReliability() {
  const t = new Template(
    "tank-thermal-reliability",
    "Tank T1: thermal reliability",
    "Thermal camera frames of tank T1 are segmented into layers (air, crude, emulsion, water) and each measurement gets a trust score; the tank's flow and level (Modbus TCP) say whether the operation is steady. Results go to InfluxDB (`thermal` and `telemetry` measurements) and to the dashboard.\n\nEnvironment: CAMERA_URL (the frame's URL), MODBUS_HOST, MODBUS_PORT, INFLUX_*, SITE. See flows/README.md.",
  );
  // --- Modbus block
  const m0 = { x: 160, y: 100 };
  const mComment = comment(t, "modbus/comment", "Tank instruments (Modbus TCP) → variability → operation context", "modbus-in polls tank T1 every second: level, inflow, outflow, three temperatures and two interface levels (holding registers 0-15, float32 ABCD, as the simulator and docs/integration-contract.md define them).\n\n**sigma-window** keeps the rolling σ of each tag (20 samples) and says stable or turbulent (turbulent = σ above 2 × its usual σ, with 10 % hysteresis); its events go to the event block.\n\n**operation context** keeps the latest σ of inflow, outflow and level, and whether all three are stable, in flow context `tankT1Operation`: reliability-score reads it (its \"operational context\" field) to judge each thermal measurement.\n\nEvery reading with its σ goes to the historian (`telemetry`, field sigma_std) and to the dashboard.", m0.x + 200, m0.y);
  const registers = [
    ["T1.Level", 0, "m"],
    ["T1.Inflow", 2, "m³/h"],
    ["T1.Outflow", 4, "m³/h"],
    ["T1.TempTop", 6, "°C"],
    ["T1.TempMiddle", 8, "°C"],
    ["T1.TempBottom", 10, "°C"],
    ["T1.WaterInterface", 12, "m"],
    ["T1.EmulsionInterface", 14, "m"],
  ].map(([tag, address, unit]) => ({ tag, area: "holding", address, type: "float32", byteOrder: "big", wordOrder: "big", scale: 1, offset: 0, unit }));
  const modbus = t.add("modbus/in", "modbus-in", { name: "tank T1 registers", device: CFG.modbus.id, interval: 1, registers }, m0.x, m0.y + 60);
  const assetT1 = t.add("modbus/asset", "change", { name: "asset T1, site", ...ASSET_TAGS('"T1"') }, m0.x + 200, m0.y + 60);
  const sigma = t.add(
    "modbus/sigma",
    "sigma-window",
    { name: "σ of each tag", windowType: "count", window: 20, windowSeconds: 60, alignment: "trailing", classification: "relative", threshold: 1, factor: 2, referenceSize: 100, hysteresis: 0.1, store: "" },
    m0.x + 390,
    m0.y + 60,
  );
  const operation = fn(
    t,
    "modbus/operation",
    "operation context",
    `// The operational state reliability-score reads (flow context "tankT1Operation", its "operational
// context" field): the latest σ of the tank's inflow, outflow and level, and whether all three are stable.
const VARIABLES = { "T1.Inflow": "inflowStd", "T1.Outflow": "outflowStd", "T1.Level": "levelStd" };
const name = VARIABLES[msg.topic];
if (!name || !msg.sigma || typeof msg.sigma.std !== "number") return null;
const operation = flow.get("tankT1Operation") || {};
const states = flow.get("tankT1States") || {};
operation[name] = msg.sigma.std;
states[name] = msg.sigma.state;
flow.set("tankT1Operation", operation);
flow.set("tankT1States", states);
flow.set("tankT1Stable", Object.keys(VARIABLES).every((tag) => states[VARIABLES[tag]] === "stable"));
return null;`,
    m0.x + 620,
    m0.y + 120,
    0,
  );
  const telemetry = t.add("modbus/write", "influx-write", influxWrite("telemetry → historian", "telemetry", { analytics: "sigma.std" }), m0.x + 620, m0.y + 40);
  const measurementUi = linkOut(t, "modbus/ui", "to dashboard: fr-ui-measurement", "fr-ui-measurement", m0.x + 620, m0.y + 80);
  t.wire(modbus, 0, assetT1);
  t.wire(assetT1, 0, sigma);
  t.wire(sigma, 0, telemetry, measurementUi, operation);
  t.group("modbus", "Tank instruments (Modbus TCP) → σ → operation context", [mComment, modbus, assetT1, sigma, operation, telemetry, measurementUi], { fill: "#e3f3d3" });

  // --- Camera block
  const c0 = { x: 160, y: 320 };
  const cComment = comment(t, "camera/comment", "Thermal camera → layers → trust score", "Every 30 s the frame of tank T1 is fetched from CAMERA_URL (a 640×480 grey PNG; pixel p → °C = (p − 40)·60/215).\n\n**thermal-segment** finds the layers and the interface levels; **reliability-score** scores 0-100 how far to trust the measurement, against reference profiles it learns from frames taken while the operation is stable (msg.stable from the Modbus block), and lowers the score when the operation is far from steady (flow context `tankT1Operation`).\n\nThe frame, msg.thermal and msg.reliability go to the dashboard (`fr-ui-thermal`); score, band and interface levels in metres (tank height 10 m) go to the historian (`thermal` measurement, tag tank).", c0.x + 200, c0.y);
  const tick = t.add("camera/tick", "inject", { name: "every 30 s", props: [], repeat: "30", crontab: "", once: true, onceDelay: "5", topic: "" }, c0.x, c0.y + 60);
  const fetchFrame = t.add("camera/fetch", "http request", { name: "GET frame (CAMERA_URL)", method: "GET", ret: "bin", paytoqs: "ignore", url: "${CAMERA_URL}", tls: "", persist: false, proxy: "", insecureHTTPParser: false, authType: "", senderr: false, headers: [] }, c0.x + 200, c0.y + 60);
  const frameOk = fn(
    t,
    "camera/frame",
    "frame of T1 + operation",
    `// A frame is a PNG answered with 200; anything else is reported once per failure and dropped.
if (msg.statusCode !== 200 || !Buffer.isBuffer(msg.payload) || msg.payload.length === 0) {
    node.warn("camera answered " + msg.statusCode + ": no frame");
    return null;
}
// Only the frame goes on: the HTTP response details would ride along to the dashboard otherwise.
return { topic: "T1", payload: msg.payload, timestamp: Date.now(), stable: flow.get("tankT1Stable") === true };`,
    c0.x + 410,
    c0.y + 60,
  );
  const segment = t.add(
    "camera/segment",
    "thermal-segment",
    { name: "tank layers", roiX: "", roiY: "", roiWidth: "", roiHeight: "", input: "counts", offset8: "", scale8: "", offset16: "", scale16: "", bands: "", statistic: "median", sigma: 3, prominence: 3, minDistance: 6, expectedLayers: 4, overlay: false },
    c0.x + 610,
    c0.y + 60,
  );
  const score = t.add(
    "camera/score",
    "reliability-score",
    { name: "trust score", wConfidence: 0.3, wGradientMax: 0.25, wEmulsion: 0.2, wWater: 0.15, wCrude: 0.1, minSamples: 5, operationalContext: "tankT1Operation", qualityField: "confidence", groupField: "regime", variables: "", alpha: 0.1, store: "" },
    c0.x + 800,
    c0.y + 60,
  );
  const thermalUi = linkOut(t, "camera/ui", "to dashboard: fr-ui-thermal", "fr-ui-thermal", c0.x + 1000, c0.y + 40);
  const point = fn(
    t,
    "camera/point",
    "thermal point",
    `// The contract's \`thermal\` measurement: tag tank; fields score, band, and the interface levels in
// metres from the bottom (levelPct of the tank's 10 m height; the simulator's tank and T1's datasheet).
const TANK_HEIGHT_M = 10;
const th = msg.thermal || {};
const level = (name) => {
    const i = (th.interfaces || []).find((x) => x.name === name);
    return i && typeof i.levelPct === "number" ? (i.levelPct / 100) * TANK_HEIGHT_M : undefined;
};
const fields = { score: msg.reliability.score, band: msg.reliability.band };
const water = level("emulsion/water"), emulsion = level("crude/emulsion"), crude = level("air/crude");
if (water !== undefined) fields.water_interface = water;
if (emulsion !== undefined) fields.emulsion_interface = emulsion;
if (crude !== undefined) fields.crude_level = crude;
return { payload: { measurement: "thermal", tags: { tank: msg.topic }, fields, timestamp: msg.timestamp } };`,
    c0.x + 1000,
    c0.y + 80,
  );
  const thermalWrite = t.add("camera/write", "influx-write", influxWrite("thermal → historian", "thermal", { topicTag: "", qualityField: "" }), c0.x + 1190, c0.y + 80);
  t.wire(tick, 0, fetchFrame);
  t.wire(fetchFrame, 0, frameOk);
  t.wire(frameOk, 0, segment);
  t.wire(segment, 0, score);
  t.wire(score, 0, thermalUi, point);
  t.wire(point, 0, thermalWrite);
  t.group("camera", "Thermal camera → layers → trust score", [cComment, tick, fetchFrame, frameOk, segment, score, thermalUi, point, thermalWrite], { fill: "#ffe5cc" });

  eventsBlock(t, 180, 520, [
    [sigma, 1],
    [telemetry, 0],
    [thermalWrite, 0],
  ]);
  errorsBlock(t, 180, 760);
  return t.build([CFG.modbus, CFG.influx, ...alertSubflowDefinition()]);
}

// =============================================================================================
// Per-well subflow of template 2: the well's ANH journal/report and its delivery. The analytics chain
// (gap-detector → spc-rules → anomaly-detect → InfluxDB) is not in here: those nodes keep their state per
// topic, so one chain on the tab serves every well. Only what is per well by nature stays per well: the
// report's identifiers, its journal and its FTP directory (every well's file has the same name).
const WELL_SUBFLOW_ID = "fr-anh-well-subflow";
const ANH_VARIABLES = [
  { tag: "OilRate", code: "OIL_RATE", name: "Oil rate", unit: "bbl/d", aggregation: "mean" },
  { tag: "WaterRate", code: "WATER_RATE", name: "Water rate", unit: "bbl/d", aggregation: "mean" },
  { tag: "GasRate", code: "GAS_RATE", name: "Gas rate", unit: "kscf/d", aggregation: "mean" },
  { tag: "TubingPressure", code: "THP", name: "Tubing head pressure", unit: "psi", aggregation: "mean" },
  { tag: "CasingPressure", code: "CHP", name: "Casing head pressure", unit: "psi", aggregation: "mean" },
  { tag: "Temperature", code: "TEMP", name: "Temperature", unit: "°C", aggregation: "mean" },
  { tag: "Choke", code: "CHOKE", name: "Choke opening", unit: "%", aggregation: "last" },
];

/** InfluxQL for v1, Flux for v2: the same question in the language of the configured server. */
const DAY_QUERY = `// The well's readings of one day (Colombia time, UTC-5, no DST) from the historian, for anh-json's
// batch input. msg.date: "YYYY-MM-DD" (default: yesterday in Colombia).
const WELL = env.get("WELL");
if (msg.well && msg.well !== WELL) return null;
const COT_OFFSET_MS = 5 * 3600 * 1000;
let date = msg.date;
if (date === undefined) {
    const cot = new Date(Date.now() - COT_OFFSET_MS - 86400000);
    date = cot.toISOString().slice(0, 10);
}
if (!/^\\d{4}-\\d{2}-\\d{2}$/.test(String(date))) {
    node.error("msg.date: expected YYYY-MM-DD, got " + JSON.stringify(date), msg);
    return null;
}
const start = Date.parse(date + "T00:00:00Z") + COT_OFFSET_MS;
msg.date = date;
msg.topic = WELL;
msg.range = { start, stop: start + 86400000 };
msg.query = env.get("INFLUX_API") === "v2"
    ? 'from(bucket: "' + env.get("INFLUX_BUCKET") + '") |> range(start: $start, stop: $stop) |> filter(fn: (r) => r._measurement == "telemetry" and r.asset == $topic and (r._field == "value" or r._field == "quality")) |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")'
    : 'SELECT "value", "quality" FROM "telemetry" WHERE "asset" = $topic AND time >= $start AND time < $stop GROUP BY "tag"';
return msg;`;

const ROWS_TO_DAY = `// Historian rows → anh-json's batch [{topic, value, timestamp, quality}], topics without the well prefix
// (the variable map names OilRate, not W01.OilRate). influx-write stores every quality as the classic
// byte (192 = good, 64 uncertain, 0 bad), whatever protocol the reading came from.
const prefix = env.get("WELL") + ".";
const readings = [];
for (const row of msg.payload || []) {
    const tag = String(row.tag || "");
    if (!tag.startsWith(prefix)) continue;
    const time = typeof row.time === "number" ? row.time : Date.parse(row._time || row.time);
    if (typeof row.value !== "number" || !isFinite(time)) continue;
    const quality = typeof row.quality === "number" ? row.quality : undefined;
    readings.push({ topic: tag.slice(prefix.length), value: row.value, timestamp: time, quality });
}
readings.sort((a, b) => a.timestamp - b.timestamp);
node.status({ text: msg.date + ": " + readings.length + " readings" });
return { payload: readings, date: msg.date, topic: env.get("WELL") };`;

function wellSubflow() {
  // Built as a template whose "tab" is the subflow definition.
  const t = new Template("anh-well-subflow", "", "");
  t.nodes = [];
  const z = WELL_SUBFLOW_ID;
  const add = (name, type, props, x, y) => t.add(name, type, props, x, y, z);
  const route = add(
    "route",
    "switch",
    { name: "command or reading?", property: "command", propertyType: "msg", rules: [{ t: "eq", v: "generate", vt: "str" }, { t: "else" }], checkall: "false", repair: false, outputs: 2 },
    180,
    120,
  );
  const source = add("source", "switch", { name: "from the historian?", property: "source", propertyType: "msg", rules: [{ t: "eq", v: "influx", vt: "str" }, { t: "else" }], checkall: "false", repair: false, outputs: 2 }, 400, 80);
  const forWell = fn(t, "for-well", "for this well?", `// A command names no well (every well) or this one.\nreturn msg.well && msg.well !== env.get("WELL") ? null : msg;`, 620, 120, 1, z);
  const dayQuery = fn(t, "day-query", "day range + query", DAY_QUERY, 620, 60, 1, z);
  const query = add("query", "influx-query", { name: "day from historian", server: CFG.influx.id, language: "", query: "" }, 820, 60);
  const rows = fn(t, "rows", "rows → day batch", ROWS_TO_DAY, 1010, 60, 1, z);
  const anhName = add(
    "anh-name",
    "change",
    { name: "ANH variable name", rules: [{ t: "change", p: "topic", pt: "msg", from: '^[^.]+\\.', fromt: "re", to: "", tot: "str" }], action: "", property: "", from: "", to: "", reg: false },
    400,
    200,
  );
  const anh = add(
    "anh",
    "anh-json",
    {
      name: "ANH daily report",
      operatorId: "${ANH_OPERATOR_ID}",
      fieldId: "${ANH_FIELD_ID}",
      wellId: "${ANH_WELL_ID}",
      variables: JSON.stringify(ANH_VARIABLES, null, 1),
      timeZone: "America/Bogota",
      intervalSeconds: 600,
      maxMissingSlots: 10,
      minQualityPercent: 95,
      goodQualityCodes: "192, Good",
      generationTime: "06:00",
      journalDir: "",
      sendNonCompliant: false,
      keepJournalDays: 35,
    },
    1190,
    200,
  );
  const deliver = add(
    "deliver",
    "ftp-deliver",
    { name: "deliver to ANH", server: CFG.ftp.id, remoteDir: "${ANH_REMOTE_DIR}", mode: "message", schedule: "06:50", timeZone: "America/Bogota", outboxDir: "", retryInitialSeconds: 5, retryMaxSeconds: 300, deadlineMinutes: 60 },
    1390,
    200,
  );
  // Comments that explain the subflow to whoever opens it.
  comment(t, "c-in", "Input: the well's readings, and commands", "Readings `{topic: \"W01.OilRate\", payload, timestamp, quality}` of this well only (the template's \"which well?\" switch sends each well's readings to its instance). Commands `{command: \"generate\", date: \"YYYY-MM-DD\", well?, source?}`: with `source: \"influx\"` the day is read from the historian and sent to anh-json as a batch; otherwise anh-json builds the report from its own day journal. A command with `well` set is for that well only.", 200, 30, z);
  comment(t, "c-anh", "ANH report and delivery", "anh-json journals every reading of the well (the seven report variables; the other tags are ignored), builds ANH_REPORT_YYYYMMDD.json for the previous Colombian day at 06:00 (or on command) and ftp-deliver uploads it at 06:50 into ANH_REMOTE_DIR, exactly once; the delivery result goes back to anh-json (status uploaded / failed).", 800, 160, z);
  t.wire(route, 0, source);
  t.wire(route, 1, anhName);
  t.wire(source, 0, dayQuery);
  t.wire(source, 1, forWell);
  t.wire(dayQuery, 0, query);
  t.wire(query, 0, rows);
  t.wire(rows, 0, anh);
  t.wire(forWell, 0, anh);
  t.wire(anhName, 0, anh);
  t.wire(anh, 0, deliver);
  t.wire(deliver, 0, anh);
  // The dashboard keeps one report history per well (every well's file has the same name).
  const reportWell = add("report-well", "change", { name: "well = WELL", rules: [{ t: "set", p: "well", pt: "msg", to: "WELL", tot: "env" }], action: "", property: "", from: "", to: "", reg: false }, 1450, 280);
  t.wire(anh, 1, reportWell);
  t.wire(deliver, 0, reportWell);
  t.wire(deliver, 1, reportWell);
  const all = t.nodes;
  const def = {
    id: z,
    type: "subflow",
    name: "well: ANH daily report",
    info: "The ANH daily report of one well: anh-json (journal, ANH_REPORT_YYYYMMDD.json at 06:00 Colombia time) → ftp-deliver (06:50, exactly once), and the day rebuilt from the historian on command. Feed it this well's readings only; the analytics of every well run in one chain outside.\n\nProperties: WELL (series prefix, e.g. W01), ANH_OPERATOR_ID, ANH_FIELD_ID, ANH_WELL_ID (identifiers in the report), ANH_REMOTE_DIR (the FTP directory of this well's reports: the file name ANH_REPORT_YYYYMMDD.json is the same for every well).\n\nOutputs: 1 events (anh-json status transitions, delivery events), 2 report status (anh-json transitions and delivery results, with msg.well).",
    category: "field reliability",
    in: [{ x: 60, y: 120, wires: [{ id: route.id }] }],
    out: [
      { x: 1600, y: 160, wires: [{ id: anh.id, port: 1 }, { id: deliver.id, port: 1 }] },
      { x: 1600, y: 280, wires: [{ id: reportWell.id, port: 0 }] },
    ],
    env: [
      { name: "WELL", type: "str", value: "W01", ui: { label: { en: "Well (series prefix)" }, type: "input", opts: { types: ["str", "env"] } } },
      { name: "ANH_OPERATOR_ID", type: "str", value: "OP-0001", ui: { label: { en: "ANH operator id" }, type: "input", opts: { types: ["str", "env"] } } },
      { name: "ANH_FIELD_ID", type: "str", value: "FIELD-01", ui: { label: { en: "ANH field id" }, type: "input", opts: { types: ["str", "env"] } } },
      { name: "ANH_WELL_ID", type: "str", value: "W01", ui: { label: { en: "ANH well id" }, type: "input", opts: { types: ["str", "env"] } } },
      { name: "ANH_REMOTE_DIR", type: "str", value: "/anh/W01", ui: { label: { en: "FTP directory" }, type: "input", opts: { types: ["str", "env"] } } },
    ],
    meta: {},
    color: "#C7E9C0",
    inputLabels: ["this well's readings, commands"],
    outputLabels: ["events", "report status"],
    icon: "font-awesome/fa-file-text-o",
  };
  for (const n of all) {
    n.z = z;
    delete n.g;
  }
  return [def, ...all];
}

/** The switch rule that picks one well's readings (series keys `<well>.<tag>`). */
const wellRule = (well) => ({ t: "regex", v: `^${well}\\.`, vt: "str", case: false });

// =============================================================================================
// 2. anh-daily-report
function anhDailyReport() {
  const t = new Template(
    "anh-daily-report",
    "Well pad: analytics + ANH daily report",
    "The OPC UA well pad (OPCUA_ENDPOINT): every well's readings through one analytics chain (gap-detector → spc-rules → anomaly-detect → InfluxDB; the nodes keep their state per series key), and each well's ANH report in its own subflow instance (anh-json at 06:00 Colombia time → ftp-deliver at 06:50). Everything the operator sees goes to the dashboard's link in nodes; events also go through the alert subflow.\n\nScaling to hundreds of wells: see the comment \"Well pad\" and flows/README.md.\n\nEnvironment: OPCUA_ENDPOINT, INFLUX_*, FTP_HOST, FTP_PORT, FTP_SECURE, FTP_USER, FTP_PASSWORD, SITE. See flows/README.md.",
  );
  // --- Well pad: sources
  const cPad = comment(
    t,
    "pad/comment",
    "Well pad (OPC UA): one opcua-in per well",
    "Each opcua-in subscribes to the nine variables of one well (NodeIds `ns=1;s=<well>.<tag>`, series keys `<well>.<tag>`). All readings go to the one analytics chain and, by well, to that well's ANH report.\n\n**Adding a well**: add its items (or an opcua-in), a rule to \"which well?\" and an instance of the subflow \"well: ANH daily report\" on the new output (properties WELL, ANH_WELL_ID, ANH_REMOTE_DIR).\n\n**Many wells**: each opcua-in is one OPC UA subscription, and a node-opcua server allows 10 subscriptions per session by default (other servers have similar limits). Beyond a handful of wells put many wells in one opcua-in (e.g. 25 wells = 225 items per opcua-in, 9 opcua-in for 222 wells). Measured on one Node-RED process: 222 wells × 9 tags at 1 Hz (BENCHMARKS.md, template 2).",
    380,
    60,
  );
  const readings = t.add("pad/readings", "junction", { wires: [] }, 400, 200);
  delete readings.name;
  const padMembers = [cPad];
  WELLS.forEach((well, i) => {
    const items = WELL_TAGS.map((tag) => ({ nodeId: `ns=1;s=${well}.${tag}`, tag: `${well}.${tag}`, deadband: "", deadbandType: "absolute" }));
    const source = t.add(`pad/${well}/in`, "opcua-in", { name: `${well} variables`, endpoint: CFG.opcua.id, items, samplingInterval: 1000, publishingInterval: 1000, queueSize: 10 }, 180, 120 + i * 60);
    t.wire(source, 0, readings);
    padMembers.push(source);
  });
  t.group("pad", "Well pad (OPC UA)", padMembers, { fill: "#e3f3d3" });

  // --- One analytics chain for every well
  const cChain = comment(
    t,
    "chain/comment",
    "Analytics: one chain for every well",
    "gap-detector (gaps, stale after 60 s) → spc-rules (limits over the last 600 points, Nelson rule 1 at 4σ) → anomaly-detect (streaming; learns 3 600 points, new extremes 10 % beyond the seen range) → historian (`telemetry`, with spc_violations and anomaly_score). Every node keeps its state per series key (`W01.OilRate`), so one chain serves any number of wells. Tags asset = the well (the series key's prefix) and site = SITE.\n\nOutputs: analysed readings, with their completeness and gap state in msg.gap → dashboard (`fr-ui-measurement`); backfill requests → dashboard (`fr-ui-quality`); events (gap ended, stale, SPC, anomaly) → event block.",
    820,
    300,
  );
  const assetTags = t.add("chain/asset", "change", { name: "asset = well, site", ...ASSET_TAGS('$substringBefore(topic, ".")') }, 620, 360);
  const gaps = t.add(
    "chain/gaps",
    "gap-detector",
    { name: "gaps, stale", intervalSeconds: "auto", learnCount: 10, tolerance: 1.5, minorMaxHours: 2, moderateMaxHours: 12, staleSeconds: 60, timeZone: "America/Bogota", store: "" },
    820,
    360,
  );
  const spc = t.add(
    "chain/spc",
    "spc-rules",
    // Rolling limits over the last 10 minutes, σ from their standard deviation, rule 1 at 4σ: a well's rates
    // wander for hours and step when the operator moves the choke, so frozen limits (or σ from moving
    // ranges, which sees only the 1 s noise) flag most readings; and at 1 Hz even perfectly random data
    // crosses 3σ ten times per tag-hour (ARL 370 points), 4σ once in ~4 h. Measured on the simulator (3
    // seeds, 27 tags, 3 h): 50 raises per tag-hour before, 0.7–1.3 now; a 10 % drift over 30 min is flagged
    // on the set-point-like tags, a step or spike on every tag. See flows/README.md.
    { name: "SPC run rules", limits: "rolling", center: "", sigma: "", baselineSize: 25, window: 600, sigmaMethod: "std", sigmaMultiplier: 4, rules: ["nelson-1"], severities: {}, store: "" },
    1020,
    360,
  );
  const anomaly = t.add(
    "chain/anomaly",
    "anomaly-detect",
    // An hour of learning and new extremes scored 1 only 10 % of the range beyond everything seen: a
    // wandering well keeps making small new extremes (NAB's 1 % margin: 4–6 alarms per tag-hour on the
    // simulator, 0.4–0.6 with these).
    { name: "anomalies", method: "streaming", threshold: 0.99, criticalThreshold: 1, window: 30, learningPoints: 3600, newExtremeMargin: 0.1, features: "", trainSize: 1000, retrainEvery: 0, trees: 100, sampleSize: 256, seed: "", contamination: 0.01, impute: "error", store: "" },
    1220,
    360,
  );
  const telemetry = t.add("chain/telemetry", "influx-write", influxWrite("telemetry → historian", "telemetry", { analytics: "spc.violations, anomaly.score" }), 1420, 400);
  const measurementUi = linkOut(t, "chain/ui-measurement", "to dashboard: fr-ui-measurement", "fr-ui-measurement", 1440, 340);
  const qualityUi = linkOut(t, "chain/ui-quality", "to dashboard: fr-ui-quality", "fr-ui-quality", 1040, 440);
  t.wire(readings, 0, assetTags);
  t.wire(assetTags, 0, gaps);
  // Completeness and gap state travel with every analysed reading (msg.gap on fr-ui-measurement) and the
  // gaps ended as events: only the backfill requests go to fr-ui-quality. A second wire on output 1 would
  // clone all 2 000 readings a second of a large pad for a copy the dashboards already get.
  t.wire(gaps, 0, spc);
  t.wire(gaps, 2, qualityUi);
  t.wire(spc, 0, anomaly);
  t.wire(anomaly, 0, telemetry, measurementUi);
  t.group("chain", "Analytics of every well → InfluxDB, dashboard", [cChain, assetTags, gaps, spc, anomaly, telemetry, measurementUi, qualityUi], { fill: "#e3f3d3" });

  // --- ANH report per well
  const cAnh = comment(
    t,
    "anh/comment",
    "ANH daily report: one subflow instance per well",
    "\"which well?\" sends each well's readings (by the series key's prefix) to that well's instance of the subflow \"well: ANH daily report\": anh-json journals the day and builds ANH_REPORT_YYYYMMDD.json at 06:00 Colombia time, ftp-deliver uploads it at 06:50 into the well's FTP directory, exactly once. Instance properties: WELL, ANH_WELL_ID, ANH_REMOTE_DIR (ANH_OPERATOR_ID and ANH_FIELD_ID default in the subflow).\n\nOutputs: events → event block; report status (with `msg.well`) → dashboard (`fr-ui-report`).",
    820,
    540,
  );
  const byWell = t.add(
    "anh/by-well",
    "switch",
    { name: "which well?", property: "topic", propertyType: "msg", rules: WELLS.map(wellRule), checkall: "false", repair: false, outputs: WELLS.length },
    620,
    620,
  );
  t.wire(readings, 0, byWell);
  const instances = WELLS.map((well, i) => {
    const instance = t.add(
      `anh/${well}`,
      `subflow:${WELL_SUBFLOW_ID}`,
      {
        name: `${well}: ANH report`,
        env: [
          { name: "WELL", type: "str", value: well },
          { name: "ANH_WELL_ID", type: "str", value: well },
          { name: "ANH_REMOTE_DIR", type: "str", value: `/anh/${well}` },
        ],
      },
      840,
      600 + i * 40,
    );
    t.wire(byWell, i, instance);
    return instance;
  });
  const reportUi = linkOut(t, "anh/ui-report", "to dashboard: fr-ui-report", "fr-ui-report", 1080, 640);
  for (const instance of instances) t.wire(instance, 1, reportUi);
  t.group("anh", "ANH daily report of each well → FTP", [cAnh, byWell, ...instances, reportUi], { fill: "#e3f3d3" });

  const cCmd = comment(t, "command/comment", "Report commands (admin dashboard)", "The dashboard's \"generate again\" sends `{command: \"generate\", date: \"YYYY-MM-DD\"}` to this link in (`fr-flow-anh-command`). It goes to every well's ANH report (or to `msg.well` only). With `msg.source = \"influx\"` the day is rebuilt from the historian instead of anh-json's journal (e.g. after template data-gap-monitor backfilled it).", 380, 760);
  const commandIn = t.add("command/in", "link in", { name: "fr-flow-anh-command", links: [] }, 160, 820);
  commandIn.id = "fr-flow-anh-command";
  const check = fn(
    t,
    "command/check",
    "check command",
    `// Only well-formed commands reach the wells: {command: "generate", date?: "YYYY-MM-DD", well?, source?}.
if (msg.command !== "generate") {
    node.warn("fr-flow-anh-command: expected msg.command \\"generate\\", got " + JSON.stringify(msg.command));
    return null;
}
if (msg.date !== undefined && !/^\\d{4}-\\d{2}-\\d{2}$/.test(String(msg.date))) {
    node.warn("fr-flow-anh-command: expected msg.date YYYY-MM-DD, got " + JSON.stringify(msg.date));
    return null;
}
return msg;`,
    380,
    820,
  );
  t.wire(commandIn, 0, check);
  for (const instance of instances) t.wire(check, 0, instance);
  t.group("command", "Report commands from the dashboard (link in fr-flow-anh-command)", [cCmd, commandIn, check], { fill: "#dde8f5" });

  eventsBlock(t, 180, 940, [
    [gaps, 1],
    [spc, 1],
    [anomaly, 1],
    [telemetry, 0],
    ...instances.map((instance) => [instance, 0]),
  ]);
  errorsBlock(t, 180, 1180);
  return t.build([CFG.opcua, CFG.influx, CFG.ftp, ...wellSubflow(), ...alertSubflowDefinition()]);
}

// =============================================================================================
// 3. data-gap-monitor
const SCAN_TAGS = WELLS.flatMap((well) => WELL_TAGS.map((tag) => `${well}.${tag}`));
function dataGapMonitor() {
  const t = new Template(
    "data-gap-monitor",
    "Data gaps: watchdog + historian backfill",
    "Live: every well-pad variable is watched; a tag silent for 60 s raises a stale alarm, a gap a gap event, and the missing stretch is re-read from the source. Every 2 h (and 20 s after a deploy) the last 3 h of each tag in the historian are scanned for gaps (gap-detector in batch); each gap found is re-read from the source's history API (SOURCE_HISTORY_URL) and written back to InfluxDB.\n\nEnvironment: OPCUA_ENDPOINT, INFLUX_*, SOURCE_HISTORY_URL, SITE. See flows/README.md.",
  );
  // Live watchdog
  const cLive = comment(t, "live/comment", "Live watchdog: stale tags and gaps", "opcua-in subscribes to every variable of the pad; gap-detector learns each tag's interval, raises **stale** when a tag has been silent for 60 s (and **recovered** when it talks again) and a **gap** event when data resumes after a gap. Its backfill requests go to the re-read block; completeness and backfill requests go to the dashboard (`fr-ui-quality`). The live readings are not written here (template anh-daily-report does that).", 380, 60);
  const items = SCAN_TAGS.map((tag) => ({ nodeId: `ns=1;s=${tag}`, tag, deadband: "", deadbandType: "absolute" }));
  const live = t.add("live/in", "opcua-in", { name: "well pad variables", endpoint: CFG.opcua.id, items, samplingInterval: 1000, publishingInterval: 1000, queueSize: 10 }, 160, 120);
  const liveGaps = t.add("live/gaps", "gap-detector", { name: "live gaps, stale 60 s", intervalSeconds: "auto", learnCount: 10, tolerance: 1.5, minorMaxHours: 2, moderateMaxHours: 12, staleSeconds: 60, timeZone: "America/Bogota", store: "" }, 380, 120);
  const liveQuality = fn(
    t,
    "live/quality",
    "completeness, 1 per tag per min",
    `// The dashboard needs each tag's completeness, not every reading: at most one message per tag a minute.
const last = context.get("last") || {};
const now = Date.now();
if (last[msg.topic] !== undefined && now - last[msg.topic] < 60000) return null;
last[msg.topic] = now;
context.set("last", last);
return { topic: msg.topic, payload: msg.payload, timestamp: msg.timestamp, gap: msg.gap };`,
    620,
    80,
  );
  const qualityUi = linkOut(t, "live/ui", "to dashboard: fr-ui-quality", "fr-ui-quality", 860, 120);
  t.wire(live, 0, liveGaps);
  t.wire(liveGaps, 0, liveQuality);
  t.wire(liveQuality, 0, qualityUi);
  t.group("live", "Live watchdog (OPC UA) → stale / gap events", [cLive, live, liveGaps, liveQuality, qualityUi], { fill: "#e3f3d3" });

  // Historian scan
  const cScan = comment(t, "scan/comment", "Historian scan every 2 h", `The tag list and the look-back (3 h: the 2 h period plus an hour of overlap, so a gap across two scans is seen whole) are in "tags to scan". Each tag's timestamps go through gap-detector in batch mode (interval learned from the batch, tolerance 1.5×): one backfill request per gap.`, 380, 260);
  const tick = t.add("scan/tick", "inject", { name: "every 2 h", props: [], repeat: "7200", crontab: "", once: true, onceDelay: "20", topic: "" }, 160, 320);
  const tags = fn(
    t,
    "scan/tags",
    "tags to scan",
    `// The tags to scan and how far back. One query per tag: the historian answers timestamps only.
const TAGS = ${JSON.stringify(SCAN_TAGS)};
const LOOKBACK_MS = 3 * 3600 * 1000;
const stop = Date.now();
const query = env.get("INFLUX_API") === "v2"
    ? 'from(bucket: "' + env.get("INFLUX_BUCKET") + '") |> range(start: $start, stop: $stop) |> filter(fn: (r) => r._measurement == "telemetry" and r.tag == $topic and r._field == "quality")'
    : 'SELECT "quality" FROM "telemetry" WHERE "tag" = $topic AND time >= $start AND time < $stop';
for (const tag of (msg.tags || TAGS)) {
    node.send({ topic: tag, range: { start: stop - (msg.lookbackMs || LOOKBACK_MS), stop }, query });
}
return null;`,
    380,
    320,
  );
  const history = t.add("scan/query", "influx-query", { name: "tag history", server: CFG.influx.id, language: "", query: "" }, 580, 320);
  const stamps = fn(
    t,
    "scan/stamps",
    "rows → timestamps",
    `// gap-detector's batch input: [{timestamp, quality}]. influx-write stores every quality as the classic
// byte (192 = good); a row without quality counts as good.
msg.payload = (msg.payload || []).map((row) => {
    const timestamp = typeof row.time === "number" ? row.time : Date.parse(row._time || row.time);
    const q = typeof row.quality === "number" ? row.quality : row._value;
    return typeof q === "number" ? { timestamp, quality: q } : { timestamp };
});
if (msg.payload.length < 3) return null; // too few to learn an interval: nothing to say
return msg;`,
    780,
    320,
  );
  const batchGaps = t.add("scan/gaps", "gap-detector", { name: "gaps in history", intervalSeconds: "auto", learnCount: 10, tolerance: 1.5, minorMaxHours: 2, moderateMaxHours: 12, staleSeconds: 0, timeZone: "America/Bogota", store: "" }, 980, 320);
  const scanUi = linkOut(t, "scan/ui", "to dashboard: fr-ui-quality", "fr-ui-quality", 1190, 280);
  t.wire(tick, 0, tags);
  t.wire(tags, 0, history);
  t.wire(history, 0, stamps);
  t.wire(stamps, 0, batchGaps);
  t.wire(batchGaps, 0, scanUi);
  t.group("scan", "Historian scan (InfluxDB) → gaps → backfill requests", [cScan, tick, tags, history, stamps, batchGaps, scanUi], { fill: "#dde8f5" });

  // Re-read
  const cRe = comment(t, "reread/comment", "Source re-read → historian", "Each backfill request `{topic, start, end}` (from the live watchdog and the scan) asks the source's history API for the readings strictly between start and end: `GET SOURCE_HISTORY_URL?tag=<series key>&start=<epoch ms>&end=<epoch ms>` answering a JSON array of `{timestamp, value, quality}` (the simulator's `/history`; for a plant, the OPC UA server's or the edge gateway's history service, or replace this block). At most 2 requests a second. The readings are written to `telemetry` and a summary goes to the dashboard.", 380, 460);
  const throttle = t.add("reread/throttle", "delay", { name: "2 requests/s", pauseType: "rate", timeout: "5", timeoutUnits: "seconds", rate: "2", nbRateUnits: "1", rateUnits: "second", randomFirst: "1", randomLast: "5", randomUnits: "seconds", drop: false, allowrate: false, outputs: 1 }, 160, 520);
  const ask = fn(
    t,
    "reread/ask",
    "history request",
    `// GET SOURCE_HISTORY_URL?tag=&start=&end= for one backfill request {topic, start, end}.
const request = msg.payload || {};
const base = env.get("SOURCE_HISTORY_URL");
if (!base) {
    node.warn("SOURCE_HISTORY_URL is not set: backfill of " + request.topic + " skipped");
    return null;
}
const query = new URLSearchParams({ tag: String(request.topic), start: String(request.start), end: String(request.end) });
return { url: base + (base.includes("?") ? "&" : "?") + query.toString(), method: "GET", backfill: request, topic: request.topic };`,
    380,
    520,
  );
  const get = t.add("reread/get", "http request", { name: "GET history", method: "use", ret: "obj", paytoqs: "ignore", url: "", tls: "", persist: false, proxy: "", insecureHTTPParser: false, authType: "", senderr: true, headers: [] }, 580, 520);
  const readings = fn(
    t,
    "reread/readings",
    "readings to write",
    `// The source's answer → one message per reading strictly inside the gap (the readings at its ends are
// already in the historian), and one summary for the dashboard.
const request = msg.backfill;
const rows = Array.isArray(msg.payload) ? msg.payload : [];
const inside = rows.filter((r) => typeof r.timestamp === "number" && r.timestamp > request.start && r.timestamp < request.end);
const points = inside.map((r) => ({ topic: request.topic, payload: { value: r.value, timestamp: r.timestamp, quality: r.quality } }));
const summary = { topic: request.topic, payload: { event: "backfilled", topic: request.topic, start: request.start, end: request.end, missing: request.missing, received: inside.length } };
node.status({ text: request.topic + ": " + inside.length + " readings" });
return [points, summary];`,
    780,
    520,
    2,
  );
  const asset = t.add("reread/asset", "change", { name: "asset (well), site", ...ASSET_TAGS('$substringBefore(topic, ".")') }, 980, 500);
  const write = t.add("reread/write", "influx-write", influxWrite("backfill → historian", "telemetry"), 1180, 500);
  const rereadUi = linkOut(t, "reread/ui", "to dashboard: fr-ui-quality", "fr-ui-quality", 980, 560);
  t.wire(throttle, 0, ask);
  t.wire(ask, 0, get);
  t.wire(get, 0, readings);
  t.wire(readings, 0, asset);
  t.wire(readings, 1, rereadUi);
  t.wire(asset, 0, write);
  const worthIt = fn(
    t,
    "live/worth",
    "gaps of ≥ 5 samples",
    `// Live gaps shorter than 5 samples (network jitter, a slow poll) are not worth a request to the source.
return msg.payload && msg.payload.missing >= 5 ? msg : null;`,
    160,
    580,
  );
  t.wire(liveGaps, 2, worthIt, qualityUi);
  t.wire(worthIt, 0, throttle);
  t.wire(batchGaps, 2, throttle, scanUi);
  t.group("reread", "Source re-read (SOURCE_HISTORY_URL) → historian", [cRe, worthIt, throttle, ask, get, readings, asset, write, rereadUi], { fill: "#ffe5cc" });

  eventsBlock(t, 180, 680, [
    [liveGaps, 1],
    [write, 0],
  ]);
  errorsBlock(t, 180, 920);
  return t.build([CFG.opcua, CFG.influx, ...alertSubflowDefinition()]);
}

// =============================================================================================
// 4. anomaly-service
// The anomaly service's detector settings, the same for live readings and for detection over the history.
const SERVICE_DETECTOR = { method: "streaming", threshold: 0.99, criticalThreshold: 1, window: 10, learningPoints: 30, newExtremeMargin: 0.01, features: "", trainSize: 1000, retrainEvery: 0, trees: 100, sampleSize: 256, seed: "", contamination: 0.01, impute: "error", store: "" };

function anomalyService() {
  const t = new Template(
    "anomaly-service",
    "Anomaly service (HTTP API)",
    "An HTTP API like the anomaly service it replaces: POST a reading, list readings, run detection over a stretch of history. Readings are scored live by anomaly-detect and written to InfluxDB; events go through the alert subflow.\n\n| seed | here |\n|---|---|\n| POST /nuevo | POST /anomaly/readings |\n| GET /listar | GET /anomaly/readings?tag=&start=&end=&limit= |\n| POST /detectar | POST /anomaly/detect |\n\nEnvironment: INFLUX_*, SITE. See flows/README.md.",
  );
  // POST /anomaly/readings
  const cPost = comment(t, "post/comment", "POST /anomaly/readings (seed: /nuevo)", "Body: one reading `{tag, value, timestamp?, quality?}` (`topic` is accepted for `tag`; timestamp epoch ms or ISO 8601, default now; quality 192 = good or an OPC UA StatusCode) or an array of them.\n\nOne reading: answered 201 with the reading and its live anomaly score `{tag, value, timestamp, anomaly: {score, isAnomaly, severity, state}}`. An array: answered 202 `{accepted: n}` at once; each reading is scored and written. Invalid body: 400 `{error}` naming the field.\n\nThe live detector (streaming, forecast window 10 as the seed's, learns 30 points per tag) raises anomaly events; every reading goes to the historian (`telemetry`, with anomaly_score) and to the dashboard.", 400, 60);
  const postIn = t.add("post/in", "http in", { name: "", url: "/anomaly/readings", method: "post", upload: false, swaggerDoc: "" }, 170, 120);
  const validate = fn(
    t,
    "post/validate",
    "check reading(s)",
    `// {tag, value, timestamp?, quality?} or an array of them → one message per reading. Anything else is
// answered 400 with the field that is wrong.
const body = msg.payload;
const list = Array.isArray(body) ? body : [body];
const readings = [];
for (let i = 0; i < list.length; i++) {
    const r = list[i];
    const where = Array.isArray(body) ? "[" + i + "]" : "";
    if (r === null || typeof r !== "object") return [null, bad(where || "body", "expected an object {tag, value, timestamp?, quality?}")];
    const tag = r.tag !== undefined ? r.tag : r.topic;
    if (typeof tag !== "string" || tag.trim() === "") return [null, bad(where + "tag", "expected the tag name (a non-empty string)")];
    const value = typeof r.value === "string" && r.value.trim() !== "" ? Number(r.value) : r.value;
    if (typeof value !== "number" || !isFinite(value)) return [null, bad(where + "value", "expected a number, got " + JSON.stringify(r.value))];
    let timestamp = Date.now();
    if (r.timestamp !== undefined) {
        timestamp = typeof r.timestamp === "number" ? r.timestamp : Date.parse(r.timestamp);
        if (!isFinite(timestamp)) return [null, bad(where + "timestamp", "expected epoch ms or ISO 8601, got " + JSON.stringify(r.timestamp))];
    }
    readings.push({ topic: tag.trim(), payload: { value, timestamp, quality: r.quality === undefined ? 192 : r.quality }, timestamp });
}
if (readings.length === 0) return [null, bad("body", "expected at least one reading")];
if (!Array.isArray(body)) {
    // One reading: answered after scoring, so the response carries msg.res along.
    return [Object.assign(readings[0], { req: msg.req, res: msg.res }), null];
}
return [readings, { req: msg.req, res: msg.res, statusCode: 202, payload: { accepted: readings.length } }];

function bad(field, message) {
    return { req: msg.req, res: msg.res, statusCode: 400, payload: { error: field + ": " + message } };
}`,
    400,
    120,
    2,
  );
  const assetTags = t.add("post/asset", "change", { name: "asset (tag prefix), site", ...ASSET_TAGS('$contains(topic, ".") ? $substringBefore(topic, ".") : topic') }, 620, 100);
  const live = t.add(
    "post/anomaly",
    "anomaly-detect",
    { name: "live detector", ...SERVICE_DETECTOR },
    820,
    100,
  );
  const answer = fn(
    t,
    "post/answer",
    "201 with the score",
    `// Only the message of a single-reading request carries msg.res.
if (!msg.res) return null;
const a = msg.anomaly || {};
msg.statusCode = 201;
msg.payload = { tag: msg.topic, value: msg.payload.value, timestamp: msg.payload.timestamp, anomaly: { score: a.score, isAnomaly: a.isAnomaly, severity: a.severity, state: a.state } };
return msg;`,
    1040,
    60,
  );
  const postResponse = t.add("post/response", "http response", { name: "", statusCode: "", headers: {} }, 1240, 120);
  const write = t.add("post/write", "influx-write", influxWrite("readings → historian", "telemetry", { analytics: "anomaly.score" }), 1040, 100);
  const measurementUi = linkOut(t, "post/ui", "to dashboard: fr-ui-measurement", "fr-ui-measurement", 1040, 140);
  t.wire(postIn, 0, validate);
  t.wire(validate, 0, assetTags);
  t.wire(validate, 1, postResponse);
  t.wire(assetTags, 0, live);
  t.wire(live, 0, answer, write, measurementUi);
  t.wire(answer, 0, postResponse);
  t.group("post", "POST /anomaly/readings: store and score a reading", [cPost, postIn, validate, assetTags, live, answer, write, measurementUi, postResponse], { fill: "#e3f3d3" });

  // GET /anomaly/readings
  const cList = comment(t, "list/comment", "GET /anomaly/readings (seed: /listar)", "Query: `tag` (required), `start`, `end` (epoch ms or ISO 8601; default the last 24 h), `limit` (default 1000, at most 10000; the latest readings). Answer 200 `{tag, start, end, readings: [{timestamp, value, quality, anomalyScore}]}`, oldest first.", 400, 240);
  const listIn = t.add("list/in", "http in", { name: "", url: "/anomaly/readings", method: "get", upload: false, swaggerDoc: "" }, 170, 300);
  const listQuery = fn(
    t,
    "list/query",
    "query for the historian",
    `// GET ?tag=&start=&end=&limit= → influx-query with $topic, $start, $stop bound (never pasted into the text).
const q = msg.req.query || {};
const fail = (field, message) => [null, { req: msg.req, res: msg.res, statusCode: 400, payload: { error: field + ": " + message } }];
if (typeof q.tag !== "string" || q.tag.trim() === "") return fail("tag", "expected ?tag=<tag name>");
const time = (v, fallback) => (v === undefined ? fallback : /^\\d+$/.test(v) ? Number(v) : Date.parse(v));
const end = time(q.end, Date.now());
const start = time(q.start, end - 86400000);
if (!isFinite(start) || !isFinite(end) || !(end > start)) return fail("start/end", "expected epoch ms or ISO 8601 with end after start");
const limit = q.limit === undefined ? 1000 : Number(q.limit);
if (!Number.isInteger(limit) || limit < 1 || limit > 10000) return fail("limit", "expected a whole number 1-10000");
msg.topic = q.tag.trim();
msg.range = { start, stop: end };
msg.limit = limit;
msg.query = env.get("INFLUX_API") === "v2"
    ? 'from(bucket: "' + env.get("INFLUX_BUCKET") + '") |> range(start: $start, stop: $stop) |> filter(fn: (r) => r._measurement == "telemetry" and r.tag == $topic) |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value") |> sort(columns: ["_time"], desc: true) |> limit(n: ' + limit + ')'
    : 'SELECT "value", "quality", "anomaly_score" FROM "telemetry" WHERE "tag" = $topic AND time >= $start AND time < $stop ORDER BY time DESC LIMIT ' + limit;
return [msg, null];`,
    400,
    300,
    2,
  );
  const listRead = t.add("list/read", "influx-query", { name: "readings of the tag", server: CFG.influx.id, language: "", query: "" }, 620, 300);
  const listAnswer = fn(
    t,
    "list/answer",
    "200 readings",
    `const readings = (msg.payload || []).map((row) => ({
    timestamp: typeof row.time === "number" ? row.time : Date.parse(row._time || row.time),
    value: row.value,
    quality: row.quality,
    anomalyScore: row.anomaly_score === undefined ? null : row.anomaly_score,
})).sort((a, b) => a.timestamp - b.timestamp);
msg.statusCode = 200;
msg.payload = { tag: msg.topic, start: msg.range.start, end: msg.range.stop, readings };
return msg;`,
    820,
    300,
  );
  const listResponse = t.add("list/response", "http response", { name: "", statusCode: "", headers: {} }, 1040, 300);
  t.wire(listIn, 0, listQuery);
  t.wire(listQuery, 0, listRead);
  t.wire(listQuery, 1, listResponse);
  t.wire(listRead, 0, listAnswer);
  t.wire(listAnswer, 0, listResponse);
  t.group("list", "GET /anomaly/readings: list a tag's readings", [cList, listIn, listQuery, listRead, listAnswer, listResponse], { fill: "#dde8f5" });

  // POST /anomaly/detect
  const cDetect = comment(t, "detect/comment", "POST /anomaly/detect (seed: /detectar)", "Body `{tag, start?, end?}` (default the last 24 h). The tag's readings in that range are scored as history by a fresh streaming detector (same settings as the live one; the first 30 readings only teach it). Answer 200 `{tag, start, end, n, threshold, anomalies: [{timestamp, value, score}]}`. Detection on demand raises no alert: the live detector does.", 400, 420);
  const detectIn = t.add("detect/in", "http in", { name: "", url: "/anomaly/detect", method: "post", upload: false, swaggerDoc: "" }, 170, 480);
  const detectQuery = fn(
    t,
    "detect/query",
    "query for the historian",
    `// {tag, start?, end?} → the tag's readings of that range from the historian.
const body = msg.payload || {};
const fail = (field, message) => [null, { req: msg.req, res: msg.res, statusCode: 400, payload: { error: field + ": " + message } }];
const tag = body.tag !== undefined ? body.tag : body.topic;
if (typeof tag !== "string" || tag.trim() === "") return fail("tag", "expected the tag name (a non-empty string)");
const time = (v, fallback) => (v === undefined ? fallback : typeof v === "number" ? v : Date.parse(v));
const end = time(body.end, Date.now());
const start = time(body.start, end - 86400000);
if (!isFinite(start) || !isFinite(end) || !(end > start)) return fail("start/end", "expected epoch ms or ISO 8601 with end after start");
msg.topic = tag.trim();
msg.range = { start, stop: end };
msg.query = env.get("INFLUX_API") === "v2"
    ? 'from(bucket: "' + env.get("INFLUX_BUCKET") + '") |> range(start: $start, stop: $stop) |> filter(fn: (r) => r._measurement == "telemetry" and r.tag == $topic) |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")'
    : 'SELECT "value", "quality" FROM "telemetry" WHERE "tag" = $topic AND time >= $start AND time < $stop';
return [msg, null];`,
    400,
    480,
    2,
  );
  const detectRead = t.add("detect/read", "influx-query", { name: "readings of the tag", server: CFG.influx.id, language: "", query: "" }, 620, 480);
  const toBatch = fn(
    t,
    "detect/batch",
    "rows → batch",
    `// anomaly-detect's batch input: [{value, timestamp, quality}] in time order.
msg.rows = (msg.payload || []).map((row) => ({
    value: row.value,
    timestamp: typeof row.time === "number" ? row.time : Date.parse(row._time || row.time),
    quality: typeof row.quality === "number" ? row.quality : 192,
})).filter((r) => typeof r.value === "number").sort((a, b) => a.timestamp - b.timestamp);
if (msg.rows.length === 0) {
    msg.statusCode = 200;
    msg.payload = { tag: msg.topic, start: msg.range.start, end: msg.range.stop, n: 0, threshold: null, anomalies: [] };
    return [null, msg];
}
msg.payload = msg.rows;
return [msg, null];`,
    820,
    480,
    2,
  );
  const batch = t.add(
    "detect/anomaly",
    "anomaly-detect",
    { name: "detector on history", ...SERVICE_DETECTOR },
    1020,
    460,
  );
  const detectAnswer = fn(
    t,
    "detect/answer",
    "200 anomalies",
    `const a = msg.anomaly || {};
const scores = a.scores || [];
const flags = a.isAnomaly || [];
const anomalies = msg.rows.map((r, i) => ({ timestamp: r.timestamp, value: r.value, score: scores[i] })).filter((r, i) => flags[i] === true);
msg.statusCode = 200;
msg.payload = { tag: msg.topic, start: msg.range.start, end: msg.range.stop, n: msg.rows.length, threshold: a.threshold, anomalies };
delete msg.rows;
return msg;`,
    1220,
    460,
  );
  const detectResponse = t.add("detect/response", "http response", { name: "", statusCode: "", headers: {} }, 1420, 500);
  t.wire(detectIn, 0, detectQuery);
  t.wire(detectQuery, 0, detectRead);
  t.wire(detectQuery, 1, detectResponse);
  t.wire(detectRead, 0, toBatch);
  t.wire(toBatch, 0, batch);
  t.wire(toBatch, 1, detectResponse);
  t.wire(batch, 0, detectAnswer);
  t.wire(detectAnswer, 0, detectResponse);
  t.group("detect", "POST /anomaly/detect: detection over a stretch of history", [cDetect, detectIn, detectQuery, detectRead, toBatch, batch, detectAnswer, detectResponse], { fill: "#ffe5cc" });

  // API errors
  const cErr = comment(t, "api-errors/comment", "API errors → HTTP answer", "A node that fails on a request (the historian unreachable, bad input caught by a node) answers the request instead of leaving it hanging: 502 when the historian failed, else 400 with the message.", 400, 600);
  const apiCatch = t.add("api-errors/catch", "catch", { name: "errors of the API nodes", scope: [validate.id, live.id, listQuery.id, listRead.id, detectQuery.id, detectRead.id, toBatch.id, batch.id], uncaught: false }, 170, 660);
  const apiError = fn(
    t,
    "api-errors/answer",
    "4xx / 502",
    `if (!msg.res) return null; // a reading of an array request: its answer (202) is already sent
const text = (msg.error && msg.error.message) || "failed";
msg.statusCode = /^query failed/.test(text) ? 502 : 400;
msg.payload = { error: text };
return msg;`,
    400,
    660,
  );
  const errResponse = t.add("api-errors/response", "http response", { name: "", statusCode: "", headers: {} }, 620, 660);
  t.wire(apiCatch, 0, apiError);
  t.wire(apiError, 0, errResponse);
  t.group("api-errors", "API errors → HTTP answer", [cErr, apiCatch, apiError, errResponse], { fill: "#ffdddd" });

  eventsBlock(t, 180, 780, [
    [live, 1],
    [write, 0],
  ]);
  return t.build([CFG.influx, ...alertSubflowDefinition()]);
}

out("tank-thermal-reliability.json", tankThermalReliability());
out("anh-daily-report.json", anhDailyReport());
out("data-gap-monitor.json", dataGapMonitor());
out("anomaly-service.json", anomalyService());
if (checkOnly && stale.length > 0) {
  console.error(`out of date (run npm run build:flows): ${stale.join(", ")}`);
  process.exit(1);
}
console.log(checkOnly ? "flow templates up to date" : "flow templates written");
