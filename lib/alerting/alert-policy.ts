/**
 * The alerting policy of the shared alert subflow (flows/alert-subflow.json): which events are alarms,
 * when an alarm is notified, rate limiting, escalation by severity and the text of the notifications.
 *
 * One concept, one place: this module is the only copy of the logic. The subflow's function node carries
 * a generated copy of it (scripts/sync-alert-subflow.js embeds the transpiled module; a test fails when
 * the subflow is out of date), because a template imported into any Node-RED must work without this
 * package's internals on the require path.
 *
 * Everything here is pure: time comes in as `now`, and the state is a plain JSON object that the function
 * node keeps in its context, so a persistent context store carries active alarms across a restart.
 *
 * The model:
 * - An alarm is identified by (source, topic). The source is the family of the event (spc, anomaly,
 *   stale, ...) from EVENT_ROLES, or `msg.alert.source` when the flow names it.
 * - A raise event opens the alarm (or updates it); a clear event closes it; a "once" event (a gap found
 *   after the fact, a point InfluxDB refused) is a single notification with nothing to clear.
 * - One notification per raise and one per clear: repeated raises while the alarm is open only notify
 *   again if the severity rises above what was already notified ("escalated"). A clear is notified only
 *   when its raise was, so an operator never gets a "cleared" for something never announced.
 * - Severity below the minimum is tracked but not notified.
 * - Escalation: critical goes to e-mail and the webhook at once; a warning still open after
 *   `escalateAfterMs` is notified once more ("unresolved") and that one goes to the webhook too.
 * - Rate limit: at most `ratePerMinute` notifications in any 60 s. Notifications over the limit are held
 *   and sent together as one digest when the window has room, so a storm loses nothing silently.
 */
import { InputError } from "../common/errors";

export type Severity = "info" | "warning" | "critical";
export type Role = "raise" | "clear" | "once" | "none";
export type NotificationKind = "raised" | "escalated" | "unresolved" | "cleared" | "event" | "digest";

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const SEVERITIES = Object.keys(SEVERITY_RANK) as Severity[];
const RATE_WINDOW_MS = 60_000;
/** one-shot events seen within this long are not notified twice (a replayed or duplicated message) */
const ONCE_MEMORY_MS = 3_600_000;
const ONCE_MEMORY_MAX = 1000;
const DETAIL_LINES_MAX = 20;
/** a storm over the rate limit keeps at most this many notifications for the digest, and counts the rest */
const HELD_MAX = 1000;
/** lines of a digest that list held notifications */
const DIGEST_LINES_MAX = 50;
const DETAIL_VALUE_MAX = 200;

/**
 * What each event name of this package's nodes means for alerting (see each node's help, output 2).
 * `sources` of a clear lists the alarms it may close: gap-detector's and influx-write's "recovered" share
 * a name, and the one that is open for the topic is the one that clears.
 */
export const EVENT_ROLES: Readonly<Record<string, { role: Role; sources: readonly string[] }>> = {
  // spc-rules
  violation: { role: "raise", sources: ["spc"] },
  "in-control": { role: "clear", sources: ["spc"] },
  // anomaly-detect (a lowered severity is an "anomaly" too: the alarm stays open)
  anomaly: { role: "raise", sources: ["anomaly"] },
  "anomaly-cleared": { role: "clear", sources: ["anomaly"] },
  // sigma-window: turbulent is the alarm; stable or a new warm-up ends it
  turbulent: { role: "raise", sources: ["variability"] },
  stable: { role: "clear", sources: ["variability"] },
  warming: { role: "clear", sources: ["variability"] },
  // gap-detector: a gap is reported once, after the data resumed; stale is live until data is back
  gap: { role: "once", sources: ["gap"] },
  stale: { role: "raise", sources: ["stale"] },
  recovered: { role: "clear", sources: ["stale", "historian"] },
  // influx-write
  outage: { role: "raise", sources: ["historian"] },
  rejected: { role: "once", sources: ["historian-rejected"] },
  "queue-high": { role: "raise", sources: ["historian-queue"] },
  "queue-full": { role: "raise", sources: ["historian-queue"] },
  "queue-normal": { role: "clear", sources: ["historian-queue"] },
  // ftp-deliver: the first retry and a final failure are one alarm per file, closed by its delivery
  retrying: { role: "raise", sources: ["delivery"] },
  failed: { role: "raise", sources: ["delivery"] },
  delivered: { role: "clear", sources: ["delivery"] },
};

