import { InfluxDB, fluxString } from "@influxdata/influxdb-client";
import { InputError, describeValue } from "../common/errors";
import { parseTimestamp } from "../common/sample";
import { basicAuth, errorText, networkReason, type ServerConfig, type ServerCredentials } from "./transport";
import { fetchFor, transportOptions } from "./tls";

/**
 * Queries for backfill and reports: InfluxQL on /query (v1), Flux through @influxdata/influxdb-client's
 * QueryApi or SQL on /api/v3/query_sql (v2 servers). The time range and the tag come from the message
 * and are bound as parameters ($start, $stop, $topic), never pasted into the text: InfluxQL and SQL take
 * them as bind parameters; Flux, which has none on InfluxDB OSS, gets them as escaped literals.
 */

export type QueryLanguage = "influxql" | "flux" | "sql";

export interface QueryRange {
  /** epoch ms, inclusive */
  start: number;
  /** epoch ms, exclusive */
  stop: number;
}

export interface QueryParams {
  range: QueryRange | null;
  topic: string | null;
}

export type Row = Record<string, unknown>;

export function validateLanguage(value: unknown, apiVersion: "v1" | "v2", field = "language"): QueryLanguage {
  if (value === undefined || value === null || value === "") return apiVersion === "v1" ? "influxql" : "flux";
  if (value !== "influxql" && value !== "flux" && value !== "sql") throw new InputError(field, `expected "influxql", "flux" or "sql", got ${describeValue(value)}`);
  if (apiVersion === "v1" && value !== "influxql") throw new InputError(field, `a v1 server answers InfluxQL only, got ${describeValue(value)}`);
  if (apiVersion === "v2" && value === "influxql") throw new InputError(field, `a v2 server is queried with "flux" or "sql", got "influxql"`);
  return value;
}

/**
 * The range of a message: msg.range {start, stop|end}, or a payload {start, end|stop} (the backfill
 * request of gap-detector). Epoch ms or ISO 8601. null when the message names none.
 */
export function rangeFromMessage(msg: { range?: unknown; payload?: unknown }): QueryRange | null {
  let source: unknown = msg.range;
  let field = "msg.range";
  if (source === undefined) {
    const payload = msg.payload as { start?: unknown } | null;
    if (payload !== null && typeof payload === "object" && !Array.isArray(payload) && payload.start !== undefined) {
      source = payload;
      field = "msg.payload";
    } else {
      return null;
    }
  }
  if (source === null || typeof source !== "object") throw new InputError(field, `expected {start, stop} in epoch ms or ISO 8601, got ${describeValue(source)}`);
  const { start, stop, end } = source as { start?: unknown; stop?: unknown; end?: unknown };
  const from = parseTimestamp(start, `${field}.start`);
  const to = parseTimestamp(stop ?? end, `${field}.${stop !== undefined ? "stop" : "end"}`);
  if (!(to > from)) throw new InputError(field, `expected stop after start, got ${new Date(from).toISOString()} .. ${new Date(to).toISOString()}`);
  return { start: from, stop: to };
}

function bindings(params: QueryParams): Record<string, string> {
  const out: Record<string, string> = {};
  if (params.range !== null) {
    out.start = new Date(params.range.start).toISOString();
    out.stop = new Date(params.range.stop).toISOString();
  }
  if (params.topic !== null) out.topic = params.topic;
  return out;
}

function checkPlaceholders(query: string, bound: Record<string, string>): void {
  for (const match of query.matchAll(/\$(start|stop|topic)\b/g)) {
    if (!(match[1] in bound)) {
      const from = match[1] === "topic" ? "msg.topic" : "msg.range or msg.payload {start, end}";
      throw new InputError(from, `the query uses $${match[1]} but the message gives none`);
    }
  }
}

