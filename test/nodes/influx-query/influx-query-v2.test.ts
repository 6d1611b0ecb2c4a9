/**
 * influx-query on a v2 server: Flux (/api/v2/query) and SQL (/api/v3/query_sql).
 *
 * STAND-IN SERVER: no server that runs Flux or SQL can run here (Debian's influxd is 1.6, which has
 * neither; VictoriaMetrics speaks neither). So a small HTTP server in this test plays the part: it
 * checks each request as InfluxDB 2.x / 3.x would receive it (path, org/db, token, the query with its
 * bound parameters) and answers with bodies in the servers' real formats: annotated CSV with #group,
 * #datatype and #default rows, CRLF line ends and a new table block when the schema changes (InfluxDB
 * 2.x), a JSON array of row objects (InfluxDB 3 with format "json"), and their error bodies. What this
 * checks is our side: the request we send and the rows we make of a real-format answer. The InfluxQL
 * path is tested against the real InfluxDB 1.6 in influx-query.test.ts.
 */
import assert from "node:assert/strict";
import http from "http";
import type { AddressInfo } from "net";
import influxQueryNode from "../../../nodes/influx-query/influx-query";
import influxServerNode from "../../../nodes/influx-server/influx-server";
import { errorMessages, probe, testFlow } from "../../support/node-harness";
import { helper, unloadAll, waitFor, type FlowNode } from "../../support/runtime";

const NODES = [influxServerNode, influxQueryNode];
const T0 = Date.UTC(2026, 10, 22, 5);
const SLOT = 600_000;
const TOKEN = "tok-Flux-never-shown";