/** anh-json's "status" events: the outcome of a transition decides, not the event name. */
function reportStatusRole(details: Record<string, unknown>, severity: Severity): Role {
  if (details.status === "uploaded") return "clear";
  return SEVERITY_RANK[severity] >= SEVERITY_RANK.warning ? "raise" : "none";
}

export interface AlertSettings {
  /** notifications below this severity are not sent (the alarm is still tracked) */
  minSeverity: Severity;
  /** at most this many notifications in any 60 s; 0 = no limit */
  ratePerMinute: number;
  /** a warning still open this long is notified again and sent to the webhook; 0 = never */
  escalateAfterMs: number;
  /** shown in subjects so a mailbox that gets several plants can tell them apart; "" = none */
  site: string;
}

export interface RawAlertSettings {
  minSeverity?: unknown;
  ratePerMinute?: unknown;
  escalateAfterMinutes?: unknown;
  site?: unknown;
}

const isBlank = (value: unknown): boolean => value === undefined || value === null || (typeof value === "string" && value.trim() === "");

/** Settings from the subflow's properties (strings or numbers); InputError names the property. */
export function parseAlertSettings(raw: RawAlertSettings): AlertSettings {
  const minSeverity = isBlank(raw.minSeverity) ? "warning" : String(raw.minSeverity).trim().toLowerCase();
  if (!(minSeverity in SEVERITY_RANK)) throw new InputError("MIN_SEVERITY", `expected info, warning or critical, got ${JSON.stringify(raw.minSeverity)}`);
  const number = (value: unknown, fallback: number, field: string): number => {
    if (isBlank(value)) return fallback;
    const n = typeof value === "number" ? value : Number(String(value).trim());
    if (!Number.isFinite(n) || n < 0) throw new InputError(field, `expected a number >= 0, got ${JSON.stringify(value)}`);
    return n;
  };
  return {
    minSeverity: minSeverity as Severity,
    ratePerMinute: Math.floor(number(raw.ratePerMinute, 6, "RATE_LIMIT_PER_MIN")),
    escalateAfterMs: number(raw.escalateAfterMinutes, 30, "ESCALATE_AFTER_MIN") * 60_000,
    site: isBlank(raw.site) ? "" : String(raw.site).trim(),
  };
}

