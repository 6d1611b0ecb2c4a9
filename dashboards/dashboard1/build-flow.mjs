// Builds operator-dashboard.json, the Dashboard 1 (node-red-dashboard 3.x) variant of the operator dashboard:
//   node dashboards/dashboard1/build-flow.mjs            writes operator-dashboard.json next to this file
//   node dashboards/dashboard1/build-flow.mjs --stdout   prints it (the flow test compares the two)
// The flow is written from here rather than edited in the Node-RED editor so that the function code, the
// templates and the dictionary stay readable and reviewable; the JSON is what plants import.
import fs from "fs";
import process from "process";
import console from "console";
import path from "path";
import { fileURLToPath } from "url";

const TAB = "fr-d1-tab";
const nodes = [];
let y = 40;
function add(node) {
  nodes.push(node);
  return node;
}

// ---------------------------------------------------------------- dictionary (the tab's environment)
const L = {
  PAGE_OVERVIEW: ["Plant overview", "Resumen de planta"],
  PAGE_TAG: ["Tag detail", "Detalle de variable"],
  PAGE_THERMAL: ["Tank thermal", "Térmica del tanque"],
  PAGE_QUALITY: ["Data quality", "Calidad de datos"],
  PAGE_REPORT: ["ANH report", "Reporte ANH"],
  TAGS: ["Tags", "Variables"],
  ALARMS: ["Active alarms", "Alarmas activas"],
  NO_ALARMS: ["No active alarms", "Sin alarmas activas"],
  CRITICAL: ["Critical", "Crítica"],
  WARNING: ["Warning", "Advertencia"],
  INFO: ["Info", "Información"],
  TAG: ["Tag", "Variable"],
  VALUE: ["Value", "Valor"],
  QUALITY: ["Quality", "Calidad"],
  GOOD: ["good", "buena"],
  BAD: ["bad", "mala"],
  STATE: ["State", "Estado"],
  LIVE: ["live", "en línea"],
  STALE: ["stale", "sin datos"],
  GAP: ["gap", "hueco"],
  UPDATED: ["Updated", "Actualizado"],
  WAITING: ["Waiting for data…", "Esperando datos…"],
  OPEN_TAG: ["Click a tag to open its detail", "Pulse una variable para ver su detalle"],
  SELECT_TAG: ["Tag", "Variable"],
  TREND: ["Trend with SPC limits", "Tendencia con límites SPC"],
  CENTER: ["centre", "central"],
  UCL: ["UCL", "LCS"],
  LCL: ["LCL", "LCI"],
  VIOLATIONS: ["Rule violations", "Violaciones de reglas"],
  NO_VIOLATIONS: ["No rule violated", "Ninguna regla violada"],
  RULES: ["Rules", "Reglas"],
  TIME: ["Time", "Hora"],
  SIGMA: ["Rolling σ", "σ móvil"],
  SIGMA_LIMIT: ["limit", "límite"],
  STABLE: ["stable", "estable"],
  TURBULENT: ["turbulent", "turbulento"],
  WARMING: ["warming up", "calentando"],
  ANOMALY: ["Anomaly score", "Puntaje de anomalía"],
  THRESHOLD: ["threshold", "umbral"],
  SCORE: ["score", "puntaje"],
  LATEST_FRAME: ["Latest thermal frame", "Último cuadro térmico"],
  INTERFACE_LEVELS: ["Interface levels (m)", "Niveles de interfaz (m)"],
  BAND_THICKNESS: ["Band thickness (%)", "Espesor de bandas (%)"],
  RELIABILITY: ["Reliability score", "Puntaje de confiabilidad"],
  BAND: ["Band", "Banda"],
  HIGH: ["high", "alta"],
  MEDIUM: ["medium", "media"],
  LOW: ["low", "baja"],
  REASONS: ["Reasons", "Motivos"],
  NO_REASONS: ["Nothing lowered the score", "Nada redujo el puntaje"],
  CONFIDENCE: ["Detection confidence", "Confianza de detección"],
  AIR: ["air", "aire"],
  CRUDE: ["crude", "crudo"],
  EMULSION: ["emulsion", "emulsión"],
  WATER: ["water", "agua"],
  COMPLETENESS: ["Completeness per tag and day (%)", "Completitud por variable y día (%)"],
  GAPS: ["Gaps", "Huecos"],
  NO_GAPS: ["No gaps", "Sin huecos"],
  START: ["Start", "Inicio"],
  END: ["End", "Fin"],
  DURATION: ["Duration", "Duración"],
  MISSING: ["Missing", "Faltantes"],
  SEVERITY: ["Severity", "Severidad"],
  MINOR: ["minor", "menor"],
  MODERATE: ["moderate", "moderada"],
  BACKFILL: ["Backfill", "Relleno"],
  NO_BACKFILL: ["No backfill requests", "Sin solicitudes de relleno"],
  REQUESTED: ["requested", "solicitado"],
  DONE: ["done", "hecho"],
  STALE_WATCHDOG: ["Stale watchdog", "Vigilancia de datos congelados"],
  ALL_FRESH: ["Every tag is reporting", "Todas las variables reportan"],
  LAST_SEEN: ["Last seen", "Último dato"],
  REPORT_STATUS: ["ANH report status", "Estado del reporte ANH"],
  NO_REPORTS: ["No report yet", "Aún no hay reportes"],
  DAY: ["Day", "Día"],
  STATUS: ["Status", "Estado"],
  PENDING: ["pending", "pendiente"],
  GENERATING: ["generating", "generando"],
  VALIDATING: ["validating", "validando"],
  READY: ["ready", "listo"],
  UPLOADING: ["uploading", "subiendo"],
  UPLOADED: ["uploaded", "subido"],
  FAILED: ["failed", "fallido"],
  VARIABLES: ["Missing slots and quality per variable", "Intervalos faltantes y calidad por variable"],
  VARIABLE: ["Variable", "Variable"],
  MISSING_SLOTS: ["Missing slots", "Intervalos faltantes"],
  QUALITY_SCORE: ["Quality score (%)", "Calidad (%)"],
  COMPLIANT: ["Compliant", "Cumple"],
  YES: ["yes", "sí"],
  NO: ["no", "no"],
  DELIVERIES: ["Delivery attempts", "Intentos de entrega"],
  ATTEMPTS: ["Attempts", "Intentos"],
  FILE: ["File", "Archivo"],
  ADMIN: ["Administrator: retry a failed delivery", "Administrador: reintentar una entrega fallida"],
  ADMIN_PIN: ["Administrator PIN", "PIN de administrador"],
  ADMIN_OK: ["Administrator unlocked for 10 minutes", "Administrador habilitado por 10 minutos"],
  ADMIN_BAD: ["Wrong PIN", "PIN incorrecto"],
  ADMIN_OFF: ["Retry disabled: DASHBOARD_ADMIN_PIN is not set", "Reintento deshabilitado: DASHBOARD_ADMIN_PIN no está definido"],
  RETRY: ["Retry failed report", "Reintentar reporte fallido"],
  RETRY_SENT: ["Retry requested for", "Reintento solicitado para"],
  RETRY_REFUSED: ["Retry refused: administrators only", "Reintento rechazado: solo administradores"],
  RETRY_NONE: ["No failed report to retry", "No hay reportes fallidos para reintentar"],
};
const env = Object.entries(L).map(([key, [en, es]]) => ({
  name: `L_${key}`,
  value: `$contains($string($env("DASHBOARD_LANG")), /^es/i) ? ${JSON.stringify(es)} : ${JSON.stringify(en)}`,
  type: "jsonata",
}));
env.unshift({ name: "TANK_HEIGHT_M", value: "10", type: "num" });

add({
  id: TAB,
  type: "tab",
  label: "Field reliability dashboard (Dashboard 1)",
  disabled: false,
  info:
    "Operator dashboard for node-red-dashboard 3.x (Dashboard 1) at /ui.\n\n" +
    "Fed only by the link in nodes fr-ui-*-d1 (see dashboards/dashboard1/README.md). " +
    "Labels: the tab's environment variables L_* are the dictionary (English and Spanish side by side); " +
    "DASHBOARD_LANG=es picks Spanish. The retry button needs DASHBOARD_ADMIN_PIN (see the README: Dashboard 1 has no users or roles).",
  env,
});

