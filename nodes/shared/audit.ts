import path from "path";
import type { Node, NodeAPI } from "node-red";
import { AuditTrail, type AuditEntry, type AuditKind } from "../../lib/observability/audit-trail";
import { nodeRef } from "./metrics";

/**
 * The nodes' side of the audit trail (lib/observability/audit-trail.ts): one trail per file for the whole
 * process (kept on a global Symbol.for key like the metrics registry), opened at its first entry.
 * File: $FR_AUDIT_FILE, else <userDir>/field-reliability-audit.jsonl. A runtime without a user dir
 * (a unit-test runtime) and no FR_AUDIT_FILE keeps no trail: nothing is written to a guessed place.
 */

export const AUDIT_FILE_NAME = "field-reliability-audit.jsonl";

const TRAILS_KEY = Symbol.for("node-red-contrib-field-reliability.audit-trails");

function openTrails(): Map<string, AuditTrail> {
  const holder = globalThis as unknown as Record<symbol, Map<string, AuditTrail> | undefined>;
  let trails = holder[TRAILS_KEY];
  if (trails === undefined) {
    trails = new Map();
    holder[TRAILS_KEY] = trails;
  }
  return trails;
}

/** Where the trail of this runtime lives, or null when there is none. */
export function auditFilePath(settings: { userDir?: unknown }, env: NodeJS.ProcessEnv = process.env): string | null {
  const configured = env.FR_AUDIT_FILE?.trim();
  if (configured) return path.resolve(configured);
  return typeof settings.userDir === "string" && settings.userDir !== "" ? path.join(settings.userDir, AUDIT_FILE_NAME) : null;
}

type AuditRED = Pick<NodeAPI, "settings" | "log">;

/** The runtime's trail, opened on first use (a torn last line is cut and logged); null when there is none or it cannot be opened. */
export function auditTrailOf(RED: AuditRED): AuditTrail | null {
  const file = auditFilePath(RED.settings as { userDir?: unknown });
  if (file === null) return null;
  const trails = openTrails();
  let trail = trails.get(file);
  if (trail === undefined) {
    try {
      trail = AuditTrail.open(file, { onWarning: (message) => RED.log.warn(`[field-reliability] ${message}`) });
    } catch (err) {
      RED.log.error(`[field-reliability] cannot open the audit trail ${file}: ${(err as Error).message}`);
      return null;
    }
    trails.set(file, trail);
  }
  return trail;
}

/** Nodes that wait for the trail's pending writes when they close. */
const flushOnClose = new WeakSet<Node>();

/**
 * The entries a node appended are written in the background (one fsync per burst): its close waits for
 * them, so a redeploy or a shutdown (Node-RED closes every node before it exits) loses none, and whoever
 * removes the user dir after stopping the flows finds no write still under way.
 */
function waitForWritesOnClose(node: Node, trail: AuditTrail): void {
  if (flushOnClose.has(node)) return;
  flushOnClose.add(node);
  node.on("close", (_removed: boolean, done: () => void) => {
    // A failed write was logged by the trail and stays queued: closing goes on.
    trail.flush().then(done, done);
  });
}

/**
 * Appends an entry for `node` (or the runtime when null). Never throws: an audit problem is logged, the
 * flow goes on. Returns the entry, or null when no trail is kept.
 */
export function audit(RED: AuditRED, node: Node | null, kind: AuditKind, details: Record<string, unknown>, actor?: string): AuditEntry | null {
  try {
    const trail = auditTrailOf(RED);
    if (trail === null) return null;
    if (node !== null) waitForWritesOnClose(node, trail);
    return trail.append({ kind, details, ...(node !== null ? { node: nodeRef(node) } : {}), ...(actor !== undefined ? { actor } : {}) });
  } catch (err) {
    RED.log.error(`[field-reliability] audit entry ${kind} not written: ${(err as Error).message}`);
    return null;
  }
}
