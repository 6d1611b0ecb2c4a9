import { createHash } from "crypto";
import { EventEmitter } from "events";
import type { NodeAPI } from "node-red";
import { canonicalJson } from "../../lib/observability/audit-trail";
import { PROMETHEUS_CONTENT_TYPE, formatExposition, type MetricFamily } from "../../lib/observability/prometheus";
import { audit, auditTrailOf } from "../shared/audit";
import { metricsRegistry } from "../shared/metrics";

/**
 * Health, metrics and the deploy side of the audit trail, as a Node-RED plugin (package.json
 * "node-red".plugins). The routes go on RED.httpAdmin behind RED.auth.needsPermission, so with adminAuth
 * configured they need a logged-in user or an admin API bearer token (a user with "read" permission is
 * enough); without adminAuth they are as open as the editor itself.
 *
 *   GET /field-reliability/health/live   200 while the process runs
 *   GET /field-reliability/health/ready  200 once the flows are started and no node of ours is unable to
 *                                        work; 503 with the reasons otherwise (JSON)
 *   GET /field-reliability/metrics       Prometheus text format 0.0.4
 *
 * The audit trail gets a config-changed entry each time the flows start: after a deploy (with the user
 * who deployed, from the runtime's own audit log event "flows.set") and at a start of the runtime.
 */

const ROUTES = {
  live: "/field-reliability/health/live",
  ready: "/field-reliability/health/ready",
  metrics: "/field-reliability/metrics",
} as const;

const PERMISSION = "field-reliability.read";

/** The parts of Node-RED's plugin API used here that @types/node-red does not describe. */
interface RuntimeLog {
  addHandler(handler: EventEmitter): void;
  warn(message: string): void;
  error(message: string): void;
}

interface FlowsEvent {
  config?: { flows?: unknown[]; rev?: string };
  type?: string;
}

/** Node-RED's audit log message for a deploy (api/flows.js: log.audit({event: "flows.set", type}, req)). */
interface AuditLogMessage {
  level?: number;
  event?: string;
  type?: string;
  user?: { username?: string } | null;
  ip?: string;
}

const AUDIT_LEVEL = 98;

interface Response {
  status(code: number): Response;
  set(name: string, value: string): Response;
  json(body: unknown): void;
  send(body: string | Buffer): void;
}

export = function register(RED: NodeAPI): void {
  const log = RED.log as unknown as RuntimeLog;
  const registry = metricsRegistry();
  const startedAt = Date.now();
  let flowsRunning = false;
  /** why the runtime did not start the flows (missing node types, safe mode), from its runtime-state event */
  let runtimeProblem: string | null = null;
  /** the deploy the runtime just logged, waiting for the flows it starts */
  let pendingDeploy: { user: string; type: string; ip?: string } | null = null;

  // The user who deployed is only in the runtime's audit log event: a log handler sees it without a
  // settings.js change (the handler receives every log message; only level 98 "flows.set" is kept).
  const auditListener = new EventEmitter();
  auditListener.on("log", (message: AuditLogMessage) => {
    if (message.level !== AUDIT_LEVEL || message.event !== "flows.set") return;
    pendingDeploy = { user: message.user?.username ?? "anonymous (no adminAuth)", type: message.type ?? "full", ...(message.ip ? { ip: message.ip } : {}) };
  });
  log.addHandler(auditListener);

  RED.events.on("flows:started", (event: FlowsEvent) => {
    flowsRunning = true;
    runtimeProblem = null;
    const flows = Array.isArray(event?.config?.flows) ? event.config.flows : [];
    const deploy = pendingDeploy;
    pendingDeploy = null;
    audit(
      RED,
      null,
      "config-changed",
      {
        trigger: deploy === null ? "start" : "deploy",
        deployType: deploy?.type ?? event?.type ?? "full",
        revision: event?.config?.rev ?? null,
        // Credentials are not part of the flows (the runtime keeps them apart, encrypted): the hash holds no secret.
        flowsSha256: createHash("sha256").update(canonicalJson(flows)).digest("hex"),
        nodes: flows.length,
        ...(deploy?.ip ? { ip: deploy.ip } : {}),
      },
      deploy?.user ?? "runtime",
    );
  });
  RED.events.on("flows:stopped", () => {
    flowsRunning = false;
  });
  RED.events.on("runtime-event", (event: { id?: string; payload?: { error?: string; text?: string; types?: string[] } }) => {
    if (event?.id !== "runtime-state") return;
    const problem = event.payload?.error;
    if (problem) runtimeProblem = event.payload?.types ? `${problem}: ${event.payload.types.join(", ")}` : problem;
  });

  const notReadyReasons = (): string[] => {
    const reasons: string[] = [];
    if (!flowsRunning) reasons.push(runtimeProblem === null ? "flows not started" : `flows not started (${runtimeProblem})`);
    for (const fatal of registry.fatalStates()) reasons.push(`${fatal.node.type} ${fatal.node.name ? `"${fatal.node.name}" ` : ""}(${fatal.node.id}): ${fatal.reason}`);
    return reasons;
  };

  const allow = RED.auth.needsPermission(PERMISSION);

  RED.httpAdmin.get(ROUTES.live, allow, (_req: unknown, res: Response) => {
    res.set("Cache-Control", "no-store").status(200).json({ status: "live", uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  });

  RED.httpAdmin.get(ROUTES.ready, allow, (_req: unknown, res: Response) => {
    const reasons = notReadyReasons();
    res
      .set("Cache-Control", "no-store")
      .status(reasons.length === 0 ? 200 : 503)
      .json(reasons.length === 0 ? { status: "ready" } : { status: "not ready", reasons });
  });

  RED.httpAdmin.get(ROUTES.metrics, allow, (_req: unknown, res: Response) => {
    const trail = auditTrailOf(RED);
    const families: MetricFamily[] = [
      ...registry.families(),
      { name: "field_reliability_ready", help: "1 when the readiness check passes (flows started, no node unable to work), else 0.", type: "gauge", samples: [{ labels: {}, value: notReadyReasons().length === 0 ? 1 : 0 }] },
      {
        name: "field_reliability_audit_entries",
        help: "Entries in the audit trail; a drop means entries were cut from its end (the chain cannot show that by itself).",
        type: "gauge",
        samples: trail === null ? [] : [{ labels: {}, value: trail.count }],
      },
    ];
    let text: string;
    try {
      text = formatExposition(families);
    } catch (err) {
      log.error(`[field-reliability] metrics: ${(err as Error).message}`);
      res.status(500).set("Content-Type", "text/plain; charset=utf-8").send("metrics unavailable, see the Node-RED log\n");
      return;
    }
    // As a Buffer: Express rewrites the Content-Type of a string body (charset moved before version).
    res.status(200).set("Content-Type", PROMETHEUS_CONTENT_TYPE).set("Cache-Control", "no-store").send(Buffer.from(text, "utf8"));
  });

  RED.plugins.registerPlugin("field-reliability-observability", { type: "field-reliability-observability" });
};
