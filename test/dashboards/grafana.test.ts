/**
 * The Grafana dashboard (dashboards/grafana/field-reliability.json): its structure, that it reads only the
 * InfluxDB measurements, fields and tags of docs/integration-contract.md, and that every query (panels,
 * variables, annotations) runs on a real InfluxDB 1.6 loaded with points and returns rows.
 */
import assert from "assert";
import fs from "fs";
import path from "path";
import { InfluxDB1Server } from "../support/influx-servers";
import { repoRoot } from "../support/repo";

interface Target {
  refId: string;
  query: string;
  rawQuery?: boolean;
  resultFormat?: string;
  datasource?: { type: string; uid: string };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  query: string;
  datasource?: { type: string; uid: string };
}

interface Dashboard {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  schemaVersion: number;
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Array<{ name: string; builtIn?: number; target?: Target; datasource?: { type: string; uid: string } }> };
}

interface Measurement {
  tags: Set<string>;
  fields: Set<string>;
}

const DATABASE = "field_reliability";

function loadDashboard(): Dashboard {
  return JSON.parse(fs.readFileSync(path.join(repoRoot(), "dashboards/grafana/field-reliability.json"), "utf8")) as Dashboard;
}

/** The "InfluxDB measurements" table of the integration contract: measurement → tags and fields. */
function contractMeasurements(): Map<string, Measurement> {
  const text = fs.readFileSync(path.join(repoRoot(), "docs/integration-contract.md"), "utf8");
  const section = text.split(/^## /m).find((s) => s.startsWith("InfluxDB measurements"));
  assert.ok(section, "the contract has no InfluxDB measurements section");
  // Backticked names outside parentheses: "`asset` (`W01`, `T1`)" names the tag asset, not W01.
  const names = (cell: string) => [...cell.replace(/\([^)]*\)/g, "").matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const measurements = new Map<string, Measurement>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 5 || !cells[1].startsWith("`")) continue;
    measurements.set(names(cells[1])[0], { tags: new Set(names(cells[2])), fields: new Set(names(cells[3])) });
  }
  assert.ok(measurements.size >= 3, `parsed ${measurements.size} measurements from the contract`);
  return measurements;
}

/** Every panel, rows' nested panels included. */
function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

function allQueries(dashboard: Dashboard): Array<{ where: string; query: string; format: string }> {
  const queries: Array<{ where: string; query: string; format: string }> = [];
  for (const panel of allPanels(dashboard)) {
    for (const t of panel.targets ?? []) queries.push({ where: `panel "${panel.title}" ${t.refId}`, query: t.query, format: t.resultFormat ?? "time_series" });
  }
  for (const a of dashboard.annotations.list) if (a.target) queries.push({ where: `annotation "${a.name}"`, query: a.target.query, format: "table" });
  return queries;
}