/** An event as the nodes send it on output 2 (nodes/shared/events.ts), validated. */
export interface AlertEvent {
  event: string;
  severity: Severity;
  topic: string;
  timestamp: number;
  message: string;
  details: Record<string, unknown>;
  source: string;
  role: Role;
  /** alarms a clear may close */
  clears: readonly string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads an event message. `msg.alert = {source?, role?}` lets a flow name the source (two spc-rules on
 * the same tag) or give an event of its own a role; otherwise EVENT_ROLES decides, and an unknown event
 * is a one-shot notification when it is a warning or critical.
 */
export function readEvent(msg: Record<string, unknown>, now: number): AlertEvent {
  const payload = msg.payload;
  if (!isRecord(payload)) throw new InputError("msg.payload", "expected an event {event, severity, topic, timestamp, message, details} from a node's event output");
  if (typeof payload.event !== "string" || payload.event === "") throw new InputError("msg.payload.event", `expected the event name, got ${JSON.stringify(payload.event)}`);
  const severity = payload.severity;
  if (typeof severity !== "string" || !(severity in SEVERITY_RANK)) throw new InputError("msg.payload.severity", `expected info, warning or critical, got ${JSON.stringify(severity)}`);
  const topicValue = payload.topic ?? msg.topic ?? "";
  if (typeof topicValue !== "string") throw new InputError("msg.payload.topic", `expected the series key as a string, got ${typeof topicValue}`);
  let timestamp = now;
  if (typeof payload.timestamp === "number" && Number.isFinite(payload.timestamp)) timestamp = payload.timestamp;
  else if (typeof payload.timestamp === "string" && Number.isFinite(Date.parse(payload.timestamp))) timestamp = Date.parse(payload.timestamp);
  const details = isRecord(payload.details) ? payload.details : {};
  const message = typeof payload.message === "string" && payload.message !== "" ? payload.message : `${topicValue || "series"}: ${payload.event}`;

  const known = EVENT_ROLES[payload.event];
  let role: Role;
  let sources: readonly string[];
  if (payload.event === "status") {
    role = reportStatusRole(details, severity as Severity);
    sources = ["report"];
  } else if (known !== undefined) {
    role = known.role;
    sources = known.sources;
  } else {
    role = SEVERITY_RANK[severity as Severity] >= SEVERITY_RANK.warning ? "once" : "none";
    sources = [payload.event];
  }
  const override = isRecord(msg.alert) ? msg.alert : {};
  if (override.role !== undefined) {
    if (override.role !== "raise" && override.role !== "clear" && override.role !== "once" && override.role !== "none") {
      throw new InputError("msg.alert.role", `expected raise, clear, once or none, got ${JSON.stringify(override.role)}`);
    }
    role = override.role;
  }
  if (override.source !== undefined) {
    if (typeof override.source !== "string" || override.source === "") throw new InputError("msg.alert.source", `expected a non-empty string, got ${JSON.stringify(override.source)}`);
    sources = [override.source];
  }
  return { event: payload.event, severity: severity as Severity, topic: topicValue, timestamp, message, details, source: sources[0], role, clears: sources };
}

/** An open alarm. Plain JSON: it lives in the function node's context. */
export interface Alarm {
  source: string;
  topic: string;
  /** the event that raised it and its latest message */
  event: string;
  message: string;
  details: Record<string, unknown>;
  /** current severity (a lowered anomaly lowers it) */
  severity: Severity;
  /** the highest severity notified so far, null while nothing was notified */
  notified: Severity | null;
  /** wall-clock ms of the first notification */
  notifiedAt: number | null;
  raisedAt: number;
  /** event time of the raise */
  eventTime: number;
  /** the "unresolved" escalation was sent */
  escalated: boolean;
  /** some notification of this alarm went to the webhook, so its clear goes there too */
  webhook: boolean;
}

export interface Notification {
  kind: NotificationKind;
  severity: Severity;
  source: string;
  topic: string;
  event: string;
  message: string;
  /** epoch ms of the event (for a digest: of the latest held notification) */
  eventTime: number;
  /** epoch ms the notification was made */
  at: number;
  /** goes to the webhook as well as e-mail */
  webhook: boolean;
  subject: string;
  text: string;
  /** a digest's notifications */
  items?: Notification[];
}

export interface AlertState {
  version: 1;
  alarms: Record<string, Alarm>;
  /** wall-clock ms of the notifications sent in the last minute (the rate limit's window) */
  sent: number[];
  /** notifications over the rate limit, sent as one digest when there is room */
  held: Notification[];
  /** held notifications beyond HELD_MAX, only counted */
  heldOverflow: number;
  /** one-shot events already notified: fingerprint → when */
  recentOnce: Record<string, number>;
  /** notifications sent since the state was created (for the status) */
  sentTotal: number;
}

export function emptyState(): AlertState {
  return { version: 1, alarms: {}, sent: [], held: [], heldOverflow: 0, recentOnce: {}, sentTotal: 0 };
}

/** The saved state, or a fresh one when nothing usable was saved (first start, other version). */
export function restoreState(saved: unknown): AlertState {
  if (!isRecord(saved) || saved.version !== 1 || !isRecord(saved.alarms) || !Array.isArray(saved.sent) || !Array.isArray(saved.held) || !isRecord(saved.recentOnce)) return emptyState();
  if (typeof saved.sentTotal !== "number") saved.sentTotal = 0;
  if (typeof saved.heldOverflow !== "number") saved.heldOverflow = 0;
  return saved as unknown as AlertState;
}

const alarmKey = (source: string, topic: string): string => JSON.stringify([source, topic]);
const atLeast = (severity: Severity, minimum: Severity): boolean => SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum];

