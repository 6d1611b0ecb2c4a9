/**
 * A real Node-RED 4.1 runtime for node tests (node-red-node-test-helper), plus what the helper lacks:
 * a persistent context store (localfilesystem in a temporary directory) and a full restart that
 * flushes it to disk and loads it back, as a Node-RED process restart does.
 */
import fs from "fs";
import os from "os";
import path from "path";
import helper from "node-red-node-test-helper";

helper.init(require.resolve("node-red"));

export { helper };

export interface FlowNode {
  id: string;
  type: string;
  wires?: string[][];
  [key: string]: unknown;
}

export type NodeModule = (RED: import("node-red").NodeAPI) => void;

let contextDir: string | null = null;

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Loads a flow in a runtime whose context store "file" is a localfilesystem store in a temporary dir. */
export async function loadWithFileContext(nodes: NodeModule[], flow: FlowNode[], dir?: string): Promise<string> {
  contextDir = dir ?? makeTempDir("fr-context-");
  helper.settings({
    userDir: contextDir,
    contextStorage: {
      default: { module: "memory" },
      file: { module: "localfilesystem", config: { dir: contextDir, cache: true, flushInterval: 30 } },
    },
  });
  const redNodes = helper._redNodes;
  const loadFlows = redNodes.loadFlows;
  // The helper skips the runtime's context.load(); run it before the flows start, as the runtime does.
  redNodes.loadFlows = async (...args: unknown[]) => {
    redNodes.loadFlows = loadFlows;
    await helper._context.load();
    return loadFlows.apply(redNodes, args);
  };
  await helper.load(nodes, flow);
  return contextDir;
}

/** Stops the flows (nodes save their state), flushes the context to disk and starts everything again. */
export async function restartWithFileContext(nodes: NodeModule[], flow: FlowNode[]): Promise<void> {
  await helper._redNodes.stopFlows();
  await helper._context.close();
  const clean = helper._context.clean;
  helper._context.clean = () => Promise.resolve(); // the helper's unload would delete the saved files
  try {
    await helper.unload();
  } finally {
    helper._context.clean = clean;
  }
  await loadWithFileContext(nodes, flow, contextDir ?? undefined);
}

/** Resets settings changed by loadWithFileContext. */
export async function unloadAll(): Promise<void> {
  await helper.unload();
  helper.settings({ contextStorage: undefined, userDir: undefined });
  if (contextDir) fs.rmSync(contextDir, { recursive: true, force: true });
  contextDir = null;
}

/** Collects the messages a helper node receives. */
export function collect(node: { on(event: "input", listener: (msg: Record<string, unknown>) => void): void }): Record<string, unknown>[] {
  const received: Record<string, unknown>[] = [];
  node.on("input", (msg) => received.push(msg));
  return received;
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Node-RED's own core nodes (paths under @node-red/nodes/core/, e.g. "common/20-inject.js") for helper.load. */
export function coreNodes(...files: string[]): NodeModule[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return files.map((file) => require(require.resolve(`@node-red/nodes/core/${file}`)) as NodeModule);
}
