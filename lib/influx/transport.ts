import { HttpError, InfluxDB } from "@influxdata/influxdb-client";
import { InputError, describeValue } from "../common/errors";
import type { Precision } from "./line-protocol";
import { fetchFor, transportOptions, type FetchLike, type TlsSettings } from "./tls";

/**
 * How a write came back. The store-and-forward queue only needs to know which of three things to do:
 * forget the batch (ok), keep it and try again later (retry), or split it to find the bad line (reject).
 */
export type WriteOutcome =
  | { kind: "ok" }
  /** unreachable, timeout, 5xx, 429, or a server that cannot take data yet (auth, missing database): keep the data */
  | { kind: "retry"; status: number | null; message: string; retryAfterMs: number | null }
  /** 400/422 (bad points) or 413 (body too large): the batch is split until the bad line is alone */
  | { kind: "reject"; status: number; message: string };

export interface WriteTransport {
  /** one request with the body; never throws */
  write(body: string): Promise<WriteOutcome>;
}

export type ApiVersion = "v1" | "v2";

export interface ServerConfig {
  url: string;
  apiVersion: ApiVersion;
  /** v1 */
  database: string;
  retentionPolicy: string;
  /** v2 */
  org: string;
  bucket: string;
  timeoutMs: number;
  /** https only: verification (on unless turned off) and a private CA; absent = Node's defaults, verified */
  tls?: TlsSettings;
}

/** Secrets, kept apart so nothing that logs or shows a config can show them. */
export interface ServerCredentials {
  username?: string;
  password?: string;
  token?: string;
}

export function validateServerUrl(value: unknown, field = "url"): string {
  if (typeof value === "string") {
    try {
      const url = new URL(value.trim());
      if ((url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "") return url.toString().replace(/\/+$/, "");
    } catch {
      // reported below
    }
  }
  throw new InputError(field, `expected an http(s) URL like "http://127.0.0.1:8086" without user or password in it (those go in the credentials), got ${describeValue(typeof value === "string" ? value.replace(/\/\/[^@/]*@/, "//…@") : value)}`);
}

export function validateApiVersion(value: unknown, field = "apiVersion"): ApiVersion {
  if (value === "v1" || value === "v2") return value;
  if (value === undefined || value === "") return "v1";
  throw new InputError(field, `expected "v1" or "v2", got ${describeValue(value)}`);
}

const RETRY_STATUSES = new Set([401, 403, 404, 408, 429]);

/**
 * Status → what to do. 401/403/404 keep the data: a wrong token or a database not created yet is fixed
 * by a person, and the points must still be there when it is (the status shows the error meanwhile).
 */
export function classifyStatus(status: number, message: string, retryAfterMs: number | null): WriteOutcome {
  if (status >= 200 && status < 300) return { kind: "ok" };
  if (status >= 500 || RETRY_STATUSES.has(status)) return { kind: "retry", status, message, retryAfterMs };
  return { kind: "reject", status, message };
}

export function parseRetryAfter(value: string | null): number | null {
  if (value === null || value === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}

/** A short reason from a failed fetch: "ECONNREFUSED", "timeout", ... (no URL, no credentials). */
export function networkReason(err: unknown): string {
  const error = err as { name?: string; message?: string; cause?: { code?: string; message?: string }; code?: string };
  if (error?.name === "TimeoutError" || error?.name === "AbortError" || error?.name === "RequestTimedOutError") return "timeout";
  return error?.cause?.code ?? error?.code ?? error?.cause?.message ?? error?.message ?? String(err);
}

/** The body of an error answer, trimmed: InfluxDB puts the offending line in it. */
export function errorText(body: string): string {
  let text = body;
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof json.error === "string") text = json.error;
    else if (typeof json.message === "string") text = json.message;
  } catch {
    // not JSON: the text as it is
  }
  text = text.trim();
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

const V1_PRECISION: Record<Precision, string> = { ns: "n", us: "u", ms: "ms", s: "s" };

export function basicAuth(credentials: ServerCredentials): string | null {
  if (!credentials.username) return null;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ""}`).toString("base64")}`;
}

/**
 * InfluxDB 1.x /write with Node's fetch. Credentials go in a Basic header, never in the query string,
 * so no URL that reaches a log holds them.
 */
export class V1WriteTransport implements WriteTransport {
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly fetch: FetchLike;

  constructor(
    private readonly config: ServerConfig,
    credentials: ServerCredentials,
    precision: Precision,
  ) {
    const params = new URLSearchParams({ db: config.database, precision: V1_PRECISION[precision] });
    if (config.retentionPolicy) params.set("rp", config.retentionPolicy);
    this.endpoint = `${config.url}/write?${params.toString()}`;
    this.headers = { "content-type": "text/plain; charset=utf-8" };
    const auth = basicAuth(credentials);
    if (auth !== null) this.headers.authorization = auth;
    this.fetch = fetchFor(config.url, config.tls);
  }

  async write(body: string): Promise<WriteOutcome> {
    let response: Response;
    try {
      response = await this.fetch(this.endpoint, { method: "POST", body, headers: this.headers, signal: AbortSignal.timeout(this.config.timeoutMs) });
    } catch (err) {
      return { kind: "retry", status: null, message: networkReason(err), retryAfterMs: null };
    }
    if (response.status >= 200 && response.status < 300) {
      await response.arrayBuffer().catch(() => undefined);
      return { kind: "ok" };
    }
    const text = await response.text().catch((err: Error) => err.message);
    return classifyStatus(response.status, errorText(text), parseRetryAfter(response.headers.get("retry-after")));
  }
}

/**
 * InfluxDB 2.x/3.x /api/v2/write (also InfluxDB 1.8+ and VictoriaMetrics) through the transport of
 * @influxdata/influxdb-client. Its WriteApi is not used: that buffers and retries in memory, while here
 * the durable queue owns every retry.
 */
export class V2WriteTransport implements WriteTransport {
  private readonly client: InfluxDB;
  private readonly path: string;

  constructor(config: ServerConfig, credentials: ServerCredentials, precision: Precision) {
    this.client = new InfluxDB({ url: config.url, token: credentials.token || undefined, timeout: config.timeoutMs, transportOptions: transportOptions(config.tls) });
    const params = new URLSearchParams({ org: config.org, bucket: config.bucket, precision });
    this.path = `/api/v2/write?${params.toString()}`;
  }

  async write(body: string): Promise<WriteOutcome> {
    try {
      await this.client.transport.request(this.path, body, { method: "POST", headers: { "content-type": "text/plain; charset=utf-8" } });
      return { kind: "ok" };
    } catch (err) {
      if (err instanceof HttpError) {
        const headers = err.headers as Record<string, string | string[] | undefined> | undefined;
        const retryAfter = headers?.["retry-after"];
        return classifyStatus(err.statusCode, errorText(err.body ?? err.message), parseRetryAfter(typeof retryAfter === "string" ? retryAfter : null));
      }
      return { kind: "retry", status: null, message: networkReason(err), retryAfterMs: null };
    }
  }
}

export function createWriteTransport(config: ServerConfig, credentials: ServerCredentials, precision: Precision): WriteTransport {
  return config.apiVersion === "v1" ? new V1WriteTransport(config, credentials, precision) : new V2WriteTransport(config, credentials, precision);
}
