import type { NodeDef } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { validateLanguage, type QueryLanguage } from "../../lib/influx/query";
import type { ApiVersion } from "../../lib/influx/transport";

export interface InfluxQueryDef extends NodeDef {
  server: string;
  /** "influxql" (v1), "flux" or "sql" (v2); "" = the server's own */
  language: string;
  /** the query; $start, $stop and $topic are bound from the message. "" = msg.query */
  query: string;
}

export interface InfluxQueryConfig {
  language: QueryLanguage;
  query: string;
}

export function parseQueryConfig(def: Partial<InfluxQueryDef>, apiVersion: ApiVersion): InfluxQueryConfig {
  return { language: validateLanguage(def.language, apiVersion), query: typeof def.query === "string" ? def.query.trim() : "" };
}

/** The query of one message: the configured text, else msg.query. */
export function queryText(config: InfluxQueryConfig, msgQuery: unknown): string {
  if (config.query !== "") return config.query;
  if (typeof msgQuery === "string" && msgQuery.trim() !== "") return msgQuery;
  throw new InputError("msg.query", `no query is configured: expected the query text in msg.query, got ${describeValue(msgQuery)}`);
}