// ---------------------------------------------------------------- pages and groups
const pages = [
  ["fr-d1-page-overview", "${L_PAGE_OVERVIEW}", "dashboard", 1],
  ["fr-d1-page-tag", "${L_PAGE_TAG}", "show_chart", 2],
  ["fr-d1-page-thermal", "${L_PAGE_THERMAL}", "fa-thermometer-half", 3],
  ["fr-d1-page-quality", "${L_PAGE_QUALITY}", "fa-check-square-o", 4],
  ["fr-d1-page-report", "${L_PAGE_REPORT}", "fa-file-text-o", 5],
];
for (const [id, name, icon, order] of pages) add({ id, type: "ui_tab", z: TAB, name, icon, order, disabled: false, hidden: false });

function group(id, page, name, width, order) {
  return add({ id, type: "ui_group", z: TAB, name, tab: page, order, disp: true, width: String(width), collapse: false, className: "" });
}
group("fr-d1-g-tags", "fr-d1-page-overview", "${L_TAGS}", 12, 1);
group("fr-d1-g-alarms", "fr-d1-page-overview", "${L_ALARMS}", 8, 2);
group("fr-d1-g-trend", "fr-d1-page-tag", "${L_TREND}", 12, 1);
group("fr-d1-g-sigma", "fr-d1-page-tag", "${L_SIGMA}", 8, 2);
group("fr-d1-g-anomaly", "fr-d1-page-tag", "${L_ANOMALY}", 8, 3);
group("fr-d1-g-frame", "fr-d1-page-thermal", "${L_LATEST_FRAME}", 8, 1);
group("fr-d1-g-levels", "fr-d1-page-thermal", "${L_INTERFACE_LEVELS}", 8, 2);
group("fr-d1-g-reliability", "fr-d1-page-thermal", "${L_RELIABILITY}", 6, 3);
group("fr-d1-g-completeness", "fr-d1-page-quality", "${L_COMPLETENESS}", 12, 1);
group("fr-d1-g-gaps", "fr-d1-page-quality", "${L_GAPS}", 12, 2);
group("fr-d1-g-backfill", "fr-d1-page-quality", "${L_BACKFILL}", 8, 3);
group("fr-d1-g-stale", "fr-d1-page-quality", "${L_STALE_WATCHDOG}", 6, 4);
group("fr-d1-g-status", "fr-d1-page-report", "${L_REPORT_STATUS}", 12, 1);
group("fr-d1-g-variables", "fr-d1-page-report", "${L_VARIABLES}", 8, 2);
group("fr-d1-g-deliveries", "fr-d1-page-report", "${L_DELIVERIES}", 8, 3);
group("fr-d1-g-admin", "fr-d1-page-report", "${L_ADMIN}", 6, 4);

// ---------------------------------------------------------------- helpers for flow nodes
function at(x, node) {
  node.x = x;
  node.y = y;
  return node;
}
function fn(id, name, func, outputs, wires, extra = {}) {
  return add(at(400, { id, type: "function", z: TAB, name, func, outputs, timeout: 0, noerr: 0, initialize: extra.initialize || "", finalize: "", libs: [], wires }));
}
function linkIn(id, name, wires) {
  return add(at(120, { id, type: "link in", z: TAB, name, links: [], wires: [wires] }));
}
function template(id, groupId, name, order, width, height, format) {
  return add(
    at(720, {
      id, type: "ui_template", z: TAB, group: groupId, name, order, width: String(width), height: String(height), format,
      storeOutMessages: false, fwdInMessages: false, resendOnRefresh: true, templateScope: "local", className: "", wires: [[]],
    }),
  );
}
function chart(id, groupId, label, order, width, height, extra = {}) {
  return add(
    at(720, {
      id, type: "ui_chart", z: TAB, name: id.replace("fr-d1-", ""), group: groupId, order, width: String(width), height: String(height), label,
      chartType: "line", legend: "true", xformat: "HH:mm:ss", interpolate: "linear", nodata: "${L_WAITING}", dot: false,
      ymin: extra.ymin ?? "", ymax: extra.ymax ?? "", removeOlder: 1, removeOlderPoints: "600", removeOlderUnit: "3600", cutout: 0,
      useOneColor: false, useUTC: false, colors: extra.colors || ["#1f77b4", "#7f7f7f", "#d62728", "#d62728", "#ff7f0e", "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5"],
      outputs: 1, useDifferentColor: false, className: "", wires: [[]],
    }),
  );
}
function gauge(id, groupId, title, order, width, height, extra) {
  return add(
    at(720, {
      id, type: "ui_gauge", z: TAB, name: id.replace("fr-d1-", ""), group: groupId, order, width: String(width), height: String(height), gtype: "gage",
      title, label: extra.label || "", format: extra.format, min: extra.min, max: extra.max, colors: extra.colors, seg1: extra.seg1, seg2: extra.seg2,
      diff: false, className: "", wires: [],
    }),
  );
}
const step = () => (y += 60);

// Shared browser-side style: severity colours and compact tables that never overflow their group.
const STYLE = `<style>
.fr-table{width:100%;border-collapse:collapse;font-size:13px;table-layout:fixed}
.fr-table th,.fr-table td{padding:3px 4px;text-align:left;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;border-bottom:1px solid rgba(128,128,128,.25)}
.fr-scroll{max-height:100%;overflow-y:auto;overflow-x:hidden}
.fr-critical{background:#d9534f;color:#fff}.fr-warning{background:#f0ad4e;color:#222}.fr-info{background:#5bc0de;color:#222}
.fr-good{color:#2e7d32}.fr-bad{color:#c62828;font-weight:bold}.fr-muted{opacity:.7}
.fr-chip{display:inline-block;border-radius:10px;padding:1px 8px;margin-right:4px;font-size:12px}
.fr-click{cursor:pointer}.fr-click:hover{background:rgba(128,128,128,.15)}
</style>`;

// ---------------------------------------------------------------- common function code
// A throttle in each render function: many readings per second become at most 4 redraws per second.
const THROTTLE_INIT = `context.set('timer', null);`;
function throttled(render) {
  return `// Many inputs per second become at most four redraws: the browser redraws tables, not every reading.
if (context.get('timer')) return null;
context.set('timer', setTimeout(() => {
    context.set('timer', null);
    try {
        node.send(render());
    } catch (err) {
        node.error(err);
    }
}, 250));
return null;

function render() {
${render}
}`;
}
const I18N = `function t(key) { return env.get('L_' + key) || key; }`;

// ================================================================ measurements
y = 40;
linkIn("fr-ui-measurement-d1", "fr-ui-measurement-d1", ["fr-d1-fn-measurement"]);
fn(
  "fr-d1-fn-measurement",
  "store reading",
  `// Keeps the latest reading and a short history per tag (msg.topic) in flow context; renders are triggered.
const tag = typeof msg.topic === 'string' ? msg.topic : '';
if (tag === '') return null;
const p = msg.payload;
const reading = (p !== null && typeof p === 'object' && !Array.isArray(p) && !Buffer.isBuffer(p)) ? p : { value: p };
const value = typeof reading.value === 'number' ? reading.value : Number(reading.value);
const time = parseTime(msg.timestamp ?? reading.timestamp) ?? Date.now();
const quality = msg.quality ?? reading.quality;
const tags = flow.get('tags') || {};
const entry = tags[tag] || { tag, history: [] };
entry.value = Number.isFinite(value) ? value : null;
entry.time = time;
entry.quality = quality === undefined ? null : quality;
entry.good = isGood(quality);
if (msg.gap) {
    entry.inGap = msg.gap.inGap === true;
    entry.stale = msg.gap.stale === true;
    if (typeof msg.gap.completenessToday === 'number') {
        entry.completeness = msg.gap.completenessToday;
        // The quality page's table too: template 2 sends completeness only with the analysed readings.
        const completeness = flow.get('completeness') || {};
        const local = new Date(time - new Date(time).getTimezoneOffset() * 60000).toISOString().slice(0, 10);
        (completeness[tag] || (completeness[tag] = {}))[local] = msg.gap.completenessToday;
        flow.set('completeness', completeness);
    }
} else {
    entry.stale = false;
}
const point = { t: time, v: entry.value };
if (msg.spc) {
    Object.assign(point, { c: msg.spc.center ?? null, ucl: msg.spc.ucl ?? null, lcl: msg.spc.lcl ?? null, rules: Array.isArray(msg.spc.violations) ? msg.spc.violations : [] });
    entry.spcState = msg.spc.state;
}
if (msg.sigma) {
    Object.assign(point, { s: msg.sigma.std ?? null, lim: msg.sigma.limit ?? null, st: msg.sigma.state });
    entry.sigmaState = msg.sigma.state;
}
if (msg.anomaly) {
    Object.assign(point, { a: msg.anomaly.score ?? null, th: msg.anomaly.threshold ?? null });
    entry.anomaly = msg.anomaly.score;
}
entry.history.push(point);
// 600 points: ten minutes at 1 Hz, enough for the trend and small enough to redraw.
if (entry.history.length > 600) entry.history.splice(0, entry.history.length - 600);
tags[tag] = entry;
flow.set('tags', tags);
if (!flow.get('selectedTag')) flow.set('selectedTag', tag);
const trigger = { topic: tag };
return [trigger, tag === flow.get('selectedTag') ? trigger : null, typeof entry.completeness === 'number' ? trigger : null];

function parseTime(t) {
    if (typeof t === 'number' && Number.isFinite(t)) return t;
    if (typeof t === 'string') { const ms = Date.parse(t); return Number.isNaN(ms) ? null : ms; }
    return null;
}
// The package's rule (lib/common/sample.ts isGoodQuality): byte 192 class good, OPC UA codes with the top bits 0.
function isGood(q) {
    if (q === undefined || q === null) return true;
    if (typeof q === 'boolean') return q;
    if (typeof q === 'number') return q <= 255 ? (q & 0xc0) === 0xc0 : (q >>> 30) === 0;
    if (typeof q === 'string') return /^good/i.test(q) || (/^\\d+$/.test(q) && isGood(Number(q)));
    if (typeof q === 'object') return typeof q.value === 'number' ? (q.value >>> 30) === 0 : isGood(q.name);
    return false;
}`,
  3,
  [["fr-d1-fn-render-overview"], ["fr-d1-fn-render-tag"], ["fr-d1-fn-render-quality"]],
);
step();

