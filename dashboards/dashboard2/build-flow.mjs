/* global console, process */
// Assembles operator-dashboard.json from src/: the Vue widgets (src/templates/*.vue), the function bodies
// (src/functions/*.fn, plain Node-RED function code) and the one label dictionary (src/labels.json).
// Run `node dashboards/dashboard2/build-flow.mjs` after editing src/; `--check` fails if the JSON is out of date.
// The JSON is what users import; src/ is what people read and review.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const read = (...parts) => fs.readFileSync(path.join(here, "src", ...parts), "utf8");
const labels = JSON.parse(read("labels.json"));
const TAB = "fr-d2-tab";
const BASE = "fr-d2-base";
const THEME = "fr-d2-theme";

const pageKeys = { overview: "pageOverview", tag: "pageTag", thermal: "pageThermal", quality: "pageQuality", report: "pageReport" };
const pageIcons = { overview: "factory", tag: "chart-line", thermal: "storage-tank", quality: "database-check", report: "file-document-check" };

const tab = {
  id: TAB, type: "tab", label: "Operator dashboard (Dashboard 2)", disabled: false,
  info: "FlowFuse Dashboard 2 operator dashboard of node-red-contrib-field-reliability.\n\n" +
    "Fed only by the link in nodes fr-ui-measurement, fr-ui-event, fr-ui-thermal, fr-ui-quality and fr-ui-report " +
    "(see docs/integration-contract.md); the admin's retry goes out to fr-flow-anh-command.\n\n" +
    "Language: environment variable DASHBOARD_LANG (en | es). The one label dictionary is the FR_LABELS variable of this flow " +
    "(Flow properties ▸ Environment variables); page names are taken from it at deploy. Generated from dashboards/dashboard2/src by build-flow.mjs.",
  env: [
    { name: "FR_LABELS", value: JSON.stringify(labels), type: "json" },
    // Page names are set at deploy (${FR_PAGE_…} in the ui-page nodes). Node-RED evaluates a flow's JSONata
    // variables before the flow's own variables exist, so they cannot read FR_LABELS: they carry the two
    // names themselves, written here from the same labels.json.
    ...Object.entries(pageKeys).map(([page, key]) => ({
      name: `FR_PAGE_${page.toUpperCase()}`, type: "jsonata",
      value: `$env("DASHBOARD_LANG") = "es" ? ${JSON.stringify(labels.es[key])} : ${JSON.stringify(labels.en[key])}`,
    })),
  ],
};

const base = {
  id: BASE, type: "ui-base", name: "Field reliability", path: "/dashboard", appIcon: "", includeClientData: true,
  acceptsClientConfig: ["ui-notification", "ui-control", "ui-template"], showPathInSidebar: false, headerContent: "page",
  navigationStyle: "default", titleBarStyle: "default", showReconnectNotification: true, notificationDisplayTime: 1,
  showDisconnectNotification: true, allowInstall: false,
};
const theme = {
  id: THEME, type: "ui-theme", name: "Field reliability",
  colors: { surface: "#263238", primary: "#1565c0", bgPage: "#eef1f5", groupBg: "#ffffff", groupOutline: "#cfd8dc" },
  sizes: { density: "compact", pagePadding: "10px", groupGap: "10px", groupBorderRadius: "4px", widgetGap: "8px" },
};
const breakpoints = [
  { name: "Default", px: "0", cols: "3" }, { name: "Tablet", px: "576", cols: "6" },
  { name: "Small Desktop", px: "768", cols: "9" }, { name: "Desktop", px: "1024", cols: "12" },
];
const pages = Object.keys(pageKeys).map((page, i) => ({
  id: `fr-d2-page-${page}`, type: "ui-page", z: TAB, name: `\${FR_PAGE_${page.toUpperCase()}}`, ui: BASE, path: `/${page}`,
  icon: pageIcons[page], layout: "grid", theme: THEME, breakpoints, order: i + 1, className: "", visible: "true", disabled: "false",
}));
const group = (id, page, name, width, order) => ({
  id: `fr-d2-group-${id}`, type: "ui-group", z: TAB, name, page: `fr-d2-page-${page}`, width: String(width), height: "1", order,
  showTitle: false, className: "", visible: "true", disabled: "false", groupType: "default",
});
const groups = [
  group("alarms", "overview", "Alarms", 12, 1), group("tags", "overview", "Tags", 12, 2),
  group("detail", "tag", "Tag detail", 12, 1),
  group("frame", "thermal", "Frame", 6, 1), group("reliability", "thermal", "Reliability", 6, 2), group("levels", "thermal", "Levels", 12, 3),
  group("completeness", "quality", "Completeness", 12, 1), group("gaps", "quality", "Gaps", 6, 2), group("backfill", "quality", "Backfill and stale", 6, 3),
  group("report", "report", "ANH report", 12, 1),
];

const widgets = [];
const flowNodes = [];
const template = (id, groupId, file, x, y, order = 1, wires = []) => {
  widgets.push({
    id: `fr-d2-${id}`, type: "ui-template", z: TAB, group: `fr-d2-group-${groupId}`, page: "", ui: "", name: id, order, width: "0", height: "0",
    head: "", format: read("templates", file), storeOutMessages: true, passthru: false, resendOnRefresh: true, templateScope: "local",
    className: "", x, y, wires: [wires],
  });
  return `fr-d2-${id}`;
};
const fn = (id, name, file, outputs, x, y, wires) => {
  flowNodes.push({
    id: `fr-d2-fn-${id}`, type: "function", z: TAB, name, func: read("functions", file), outputs, timeout: 0, noerr: 0,
    initialize: "", finalize: "", libs: [], x, y, wires,
  });
  return `fr-d2-fn-${id}`;
};
const linkIn = (id, name, x, y, target) => flowNodes.push({ id, type: "link in", z: TAB, name, links: [], x, y, wires: [[target]] });
const comment = (id, name, info, x, y) => flowNodes.push({ id: `fr-d2-comment-${id}`, type: "comment", z: TAB, name, info, x, y, wires: [] });

