/**
 * Real time-series servers for the InfluxDB tests and benchmark, each on a free 127.0.0.1 port with its
 * data in a temporary directory: Debian's InfluxDB 1.6 (`/usr/bin/influxd`: /write + InfluxQL /query)
 * and VictoriaMetrics (`/usr/bin/victoria-metrics`: line protocol on /write and /api/v2/write, read back
 * with /api/v1/export). `stop()` and `start()` keep the port and the data, for outage tests.
 */
import { spawn, type ChildProcess } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { freePort } from "./ports";
export { freePort };

export const INFLUXD = "/usr/bin/influxd";
export const VICTORIA_METRICS = "/usr/bin/victoria-metrics";

async function waitUntilUp(url: string, timeoutMs: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${log()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status < 300) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`server at ${url} did not come up in ${timeoutMs} ms: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A server process that can be stopped and started again on the same port and data. */
export abstract class LocalServer {
  readonly dir: string;
  private child: ChildProcess | null = null;
  private output = "";

  protected constructor(
    readonly port: number,
    prefix: string,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  protected abstract command(): { file: string; args: string[] };
  protected abstract readyPath(): string;

  async start(): Promise<void> {
    if (this.child !== null) return;
    const { file, args } = this.command();
    this.output = "";
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.child = child;
    await waitUntilUp(`${this.url}${this.readyPath()}`, 30_000, child, () => this.output);
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }

  /** Stops the server and deletes its data. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export class InfluxDB1Server extends LocalServer {
  private constructor(
    port: number,
    private readonly rpcPort: number,
  ) {
    super(port, "fr-influxd-");
    // The smallest configuration that keeps everything in the temporary dir and on loopback.
    const config = [
      "reporting-disabled = true",
      `bind-address = "127.0.0.1:${this.rpcPort}"`,
      "[meta]",
      `  dir = "${path.join(this.dir, "meta")}"`,
      "[data]",
      `  dir = "${path.join(this.dir, "data")}"`,
      `  wal-dir = "${path.join(this.dir, "wal")}"`,
      "  query-log-enabled = false",
      "[monitor]",
      "  store-enabled = false",
      "[subscriber]",
      "  enabled = false",
      "[continuous_queries]",
      "  enabled = false",
      "[http]",
      `  bind-address = "127.0.0.1:${port}"`,
      "  log-enabled = false",
      "  max-body-size = 0",
      "[logging]",
      '  level = "warn"',
    ].join("\n");
    fs.writeFileSync(path.join(this.dir, "influxdb.conf"), config);
  }

  static async create(): Promise<InfluxDB1Server> {
    const server = new InfluxDB1Server(await freePort(), await freePort());
    await server.start();
    return server;
  }

  protected command() {
    return { file: INFLUXD, args: ["-config", path.join(this.dir, "influxdb.conf")] };
  }

  protected readyPath(): string {
    return "/ping";
  }

  /** Runs InfluxQL (CREATE DATABASE, SELECT ...) and returns the parsed JSON. */
  async query(q: string, db?: string): Promise<{ results: Array<{ error?: string; series?: Array<{ name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }> }> }> {
    const form = new URLSearchParams({ q, epoch: "ms" });
    if (db) form.set("db", db);
    const response = await fetch(`${this.url}/query`, { method: "POST", body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`influxd query failed: ${response.status} ${text}`);
    return JSON.parse(text);
  }

  /** The rows of the first series of a SELECT as objects. */
  async select(q: string, db: string): Promise<Array<Record<string, unknown>>> {
    const json = await this.query(q, db);
    const rows: Array<Record<string, unknown>> = [];
    for (const result of json.results) {
      if (result.error) throw new Error(result.error);
      for (const series of result.series ?? []) {
        for (const values of series.values) {
          const row: Record<string, unknown> = { ...(series.tags ?? {}) };
          series.columns.forEach((c, i) => (row[c] = values[i]));
          rows.push(row);
        }
      }
    }
    return rows;
  }
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export class VictoriaMetricsServer extends LocalServer {
  private constructor(port: number) {
    super(port, "fr-victoria-");
  }

  static async create(): Promise<VictoriaMetricsServer> {
    const server = new VictoriaMetricsServer(await freePort());
    await server.start();
    return server;
  }

  protected command() {
    return {
      file: VICTORIA_METRICS,
      args: [`-httpListenAddr=127.0.0.1:${this.port}`, `-storageDataPath=${path.join(this.dir, "data")}`, "-loggerLevel=ERROR", "-retentionPeriod=100y", "-search.disableCache"],
    };
  }

  protected readyPath(): string {
    return "/health";
  }

  /** The number of samples stored under a metric name, all series and times together. */
  async sampleCount(metric: string): Promise<number> {
    await (await fetch(`${this.url}/internal/force_flush`)).arrayBuffer();
    const params = new URLSearchParams({ query: `sum(count_over_time(${metric}[10y]))`, time: String(Date.now() / 1000 + 86400 * 3) });
    const response = await fetch(`${this.url}/api/v1/query?${params.toString()}`);
    const json = (await response.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    return Number(json.data?.result?.[0]?.value[1] ?? 0);
  }

  /** Every stored sample of the series matching `match` (a series selector), after a flush. */
  async export(match = '{__name__=~".+"}'): Promise<ExportedSeries[]> {
    await (await fetch(`${this.url}/internal/force_flush`)).arrayBuffer();
    const params = new URLSearchParams({ "match[]": match, start: "0" });
    const response = await fetch(`${this.url}/api/v1/export?${params.toString()}`);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`export failed: ${response.status} ${text}`);
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as ExportedSeries);
  }
}