interface Received {
  method: string;
  path: string;
  search: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

/**
 * What InfluxDB 2.x answers for
 *   from(bucket) |> range(...) |> filter(r => r.tag == ...) |> filter(r => r._field == "value" or r._field == "quality")
 * on the daily readings: one table per field, and a new annotation block where the column types change
 * (value is a double, quality a long).
 */
function fluxAnswer(start: number, stop: number, tag: string): string {
  const lines = [
    "#group,false,false,true,true,false,false,true,true,true",
    "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string",
    "#default,_result,,,,,,,,",
    ",result,table,_start,_stop,_time,_value,_field,_measurement,tag",
    ...[0, 1, 2].map((i) => `,,0,${iso(start)},${iso(stop)},${iso(T0 + i * SLOT)},${i + 0.5},value,daily,${tag}`),
    "",
    "#group,false,false,true,true,false,false,true,true,true",
    "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,long,string,string,string",
    "#default,_result,,,,,,,,",
    ",result,table,_start,_stop,_time,_value,_field,_measurement,tag",
    ...[0, 1, 2].map((i) => `,,1,${iso(start)},${iso(stop)},${iso(T0 + i * SLOT)},${i === 1 ? 0 : 192},quality,daily,${tag}`),
    "",
    "",
  ];
  return lines.join("\r\n");
}

/** InfluxDB 3 /api/v3/query_sql with format "json": an array of row objects, time without a zone. */
function sqlAnswer(tag: string): string {
  return JSON.stringify([0, 1, 2].map((i) => ({ quality: i === 1 ? 0 : 192, tag, time: new Date(T0 + i * SLOT).toISOString().replace("Z", "").replace(".000", ""), value: i + 0.5 })));
}

async function standIn(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      received.push({ method: req.method ?? "", path: url.pathname, search: url.searchParams, headers: req.headers, body });
      if (req.method === "POST" && url.pathname === "/api/v2/query") {
        if (req.headers.authorization !== `Token ${TOKEN}`) return json(res, 401, { code: "unauthorized", message: "unauthorized access" });
        const { query } = JSON.parse(body) as { query: string };
        if (query.startsWith("frm(")) return json(res, 400, { code: "invalid", message: "compilation failed: error @1:1-1:4: undefined identifier frm" });
        const range = /range\(start: time\(v: "([^"]+)"\), stop: time\(v: "([^"]+)"\)\)/.exec(query);
        const tag = /r\.tag == "((?:[^"\\]|\\.)*)"/.exec(query);
        res.writeHead(200, { "content-type": "text/csv; charset=utf-8" });
        // The Flux string literal read back (\" and \\ unescaped), then written as a CSV field as InfluxDB does.
        return void res.end(range && tag ? fluxAnswer(Date.parse(range[1]), Date.parse(range[2]), csvField(tag[1].replace(/\\(.)/g, "$1"))) : "\r\n");
      }
      if (req.method === "POST" && url.pathname === "/api/v3/query_sql") {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: "the request was not authenticated" });
        const { q, params } = JSON.parse(body) as { q: string; params: Record<string, string> };
        if (q.startsWith("SELEC ")) return json(res, 400, { error: "error while planning query: SQL error: ParserError(\"Expected: an SQL statement, found: SELEC at Line: 1, Column: 1\")", data: null });
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(sqlAnswer(params.topic ?? "none"));
      }
      json(res, 404, { code: "not found", message: "path not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** RFC 4180: a field with a quote, comma or line break goes in quotes, its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

describe("nodes/influx-query on a v2 server (Flux and SQL, against a stand-in server: see the header)", function () {
  this.timeout(30_000);
  let server: Awaited<ReturnType<typeof standIn>>;
  before(async () => (server = await standIn()));
  after(async () => server?.close());
  afterEach(async () => unloadAll());

  async function load(language: string, query: string, token = TOKEN): Promise<ReturnType<typeof probe>> {
    const nodes: FlowNode[] = testFlow("influx-query", 1, { server: "n-server", language, query });
    nodes.push({ id: "n-server", type: "influx-server", url: server.url, apiVersion: "v2", database: "", retentionPolicy: "", org: "plant-org", bucket: "plant", timeoutSeconds: 5 });
    await helper.load(NODES, nodes, { "n-server": { token } });
    return probe(1);
  }

  it("Flux: $start, $stop and $topic bound as escaped literals; the annotated CSV comes out as one typed object per row", async () => {
    const h = await load("flux", 'from(bucket: "plant") |> range(start: $start, stop: $stop) |> filter(fn: (r) => r.tag == $topic) |> filter(fn: (r) => r._field == "value" or r._field == "quality")');
    server.received.length = 0;
    h.input.receive({ topic: 'FT-1" or true or "', payload: { start: T0, end: T0 + 144 * SLOT } });
    await waitFor(() => h.outputs[0].length + h.caught.length === 1, 10_000, "rows");
    assert.deepEqual(errorMessages(h), []);
    const request = server.received[0];
    assert.equal(request.path, "/api/v2/query");
    assert.equal(request.search.get("org"), "plant-org");
    const sent = JSON.parse(request.body) as { query: string; dialect?: { annotations?: string[] } };
    assert.ok(sent.query.includes(`range(start: time(v: "${new Date(T0).toISOString()}"), stop: time(v: "${new Date(T0 + 144 * SLOT).toISOString()}"))`), sent.query);
    assert.ok(sent.query.includes('r.tag == "FT-1\\" or true or \\""'), `the quote stays inside the string: ${sent.query}`);
    const msg = h.outputs[0][0];
    const rows = msg.payload as Array<Record<string, unknown>>;
    assert.ok(Array.isArray(rows));
    assert.equal(rows.length, 6);
    const common = { result: "_result", _start: iso(T0), _stop: iso(T0 + 144 * SLOT), _measurement: "daily", tag: 'FT-1" or true or "' };
    assert.deepEqual(rows[0], { ...common, table: 0, _time: iso(T0), _value: 0.5, _field: "value" });
    assert.deepEqual(rows[4], { ...common, table: 1, _time: iso(T0 + SLOT), _value: 0, _field: "quality" });
    assert.deepEqual(rows.map((r) => r._value), [0.5, 1.5, 2.5, 192, 0, 192], "doubles and longs as numbers");
    assert.deepEqual((msg.influx as Record<string, unknown>).rows, 6);
    assert.deepEqual((msg.influx as Record<string, unknown>).range, { start: T0, stop: T0 + 144 * SLOT });
  });

  it("Flux errors: the server's message for a bad query, and a refused token, reach the Catch node without the token", async () => {
    let h = await load("flux", "");
    h.input.receive({ query: "frm(bucket: \"plant\")", payload: 1 });
    await waitFor(() => h.caught.length === 1, 10_000, "error");
    assert.match(errorMessages(h)[0], /query failed: HTTP 400: .*undefined identifier frm/);
    await unloadAll();
    h = await load("flux", 'from(bucket: "plant") |> range(start: -1h)', "wrong-token");
    h.input.receive({ payload: 1 });
    await waitFor(() => h.caught.length === 1, 10_000, "error");
    assert.match(errorMessages(h)[0], /query failed: HTTP 401: unauthorized access/);
    assert.ok(!JSON.stringify(h.caught).includes("wrong-token") && !JSON.stringify(h.caught).includes(TOKEN));
  });

  it("SQL: parameters sent as params of /api/v3/query_sql, the bucket as db; the JSON rows come out as the array", async () => {
    const h = await load("sql", "SELECT time, tag, value, quality FROM daily WHERE tag = $topic AND time >= $start AND time < $stop ORDER BY time");
    server.received.length = 0;
    h.input.receive({ topic: "FT-2", range: { start: new Date(T0).toISOString(), stop: T0 + 3 * SLOT } });
    await waitFor(() => h.outputs[0].length + h.caught.length === 1, 10_000, "rows");
    assert.deepEqual(errorMessages(h), []);
    const request = server.received[0];
    assert.equal(request.path, "/api/v3/query_sql");
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(JSON.parse(request.body), {
      db: "plant",
      q: "SELECT time, tag, value, quality FROM daily WHERE tag = $topic AND time >= $start AND time < $stop ORDER BY time",
      params: { start: new Date(T0).toISOString(), stop: new Date(T0 + 3 * SLOT).toISOString(), topic: "FT-2" },
      format: "json",
    });
    const rows = h.outputs[0][0].payload as Array<Record<string, unknown>>;
    assert.deepEqual(rows, [
      { quality: 192, tag: "FT-2", time: "2026-11-22T05:00:00", value: 0.5 },
      { quality: 0, tag: "FT-2", time: "2026-11-22T05:10:00", value: 1.5 },
      { quality: 192, tag: "FT-2", time: "2026-11-22T05:20:00", value: 2.5 },
    ]);
    assert.equal((h.outputs[0][0].influx as Record<string, unknown>).language, "sql");
  });

  it("SQL errors: the server's planner message reaches the Catch node", async () => {
    const h = await load("sql", "");
    h.input.receive({ query: "SELEC * FROM daily", payload: 1 });
    await waitFor(() => h.caught.length === 1, 10_000, "error");
    assert.match(errorMessages(h)[0], /query failed: HTTP 400: error while planning query: SQL error: ParserError/);
  });
});