// widgets
const tAlarms = template("overview-alarms", "alarms", "overview-alarms.vue", 1010, 340);
const tTags = template("overview-tags", "tags", "overview-tags.vue", 1010, 380);
const tDetail = template("tag-detail", "detail", "tag-detail.vue", 1010, 420, 1, ["fr-d2-fn-ui-actions"]);
const tQuality1 = template("quality-completeness", "completeness", "quality-completeness.vue", 1030, 460);
const tQuality2 = template("quality-gaps", "gaps", "quality-gaps.vue", 1010, 500);
const tQuality3 = template("quality-backfill", "backfill", "quality-backfill.vue", 1020, 540);
const tReport = template("report", "report", "report.vue", 1000, 580, 1, ["fr-d2-fn-ui-actions"]);
const tFrame = template("thermal-frame", "frame", "thermal-frame.vue", 1010, 160);
const tDetails = template("thermal-details", "reliability", "thermal-details.vue", 1020, 240, 2);
const tLevels = template("thermal-levels", "levels", "thermal-levels.vue", 1010, 280);
widgets.push({
  id: "fr-d2-reliability-gauge", type: "ui-gauge", z: TAB, name: "reliability gauge", group: "fr-d2-group-reliability", order: 1,
  value: "payload", valueType: "msg", width: "6", height: "3", gtype: "gauge-half", gstyle: "rounded", title: "", alwaysShowTitle: false,
  floatingTitlePosition: "top-left", units: "/ 100", icon: "", prefix: "", suffix: "",
  segments: [{ from: "0", color: "#c62828" }, { from: "60", color: "#ef6c00" }, { from: "80", color: "#2e7d32" }],
  min: "0", max: "100", sizeThickness: 16, sizeGap: 4, sizeKeyThickness: 8, styleRounded: true, styleGlow: false, className: "",
  x: 1020, y: 200, wires: [[]],
});

// state collectors, one per link in
linkIn("fr-ui-measurement", "fr-ui-measurement", 130, 100, "fr-d2-fn-measurement");
fn("measurement", "collect measurements", "collect-measurement.fn", 0, 380, 100, []);
linkIn("fr-ui-event", "fr-ui-event", 110, 140, "fr-d2-fn-event");
fn("event", "collect events (alarms, gaps)", "collect-event.fn", 1, 400, 140, [["fr-d2-fn-report"]]);
linkIn("fr-ui-thermal", "fr-ui-thermal", 120, 200, "fr-d2-fn-thermal");
fn("thermal", "collect thermal", "collect-thermal.fn", 3, 360, 200, [[tFrame], ["fr-d2-reliability-gauge"], [tDetails, tLevels]]);
linkIn("fr-ui-quality", "fr-ui-quality", 120, 480, "fr-d2-fn-quality");
fn("quality", "collect data quality", "collect-quality.fn", 0, 370, 480, []);
linkIn("fr-ui-report", "fr-ui-report", 120, 620, "fr-d2-fn-report");
fn("report", "collect reports", "collect-report.fn", 0, 660, 620, []);

// one view per widget each second
flowNodes.push({
  id: "fr-d2-tick", type: "inject", z: TAB, name: "every second", props: [], repeat: "1", crontab: "", once: true, onceDelay: "0.5",
  topic: "", x: 140, y: 400, wires: [["fr-d2-fn-views"]],
});
fn("views", "build views", "build-views.fn", 5, 370, 400, [[tAlarms], [tTags], [tDetail], [tQuality1, tQuality2, tQuality3], [tReport]]);

// requests from the browsers
fn("ui-actions", "ui actions (tag selection, admin retry)", "ui-actions.fn", 2, 690, 700, [[tReport], ["fr-d2-retry-out"]]);
flowNodes.push({ id: "fr-d2-retry-out", type: "link out", z: TAB, name: "to fr-flow-anh-command", mode: "link", links: ["fr-flow-anh-command"], x: 985, y: 720, wires: [] });

comment("about", "Operator dashboard: link in fr-ui-* → state in flow context → one view per widget each second",
  "See dashboards/README.md. Nothing here talks to a device or a database: the analytics flows (flows/) send what the operator sees " +
  "through link out nodes to the fr-ui-* link in nodes. Labels: FR_LABELS in this flow's environment; language: DASHBOARD_LANG (en | es).",
  390, 40);
comment("retry", "Admin-only retry: the user comes from msg._client.user (dashboard-users.js plugin); anyone else is refused",
  "Dashboard 2 has no roles. dashboards/dashboard2/dashboard-users.js authenticates the dashboard (HTTP Basic against an adminAuth-style " +
  "user list) and puts the socket's user in msg._client.user. The ui actions function forwards a retry only when that user has permissions \"*\" " +
  "or is listed in DASHBOARD_ADMINS; without the plugin there is no user and every retry is refused.",
  470, 760);

const flow = [tab, base, theme, ...pages, ...groups, ...flowNodes, ...widgets];
const out = JSON.stringify(flow, null, 2) + "\n";
const target = path.join(here, "operator-dashboard.json");
if (process.argv.includes("--check")) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
  if (current !== out) {
    console.error("operator-dashboard.json is out of date: run node dashboards/dashboard2/build-flow.mjs");
    process.exit(1);
  }
} else {
  fs.writeFileSync(target, out);
  console.log(`wrote ${target} (${flow.length} nodes)`);
}
