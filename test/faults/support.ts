/**
 * What the fault tests share: a real Node-RED child process that can be killed with SIGKILL (a crash,
 * an OOM kill: no close handler runs) and started again on the same user dir and port, as a plant's service
 * manager would; a probe tab that records what chosen node outputs sent and serves it over HTTP; a feed
 * endpoint whose answer comes only once the target node called done() (the node took the message);
 * and a tiny tmpfs for the disk-full test. Built on test/support/node-red-process.ts, which already
 * keeps the user dir when given one and kills without deleting it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { deploy, start, type FlowNode, type NodeRedProcess } from "../support/node-red-process";
import { freePort } from "../support/ports";
import { eventually as waitUntil } from "../support/wait";
import type { EventPayload } from "../../nodes/shared/events";

export const PROBE_TAB = "fault-probe-tab";

/** Node-RED in a child process on a fixed user dir and port, restartable after a crash. */
export class CrashableNodeRed {
  private process: NodeRedProcess | null = null;
  /** the latest run, dead or alive, for its log */
  private last: NodeRedProcess | null = null;
  private deployed = false;
  /** how long each start took until the admin API answered, ms */
  readonly startMs: number[] = [];

  private constructor(
    readonly userDir: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  /** A fresh user dir and a free port; `env` on top of the defaults below (context flush, credential key). */
  static async create(env: Record<string, string> = {}): Promise<CrashableNodeRed> {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-faults-node-red-"));
    // A fixed credential key: the restarted runtime must read the credentials the first one encrypted.
    const defaults = { NODE_RED_CREDENTIAL_SECRET: "fault-suite-key", NODE_RED_LOG_LEVEL: "info", NODE_RED_CONTEXT_FLUSH_SECONDS: "30" };
    return new CrashableNodeRed(userDir, await freePort(), { ...defaults, ...env });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** Starts (again) on the same user dir and port: the flows file and context files of the last run load. */
  async start(): Promise<void> {
    if (this.process !== null) throw new Error("Node-RED is already running");
    const began = Date.now();
    this.process = await start({ userDir: this.userDir, port: this.port, env: this.env });
    this.last = this.process;
    if (this.deployed) await this.waitForFlows();
    this.startMs.push(Date.now() - began);
  }

  /** Deploys and waits until the flows run (the admin API answers before the HTTP routes exist). */
  async deploy(flows: readonly FlowNode[]): Promise<void> {
    await deploy(this.url, flows);
    this.deployed = true;
    await this.waitForFlows();
  }

  /** Resolves once the probe tab answers: the deployed flows are started. */
  async waitForFlows(): Promise<void> {
    await eventually(async () => (await fetch(`${this.url}/fault-probe`, { signal: AbortSignal.timeout(2000) })).status === 200, 30_000, "the deployed flows to start");
  }

  /** SIGKILL: no close handler runs, nothing is flushed. Resolves once the process is gone. */
  async crash(): Promise<void> {
    const child = this.process;
    this.process = null;
    await child?.kill("SIGKILL");
  }

  /** The log of the latest run (also after it died). */
  logs(): string {
    return this.last?.logs() ?? "";
  }

  /** `[error]` lines of the latest run's log, those after `fromOffset` of logs() (the runtime is shared by the files). */
  errors(fromOffset = 0): string[] {
    return this.last?.errors(fromOffset) ?? [];
  }

  /** Whether the process still answers (it did not crash by itself). */
  async alive(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/settings`, { signal: AbortSignal.timeout(5000) })).status === 200;
    } catch {
      return false;
    }
  }

  /** A clean stop, then the user dir is deleted. */
  async dispose(): Promise<void> {
    const child = this.process;
    this.process = null;
    await child?.stop();
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}

/** The context flush interval of the shared runtime (state-resume.test.ts measures what a kill loses with it). */
export const SHARED_FLUSH_SECONDS = 2;
let shared: Promise<CrashableNodeRed> | null = null;

/**
 * One Node-RED child for the whole fault suite: a start costs 5-12 s on a loaded 2-core machine, and each
 * test file deploys its own flow (a full deploy stops the previous file's nodes). A test that killed it
 * left it stopped or restarted; a run that died by itself (a bug under test) is started again here.
 */
export async function sharedNodeRed(): Promise<CrashableNodeRed> {
  shared ??= CrashableNodeRed.create({ NODE_RED_CONTEXT_FLUSH_SECONDS: String(SHARED_FLUSH_SECONDS) });
  const red = await shared;
  if (!red.running || !(await red.alive())) {
    await red.crash();
    await red.start();
  }
  return red;
}

// A root hook (this module is loaded with the spec files): the shared runtime goes when the run ends.
after(async () => {
  if (shared !== null) await (await shared).dispose();
});

/** The probe tab: GET /fault-probe answers what every recorder kept (global context, memory). */
export function probeTab(): FlowNode[] {
  const z = PROBE_TAB;
  return [
    { id: z, type: "tab", label: "fault probe", disabled: false, info: "" },
    { id: "fault-probe-get", type: "http in", z, name: "", url: "/fault-probe", method: "get", upload: false, swaggerDoc: "", wires: [["fault-probe-read"]] },
    { id: "fault-probe-read", type: "function", z, name: "read", func: 'msg.payload = global.get("faultProbe") || {};\nreturn msg;', outputs: 1, wires: [["fault-probe-answer"]] },
    { id: "fault-probe-answer", type: "http response", z, name: "", statusCode: "", headers: {}, wires: [] },
  ];
}

/**
 * A function node that keeps a copy of each message under `key` (the last 5000), with its arrival time
 * as `_at` (epoch ms in the Node-RED process). Buffers are kept as their size, so a large file does
 * not travel back.
 */
export function recorder(id: string, z: string, key: string): FlowNode {
  const func = `const probe = global.get("faultProbe") || {};
const list = probe[${JSON.stringify(key)}] || (probe[${JSON.stringify(key)}] = []);
const copy = RED.util.cloneMessage(msg);
delete copy.req;
delete copy.res;
delete copy._msgid;
if (Buffer.isBuffer(copy.payload)) copy.payload = { bytes: copy.payload.length };
copy._at = Date.now();
list.push(copy);
if (list.length > 5000) list.shift();
global.set("faultProbe", probe);
return null;`;
  return { id, type: "function", z, name: `record ${key}`, func, outputs: 0, wires: [] };
}

export type ProbeMessage = Record<string, unknown> & { topic?: string; payload?: unknown; _at: number };

/** What the recorders kept so far, by key. */
export async function readProbe(url: string): Promise<Record<string, ProbeMessage[]>> {
  const response = await fetch(`${url}/fault-probe`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, "the probe answers");
  return (await response.json()) as Record<string, ProbeMessage[]>;
}

export async function probeList(url: string, key: string): Promise<ProbeMessage[]> {
  return (await readProbe(url))[key] ?? [];
}

/** The event payloads a recorder of an event output kept. */
export async function probeEvents(url: string, key: string): Promise<Array<EventPayload & { _at: number }>> {
  return (await probeList(url, key)).map((m) => ({ ...(m.payload as EventPayload), _at: m._at }));
}

/**
 * POST /fault-feed/<name> with a JSON body → msg.payload (+ msg.topic / msg.date from the query) to
 * `target`; the HTTP answer (200) comes from a Complete node scoped to `ackFrom` (default `target`), so
 * it is sent only after that node called done() for the message: "the node took it".
 */
export function feedEndpoint(name: string, z: string, target: string, ackFrom = target): FlowNode[] {
  return [
    { id: `feed-in-${name}`, type: "http in", z, name: "", url: `/fault-feed/${name}`, method: "post", upload: false, swaggerDoc: "", wires: [[`feed-prepare-${name}`]] },
    {
      id: `feed-prepare-${name}`,
      type: "function",
      z,
      name: "query → msg",
      func: "for (const key of ['topic', 'date', 'filename', 'command']) if (msg.req.query[key] !== undefined) msg[key] = msg.req.query[key];\nreturn msg;",
      outputs: 1,
      wires: [[target]],
    },
    { id: `feed-done-${name}`, type: "complete", z, name: "", scope: [ackFrom], uncaught: false, wires: [[`feed-answer-${name}`]] },
    { id: `feed-answer-${name}`, type: "function", z, name: "ack", func: "// A message that travelled on (anh-json → ftp-deliver → anh-json) completes again: answered once.\n// (msg.res is one object shared by every copy of the message.)\nif (!msg.res || msg.res.faultAnswered) return null;\nmsg.res.faultAnswered = true;\nmsg.payload = { ok: true };\nreturn msg;", outputs: 1, wires: [[`feed-response-${name}`]] },
    { id: `feed-response-${name}`, type: "http response", z, name: "", statusCode: "", headers: {}, wires: [] },
    // An error of the node (done(err)) answers 500 with its message, so the sender learns it was refused.
    { id: `feed-catch-${name}`, type: "catch", z, name: "", scope: [ackFrom], uncaught: false, wires: [[`feed-refused-${name}`]] },
    {
      id: `feed-refused-${name}`,
      type: "function",
      z,
      name: "refused",
      func: "if (!msg.res || msg.res.faultAnswered) return null;\nmsg.res.faultAnswered = true;\nmsg.statusCode = 500;\nmsg.payload = { error: msg.error && msg.error.message };\nreturn msg;",
      outputs: 1,
      wires: [[`feed-response-${name}`]],
    },
  ];
}

/** Posts one message to a feed endpoint; resolves once the node took it, throws with its error (HTTP 500) otherwise. */
export async function feed(url: string, name: string, body: unknown, query: Record<string, string> = {}, timeoutMs = 20_000): Promise<void> {
  const params = new URLSearchParams(query).toString();
  const response = await fetch(`${url}/fault-feed/${name}${params ? `?${params}` : ""}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`feed ${name}: HTTP ${response.status} ${text}`);
}

/** Fault tests poll every 100 ms (see test/support/wait.ts). */
export function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  return waitUntil(check, timeoutMs, what, everyMs);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A tmpfs of `sizeKiB` mounted on a fresh directory (the test runs as root in CI's container). */
export class TinyDisk {
  private constructor(readonly dir: string) {}

  static mount(sizeKiB: number): TinyDisk {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-faults-tmpfs-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", dir], { stdio: "pipe" });
    return new TinyDisk(dir);
  }

  /** Whether this machine lets the test mount a tmpfs (root, and a container that allows it). */
  static available(): boolean {
    let disk: TinyDisk | null = null;
    try {
      disk = TinyDisk.mount(64);
      return true;
    } catch {
      return false;
    } finally {
      disk?.unmount();
    }
  }

  /** Bytes free on the file system now. */
  freeBytes(): number {
    const stats = fs.statfsSync(this.dir);
    return stats.bavail * stats.bsize;
  }

  /** Fills the disk with a ballast file up to what is free (ENOSPC for the next write), then frees `leaveBytes`. */
  fill(leaveBytes = 0, name = "ballast.bin"): void {
    const fd = fs.openSync(path.join(this.dir, name), "a");
    try {
      const chunk = Buffer.alloc(4096, 0x55);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw err;
        }
      }
      // The last partial page.
      for (let size = 2048; size >= 1; size >>= 1) {
        try {
          fs.writeSync(fd, chunk.subarray(0, size));
        } catch {
          // full at this size: a smaller one may still fit
        }
      }
      if (leaveBytes > 0) fs.ftruncateSync(fd, Math.max(0, fs.fstatSync(fd).size - leaveBytes));
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Frees the ballast: space is back. */
  release(name = "ballast.bin"): void {
    fs.rmSync(path.join(this.dir, name), { force: true });
  }

  unmount(): void {
    try {
      execFileSync("umount", [this.dir], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", this.dir], { stdio: "pipe" });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * An anh-json node as the fault tests use it: one well of the seed's field, Colombia's day, 10-minute slots;
 * `props` sets the id, tab, wires and whatever a test changes (variables, wellId, journalDir, …).
 */
export function anhJsonNode(props: { id: string; z: string; wires: string[][] } & Record<string, unknown>): FlowNode {
  return {
    type: "anh-json",
    name: "",
    operatorId: "OP-0001",
    fieldId: "FIELD-CASTILLA",
    wellId: "WELL-7A",
    variables: JSON.stringify([{ tag: "oil_rate", code: "OIL_RATE", name: "Oil rate", unit: "bbl/d", aggregation: "mean" }]),
    timeZone: "America/Bogota",
    intervalSeconds: 600,
    maxMissingSlots: 10,
    minQualityPercent: 95,
    goodQualityCodes: "192, Good",
    generationTime: "06:00",
    journalDir: "",
    sendNonCompliant: false,
    keepJournalDays: 0,
    ...props,
  };
}
