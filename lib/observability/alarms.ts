/**
 * Which alarms are open right now, from the events the nodes emit on change (raise / clear): the
 * "open alarms by severity" a plant's monitoring watches. Each node type has its own raise/clear pairs
 * (read from the nodes themselves), so the table below is per node type. An alarm is one
 * (node id, topic, family): a tag that is out of control in two spc-rules nodes is two alarms.
 * Events that have no clear (a gap is reported when the data is already back, a refused point) are
 * counted by the metrics registry but never open an alarm.
 */

export type AlarmSeverity = "info" | "warning" | "critical";

export const ALARM_SEVERITIES: readonly AlarmSeverity[] = ["info", "warning", "critical"];

const RANK: Record<AlarmSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** The fields of an event payload (nodes/shared/events.ts) the tracker reads. */
export interface AlarmEvent {
  event: string;
  severity: string;
  topic: string;
  details?: Record<string, unknown>;
}

export interface AlarmAction {
  family: string;
  action: "raise" | "clear";
  /**
   * "max": a further raise while open keeps the higher severity (spc rules flag one by one; the alarm is as
   * bad as the worst rule since it opened). "replace": the event states the current severity (the anomaly
   * detector reports a lowered severity as a new "anomaly" event).
   */
  merge?: "max" | "replace";
}

type Rule = AlarmAction | ((event: AlarmEvent) => AlarmAction | null);

const raise = (family: string, merge: "max" | "replace" = "max"): AlarmAction => ({ family, action: "raise", merge });
const clear = (family: string): AlarmAction => ({ family, action: "clear" });

/** Raise/clear pairs by node type and event name, as the nodes of this package emit them. */
export const ALARM_RULES: Readonly<Record<string, Readonly<Record<string, Rule>>>> = {
  // spc-rules: one "violation" per rule that starts flagging, one "in-control" when all have stopped.
  "spc-rules": { violation: raise("out-of-control"), "in-control": clear("out-of-control") },
  // anomaly-detect: "anomaly" on every severity change (raised, escalated, lowered), "anomaly-cleared" at normal.
  "anomaly-detect": { anomaly: raise("anomaly", "replace"), "anomaly-cleared": clear("anomaly") },
  // gap-detector: the stale watchdog raises, the next sample clears. A "gap" arrives with the data that ends it.
  "gap-detector": { stale: raise("stale"), recovered: clear("stale") },
  // sigma-window: the event is the new variability state.
  "sigma-window": { turbulent: raise("turbulent"), stable: clear("turbulent"), warming: clear("turbulent") },
  // influx-write: server outage, and the disk queue level (high, then full; normal clears both).
  "influx-write": {
    outage: raise("outage"),
    recovered: clear("outage"),
    "queue-high": raise("queue"),
    "queue-full": raise("queue"),
    "queue-normal": clear("queue"),
  },
  // ftp-deliver: per file (topic = file name): retrying, then delivered or failed (failed stays until retried).
  "ftp-deliver": { retrying: raise("delivery", "replace"), failed: raise("delivery", "replace"), delivered: clear("delivery") },
  // anh-json: the day's report (topic = date) failed; it clears once a report of that day is ready or uploaded.
  "anh-json": {
    status: (event) => {
      const status = event.details?.status;
      if (status === "failed") return raise("report", "replace");
      if (status === "ready" || status === "uploaded") return clear("report");
      return null;
    },
  },
};

function isSeverity(value: string): value is AlarmSeverity {
  return value === "info" || value === "warning" || value === "critical";
}

export interface OpenAlarm {
  nodeId: string;
  nodeType: string;
  topic: string;
  family: string;
  severity: AlarmSeverity;
}

export class AlarmTracker {
  /** node id → (topic + family) → alarm; per node so a node's alarms go in one step when it closes */
  private readonly byNode = new Map<string, Map<string, OpenAlarm>>();

  /** The action the event stands for, or null when it opens or clears nothing. */
  static actionOf(nodeType: string, event: AlarmEvent): AlarmAction | null {
    const rules = ALARM_RULES[nodeType];
    if (rules === undefined || !Object.prototype.hasOwnProperty.call(rules, event.event)) return null;
    const rule = rules[event.event];
    return typeof rule === "function" ? rule(event) : rule;
  }

  /** Opens, updates or clears the alarm the event stands for; an event of no known pair changes nothing. */
  observe(nodeId: string, nodeType: string, event: AlarmEvent): void {
    const action = AlarmTracker.actionOf(nodeType, event);
    if (action === null) return;
    const key = `${event.topic}\u0000${action.family}`;
    let alarms = this.byNode.get(nodeId);
    if (action.action === "clear") {
      if (alarms?.delete(key) && alarms.size === 0) this.byNode.delete(nodeId);
      return;
    }
    if (!isSeverity(event.severity)) return;
    if (alarms === undefined) {
      alarms = new Map();
      this.byNode.set(nodeId, alarms);
    }
    const open = alarms.get(key);
    if (open === undefined) {
      alarms.set(key, { nodeId, nodeType, topic: event.topic, family: action.family, severity: event.severity });
    } else if (action.merge === "replace" || RANK[event.severity] > RANK[open.severity]) {
      open.severity = event.severity;
    }
  }

  /** A node was stopped (redeploy, removal): its alarms are no longer known to be open. */
  dropNode(nodeId: string): void {
    this.byNode.delete(nodeId);
  }

  countBySeverity(): Record<AlarmSeverity, number> {
    const counts: Record<AlarmSeverity, number> = { info: 0, warning: 0, critical: 0 };
    for (const alarms of this.byNode.values()) for (const alarm of alarms.values()) counts[alarm.severity]++;
    return counts;
  }

  list(): OpenAlarm[] {
    const all: OpenAlarm[] = [];
    for (const alarms of this.byNode.values()) for (const alarm of alarms.values()) all.push({ ...alarm });
    return all;
  }
}