// ================================================================ events
linkIn("fr-ui-event-d1", "fr-ui-event-d1", ["fr-d1-fn-event"]);
fn(
  "fr-d1-fn-event",
  "store event",
  `// Active alarms: the latest, or while it is active the worst, event of each (family, topic) that is not a clearing event. One-off alarms
// (a gap, a rejected point) stay for an hour: they have no clearing event.
const e = msg.payload;
if (e === null || typeof e !== 'object' || typeof e.event !== 'string') return null;
const FAMILY = {
    turbulent: 'sigma', stable: 'sigma', warming: 'sigma',
    violation: 'spc', 'in-control': 'spc',
    anomaly: 'anomaly', 'anomaly-cleared': 'anomaly',
    stale: 'stale', recovered: 'stale',
    outage: 'influx', 'queue-high': 'queue', 'queue-normal': 'queue', 'queue-full': 'queue',
    status: 'report', retrying: 'delivery', delivered: 'delivery', failed: 'delivery',
};
const CLEARING = ['stable', 'warming', 'in-control', 'anomaly-cleared', 'recovered', 'queue-normal', 'delivered'];
const topic = String(e.topic ?? msg.topic ?? '');
const time = typeof e.timestamp === 'number' ? e.timestamp : (Date.parse(e.timestamp) || Date.now());
const family = FAMILY[e.event] || e.event;
const key = family + '|' + topic;
const alarms = flow.get('alarms') || {};
const clears = CLEARING.includes(e.event) || (e.event === 'status' && e.details && e.details.status !== 'failed');
// influx-write's "recovered" ends its outage, gap-detector's ends a stale tag.
if (e.event === 'recovered') { delete alarms['influx|' + topic]; delete alarms['stale|' + topic]; }
const RANK = { info: 1, warning: 2, critical: 3 };
const active = alarms[key];
// One point can start several rules of a family (a spike: nelson-1 critical and nelson-5 warning): the
// alarm keeps the worst of them until it clears, whatever order they come in.
const milder = active && (active.expires === null || active.expires > time) && !clears && (RANK[e.severity] || 1) < (RANK[active.severity] || 1);
if (clears) delete alarms[key];
else if (!milder) alarms[key] = { key, event: e.event, severity: e.severity || 'info', topic, time, message: String(e.message ?? ''), expires: FAMILY[e.event] ? null : time + 3600000, rule: e.details && e.details.rule };
flow.set('alarms', alarms);

// Data-quality lists fed by events: gaps and the stale watchdog.
if (e.event === 'gap' && e.details) {
    const gaps = flow.get('gaps') || [];
    gaps.unshift({ topic, start: e.details.start, end: e.details.end, durationMs: e.details.durationMs, missing: e.details.missing, severity: e.details.severity || e.severity });
    flow.set('gaps', dedupe(gaps).slice(0, 200));
}
if (e.event === 'stale' || e.event === 'recovered') {
    const stale = flow.get('stale') || {};
    if (e.event === 'stale') stale[topic] = { topic, since: time, lastSeen: e.details && e.details.lastTimestamp };
    else delete stale[topic];
    flow.set('stale', stale);
    const tags = flow.get('tags') || {};
    if (tags[topic]) { tags[topic].stale = e.event === 'stale'; flow.set('tags', tags); }
}
return [{}, {}, {}];

function dedupe(list) {
    const seen = new Set();
    return list.filter((g) => { const k = g.topic + '|' + g.start + '|' + g.end; if (seen.has(k)) return false; seen.add(k); return true; });
}`,
  3,
  [["fr-d1-fn-render-overview"], ["fr-d1-fn-render-quality"], ["fr-d1-fn-render-report"]],
);
step();

// ================================================================ overview
fn(
  "fr-d1-fn-render-overview",
  "render overview",
  throttled(`    ${I18N}
    const tags = Object.values(flow.get('tags') || {}).sort((a, b) => a.tag.localeCompare(b.tag));
    const rows = tags.map((e) => ({
        tag: e.tag,
        value: e.value === null || e.value === undefined ? '—' : format(e.value),
        quality: e.good ? t('GOOD') : t('BAD') + (e.quality !== null && e.quality !== undefined ? ' (' + (typeof e.quality === 'object' ? JSON.stringify(e.quality) : e.quality) + ')' : ''),
        good: e.good,
        state: e.stale ? t('STALE') : e.inGap ? t('GAP') : t('LIVE'),
        stateClass: e.stale ? 'fr-critical' : e.inGap ? 'fr-warning' : '',
        time: new Date(e.time).toLocaleTimeString(),
    }));
    const now = Date.now();
    const alarmsById = flow.get('alarms') || {};
    for (const [k, a] of Object.entries(alarmsById)) if (a.expires !== null && a.expires < now) delete alarmsById[k];
    flow.set('alarms', alarmsById);
    const rank = { critical: 0, warning: 1, info: 2 };
    const alarms = Object.values(alarmsById).sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || b.time - a.time)
        .map((a) => ({ ...a, label: t(a.severity.toUpperCase()), when: new Date(a.time).toLocaleTimeString() }));
    const counts = { critical: 0, warning: 0, info: 0 };
    for (const a of alarms) if (counts[a.severity] !== undefined) counts[a.severity] += 1;
    const labels = { tag: t('TAG'), value: t('VALUE'), quality: t('QUALITY'), state: t('STATE'), updated: t('UPDATED'), waiting: t('WAITING'), open: t('OPEN_TAG'),
        noAlarms: t('NO_ALARMS'), critical: t('CRITICAL'), warning: t('WARNING'), info: t('INFO') };
    return [{ payload: { rows, labels } }, { payload: { alarms, counts, labels } }];

    function format(v) { return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(5)).toString(); }`),
  2,
  [["fr-d1-ui-tags"], ["fr-d1-ui-alarms"]],
  { initialize: THROTTLE_INIT },
);
template(
  "fr-d1-ui-tags",
  "fr-d1-g-tags",
  "tags table",
  1,
  12,
  9,
  `${STYLE}
<div class="fr-scroll" id="fr-d1-tags" style="height:100%">
  <div class="fr-muted" ng-if="!msg.payload.rows.length">{{msg.payload.labels.waiting || '…'}}</div>
  <table class="fr-table" ng-if="msg.payload.rows.length">
    <caption class="fr-muted" style="text-align:left">{{msg.payload.labels.open}}</caption>
    <thead><tr><th style="width:32%">{{msg.payload.labels.tag}}</th><th>{{msg.payload.labels.value}}</th><th>{{msg.payload.labels.quality}}</th><th>{{msg.payload.labels.state}}</th><th>{{msg.payload.labels.updated}}</th></tr></thead>
    <tbody>
      <tr ng-repeat="r in msg.payload.rows track by r.tag" class="fr-click fr-tag-row" data-tag="{{r.tag}}" ng-click="send({payload: r.tag})">
        <td>{{r.tag}}</td><td class="fr-value">{{r.value}}</td><td ng-class="r.good ? 'fr-good' : 'fr-bad'">{{r.quality}}</td>
        <td><span class="fr-chip {{r.stateClass}}">{{r.state}}</span></td><td>{{r.time}}</td>
      </tr>
    </tbody>
  </table>
</div>`,
);
nodes[nodes.length - 1].wires = [["fr-d1-fn-select-tag"]];
template(
  "fr-d1-ui-alarms",
  "fr-d1-g-alarms",
  "alarms",
  1,
  8,
  9,
  `${STYLE}
<div id="fr-d1-alarms" style="height:100%" class="fr-scroll">
  <div style="margin-bottom:6px">
    <span class="fr-chip fr-critical fr-count-critical">{{msg.payload.labels.critical}}: {{msg.payload.counts.critical}}</span>
    <span class="fr-chip fr-warning fr-count-warning">{{msg.payload.labels.warning}}: {{msg.payload.counts.warning}}</span>
    <span class="fr-chip fr-info fr-count-info">{{msg.payload.labels.info}}: {{msg.payload.counts.info}}</span>
  </div>
  <div class="fr-muted" ng-if="!msg.payload.alarms.length">{{msg.payload.labels.noAlarms}}</div>
  <table class="fr-table" ng-if="msg.payload.alarms.length">
    <tr ng-repeat="a in msg.payload.alarms track by a.key" class="fr-alarm fr-click" ng-click="send({payload: a.topic})" title="{{a.message}}">
      <td style="width:22%"><span class="fr-chip fr-{{a.severity}}">{{a.label}}</span></td><td style="width:30%">{{a.topic}}</td><td>{{a.message}}</td><td style="width:14%">{{a.when}}</td>
    </tr>
  </table>
</div>`,
);
nodes[nodes.length - 1].wires = [["fr-d1-fn-select-tag"]];
step();