/** InfluxQL results as rows: one object per row with the series name, its tags and the columns; time in epoch ms. */
export function rowsFromInfluxQL(json: unknown): Row[] {
  const rows: Row[] = [];
  const results = (json as { results?: Array<{ error?: string; series?: Array<{ name?: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] }> }> }).results ?? [];
  for (const result of results) {
    if (result.error) throw new Error(`query failed: ${result.error}`);
    for (const series of result.series ?? []) {
      for (const values of series.values ?? []) {
        const row: Row = {};
        if (series.name !== undefined) row.measurement = series.name;
        if (series.tags) Object.assign(row, series.tags);
        series.columns.forEach((column, i) => (row[column] = values[i]));
        rows.push(row);
      }
    }
  }
  return rows;
}

async function queryV1(config: ServerConfig, credentials: ServerCredentials, query: string, bound: Record<string, string>): Promise<Row[]> {
  const form = new URLSearchParams({ q: query, db: config.database, epoch: "ms" });
  if (config.retentionPolicy) form.set("rp", config.retentionPolicy);
  if (Object.keys(bound).length > 0) form.set("params", JSON.stringify(bound));
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  const auth = basicAuth(credentials);
  if (auth !== null) headers.authorization = auth;
  let response: Response;
  try {
    response = await fetchFor(config.url, config.tls)(`${config.url}/query`, { method: "POST", body: form.toString(), headers, signal: AbortSignal.timeout(config.timeoutMs) });
  } catch (err) {
    throw new Error(`query failed: server unreachable (${networkReason(err)})`);
  }
  const text = await response.text();
  if (response.status !== 200) throw new Error(`query failed: HTTP ${response.status}: ${errorText(text)}`);
  return rowsFromInfluxQL(JSON.parse(text));
}

/** A Flux query with $start, $stop and $topic replaced by escaped literals (the client's fluxString). */
export function fluxWithParams(query: string, params: QueryParams): string {
  const bound = bindings(params);
  checkPlaceholders(query, bound);
  return query.replace(/\$(start|stop|topic)\b/g, (_, name: string) => (name === "topic" ? fluxString(bound.topic).toString() : `time(v: ${fluxString(bound[name]).toString()})`));
}

async function queryFlux(config: ServerConfig, credentials: ServerCredentials, text: string): Promise<Row[]> {
  const client = new InfluxDB({ url: config.url, token: credentials.token || undefined, timeout: config.timeoutMs, transportOptions: transportOptions(config.tls) });
  try {
    return await client.getQueryApi(config.org).collectRows<Row>(text);
  } catch (err) {
    const error = err as { statusCode?: number; body?: string; message?: string };
    throw new Error(`query failed: ${error.statusCode ? `HTTP ${error.statusCode}: ${errorText(error.body ?? "")}` : networkReason(err)}`);
  }
}

async function querySql(config: ServerConfig, credentials: ServerCredentials, query: string, bound: Record<string, string>): Promise<Row[]> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
  let response: Response;
  try {
    response = await fetchFor(config.url, config.tls)(`${config.url}/api/v3/query_sql`, {
      method: "POST",
      body: JSON.stringify({ db: config.bucket, q: query, params: bound, format: "json" }),
      headers,
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (err) {
    throw new Error(`query failed: server unreachable (${networkReason(err)})`);
  }
  const text = await response.text();
  if (response.status !== 200) throw new Error(`query failed: HTTP ${response.status}: ${errorText(text)}`);
  const rows = JSON.parse(text) as unknown;
  if (!Array.isArray(rows)) throw new Error("query failed: the server did not answer an array of rows");
  return rows as Row[];
}

/** Runs a query with the message's range and topic bound; rows as an array. */
export async function runQuery(config: ServerConfig, credentials: ServerCredentials, language: QueryLanguage, query: string, params: QueryParams): Promise<Row[]> {
  if (typeof query !== "string" || query.trim() === "") throw new InputError("query", `expected a query text, got ${describeValue(query)}`);
  const bound = bindings(params);
  checkPlaceholders(query, bound);
  switch (language) {
    case "influxql":
      return queryV1(config, credentials, query, bound);
    case "flux":
      return queryFlux(config, credentials, fluxWithParams(query, params));
    case "sql":
      return querySql(config, credentials, query, bound);
  }
}
