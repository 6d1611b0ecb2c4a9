import type { Node, NodeMessage } from "node-red";
import { MetricsRegistry, type NodeGauges, type NodeRef } from "../../lib/observability/metrics";
import { isEventMessage } from "./events";

/**
 * The one metrics registry of the process. Node-RED require()s each node file, and module caching gives
 * them one instance of this module; the registry still lives on a global Symbol.for key so that two copies
 * of the package (a user dir install beside a global one, a plugin loaded from another path) count into
 * the same registry the metrics endpoint reads.
 */
const REGISTRY_KEY = Symbol.for("node-red-contrib-field-reliability.metrics-registry");

export function metricsRegistry(): MetricsRegistry {
  const holder = globalThis as unknown as Record<symbol, MetricsRegistry | undefined>;
  let registry = holder[REGISTRY_KEY];
  if (registry === undefined) {
    registry = new MetricsRegistry();
    holder[REGISTRY_KEY] = registry;
  }
  return registry;
}

export function nodeRef(node: Node): NodeRef {
  const name = (node as Node & { name?: unknown }).name;
  return typeof name === "string" && name !== "" ? { id: node.id, type: node.type, name } : { id: node.id, type: node.type };
}

type SendArgument = NodeMessage | Array<NodeMessage | NodeMessage[] | null> | null | undefined;

function observeSent(registry: MetricsRegistry, ref: NodeRef, sent: SendArgument): void {
  if (sent === null || sent === undefined) return;
  if (!Array.isArray(sent)) {
    if (isEventMessage(sent)) registry.observeEvent(ref, sent.payload);
    return;
  }
  for (const output of sent) {
    if (output === null || output === undefined) continue;
    if (!Array.isArray(output)) {
      if (isEventMessage(output)) registry.observeEvent(ref, output.payload);
      continue;
    }
    for (const msg of output) if (isEventMessage(msg)) registry.observeEvent(ref, msg.payload);
  }
}

/**
 * Watches a node for the metrics (onInput calls it once per node): the events it sends (counted, and the
 * alarms they raise or clear), and its close (its alarms and fatal state forgotten, so a redeploy starts
 * clean). Events leave through node.send from input handlers and from timers, schedulers and queue
 * callbacks alike, and an unwired events output never reaches the runtime's onSend hook: so node.send
 * itself is wrapped, on this node instance only. Returns the registry.
 */
export function observeNode(node: Node): MetricsRegistry {
  const registry = metricsRegistry();
  const ref = nodeRef(node);
  const send = node.send;
  node.send = function sendObserved(this: Node, msg: SendArgument) {
    observeSent(registry, ref, msg);
    return send.call(this, msg as NodeMessage);
  } as Node["send"];
  node.on("close", (removed: boolean, done: () => void) => {
    registry.forgetNode(node.id, removed);
    done();
  });
  return registry;
}

/** Registers the node's queue/outbox gauges, read at each scrape; unregistered when the node closes. */
export function registerGauges(node: Node, read: () => NodeGauges): void {
  const unregister = metricsRegistry().addGauges(nodeRef(node), read);
  node.on("close", () => unregister());
}

/** A successful delivery now (or at `at`, epoch ms). */
export function recordDelivery(node: Node, at = Date.now()): void {
  metricsRegistry().recordDelivery(nodeRef(node), at);
}

/** The node cannot work at all (bad configuration, unusable queue or journal): readiness reports it until it closes. */
export function reportFatal(node: Node, reason: string): void {
  metricsRegistry().setFatal(nodeRef(node), reason);
}
