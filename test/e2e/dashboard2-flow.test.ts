/**
 * The Dashboard 2 flow file without a browser: it is what build-flow.mjs makes of dashboards/dashboard2/src,
 * it honours the link contract of docs/integration-contract.md, every widget hangs off a group of a page of
 * the one ui-base, and the dictionary has every label the widgets ask for, in both languages.
 */
import assert from "assert";
import { execFileSync } from "child_process";
import fs from "fs";
import path from "path";
import { repoRoot } from "../support/repo";

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

const root = repoRoot();
const dashboardDir = path.join(root, "dashboards/dashboard2");
const flow = JSON.parse(fs.readFileSync(path.join(dashboardDir, "operator-dashboard.json"), "utf8")) as FlowNode[];
const byId = new Map(flow.map((n) => [n.id, n]));
const ofType = (type: string) => flow.filter((n) => n.type === type);

describe("Dashboard 2 flow file (dashboards/dashboard2/operator-dashboard.json)", function () {
  it("is the build of src/ (node dashboards/dashboard2/build-flow.mjs --check)", function () {
    execFileSync(process.execPath, [path.join(dashboardDir, "build-flow.mjs"), "--check"], { stdio: "pipe" });
  });

  it("has unique ids, one tab, and every flow node on that tab", function () {
    assert.equal(byId.size, flow.length, "duplicate ids");
    const tabs = ofType("tab");
    assert.equal(tabs.length, 1);
    for (const node of flow) {
      if (["tab", "ui-base", "ui-theme"].includes(node.type)) continue;
      assert.equal(node.z, tabs[0].id, `${node.type} ${node.id} is not on the dashboard tab`);
    }
  });

  it("is fed only by the contract's link in ids and sends retries only to fr-flow-anh-command", function () {
    const linkIns = ofType("link in").map((n) => n.id).sort();
    assert.deepEqual(linkIns, ["fr-ui-event", "fr-ui-measurement", "fr-ui-quality", "fr-ui-report", "fr-ui-thermal"]);
    const linkOuts = ofType("link out");
    assert.deepEqual(linkOuts.map((n) => [n.mode, n.links]), [["link", ["fr-flow-anh-command"]]]);
    for (const type of ["http in", "mqtt in", "opcua-in", "modbus-in", "influx-query", "tcp in", "websocket in"]) {
      assert.equal(ofType(type).length, 0, `the dashboard reads ${type} directly`);
    }
  });

  it("has one ui-base at /dashboard with client data on, five pages, and every widget in a group of one of them", function () {
    const bases = ofType("ui-base");
    assert.equal(bases.length, 1);
    assert.equal(bases[0].path, "/dashboard");
    assert.equal(bases[0].includeClientData, true);
    assert.ok((bases[0].acceptsClientConfig as string[]).includes("ui-template"), "ui-template must accept msg._client (answers to one browser)");
    const pages = ofType("ui-page");
    assert.deepEqual(pages.map((p) => p.path), ["/overview", "/tag", "/thermal", "/quality", "/report"]);
    for (const page of pages) assert.equal(page.ui, bases[0].id);
    const widgets = flow.filter((n) => n.type.startsWith("ui-") && !["ui-base", "ui-theme", "ui-page", "ui-group"].includes(n.type));
    assert.ok(widgets.length >= 11);
    for (const widget of widgets) {
      const group = byId.get(widget.group as string);
      assert.ok(group && group.type === "ui-group", `${widget.id}: no group`);
      assert.ok(pages.some((p) => p.id === group.page), `${widget.id}: its group is on no page`);
    }
    for (const page of pages) assert.ok(flow.some((g) => g.type === "ui-group" && g.page === page.id), `page ${page.path} has no group`);
  });

  it("wires every function output to something that exists", function () {
    for (const node of flow) {
      for (const targets of (node.wires as string[][] | undefined) ?? []) for (const target of targets) assert.ok(byId.has(target), `${node.id} → ${target}`);
    }
  });

  it("has one dictionary with the same keys in English and Spanish, covering every label the widgets use", function () {
    const tab = ofType("tab")[0];
    const env = tab.env as Array<{ name: string; value: string; type: string }>;
    const dictionary = JSON.parse(env.find((e) => e.name === "FR_LABELS")?.value ?? "{}") as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(dictionary).sort(), ["en", "es"]);
    assert.deepEqual(Object.keys(dictionary.es).sort(), Object.keys(dictionary.en).sort());
    for (const [key, text] of Object.entries(dictionary.es)) assert.ok(text.trim().length > 0, `es.${key} is empty`);
    const used = new Set<string>();
    for (const template of ofType("ui-template")) for (const match of (template.format as string).matchAll(/\bt\('([A-Za-z]+)'\)/g)) used.add(match[1]);
    // states and severities reach t() as values (t(tag.state), t(a.severity), t(b.name), …)
    for (const value of ["critical", "warning", "info", "live", "stale", "gap", "stable", "turbulent", "high", "medium", "low", "minor", "moderate", "pending", "done", "failed", "generating", "validating", "ready", "uploading", "uploaded", "air", "crude", "emulsion", "water"]) used.add(value);
    const missing = [...used].filter((key) => !(key in dictionary.en));
    assert.deepEqual(missing, [], "labels used but not in the dictionary");
    for (const page of ofType("ui-page")) {
      const variable = /^\$\{(FR_PAGE_[A-Z]+)\}$/.exec(page.name as string)?.[1];
      assert.ok(variable, `page ${page.path} name ${page.name} is not a language variable`);
      const expression = env.find((e) => e.name === variable)?.value ?? "";
      assert.ok(Object.values(dictionary.en).some((name) => expression.includes(JSON.stringify(name))), `${variable} has no English name from the dictionary`);
      assert.ok(Object.values(dictionary.es).some((name) => expression.includes(JSON.stringify(name))), `${variable} has no Spanish name from the dictionary`);
    }
  });
});