/** Processes one event; returns the notifications to send now (the rate limit already applied). */
export function handleEvent(state: AlertState, settings: AlertSettings, event: AlertEvent, now: number): Notification[] {
  const candidates: Notification[] = [];
  if (event.role === "raise") {
    const key = alarmKey(event.source, event.topic);
    let alarm = state.alarms[key];
    if (alarm === undefined) {
      alarm = { source: event.source, topic: event.topic, event: event.event, message: event.message, details: event.details, severity: event.severity, notified: null, notifiedAt: null, raisedAt: now, eventTime: event.timestamp, escalated: false, webhook: false };
      state.alarms[key] = alarm;
    } else if (event.event !== "violation" || SEVERITY_RANK[event.severity] > SEVERITY_RANK[alarm.severity]) {
      // spc-rules sends one violation per rule that starts flagging, so a milder rule starting at the same point
      // (a spike's nelson-5 after its nelson-1) must not lower the alarm; anomaly-detect re-sends "anomaly"
      // with the severity of the current score, which may lower it.
      alarm.severity = event.severity;
    }
    const above = alarm.notified === null ? atLeast(event.severity, settings.minSeverity) : SEVERITY_RANK[event.severity] > SEVERITY_RANK[alarm.notified];
    if (above) {
      const kind: NotificationKind = alarm.notified === null ? "raised" : "escalated";
      const previous = alarm.notified;
      Object.assign(alarm, { event: event.event, message: event.message, details: event.details, eventTime: event.timestamp, notified: event.severity });
      alarm.notifiedAt ??= now;
      const webhook = event.severity === "critical";
      alarm.webhook ||= webhook;
      candidates.push(notify(settings, { kind, severity: event.severity, alarm, now, webhook, previous }));
    }
  } else if (event.role === "clear") {
    for (const source of event.clears) {
      const key = alarmKey(source, event.topic);
      const alarm = state.alarms[key];
      if (alarm === undefined) continue;
      delete state.alarms[key];
      if (alarm.notified !== null) {
        candidates.push(notify(settings, { kind: "cleared", severity: alarm.notified, alarm, now, webhook: alarm.webhook, clearedBy: event }));
      }
      break;
    }
  } else if (event.role === "once" && atLeast(event.severity, settings.minSeverity)) {
    pruneOnce(state, now);
    const fingerprint = JSON.stringify([event.source, event.topic, event.event, event.timestamp, event.message]);
    if (state.recentOnce[fingerprint] === undefined) {
      state.recentOnce[fingerprint] = now;
      const alarm: Alarm = { source: event.source, topic: event.topic, event: event.event, message: event.message, details: event.details, severity: event.severity, notified: event.severity, notifiedAt: now, raisedAt: now, eventTime: event.timestamp, escalated: false, webhook: false };
      candidates.push(notify(settings, { kind: "event", severity: event.severity, alarm, now, webhook: event.severity === "critical" }));
    }
  }
  return release(state, settings, candidates, now);
}

/**
 * The periodic check (the subflow ticks every few seconds): warnings open too long are escalated, and
 * held notifications go out as one digest once the rate limit has room.
 */
