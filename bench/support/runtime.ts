/**
 * An embedded Node-RED 4.1 runtime for benchmarks: the real runtime (not the test helper, whose spies
 * record every send and would distort both timing and memory), with this package and the peer
 * packages from node_modules loaded from a temporary user dir, the way a plant installs them.
 */
import fs from "fs";
import os from "os";
import path from "path";
import { execFileSync } from "child_process";
import { median } from "../run";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RED = require("node-red");

const repoRoot = path.resolve(__dirname, "..", "..", "..");

export interface FlowNode {
  id: string;
  type: string;
  wires?: string[][];
  [key: string]: unknown;
}

interface RuntimeNode {
  receive(msg: Record<string, unknown>): void;
  received?: number;
}

let started = false;
let userDir = "";

/**
 * The folder of a peer package the benchmark compares against, installed on first use into
 * bench/.peers at the version bench/peers.json pins. Not a dev dependency: Node-RED also loads node
 * packages from the node_modules it runs from, so a peer there would show in the `npm start` palette.
 */
export function peerPackageDir(name: string): string {
  const versions = JSON.parse(fs.readFileSync(path.join(repoRoot, "bench", "peers.json"), "utf8")) as Record<string, string>;
  const version = versions[name];
  if (version === undefined) throw new Error(`bench/peers.json pins no version of ${name}`);
  const prefix = path.join(repoRoot, "bench", ".peers");
  const dir = path.join(prefix, "node_modules", name);
  const installed = fs.existsSync(path.join(dir, "package.json")) && JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version === version;
  if (!installed) {
    fs.mkdirSync(prefix, { recursive: true });
    execFileSync("npm", ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--prefix", prefix, `${name}@${version}`], { stdio: "inherit" });
  }
  return dir;
}

/**
 * Starts the runtime with the given npm packages linked into its user dir and `flow` as its flow file
 * (the runtime loads it at start: a deploy racing the start-up load would be overwritten by it).
 */
export async function startRuntime(peerPackages: string[], flow: FlowNode[]): Promise<void> {
  if (started) throw new Error("the benchmark runtime is already running");
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-bench-"));
  const modules = path.join(userDir, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  const pkgName = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).name as string;
  fs.symlinkSync(repoRoot, path.join(modules, pkgName), "dir");
  for (const peer of peerPackages) fs.symlinkSync(peerPackageDir(peer), path.join(modules, peer), "dir");
  fs.writeFileSync(path.join(userDir, "flows.json"), JSON.stringify(flow));
  RED.init(undefined, {
    userDir,
    flowFile: "flows.json",
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    nodesDir: [path.join(repoRoot, "bench", "support", "nodes")],
    logging: { console: { level: process.env.BENCH_LOG_LEVEL || "warn", metrics: false, audit: false } },
    editorTheme: { palette: { catalogues: [] } },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
  });
  await RED.start();
  started = true;
  const probe = flow.find((n) => n.type !== "tab");
  const deadline = Date.now() + 15000;
  while (probe && !RED.nodes.getNode(probe.id)) {
    if (Date.now() > deadline) throw new Error(`flow did not start: node ${probe.id} (${probe.type}) missing`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function stopRuntime(): Promise<void> {
  if (!started) return;
  await RED.stop();
  fs.rmSync(userDir, { recursive: true, force: true });
  started = false;
}

export function getNode(id: string): RuntimeNode {
  const node = RED.nodes.getNode(id) as RuntimeNode | null;
  if (!node) throw new Error(`node ${id} is not running (is its module installed?)`);
  return node;
}

export interface ThroughputResult {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  heapUsedMB: number;
}

/**
 * Sends `count` messages into node `inputId` and waits until the sink `sinkId` has counted `expected`
 * of them. Messages go in chunks, so Node-RED's asynchronous delivery queue stays bounded.
 */
export async function measureThroughput(
  inputId: string,
  sinkId: string,
  makeMessage: (i: number) => Record<string, unknown>,
  count: number,
  expected = count,
  chunk = 2000,
): Promise<ThroughputResult> {
  const input = getNode(inputId);
  const sink = getNode(sinkId);
  sink.received = 0;
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < count; ) {
    const end = Math.min(count, sent + chunk);
    for (; sent < end; sent++) input.receive(makeMessage(sent));
    const target = Math.floor((expected * end) / count);
    while ((sink.received ?? 0) < target) await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { messages: count, seconds, messagesPerSecond: count / seconds, heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20 };
}

export interface PairedComparison {
  ours: number;
  peer: number;
  /** median of the per-round ratios ours / peer */
  ratio: number;
}

/**
 * Our node against the peer in the same runtime: one warm-up each, then `rounds` alternating rounds
 * of `count` messages, so drift of a shared machine hits both alike. Medians of the rounds.
 */
export async function comparePaired(
  ours: { input: string; sink: string },
  peer: { input: string; sink: string },
  makeMessage: (i: number) => Record<string, unknown>,
  count: number,
  rounds = 5,
): Promise<PairedComparison> {
  await measureThroughput(ours.input, ours.sink, makeMessage, Math.ceil(count / 5));
  await measureThroughput(peer.input, peer.sink, makeMessage, Math.ceil(count / 5));
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const x = await measureThroughput(ours.input, ours.sink, makeMessage, count);
    const y = await measureThroughput(peer.input, peer.sink, makeMessage, count);
    a.push(x.messagesPerSecond);
    b.push(y.messagesPerSecond);
    ratios.push(x.messagesPerSecond / y.messagesPerSecond);
  }
  return { ours: median(a), peer: median(b), ratio: median(ratios) };
}
