import type { Node, NodeDef } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import type { Precision } from "../../lib/influx/line-protocol";
import type { QueryLanguage, QueryParams, Row } from "../../lib/influx/query";
import { validateApiVersion, validateServerUrl, type ServerConfig, type ServerCredentials, type WriteTransport } from "../../lib/influx/transport";
import { readCertificate } from "../ftp-server/ftp-server-config";
import { numberSetting } from "../../lib/common/settings";

export interface InfluxServerDef extends NodeDef {
  url: string;
  apiVersion: string;
  database: string;
  retentionPolicy: string;
  org: string;
  bucket: string;
  timeoutSeconds: number | string;
  /** https: verify the server's certificate (default true; false is logged as a warning) */
  rejectUnauthorized?: boolean | string;
  /** https: the plant's CA, PEM text or the path of a PEM file (empty: Node's list of public CAs) */
  ca?: string;
}

/** The config node's secrets (Node-RED credentials: kept out of the flow file, encrypted with credentialSecret). */
export interface InfluxServerCredentials {
  username?: string;
  password?: string;
  token?: string;
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

/** Verification stays on unless the setting says false in so many words. */
function verifyOf(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new InputError("rejectUnauthorized", `expected true or false, got ${describeValue(value)}`);
}

/** The warning a config node logs when it does not verify its https server, or null when it does. */
export function tlsWarning(config: ServerConfig): string | null {
  if (config.tls === undefined || config.tls.rejectUnauthorized) return null;
  return `TLS certificate verification is off for ${config.url}: anyone between Node-RED and the server can read the credentials and the data, or pose as the server`;
}

export function parseServerConfig(def: Partial<InfluxServerDef>): ServerConfig {
  const apiVersion = validateApiVersion(def.apiVersion);
  const timeout = numberSetting(def.timeoutSeconds, 10);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new InputError("timeoutSeconds", `expected seconds > 0, got ${describeValue(def.timeoutSeconds)}`);
  const config: ServerConfig = {
    url: validateServerUrl(def.url),
    apiVersion,
    database: text(def.database),
    retentionPolicy: text(def.retentionPolicy),
    org: text(def.org),
    bucket: text(def.bucket),
    timeoutMs: timeout * 1000,
  };
  if (config.url.startsWith("https:")) {
    const ca = readCertificate(def.ca);
    config.tls = { rejectUnauthorized: verifyOf(def.rejectUnauthorized) };
    if (ca !== undefined) config.tls.ca = ca;
  }
  if (apiVersion === "v1" && config.database === "") throw new InputError("database", "a v1 server needs the database to write to");
  if (apiVersion === "v2" && config.bucket === "") throw new InputError("bucket", "a v2 server needs the bucket to write to");
  return config;
}

export function parseCredentials(credentials: InfluxServerCredentials | undefined): ServerCredentials {
  return { username: credentials?.username || undefined, password: credentials?.password || undefined, token: credentials?.token || undefined };
}

/** What influx-write and influx-query use of the config node. Secrets never leave it. */
export interface InfluxServerNode extends Node {
  /** the checked configuration (no secrets), or the error that makes it unusable */
  readonly serverConfig: ServerConfig | null;
  readonly configError: InputError | null;
  /** a label for status and logs: URL and database/bucket, never a credential */
  readonly label: string;
  createWriteTransport(precision: Precision): WriteTransport;
  query(language: QueryLanguage, text: string, params: QueryParams): Promise<Row[]>;
}