/** What one InfluxQL SELECT reads: its measurement, the names in SELECT, and those in WHERE / GROUP BY. */
function readsOf(query: string): { measurement: string; selected: string[]; filtered: string[] } {
  const match = /^SELECT\s+(.+?)\s+FROM\s+"([^"]+)"(.*)$/is.exec(query.trim());
  assert.ok(match, `not a SELECT ... FROM "measurement": ${query}`);
  const [, selectClause, measurement, rest] = match;
  const quoted = (s: string) => [...s.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const selected = quoted(selectClause.replace(/\bAS\s+"[^"]+"/gi, ""));
  const filtered = quoted(rest);
  return { measurement, selected, filtered };
}

/** Grafana's substitutions: $timeFilter, $__interval and the template variables (regex form). */
function interpolate(query: string, variables: Record<string, string>, from: number, to: number): string {
  return query
    .replace(/\$timeFilter/g, `time >= ${from}ms and time <= ${to}ms`)
    .replace(/\$__interval/g, "1m")
    .replace(/\$\{?(\w+)\}?/g, (whole, name: string) => (name in variables ? variables[name] : whole));
}

/** Grafana's regex form of a multi-value selection: escaped values in an alternation. */
function regexOf(values: string[]): string {
  return `(${values.map((v) => v.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})`;
}

describe("Grafana dashboard", function () {
  const dashboard = loadDashboard();
  const contract = contractMeasurements();

  describe("structure", function () {
    it("is a Grafana dashboard with a schema version and a datasource input ${DS} for InfluxDB", function () {
      assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
      assert.ok(dashboard.uid && dashboard.title);
      assert.deepStrictEqual(
        dashboard.__inputs.map((i) => [i.name, i.type, i.pluginId]),
        [["DS", "datasource", "influxdb"]],
      );
      const sources = [
        ...allPanels(dashboard).flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]),
        ...dashboard.templating.list.filter((v) => v.type === "query").map((v) => v.datasource),
        ...dashboard.annotations.list.filter((a) => !a.builtIn).map((a) => a.datasource),
      ].filter((d) => d !== undefined);
      assert.ok(sources.length > 10);
      for (const source of sources) assert.deepStrictEqual(source, { type: "influxdb", uid: "${DS}" });
    });

    it("has unique panel ids and every panel inside 24 columns without overlaps", function () {
      const panels = allPanels(dashboard);
      const ids = panels.map((p) => p.id);
      assert.strictEqual(new Set(ids).size, ids.length, `duplicate panel ids in ${ids.join(",")}`);
      for (const p of panels) {
        const { x, y, w, h } = p.gridPos;
        assert.ok([x, y, w, h].every(Number.isInteger) && x >= 0 && y >= 0 && w > 0 && h > 0, `${p.title}: ${JSON.stringify(p.gridPos)}`);
        assert.ok(x + w <= 24, `${p.title} ends at column ${x + w}`);
      }
      for (let i = 0; i < panels.length; i += 1) {
        for (let j = i + 1; j < panels.length; j += 1) {
          const a = panels[i].gridPos;
          const b = panels[j].gridPos;
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          assert.ok(!overlap, `"${panels[i].title}" overlaps "${panels[j].title}"`);
        }
      }
    });

    it("shows what the issue asks: values with quality, σ, SPC violations, anomaly score, thermal, events", function () {
      const queries = allQueries(dashboard).map((q) => q.query);
      const reads = (measurement: string, field: string) => queries.some((q) => readsOf(q).measurement === measurement && readsOf(q).selected.includes(field));
      for (const field of ["value", "quality", "sigma_std", "spc_violations", "anomaly_score"]) assert.ok(reads("telemetry", field), `no panel reads telemetry.${field}`);
      for (const field of ["score", "water_interface", "emulsion_interface", "crude_level", "band"]) assert.ok(reads("thermal", field), `no panel reads thermal.${field}`);
      assert.ok(allPanels(dashboard).some((p) => p.type === "table" && (p.targets ?? []).some((t) => readsOf(t.query).measurement === "events")), "no events table");
    });

    it("reads only measurements, fields and tags of the integration contract", function () {
      for (const { where, query } of allQueries(dashboard)) {
        const { measurement, selected, filtered } = readsOf(query);
        const m = contract.get(measurement);
        assert.ok(m, `${where}: measurement ${measurement} is not in the contract`);
        for (const name of selected) assert.ok(m.fields.has(name) || m.tags.has(name), `${where}: ${measurement} has no field or tag ${name}`);
        assert.ok(selected.some((name) => m.fields.has(name)), `${where}: selects no field of ${measurement}`);
        for (const name of filtered) assert.ok(m.tags.has(name), `${where}: ${name} is not a tag of ${measurement}`);
      }
      for (const v of dashboard.templating.list.filter((x) => x.type === "query")) {
        const match = /^SHOW TAG VALUES FROM "([^"]+)" WITH KEY = "([^"]+)"/.exec(v.query);
        assert.ok(match, `variable ${v.name}: ${v.query}`);
        assert.ok(contract.get(match[1])?.tags.has(match[2]), `variable ${v.name}: ${match[1]}.${match[2]} is not a contract tag`);
      }
    });

    it("defines every template variable it uses", function () {
      const defined = new Set([...dashboard.templating.list.map((v) => v.name), ...dashboard.__inputs.map((i) => i.name)]);
      const text = JSON.stringify(dashboard);
      const used = new Set([...text.matchAll(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g)].map((m) => m[1] ?? m[2] ?? m[3]));
      // Grafana's own: $timeFilter, $__interval, $__all and the like.
      const builtIn = (name: string) => name === "timeFilter" || name.startsWith("__");
      const undefinedNames = [...used].filter((name) => !builtIn(name) && !defined.has(name));
      assert.deepStrictEqual(undefinedNames, []);
      for (const v of dashboard.templating.list) assert.ok(used.has(v.name), `variable ${v.name} is never used`);
    });
  });

  describe("queries on a real InfluxDB 1.6", function () {
    this.timeout(60_000);
    let influx: InfluxDB1Server;
    const now = Date.now();
    const from = now - 3600_000;

    before(async function () {
      influx = await InfluxDB1Server.create();
      await influx.query(`CREATE DATABASE ${DATABASE}`);
      // Points as influx-write writes them (numbers as floats, quality as an integer), over the last half hour.
      const lines: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        const t = now - (30 - i) * 60_000;
        lines.push(`telemetry,asset=W01,site=demo,tag=W01.OilRate value=${810 + i * 0.1},quality=192i,sigma_std=${1.2 + i * 0.01},spc_violations=${i === 25 ? 1 : 0},anomaly_score=${i === 25 ? 0.995 : 0.02} ${t}`);
        lines.push(`telemetry,asset=T1,site=demo,tag=T1.Level value=${6.2 + i * 0.001},quality=${i === 10 ? 0 : 192}i ${t}`);
        lines.push(`thermal,tank=T1 score=${80 + (i % 5)},water_interface=1.74,emulsion_interface=3.13,crude_level=7.76,band="high" ${t}`);
      }
      lines.push(`events,event=violation,severity=critical,tag=W01.OilRate message="W01.OilRate: nelson-1",value=812.5 ${now - 5 * 60_000}`);
      lines.push(`events,event=stale,severity=warning,tag=T1.Level message="T1.Level silent for 300 s",value=0 ${now - 4 * 60_000}`);
      const response = await fetch(`${influx.url}/write?db=${DATABASE}&precision=ms`, { method: "POST", body: lines.join("\n") });
      assert.strictEqual(response.status, 204, await response.text());
    });

    after(async function () {
      await influx?.dispose();
    });

    const selections: Record<string, Record<string, string>> = {
      "All selected": { site: ".*", tag: ".*", tank: ".*", severity: ".*" },
      "one value each": { site: regexOf(["demo"]), tag: regexOf(["W01.OilRate"]), tank: regexOf(["T1"]), severity: regexOf(["critical"]) },
    };

    for (const [name, variables] of Object.entries(selections)) {
      it(`every panel and annotation query returns rows (${name})`, async function () {
        for (const { where, query } of allQueries(dashboard)) {
          const rows = await influx.select(interpolate(query, variables, from, now + 1000), DATABASE);
          assert.ok(rows.length > 0, `${where} returned no rows: ${interpolate(query, variables, from, now + 1000)}`);
        }
      });
    }

    it("the variables list the tag values, and the panels show the written figures", async function () {
      const values = async (variable: string) => {
        const v = dashboard.templating.list.find((x) => x.name === variable) as Variable;
        const rows = await influx.select(interpolate(v.query, selections["All selected"], from, now), DATABASE);
        return rows.map((r) => r.value).sort();
      };
      assert.deepStrictEqual(await values("site"), ["demo"]);
      assert.deepStrictEqual(await values("tag"), ["T1.Level", "W01.OilRate"]);
      assert.deepStrictEqual(await values("tank"), ["T1"]);

      const run = async (title: string, variables = selections["All selected"]) => {
        const panel = allPanels(dashboard).find((p) => p.title === title && p.type !== "row") as Panel;
        return influx.select(interpolate((panel.targets as Target[])[0].query, variables, from, now + 1000), DATABASE);
      };
      const latest = await run("Latest value and quality");
      const oil = latest.find((r) => r.tag === "W01.OilRate");
      assert.ok(oil && Math.abs((oil.value as number) - 812.9) < 1e-9 && oil.quality === 192, JSON.stringify(latest));
      assert.deepStrictEqual((await run("Band")).map((r) => r.last), ["high"]);
      const violations = await run("SPC rule violations", selections["one value each"]);
      assert.strictEqual(violations.reduce((sum, r) => sum + (r.sum as number), 0), 1);
      const events = await run("Events", selections["one value each"]);
      assert.deepStrictEqual(events.map((r) => [r.severity, r.event, r.tag, r.message]), [["critical", "violation", "W01.OilRate", "W01.OilRate: nelson-1"]]);
    });
  });
});