export function tick(state: AlertState, settings: AlertSettings, now: number): Notification[] {
  const candidates: Notification[] = [];
  if (settings.escalateAfterMs > 0) {
    for (const alarm of Object.values(state.alarms)) {
      if (alarm.escalated || alarm.notified !== "warning" || alarm.notifiedAt === null) continue;
      if (now - alarm.notifiedAt < settings.escalateAfterMs) continue;
      alarm.escalated = true;
      alarm.webhook = true;
      candidates.push(notify(settings, { kind: "unresolved", severity: alarm.notified, alarm, now, webhook: true }));
    }
  }
  pruneOnce(state, now);
  const sent = release(state, settings, candidates, now);
  if (state.held.length > 0 && hasRoom(state, settings, now)) {
    const digest = digestOf(settings, state.held, state.heldOverflow, now);
    state.held = [];
    state.heldOverflow = 0;
    recordSent(state, settings, now);
    sent.push(digest);
  }
  return sent;
}

/** Forgets open alarms (of one topic, or all) without notifying: msg.reset after maintenance. */
export function resetAlarms(state: AlertState, topic: string | null): number {
  let removed = 0;
  for (const [key, alarm] of Object.entries(state.alarms)) {
    if (topic === null || alarm.topic === topic) {
      delete state.alarms[key];
      removed++;
    }
  }
  return removed;
}

/** Open alarms that were notified, by severity (for the node status). O(open alarms): call it when something was notified. */
export function openAlarms(state: AlertState): Record<Severity, number> {
  const counts: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
  // for-in rather than Object.values: the alarm table is a dictionary-mode object (keys come and go), where it is several times faster.
  for (const key in state.alarms) {
    const alarm = state.alarms[key];
    if (alarm.notified !== null) counts[alarm.severity]++;
  }
  return counts;
}

// ---- rate limit ----

function hasRoom(state: AlertState, settings: AlertSettings, now: number): boolean {
  if (settings.ratePerMinute === 0) return true;
  state.sent = state.sent.filter((at) => now - at < RATE_WINDOW_MS);
  return state.sent.length < settings.ratePerMinute;
}

function recordSent(state: AlertState, settings: AlertSettings, now: number): void {
  // Without a limit there is no window to keep (it would only grow).
  if (settings.ratePerMinute > 0) state.sent.push(now);
  state.sentTotal++;
}

function release(state: AlertState, settings: AlertSettings, candidates: Notification[], now: number): Notification[] {
  const sent: Notification[] = [];
  for (const notification of candidates) {
    // Held notifications keep their order: once anything is held, later ones wait for the digest too.
    if (state.held.length === 0 && hasRoom(state, settings, now)) {
      recordSent(state, settings, now);
      sent.push(notification);
    } else if (state.held.length < HELD_MAX) {
      state.held.push(notification);
    } else {
      state.heldOverflow++;
    }
  }
  return sent;
}

function pruneOnce(state: AlertState, now: number): void {
  const entries = Object.entries(state.recentOnce);
  const keep = entries.filter(([, at]) => now - at < ONCE_MEMORY_MS).slice(-ONCE_MEMORY_MAX);
  if (keep.length !== entries.length) state.recentOnce = Object.fromEntries(keep);
}

// ---- text ----

const SUBJECT_TAG: Record<NotificationKind, (severity: Severity) => string> = {
  raised: (s) => s.toUpperCase(),
  escalated: (s) => s.toUpperCase(),
  unresolved: (s) => s.toUpperCase(),
  event: (s) => s.toUpperCase(),
  cleared: () => "CLEARED",
  digest: (s) => s.toUpperCase(),
};