// Click-through: the clicked tag becomes the selected one and that browser (msg.socketid) opens Tag detail.
fn(
  "fr-d1-fn-select-tag",
  "select tag",
  `// Dashboard 1 keeps one selection for every viewer (it has no per-user state); the page change goes
// only to the browser that clicked (msg.socketid).
const tag = typeof msg.payload === 'string' ? msg.payload : '';
const tags = flow.get('tags') || {};
if (tag === '' || !tags[tag]) return null;
flow.set('selectedTag', tag);
const show = { payload: { tab: env.get('L_PAGE_TAG') }, socketid: msg.socketid };
return [show, { topic: tag }];`,
  2,
  [["fr-d1-ui-control"], ["fr-d1-fn-render-tag"]],
);
add(at(720, { id: "fr-d1-ui-control", type: "ui_ui_control", z: TAB, name: "open page", events: "all", wires: [[]] }));
step();

// ================================================================ tag detail
add(
  at(720, {
    id: "fr-d1-ui-tag-select", type: "ui_dropdown", z: TAB, name: "tag select", label: "${L_SELECT_TAG}", tooltip: "", place: "", group: "fr-d1-g-trend",
    order: 1, width: "6", height: "1", passthru: false, multiple: false, options: [], payload: "", topic: "tag", topicType: "str", className: "",
    wires: [["fr-d1-fn-select-tag"]],
  }),
);
fn(
  "fr-d1-fn-render-tag",
  "render tag detail",
  throttled(`    ${I18N}
    const tags = flow.get('tags') || {};
    const names = Object.keys(tags).sort();
    const tag = flow.get('selectedTag');
    const entry = tags[tag];
    if (!entry) return null;
    const h = entry.history;
    const xy = (field) => h.filter((p) => p[field] !== undefined && p[field] !== null).map((p) => ({ x: p.t, y: p[field] }));
    const trend = trendDrawing(h.slice(-300));
    // ui_chart drops its labels when no series has points and Chart.js then throws on the empty axis: keep
    // only series with points, and send [] (the chart's reset, showing its "waiting" text) when none has any.
    const chartOf = (names, series) => {
      const kept = names.map((name, i) => [name, series[i]]).filter(([, points]) => points.length > 0);
      return kept.length > 0 ? [{ series: kept.map(([name]) => name), data: kept.map(([, points]) => points), labels: [''] }] : [];
    };
    const sigma = chartOf(['σ', t('SIGMA_LIMIT')], [xy('s'), xy('lim')]);
    const anomaly = chartOf([t('SCORE'), t('THRESHOLD')], [xy('a'), xy('th')]);
    const violations = h.filter((p) => p.rules && p.rules.length > 0).slice(-20).reverse()
        .map((p) => ({ time: new Date(p.t).toLocaleTimeString(), value: p.v, rules: p.rules.join(', ') }));
    // The σ state strip: one coloured cell per reading (green stable, orange turbulent, grey warming).
    const strip = h.filter((p) => p.st).slice(-120).map((p) => p.st);
    const state = entry.sigmaState;
    const stateLabel = state === 'turbulent' ? t('TURBULENT') : state === 'stable' ? t('STABLE') : state ? t('WARMING') : '—';
    const last = [...h].reverse().find((p) => p.s !== undefined && p.s !== null);
    const lastScore = [...h].reverse().find((p) => p.a !== undefined && p.a !== null);
    const options = names.map((n) => ({ [n]: n }));
    return [
        { options, payload: tag },
        { payload: trend },
        { payload: { tag, violations, labels: { title: t('VIOLATIONS'), none: t('NO_VIOLATIONS'), time: t('TIME'), value: t('VALUE'), rules: t('RULES') } } },
        { payload: sigma },
        { payload: { strip, state: state || '', stateLabel, std: last ? Number(last.s.toPrecision(4)) : null, limit: last && last.lim !== null ? Number(last.lim.toPrecision(4)) : null } },
        { payload: anomaly },
        { payload: lastScore ? Math.round(lastScore.a * 1000) / 1000 : 0 },
    ];

    // The SPC trend is drawn as SVG (ui_chart has one style for every series and cannot mark single points
    // with their rule): value line, centre line and control limits, a marker and the rule at each violation.
    function trendDrawing(points) {
        const W = 1000, H = 300, L = 60, R = 10, T = 12, B = 24;
        const valued = points.filter((p) => typeof p.v === 'number');
        if (valued.length === 0) return { tag, empty: true, labels: { waiting: t('WAITING') } };
        const ys = valued.flatMap((p) => [p.v, p.c, p.ucl, p.lcl]).filter((y) => typeof y === 'number');
        let lo = Math.min(...ys), hi = Math.max(...ys);
        const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.01 || 1;
        lo -= pad; hi += pad;
        const t0 = valued[0].t, t1 = Math.max(valued[valued.length - 1].t, t0 + 1);
        const X = (ms) => (L + (ms - t0) / (t1 - t0) * (W - L - R)).toFixed(1);
        const Y = (y) => (T + (hi - y) / (hi - lo) * (H - T - B)).toFixed(1);
        const line = (field) => valued.filter((p) => typeof p[field] === 'number').map((p) => X(p.t) + ',' + Y(p[field])).join(' ');
        // Markers are HTML over the SVG (percent of the drawing) so that their rule names are not stretched;
        // near the right edge the name goes to the left of the dot. Only the last two are named (no clutter).
        const markers = valued.filter((p) => p.rules && p.rules.length > 0).slice(-30)
            .map((p) => ({ xPct: (X(p.t) / W * 100).toFixed(2), yPct: (Y(p.v) / H * 100).toFixed(2), label: p.rules.join(', '), flip: X(p.t) > W * 0.7, time: new Date(p.t).toLocaleTimeString(), value: p.v }));
        const round = (y) => Number(y.toPrecision(5));
        return {
            tag, empty: false, width: W, height: H,
            value: line('v'), center: line('c'), ucl: line('ucl'), lcl: line('lcl'), markers,
            axis: { top: round(hi), bottom: round(lo), yTop: Y(hi), yBottom: Y(lo), left: new Date(t0).toLocaleTimeString(), right: new Date(t1).toLocaleTimeString(), xLeft: L, xRight: W - R, yAxis: H - 6 },
            labels: { center: t('CENTER'), ucl: t('UCL'), lcl: t('LCL') },
        };
    }`),
  7,
  [["fr-d1-ui-tag-select"], ["fr-d1-ui-trend"], ["fr-d1-ui-violations"], ["fr-d1-ui-sigma"], ["fr-d1-ui-sigma-state"], ["fr-d1-ui-anomaly"], ["fr-d1-ui-anomaly-gauge"]],
  { initialize: THROTTLE_INIT },
);
template(
  "fr-d1-ui-trend",
  "fr-d1-g-trend",
  "SPC trend",
  2,
  12,
  6,
  `<div id="fr-d1-trend" style="width:100%;height:100%">
  <div class="fr-muted" ng-if="msg.payload.empty">{{msg.payload.labels.waiting}}</div>
  <div ng-if="msg.payload && !msg.payload.empty" style="position:relative;width:100%;height:88%">
    <svg viewBox="0 0 1000 300" preserveAspectRatio="none" style="position:absolute;left:0;top:0;width:100%;height:100%">
      <polyline class="fr-trend-ucl" ng-attr-points="{{msg.payload.ucl}}" fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4" vector-effect="non-scaling-stroke"></polyline>
      <polyline class="fr-trend-lcl" ng-attr-points="{{msg.payload.lcl}}" fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4" vector-effect="non-scaling-stroke"></polyline>
      <polyline class="fr-trend-center" ng-attr-points="{{msg.payload.center}}" fill="none" stroke="#7f7f7f" stroke-width="1.5" vector-effect="non-scaling-stroke"></polyline>
      <polyline class="fr-trend-value" ng-attr-points="{{msg.payload.value}}" fill="none" stroke="#1f77b4" stroke-width="2" vector-effect="non-scaling-stroke"></polyline>
    </svg>
    <span style="position:absolute;left:0;top:0;font-size:11px">{{msg.payload.axis.top}}</span>
    <span style="position:absolute;left:0;bottom:8%;font-size:11px">{{msg.payload.axis.bottom}}</span>
    <div ng-repeat="m in msg.payload.markers" class="fr-trend-marker" style="position:absolute;white-space:nowrap;font-size:11px;color:#d62728" ng-style="{left: m.xPct + '%', top: m.yPct + '%', transform: m.flip ? 'translate(calc(6px - 100%),-50%)' : 'translate(-6px,-50%)'}" title="{{m.time}} {{m.value}}">
      <b class="fr-trend-rule" ng-if="m.flip && ($last || $index === msg.payload.markers.length - 2)">{{m.label}}</b>
      <span class="fr-trend-dot" style="display:inline-block;width:10px;height:10px;border-radius:5px;background:#d62728;vertical-align:middle"></span>
      <b class="fr-trend-rule" ng-if="!m.flip && ($last || $index === msg.payload.markers.length - 2)">{{m.label}}</b>
    </div>
  </div>
  <div ng-if="msg.payload && !msg.payload.empty" style="position:relative;height:12%;font-size:11px;overflow:hidden;white-space:nowrap">
    <span style="position:absolute;left:0">{{msg.payload.axis.left}}</span>
    <span style="position:absolute;left:18%"><b style="color:#1f77b4">— {{msg.payload.tag}}</b> <b style="color:#7f7f7f">— {{msg.payload.labels.center}}</b> <b style="color:#d62728">- - {{msg.payload.labels.ucl}} / {{msg.payload.labels.lcl}}</b></span>
    <span style="position:absolute;right:0">{{msg.payload.axis.right}}</span>
  </div>
</div>`,
);
template(
  "fr-d1-ui-violations",
  "fr-d1-g-trend",
  "violations",
  3,
  12,
  3,
  `${STYLE}
<div id="fr-d1-violations" class="fr-scroll" style="height:100%">
  <b>{{msg.payload.labels.title}}</b> <span class="fr-muted">{{msg.payload.tag}}</span>
  <div class="fr-muted" ng-if="!msg.payload.violations.length">{{msg.payload.labels.none}}</div>
  <table class="fr-table" ng-if="msg.payload.violations.length">
    <tr><th>{{msg.payload.labels.time}}</th><th>{{msg.payload.labels.value}}</th><th>{{msg.payload.labels.rules}}</th></tr>
    <tr ng-repeat="v in msg.payload.violations" class="fr-violation"><td>{{v.time}}</td><td>{{v.value}}</td><td><span class="fr-chip fr-critical">{{v.rules}}</span></td></tr>
  </table>
</div>`,
);
chart("fr-d1-ui-sigma", "fr-d1-g-sigma", "", 1, 8, 4, { ymin: "0", colors: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"] });
template(
  "fr-d1-ui-sigma-state",
  "fr-d1-g-sigma",
  "sigma state strip",
  2,
  8,
  1,
  `<div id="fr-d1-sigma-state" style="display:flex;align-items:center;gap:6px;width:100%;overflow:hidden">
  <span class="fr-sigma-label" style="white-space:nowrap;padding:0 6px;border-radius:8px" ng-style="{background: msg.payload.state === 'turbulent' ? '#f0ad4e' : msg.payload.state === 'stable' ? '#5cb85c' : '#999', color: '#111'}">{{msg.payload.stateLabel}} σ={{msg.payload.std}}</span>
  <div style="flex:1;display:flex;height:14px;min-width:0">
    <div ng-repeat="s in msg.payload.strip track by $index" style="flex:1" ng-style="{background: s === 'turbulent' ? '#f0ad4e' : s === 'stable' ? '#5cb85c' : '#bbb'}"></div>
  </div>
</div>`,
);
chart("fr-d1-ui-anomaly", "fr-d1-g-anomaly", "", 1, 5, 4, { ymin: "0", ymax: "1", colors: ["#9467bd", "#d62728", "#2ca02c", "#ff7f0e", "#1f77b4", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"] });
gauge("fr-d1-ui-anomaly-gauge", "fr-d1-g-anomaly", "${L_ANOMALY}", 2, 3, 3, {
  format: "{{value | number:3}}", min: 0, max: "1", colors: ["#5cb85c", "#f0ad4e", "#d9534f"], seg1: "0.5", seg2: "0.9",
});
step();

// ================================================================ thermal
linkIn("fr-ui-thermal-d1", "fr-ui-thermal-d1", ["fr-d1-fn-thermal"]);
fn(
  "fr-d1-fn-thermal",
  "render thermal",
  `// The frame goes to the browser as a data URL with the interfaces drawn over it (percent of the frame height,
// from msg.thermal.interfaces[].row); levels are kept for the trend (levelPct of the tank height).
${I18N}
const th = msg.thermal;
if (th === null || typeof th !== 'object') return null;
const now = typeof msg.timestamp === 'number' ? msg.timestamp : Date.now();
const height = Number(env.get('TANK_HEIGHT_M')) || 10;
let frame = null;
let frameHeight = 480;
const png = Buffer.isBuffer(msg.payload) ? msg.payload : null;
if (png && png.length > 24 && png.readUInt32BE(0) === 0x89504e47) {
    frameHeight = png.readUInt32BE(20); // IHDR: width at 16, height at 20
    frame = 'data:image/png;base64,' + png.toString('base64');
} else if (png) {
    frame = 'data:image/jpeg;base64,' + png.toString('base64');
}
const bandName = { air: t('AIR'), crude: t('CRUDE'), emulsion: t('EMULSION'), water: t('WATER') };
const interfaces = (th.interfaces || []).map((i) => ({
    name: String(i.name).split('/').map((b) => bandName[b] || b).join('/'),
    topPct: Math.max(0, Math.min(100, 100 * i.row / frameHeight)),
    levelM: Math.round(i.levelPct * height) / 100,
}));
const bands = (th.bands || []).map((b) => ({ name: bandName[b.name] || b.name, key: b.name, thicknessPct: Math.round(b.thicknessPct * 10) / 10, meanC: b.meanTemperatureC === undefined ? null : Math.round(b.meanTemperatureC * 10) / 10 }));
const out = [{ payload: { frame, interfaces, bands, confidence: th.confidence, labels: { bands: t('BAND_THICKNESS'), confidence: t('CONFIDENCE') } } }, [], null, null];
for (const i of (th.interfaces || [])) out[1].push({ topic: String(i.name).split('/').map((b) => bandName[b] || b).join('/'), payload: Math.round(i.levelPct * height) / 100, timestamp: now });
const r = msg.reliability;
if (r && typeof r.score === 'number') {
    out[2] = { payload: Math.round(r.score * 10) / 10 };
    const band = r.band === 'high' ? t('HIGH') : r.band === 'medium' ? t('MEDIUM') : t('LOW');
    out[3] = { payload: { band, bandKey: r.band, reasons: Array.isArray(r.reasons) ? r.reasons : [], labels: { band: t('BAND'), reasons: t('REASONS'), none: t('NO_REASONS') } } };
}
return out;`,
  4,
  [["fr-d1-ui-frame"], ["fr-d1-ui-levels"], ["fr-d1-ui-score"], ["fr-d1-ui-reasons"]],
);
template(
  "fr-d1-ui-frame",
  "fr-d1-g-frame",
  "frame with interfaces",
  1,
  8,
  9,
  `<div id="fr-d1-frame" style="width:100%">
  <div style="position:relative;width:100%;max-width:420px;margin:auto" ng-if="msg.payload.frame">
    <img ng-src="{{msg.payload.frame}}" style="width:100%;display:block" alt="thermal frame">
    <div ng-repeat="i in msg.payload.interfaces" class="fr-interface" style="position:absolute;left:0;right:0;border-top:2px dashed #00e5ff" ng-style="{top: i.topPct + '%'}">
      <span style="background:rgba(0,0,0,.6);color:#fff;font-size:11px;padding:0 4px">{{i.name}} {{i.levelM}} m</span>
    </div>
  </div>
  <div style="margin-top:6px;font-size:13px"><b>{{msg.payload.labels.bands}}</b> ·
    <span ng-repeat="b in msg.payload.bands" class="fr-band" style="margin-right:8px">{{b.name}} {{b.thicknessPct}} %</span>
  </div>
  <div style="font-size:13px">{{msg.payload.labels.confidence}}: <span class="fr-confidence">{{msg.payload.confidence | number:2}}</span></div>
</div>`,
);
chart("fr-d1-ui-levels", "fr-d1-g-levels", "", 1, 8, 6, { ymin: "0", colors: ["#8c564b", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#e377c2", "#7f7f7f", "#bcbd22"] });
gauge("fr-d1-ui-score", "fr-d1-g-reliability", "${L_RELIABILITY}", 1, 6, 4, {
  format: "{{value | number:1}}", min: 0, max: "100", colors: ["#d9534f", "#f0ad4e", "#5cb85c"], seg1: "60", seg2: "80",
});
template(
  "fr-d1-ui-reasons",
  "fr-d1-g-reliability",
  "band and reasons",
  2,
  6,
  4,
  `<div id="fr-d1-reasons" class="fr-scroll" style="height:100%;font-size:13px">
  <div>{{msg.payload.labels.band}}: <b class="fr-score-band" ng-style="{color: msg.payload.bandKey === 'high' ? '#2e7d32' : msg.payload.bandKey === 'medium' ? '#ef6c00' : '#c62828'}">{{msg.payload.band}}</b></div>
  <div><b>{{msg.payload.labels.reasons}}</b></div>
  <div ng-if="!msg.payload.reasons.length">{{msg.payload.labels.none}}</div>
  <ul style="margin:2px 0;padding-left:18px"><li ng-repeat="r in msg.payload.reasons" class="fr-reason">{{r}}</li></ul>
</div>`,
);
step();

// ================================================================ data quality
linkIn("fr-ui-quality-d1", "fr-ui-quality-d1", ["fr-d1-fn-quality"]);
fn(
  "fr-d1-fn-quality",
  "store quality",
  `// Three kinds of messages arrive here: gap-detector output 1 (msg.gap), output 3 (a backfill request in
// msg.payload) and the backfill results (msg.backfill or payload.status); each updates its list.
const tag = typeof msg.topic === 'string' ? msg.topic : '';
const p = msg.payload;
// Days and times in the server's time zone (the plant's: TZ of the Node-RED process), not UTC.
const day = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 10);
if (msg.gap && typeof msg.gap === 'object') {
    const completeness = flow.get('completeness') || {};
    const time = typeof msg.gap.lastTimestamp === 'number' ? msg.gap.lastTimestamp : Date.now();
    if (tag && typeof msg.gap.completenessToday === 'number') {
        completeness[tag] = completeness[tag] || {};
        completeness[tag][day(time)] = msg.gap.completenessToday;
    }
    flow.set('completeness', completeness);
    const gaps = flow.get('gaps') || [];
    for (const g of (Array.isArray(msg.gap.gaps) ? msg.gap.gaps : [])) gaps.unshift({ topic: tag, start: g.start, end: g.end, durationMs: g.durationMs, missing: g.missing, severity: g.severity });
    const seen = new Set();
    flow.set('gaps', gaps.filter((g) => { const k = g.topic + '|' + g.start + '|' + g.end; if (seen.has(k)) return false; seen.add(k); return true; }).slice(0, 200));
    const tags = flow.get('tags') || {};
    if (tags[tag]) { tags[tag].inGap = msg.gap.inGap === true; tags[tag].stale = msg.gap.stale === true; flow.set('tags', tags); }
}
const result = msg.backfill || (p && typeof p === 'object' && typeof p.status === 'string' ? p : null);
const request = p && typeof p === 'object' && p.start !== undefined && p.end !== undefined ? p : null;
if (request || result) {
    const r = request || result;
    const key = (r.topic || tag) + '|' + r.start + '|' + r.end;
    const backfill = flow.get('backfill') || {};
    const previous = backfill[key] || {};
    backfill[key] = { key, topic: r.topic || tag, start: r.start ?? previous.start, end: r.end ?? previous.end, missing: r.missing ?? previous.missing,
        status: result ? String(result.status) : (previous.status || 'requested'), received: result ? (result.received ?? result.points ?? previous.received) : previous.received, time: Date.now() };
    const keys = Object.keys(backfill).sort((a, b) => backfill[b].time - backfill[a].time);
    for (const k of keys.slice(100)) delete backfill[k];
    flow.set('backfill', backfill);
}
return {};`,
  1,
  [["fr-d1-fn-render-quality"]],
);
fn(
  "fr-d1-fn-render-quality",
  "render data quality",
  throttled(`    ${I18N}
    const completeness = flow.get('completeness') || {};
    const tags = flow.get('tags') || {};
    for (const [tag, e] of Object.entries(tags)) {
        if (typeof e.completeness === 'number') { completeness[tag] = completeness[tag] || {}; completeness[tag][local(e.time).slice(0, 10)] = e.completeness; }
    }
    flow.set('completeness', completeness);
    const days = [...new Set(Object.values(completeness).flatMap((d) => Object.keys(d)))].sort().slice(-7);
    const rows = Object.keys(completeness).sort().map((tag) => ({ tag, cells: days.map((d) => {
        const v = completeness[tag][d];
        return v === undefined ? { text: '—', cls: '' } : { text: v.toFixed(1), cls: v >= 95 ? 'fr-good' : 'fr-bad' };
    }) }));
    const sev = { minor: t('MINOR'), moderate: t('MODERATE'), critical: t('CRITICAL').toLowerCase() };
    const sevClass = { minor: 'fr-info', moderate: 'fr-warning', critical: 'fr-critical', info: 'fr-info', warning: 'fr-warning' };
    const iso = (ms) => typeof ms === 'number' ? local(ms).replace('T', ' ').slice(0, 19) : String(ms ?? '—');
    const gaps = (flow.get('gaps') || []).slice(0, 50).map((g) => ({ topic: g.topic, start: iso(g.start), end: iso(g.end), duration: duration(g.durationMs), missing: g.missing, severity: sev[g.severity] || g.severity, cls: sevClass[g.severity] || '' }));
    const statusLabel = { requested: t('REQUESTED'), done: t('DONE'), failed: t('FAILED') };
    const backfill = Object.values(flow.get('backfill') || {}).sort((a, b) => b.time - a.time).slice(0, 30)
        .map((b) => ({ topic: b.topic, start: iso(b.start), end: iso(b.end), missing: b.missing, status: statusLabel[b.status] || b.status, cls: b.status === 'failed' ? 'fr-critical' : b.status === 'done' ? 'fr-good' : 'fr-warning' }));
    const staleList = Object.values(flow.get('stale') || {});
    for (const e of Object.values(tags)) if (e.stale && !staleList.some((s) => s.topic === e.tag)) staleList.push({ topic: e.tag, lastSeen: e.time });
    const stale = staleList.map((s) => ({ topic: s.topic, lastSeen: iso(s.lastSeen ?? (tags[s.topic] && tags[s.topic].time)) }));
    const labels = { tag: t('TAG'), start: t('START'), end: t('END'), duration: t('DURATION'), missing: t('MISSING'), severity: t('SEVERITY'), status: t('STATUS'),
        noGaps: t('NO_GAPS'), noBackfill: t('NO_BACKFILL'), allFresh: t('ALL_FRESH'), lastSeen: t('LAST_SEEN'), waiting: t('WAITING') };
    return [{ payload: { days, rows, labels } }, { payload: { gaps, labels } }, { payload: { backfill, labels } }, { payload: { stale, labels } }];

    // Server-local ISO text: the plant's time zone is the Node-RED process's TZ.
    function local(ms) { return new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString(); }
    function duration(ms) {
        if (typeof ms !== 'number') return '—';
        const m = Math.round(ms / 60000);
        return m < 60 ? m + ' min' : Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
    }`),
  4,
  [["fr-d1-ui-completeness"], ["fr-d1-ui-gaps"], ["fr-d1-ui-backfill"], ["fr-d1-ui-stale"]],
  { initialize: THROTTLE_INIT },
);
template(
  "fr-d1-ui-completeness",
  "fr-d1-g-completeness",
  "completeness",
  1,
  12,
  5,
  `${STYLE}
<div id="fr-d1-completeness" class="fr-scroll" style="height:100%">
  <div class="fr-muted" ng-if="!msg.payload.rows.length">{{msg.payload.labels.waiting || '…'}}</div>
  <table class="fr-table" ng-if="msg.payload.rows.length">
    <tr><th style="width:30%">{{msg.payload.labels.tag}}</th><th ng-repeat="d in msg.payload.days">{{d.slice(5)}}</th></tr>
    <tr ng-repeat="r in msg.payload.rows track by r.tag" class="fr-completeness-row"><td>{{r.tag}}</td><td ng-repeat="c in r.cells track by $index" class="{{c.cls}}">{{c.text}}</td></tr>
  </table>
</div>`,
);
template(
  "fr-d1-ui-gaps",
  "fr-d1-g-gaps",
  "gap list",
  1,
  12,
  5,
  `${STYLE}
<div id="fr-d1-gaps" class="fr-scroll" style="height:100%">
  <div class="fr-muted" ng-if="!msg.payload.gaps.length">{{msg.payload.labels.noGaps}}</div>
  <table class="fr-table" ng-if="msg.payload.gaps.length">
    <tr><th style="width:22%">{{msg.payload.labels.tag}}</th><th style="width:20%">{{msg.payload.labels.start}}</th><th style="width:20%">{{msg.payload.labels.end}}</th><th>{{msg.payload.labels.duration}}</th><th>{{msg.payload.labels.missing}}</th><th>{{msg.payload.labels.severity}}</th></tr>
    <tr ng-repeat="g in msg.payload.gaps" class="fr-gap-row"><td>{{g.topic}}</td><td>{{g.start}}</td><td>{{g.end}}</td><td>{{g.duration}}</td><td>{{g.missing}}</td><td><span class="fr-chip {{g.cls}}">{{g.severity}}</span></td></tr>
  </table>
</div>`,
);
template(
  "fr-d1-ui-backfill",
  "fr-d1-g-backfill",
  "backfill status",
  1,
  8,
  5,
  `${STYLE}
<div id="fr-d1-backfill" class="fr-scroll" style="height:100%">
  <div class="fr-muted" ng-if="!msg.payload.backfill.length">{{msg.payload.labels.noBackfill}}</div>
  <table class="fr-table" ng-if="msg.payload.backfill.length">
    <tr><th style="width:26%">{{msg.payload.labels.tag}}</th><th style="width:28%">{{msg.payload.labels.start}}</th><th>{{msg.payload.labels.missing}}</th><th>{{msg.payload.labels.status}}</th></tr>
    <tr ng-repeat="b in msg.payload.backfill" class="fr-backfill-row" title="{{b.start}} → {{b.end}}"><td>{{b.topic}}</td><td>{{b.start}}</td><td>{{b.missing}}</td><td><span class="fr-chip {{b.cls}}">{{b.status}}</span></td></tr>
  </table>
</div>`,
);
template(
  "fr-d1-ui-stale",
  "fr-d1-g-stale",
  "stale watchdog",
  1,
  6,
  5,
  `${STYLE}
<div id="fr-d1-stale" class="fr-scroll" style="height:100%">
  <div class="fr-good" ng-if="!msg.payload.stale.length">{{msg.payload.labels.allFresh}}</div>
  <table class="fr-table" ng-if="msg.payload.stale.length">
    <tr><th>{{msg.payload.labels.tag}}</th><th>{{msg.payload.labels.lastSeen}}</th></tr>
    <tr ng-repeat="s in msg.payload.stale" class="fr-stale-row"><td><span class="fr-chip fr-critical">{{s.topic}}</span></td><td>{{s.lastSeen}}</td></tr>
  </table>
</div>`,
);
step();

// ================================================================ ANH report
linkIn("fr-ui-report-d1", "fr-ui-report-d1", ["fr-d1-fn-report"]);
fn(
  "fr-d1-fn-report",
  "store report",
  `// Reports by day: anh-json's status events (payload.event "status", topic = the day) and ftp-deliver's
// answers (msg.delivery, with msg.report when anh-json output 1 fed ftp-deliver) and events.
const reports = flow.get('reports') || {};
const p = msg.payload;
const dayOf = (name) => { const m = /(\\d{4})(\\d{2})(\\d{2})/.exec(String(name || '')); return m ? m[1] + '-' + m[2] + '-' + m[3] : null; };
function entry(date) { return reports[date] = reports[date] || { date, status: 'pending', history: [], variables: [], attempts: null, reasons: [] }; }
if (p && typeof p === 'object' && p.event === 'status' && p.details) {
    const date = /^\\d{4}-\\d{2}-\\d{2}$/.test(String(p.topic)) ? String(p.topic) : dayOf(p.details.fileName);
    if (date) {
        const r = entry(date);
        r.status = String(p.details.status);
        r.history.push({ status: r.status, time: typeof p.timestamp === 'number' ? p.timestamp : Date.now() });
        if (p.details.fileName) r.fileName = p.details.fileName;
        if (Array.isArray(p.details.reasons)) r.reasons = p.details.reasons;
    }
} else if (p && typeof p === 'object' && ['delivered', 'retrying', 'failed'].includes(p.event)) {
    const date = dayOf(p.topic);
    if (date) {
        const r = entry(date);
        r.fileName = r.fileName || p.topic;
        r.deliveryStatus = p.event;
        if (p.details && typeof p.details.attempts === 'number') r.attempts = p.details.attempts;
        if (p.event === 'failed') { r.status = 'failed'; r.error = p.message; }
    }
}
if (msg.delivery && typeof msg.delivery === 'object') {
    const date = (msg.report && msg.report.date) || dayOf(msg.filename);
    if (date) {
        const r = entry(date);
        const d = msg.delivery;
        r.fileName = msg.filename || r.fileName;
        r.attempts = d.attempts ?? r.attempts;
        r.deliveryStatus = d.status;
        r.deliveredAt = d.deliveredAt;
        r.error = d.error;
        if (d.status === 'delivered') r.status = 'uploaded';
        if (d.status === 'failed') r.status = 'failed';
        r.history.push({ status: r.status, time: Date.now() });
    }
}
if (msg.report && typeof msg.report === 'object' && msg.report.date) {
    const r = entry(msg.report.date);
    if (Array.isArray(msg.report.variables)) r.variables = msg.report.variables;
    r.missingSlots = msg.report.missingSlots;
    r.qualityScore = msg.report.qualityScore;
    if (!msg.delivery && msg.report.status) r.status = msg.report.status;
}
const dates = Object.keys(reports).sort();
for (const d of dates.slice(0, Math.max(0, dates.length - 30))) delete reports[d];
flow.set('reports', reports);
return {};`,
  1,
  [["fr-d1-fn-render-report"]],
);
fn(
  "fr-d1-fn-render-report",
  "render report",
  throttled(`    ${I18N}
    const STEPS = ['pending', 'generating', 'validating', 'ready', 'uploading', 'uploaded'];
    const label = (s) => t(String(s).toUpperCase()) || s;
    const reports = Object.values(flow.get('reports') || {}).sort((a, b) => b.date.localeCompare(a.date));
    const latest = reports[0] || null;
    const steps = latest ? [...STEPS.map((s) => ({ key: s, name: label(s) })), { key: 'failed', name: label('failed') }].map((s) => ({
        ...s, cls: s.key === latest.status ? (s.key === 'failed' ? 'fr-critical' : s.key === 'uploaded' ? 'fr-good-bg' : 'fr-warning') :
            (STEPS.indexOf(s.key) >= 0 && STEPS.indexOf(s.key) < STEPS.indexOf(latest.status) ? 'fr-done' : 'fr-todo'),
    })) : [];
    const past = reports.map((r) => ({ date: r.date, status: label(r.status), cls: r.status === 'failed' ? 'fr-critical' : r.status === 'uploaded' ? 'fr-good' : '', missingSlots: r.missingSlots ?? '—', qualityScore: r.qualityScore ?? '—', reasons: (r.reasons || []).join('; ') }));
    const variables = latest ? (latest.variables || []).map((v) => ({ code: v.code, tag: v.tag, missingSlots: v.missingSlots, qualityScore: v.qualityScore, compliant: v.compliant ? t('YES') : t('NO'), cls: v.compliant ? 'fr-good' : 'fr-bad' })) : [];
    const deliveries = reports.filter((r) => r.attempts !== null && r.attempts !== undefined || r.deliveryStatus).map((r) => ({ date: r.date, file: r.fileName || '', attempts: r.attempts ?? '—', status: r.deliveryStatus || '', error: r.error || '', cls: r.deliveryStatus === 'failed' ? 'fr-critical' : r.deliveryStatus === 'delivered' ? 'fr-good' : 'fr-warning' }));
    const failed = reports.filter((r) => r.status === 'failed').map((r) => r.date);
    flow.set('failedDates', failed);
    const labels = { day: t('DAY'), status: t('STATUS'), missingSlots: t('MISSING_SLOTS'), qualityScore: t('QUALITY_SCORE'), reasons: t('REASONS'), none: t('NO_REPORTS'),
        variable: t('VARIABLE'), tag: t('TAG'), compliant: t('COMPLIANT'), file: t('FILE'), attempts: t('ATTEMPTS') };
    return [{ payload: { latest: latest ? latest.date : null, steps, past, labels } }, { payload: { date: latest ? latest.date : null, variables, labels } }, { payload: { deliveries, labels } }];`),
  3,
  [["fr-d1-ui-status"], ["fr-d1-ui-variables"], ["fr-d1-ui-deliveries"]],
  { initialize: THROTTLE_INIT },
);
template(
  "fr-d1-ui-status",
  "fr-d1-g-status",
  "status machine",
  1,
  12,
  5,
  `${STYLE}
<style>.fr-step{display:inline-block;padding:2px 8px;margin:2px;border-radius:10px;font-size:12px;border:1px solid rgba(128,128,128,.5)}
.fr-done{opacity:.8;text-decoration:underline}.fr-todo{opacity:.45}.fr-good-bg{background:#5cb85c;color:#fff}</style>
<div id="fr-d1-status" class="fr-scroll" style="height:100%">
  <div class="fr-muted" ng-if="!msg.payload.latest">{{msg.payload.labels.none || '…'}}</div>
  <div ng-if="msg.payload.latest"><b class="fr-latest-date">{{msg.payload.latest}}</b>:
    <span ng-repeat="s in msg.payload.steps" class="fr-step {{s.cls}}" data-step="{{s.key}}">{{s.name}}</span></div>
  <table class="fr-table" ng-if="msg.payload.past.length">
    <tr><th style="width:18%">{{msg.payload.labels.day}}</th><th style="width:16%">{{msg.payload.labels.status}}</th><th>{{msg.payload.labels.missingSlots}}</th><th>{{msg.payload.labels.qualityScore}}</th><th style="width:30%">{{msg.payload.labels.reasons}}</th></tr>
    <tr ng-repeat="r in msg.payload.past" class="fr-report-row" title="{{r.reasons}}"><td>{{r.date}}</td><td><span class="fr-chip {{r.cls}}">{{r.status}}</span></td><td>{{r.missingSlots}}</td><td>{{r.qualityScore}}</td><td>{{r.reasons}}</td></tr>
  </table>
</div>`,
);
template(
  "fr-d1-ui-variables",
  "fr-d1-g-variables",
  "variables",
  1,
  8,
  5,
  `${STYLE}
<div id="fr-d1-variables" class="fr-scroll" style="height:100%">
  <div class="fr-muted" ng-if="!msg.payload.variables.length">{{msg.payload.labels.none || '…'}}</div>
  <div ng-if="msg.payload.variables.length" class="fr-muted">{{msg.payload.date}}</div>
  <table class="fr-table" ng-if="msg.payload.variables.length">
    <tr><th>{{msg.payload.labels.variable}}</th><th>{{msg.payload.labels.tag}}</th><th>{{msg.payload.labels.missingSlots}}</th><th>{{msg.payload.labels.qualityScore}}</th><th>{{msg.payload.labels.compliant}}</th></tr>
    <tr ng-repeat="v in msg.payload.variables" class="fr-variable-row"><td>{{v.code}}</td><td>{{v.tag}}</td><td>{{v.missingSlots}}</td><td>{{v.qualityScore}}</td><td class="{{v.cls}}">{{v.compliant}}</td></tr>
  </table>
</div>`,
);
template(
  "fr-d1-ui-deliveries",
  "fr-d1-g-deliveries",
  "deliveries",
  1,
  8,
  4,
  `${STYLE}
<div id="fr-d1-deliveries" class="fr-scroll" style="height:100%">
  <div class="fr-muted" ng-if="!msg.payload.deliveries.length">{{msg.payload.labels.none || '…'}}</div>
  <table class="fr-table" ng-if="msg.payload.deliveries.length">
    <tr><th style="width:40%">{{msg.payload.labels.file}}</th><th>{{msg.payload.labels.attempts}}</th><th>{{msg.payload.labels.status}}</th></tr>
    <tr ng-repeat="d in msg.payload.deliveries" class="fr-delivery-row" title="{{d.error}}"><td>{{d.file}}</td><td class="fr-attempts">{{d.attempts}}</td><td><span class="fr-chip {{d.cls}}">{{d.status}}</span></td></tr>
  </table>
</div>`,
);
step();

// ---------------------------------------------------------------- admin retry (PIN, see README)
add(
  at(120, {
    id: "fr-d1-ui-pin", type: "ui_text_input", z: TAB, name: "admin PIN", label: "${L_ADMIN_PIN}", tooltip: "", group: "fr-d1-g-admin", order: 1, width: "6", height: "1",
    passthru: false, mode: "password", delay: "0", topic: "pin", sendOnBlur: true, className: "", topicType: "str", wires: [["fr-d1-fn-admin"]],
  }),
);
add(
  at(120, {
    id: "fr-d1-ui-retry", type: "ui_button", z: TAB, name: "retry", group: "fr-d1-g-admin", order: 2, width: "6", height: "1", passthru: false, label: "${L_RETRY}",
    tooltip: "", color: "", bgcolor: "", className: "", icon: "fa-repeat", payload: "", payloadType: "str", topic: "retry", topicType: "str", wires: [["fr-d1-fn-admin"]],
  }),
);
y += 60;
fn(
  "fr-d1-fn-admin",
  "admin check + retry",
  `// Dashboard 1 has no users or roles: an administrator unlocks the retry in their own browser (msg.socketid)
// with the PIN in the environment variable DASHBOARD_ADMIN_PIN (never in the flow). Unset = retry disabled.
${I18N}
const pin = env.get('DASHBOARD_ADMIN_PIN');
const sockets = context.get('admins') || {};
const now = Date.now();
for (const [id, until] of Object.entries(sockets)) if (until < now) delete sockets[id];
const reply = (text) => ({ payload: text, socketid: msg.socketid });
if (msg.topic === 'pin') {
    if (typeof pin !== 'string' || pin === '') return [null, reply(t('ADMIN_OFF'))];
    if (String(msg.payload) !== pin) { node.warn('wrong administrator PIN from ' + (msg.socketip || 'unknown address')); return [null, reply(t('ADMIN_BAD'))]; }
    sockets[msg.socketid] = now + 10 * 60 * 1000;
    context.set('admins', sockets);
    return [null, reply(t('ADMIN_OK'))];
}
context.set('admins', sockets);
if (!msg.socketid || !sockets[msg.socketid]) {
    node.warn('retry refused: browser not unlocked as administrator (' + (msg.socketip || 'unknown address') + ')');
    return [null, reply(t('RETRY_REFUSED'))];
}
const failed = flow.get('failedDates') || [];
if (failed.length === 0) return [null, reply(t('RETRY_NONE'))];
const date = failed[0];
node.log('retry of the ANH report of ' + date + ' requested by an administrator (' + (msg.socketip || 'unknown address') + ')');
return [{ command: 'generate', date, payload: { command: 'generate', date } }, reply(t('RETRY_SENT') + ' ' + date)];`,
  2,
  [["fr-d1-link-anh-command"], ["fr-d1-ui-admin-state"]],
  { initialize: "context.set('admins', {});" },
);
add(
  at(720, {
    id: "fr-d1-ui-admin-state", type: "ui_text", z: TAB, group: "fr-d1-g-admin", order: 3, width: "6", height: "1", name: "admin state", label: "",
    format: "{{msg.payload}}", layout: "row-left", className: "fr-admin-state", style: false, font: "", fontSize: "", color: "#000000", wires: [],
  }),
);
add(
  at(720, {
    id: "fr-d1-link-anh-command", type: "link out", z: TAB, name: "to fr-flow-anh-command", mode: "link", links: ["fr-flow-anh-command"], wires: [],
  }),
);

const text = JSON.stringify(nodes, null, 2) + "\n";
if (process.argv.includes("--stdout")) {
  process.stdout.write(text);
} else {
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "operator-dashboard.json");
  fs.writeFileSync(out, text);
  console.log(`${nodes.length} nodes -> ${out}`);
}
