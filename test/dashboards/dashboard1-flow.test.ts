/**
 * The Dashboard 1 flow file on its own (the browser test covers its behaviour): importable next to the
 * Dashboard 2 variant, fed only by the `-d1` link ins, every label in the dictionary in both languages.
 */
import assert from "assert";
import { execFileSync } from "child_process";
import fs from "fs";
import path from "path";
import { readFlowFile } from "../support/node-red-process";
import { repoRoot } from "../support/repo";

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

const LINK_INS = ["fr-ui-measurement-d1", "fr-ui-event-d1", "fr-ui-thermal-d1", "fr-ui-quality-d1", "fr-ui-report-d1"];
// One dictionary entry: `$contains($string($env("DASHBOARD_LANG")), /^es/i) ? "español" : "English"`.
const ENTRY = /^\$contains\(\$string\(\$env\("DASHBOARD_LANG"\)\), \/\^es\/i\) \? ("(?:[^"\\]|\\.)*") : ("(?:[^"\\]|\\.)*")$/;

describe("Dashboard 1 flow file", function () {
  const flow = readFlowFile("dashboards/dashboard1/operator-dashboard.json") as FlowNode[];
  const tab = flow.find((n) => n.type === "tab") as FlowNode & { env: Array<{ name: string; value: string; type: string }> };
  const dictionary = new Map<string, { en: string; es: string }>();
  for (const entry of tab.env.filter((e) => e.name.startsWith("L_"))) {
    const match = ENTRY.exec(entry.value);
    assert.ok(match && entry.type === "jsonata", `${entry.name} is not a dictionary entry: ${entry.value}`);
    dictionary.set(entry.name.slice(2), { es: JSON.parse(match[1]) as string, en: JSON.parse(match[2]) as string });
  }

  it("is one tab with every node on it, unique ids, and no ui_base or credentials", function () {
    assert.strictEqual(flow.filter((n) => n.type === "tab").length, 1);
    for (const n of flow) if (n.type !== "tab") assert.strictEqual(n.z, tab.id, `${n.id} is not on the dashboard tab`);
    const ids = flow.map((n) => n.id);
    assert.strictEqual(new Set(ids).size, ids.length);
    assert.ok(!flow.some((n) => n.type === "ui_base"), "a ui_base would replace the plant's site settings on import");
    assert.ok(!flow.some((n) => "credentials" in n));
    assert.ok(!JSON.stringify(flow).includes("DASHBOARD_ADMIN_PIN\":"), "the PIN must come from the environment");
  });

  it("shares no id with the Dashboard 2 variant, so both import side by side", function () {
    const file = path.join(repoRoot(), "dashboards/dashboard2/operator-dashboard.json");
    if (!fs.existsSync(file)) this.skip();
    const other = new Set(readFlowFile("dashboards/dashboard2/operator-dashboard.json").map((n) => n.id));
    assert.deepStrictEqual(flow.filter((n) => other.has(n.id)).map((n) => n.id), []);
  });

  it("is fed only by the five -d1 link ins and answers only through fr-flow-anh-command", function () {
    assert.deepStrictEqual(flow.filter((n) => n.type === "link in").map((n) => n.id).sort(), [...LINK_INS].sort());
    for (const id of LINK_INS) assert.ok(((flow.find((n) => n.id === id) as FlowNode).wires as string[][])[0].length > 0, `${id} is not wired`);
    const outs = flow.filter((n) => n.type === "link out");
    assert.deepStrictEqual(outs.map((n) => [n.mode, n.links]), [["link", ["fr-flow-anh-command"]]]);
    assert.ok(!flow.some((n) => ["mqtt in", "http in", "inject", "influxdb in"].includes(n.type)), "the dashboard must not reach the plant by itself");
  });

  it("has the five pages, and every widget sits in a group of this flow that is wide enough", function () {
    const pages = flow.filter((n) => n.type === "ui_tab").sort((a, b) => (a.order as number) - (b.order as number));
    assert.deepStrictEqual(
      pages.map((p) => dictionary.get(String(p.name).replace(/^\$\{L_(\w+)\}$/, "$1"))?.en),
      ["Plant overview", "Tag detail", "Tank thermal", "Data quality", "ANH report"],
    );
    const groups = new Map(flow.filter((n) => n.type === "ui_group").map((g) => [g.id, g]));
    for (const g of groups.values()) assert.ok(pages.some((p) => p.id === g.tab), `group ${g.id} is on no page of this flow`);
    const widgets = flow.filter((n) => n.type.startsWith("ui_") && typeof n.group === "string");
    assert.ok(widgets.length >= 20);
    for (const w of widgets) {
      const g = groups.get(w.group as string);
      assert.ok(g, `${w.id}: group ${String(w.group)} is not in the flow`);
      assert.ok(Number(w.width) <= Number(g.width), `${w.id} (${String(w.width)}) is wider than its group (${String(g.width)})`);
      // 12 units (~640 px) keep two groups side by side on a 1366 px laptop.
      assert.ok(Number(g.width) <= 12, `group ${g.id} is ${String(g.width)} units wide`);
    }
  });

  it("defines every label it uses, in English and in Spanish", function () {
    assert.ok(dictionary.size > 50);
    for (const [key, { en, es }] of dictionary) assert.ok(en.trim() !== "" && es.trim() !== "", `L_${key} is empty in a language`);
    const text = JSON.stringify(flow.filter((n) => n.type !== "tab"));
    const used = new Set<string>();
    for (const m of text.matchAll(/\$\{L_(\w+)\}|env\.get\(\\?['"]L_(\w+)\\?['"]\)|\bt\(\\?['"](\w+)\\?['"]\)/g)) used.add(m[1] ?? m[2] ?? m[3]);
    // Keys built at run time from a severity or a report status.
    for (const key of ["CRITICAL", "WARNING", "INFO", "PENDING", "GENERATING", "VALIDATING", "READY", "UPLOADING", "UPLOADED", "FAILED"]) used.add(key);
    assert.ok(used.size > 40, `only ${used.size} labels found in use`);
    assert.deepStrictEqual([...used].filter((key) => !dictionary.has(key)), [], "labels used but not in the dictionary");
    const unused = [...dictionary.keys()].filter((key) => !used.has(key));
    assert.deepStrictEqual(unused, [], "dictionary entries nobody uses");
  });

  it("is what build-flow.mjs writes (the JSON is generated, not edited by hand)", function () {
    const built = execFileSync(process.execPath, [path.join(repoRoot(), "dashboards/dashboard1/build-flow.mjs"), "--stdout"], { encoding: "utf8" });
    assert.strictEqual(built, fs.readFileSync(path.join(repoRoot(), "dashboards/dashboard1/operator-dashboard.json"), "utf8"), "run node dashboards/dashboard1/build-flow.mjs");
  });

  it("has function code that compiles", function () {
    for (const n of flow.filter((x) => x.type === "function")) {
      // The runtime wraps the code in a function body the same way (async, with msg/node/context/flow/env).
      assert.doesNotThrow(() => new Function("msg", "node", "context", "flow", "global", "env", "RED", `return (async () => {\n${String(n.func)}\n})();`), `${String(n.name)} does not compile`);
      if (n.initialize) assert.doesNotThrow(() => new Function("node", "context", "flow", "global", "env", String(n.initialize)));
    }
  });
});