/** "2026-11-23 19:50:07 UTC": unambiguous for a reader in any zone. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function formatDuration(ms: number): string {
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}

interface NotifyArgs {
  kind: NotificationKind;
  severity: Severity;
  alarm: Alarm;
  now: number;
  webhook: boolean;
  previous?: Severity | null;
  clearedBy?: AlertEvent;
}

function notify(settings: AlertSettings, a: NotifyArgs): Notification {
  const { alarm, kind, now } = a;
  const tag = alarm.topic || "(no tag)";
  const what: Record<NotificationKind, string> = {
    raised: `${alarm.event} raised`,
    escalated: `${alarm.event} escalated from ${a.previous ?? "?"}`,
    unresolved: `${alarm.event} unresolved for ${formatDuration(now - (alarm.notifiedAt ?? alarm.raisedAt))}`,
    cleared: `${alarm.event} cleared`,
    event: alarm.event,
    digest: "",
  };
  const subject = `[${SUBJECT_TAG[kind](a.severity)}] ${settings.site ? `${settings.site} ` : ""}${tag}: ${what[kind]}`;
  const message = a.clearedBy?.message ?? alarm.message;
  const lines = [
    message,
    "",
    `Severity: ${a.severity}${kind === "cleared" ? " (cleared)" : ""}`,
    `Tag:      ${tag}`,
    `Event:    ${alarm.event}${a.clearedBy ? `, cleared by ${a.clearedBy.event}` : ""} (source ${alarm.source})`,
    `Time:     ${formatTime(a.clearedBy?.timestamp ?? alarm.eventTime)}`,
  ];
  if (kind !== "event" && kind !== "raised") lines.push(`Open:     since ${formatTime(alarm.raisedAt)} (${formatDuration(now - alarm.raisedAt)})`);
  if (kind === "cleared") lines.push(`Raise:    ${alarm.message}`);
  if (settings.site) lines.push(`Site:     ${settings.site}`);
  const details = a.clearedBy?.details ?? alarm.details;
  const detailLines = Object.entries(details)
    .slice(0, DETAIL_LINES_MAX)
    .map(([name, value]) => {
      const shown = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
      return `  ${name}: ${shown.length > DETAIL_VALUE_MAX ? `${shown.slice(0, DETAIL_VALUE_MAX)}…` : shown}`;
    });
  if (detailLines.length > 0) lines.push("Details:", ...detailLines);
  return {
    kind,
    severity: a.severity,
    source: alarm.source,
    topic: alarm.topic,
    event: a.clearedBy?.event ?? alarm.event,
    message,
    eventTime: a.clearedBy?.timestamp ?? alarm.eventTime,
    at: now,
    webhook: a.webhook,
    subject,
    text: `${lines.join("\n")}\n`,
  };
}

function digestOf(settings: AlertSettings, held: Notification[], overflow: number, now: number): Notification {
  const severity = held.reduce<Severity>((worst, n) => (n.kind !== "cleared" && SEVERITY_RANK[n.severity] > SEVERITY_RANK[worst] ? n.severity : worst), "info");
  const count = held.length + overflow;
  const subject = `[${severity.toUpperCase()}] ${settings.site ? `${settings.site} ` : ""}${count} alert${count === 1 ? "" : "s"} held back by the rate limit`;
  const unlisted = count - Math.min(held.length, DIGEST_LINES_MAX);
  const text = [
    `${count} notification(s) came while the rate limit (${settings.ratePerMinute} per minute) was reached:`,
    "",
    ...held.slice(0, DIGEST_LINES_MAX).map((n) => `${formatTime(n.at)}  ${n.subject}\n    ${n.message}`),
    ...(unlisted > 0 ? [`… and ${unlisted} more`] : []),
    "",
  ].join("\n");
  return {
    kind: "digest",
    severity,
    source: "alert",
    topic: "",
    event: "digest",
    message: `${count} notifications held back by the rate limit`,
    eventTime: held[held.length - 1].eventTime,
    at: now,
    webhook: held.some((n) => n.webhook),
    subject,
    text,
    items: held,
  };
}

export { SEVERITIES };
