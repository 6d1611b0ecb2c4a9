/**
 * HTTP(S) requests for tests with node:http/https: global fetch cannot be given a private CA (a test's
 * self-signed certificate) without undici, nor connect to another address than the URL's host.
 */
import http from "http";
import https from "https";
import net from "net";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM CA that signed the server's certificate (https only) */
  ca?: Buffer;
  /** the address to connect to instead of the URL's host (e.g. 127.0.0.2) */
  connectTo?: string;
  /** default 10 s */
  timeoutMs?: number;
}

/** One HTTP(S) request with node:http/https: global fetch cannot be given a private CA without undici. */
export function request(url: string, options: RequestOptions = {}): Promise<Answer> {
  const target = new URL(url);
  const lib = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: options.connectTo ?? target.hostname,
        // SNI carries host names only (RFC 6066); the certificate is still checked against an IP address.
        servername: target.protocol === "https:" && net.isIP(target.hostname) === 0 ? target.hostname : undefined,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? "GET",
        headers: { ...(options.body !== undefined ? { "content-length": String(Buffer.byteLength(options.body)) } : {}), ...options.headers },
        ca: options.ca,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
