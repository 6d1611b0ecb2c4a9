import http from "http";
import https from "https";

/**
 * How an https InfluxDB server is verified. Verification is on unless a person turns it off in the config
 * node (which then warns); `ca` is the plant's own CA in PEM, for servers whose certificate no public CA signed.
 */
export interface TlsSettings {
  rejectUnauthorized: boolean;
  ca?: string;
}

export interface FetchInit {
  method: string;
  body: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** The part of fetch the transports use: one request, a Response back. */
export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;

/** Statuses a Response may not carry a body with (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * One request with node:https and the given TLS settings, answered as a fetch Response. Hand-written because
 * Node's global fetch takes a private CA or verification off only through an undici dispatcher, and undici is
 * not a dependency of this package; node:https takes both as plain options.
 */
function httpsFetch(tls: TlsSettings): FetchLike {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const request = https.request(
        url,
        { method: init.method, headers: { ...init.headers, "content-length": String(Buffer.byteLength(init.body)) }, ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized },
        (response: http.IncomingMessage) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (value === undefined) continue;
              for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
            }
            const status = response.statusCode ?? 502;
            resolve(new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, headers }));
          });
        },
      );
      const abort = () => request.destroy(init.signal.reason as Error);
      if (init.signal.aborted) abort();
      else init.signal.addEventListener("abort", abort, { once: true });
      request.on("close", () => init.signal.removeEventListener("abort", abort));
      request.on("error", reject);
      request.end(init.body);
    });
}

/** Node's fetch where the defaults apply (http, or https verified against Node's CA list); node:https otherwise. */
export function fetchFor(url: string, tls: TlsSettings | undefined): FetchLike {
  if (!url.startsWith("https:") || tls === undefined || (tls.rejectUnauthorized && tls.ca === undefined)) return (target, init) => fetch(target, init);
  return httpsFetch(tls);
}

/** Options for @influxdata/influxdb-client's Node transport (passed on to https.request). */
export function transportOptions(tls: TlsSettings | undefined): { rejectUnauthorized?: boolean; ca?: string } | undefined {
  if (tls === undefined) return undefined;
  return tls.ca === undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : { rejectUnauthorized: tls.rejectUnauthorized, ca: tls.ca };
}
