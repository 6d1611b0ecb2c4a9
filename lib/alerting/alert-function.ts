/**
 * The body of the alert subflow's function node: Node-RED message in, the five outputs out. The function
 * node only calls runAlertFunction (see scripts/sync-alert-subflow.js), so this is the whole behaviour of
 * the subflow apart from the e-mail and http request nodes it feeds.
 *
 * Outputs of the function node:
 *   1 every notification made ({topic: subject, payload: notification, channels}): subflow output 1
 *   2 the same notification as an e-mail message for node-red-node-email (only when SMTP is configured)
 *   3 a webhook request for the http request node (only for webhook notifications, when a URL is set)
 *   4 the event unchanged: subflow output 2 (dashboards, historian)
 *   5 the subflow status ({fill, shape, text}), only when it changed
 */
import { handleEvent, openAlarms, parseAlertSettings, readEvent, resetAlarms, restoreState, tick, type AlertState, type Notification } from "./alert-policy";

/** The function node's `env`: the subflow's properties, then the flow's and the process's variables. */
export interface FunctionEnv {
  get(name: string): unknown;
}

export type OutputMessage = Record<string, unknown>;
export type FunctionOutputs = [OutputMessage[] | null, OutputMessage[] | null, OutputMessage[] | null, OutputMessage | null, OutputMessage | null];

export interface FunctionResult {
  /** to save in the node's context */
  state: AlertState & { lastStatus?: string };
  outputs: FunctionOutputs;
}

const text = (value: unknown): string => (value === undefined || value === null ? "" : String(value).trim());

/** Subflow property names (see the "env" of flows/alert-subflow.json). */
export const PROPERTIES = {
  minSeverity: "MIN_SEVERITY",
  ratePerMinute: "RATE_LIMIT_PER_MIN",
  escalateAfterMinutes: "ESCALATE_AFTER_MIN",
  recipients: "RECIPIENTS",
  sender: "SENDER",
  webhookUrl: "WEBHOOK_URL",
  site: "SITE",
  smtpHost: "SMTP_HOST",
} as const;

export function runAlertFunction(msg: Record<string, unknown>, env: FunctionEnv, saved: unknown, now: number): FunctionResult {
  const settings = parseAlertSettings({
    minSeverity: env.get(PROPERTIES.minSeverity),
    ratePerMinute: env.get(PROPERTIES.ratePerMinute),
    escalateAfterMinutes: env.get(PROPERTIES.escalateAfterMinutes),
    site: env.get(PROPERTIES.site),
  });
  const state: FunctionResult["state"] = restoreState(saved);
  const heldBefore = state.held.length;
  let notifications: Notification[];
  let passOn: OutputMessage | null = null;
  if (msg.tick === true) {
    notifications = tick(state, settings, now);
  } else if (msg.reset === true) {
    resetAlarms(state, typeof msg.topic === "string" && msg.topic !== "" ? msg.topic : null);
    notifications = [];
  } else {
    // Read (and validate) before touching the state: a bad message changes nothing.
    const event = readEvent(msg, now);
    notifications = handleEvent(state, settings, event, now);
    passOn = msg;
  }

  const recipients = text(env.get(PROPERTIES.recipients));
  const sender = text(env.get(PROPERTIES.sender));
  const webhookUrl = text(env.get(PROPERTIES.webhookUrl));
  // Without a server or a recipient the e-mail node could only fail on every alert: skip it, keep output 1.
  const emailOn = recipients !== "" && text(env.get(PROPERTIES.smtpHost)) !== "";

  const sent: OutputMessage[] = [];
  const emails: OutputMessage[] = [];
  const hooks: OutputMessage[] = [];
  for (const n of notifications) {
    const toWebhook = n.webhook && webhookUrl !== "";
    sent.push({ topic: n.subject, payload: n, channels: { email: emailOn, webhook: toWebhook } });
    if (emailOn) {
      const email: OutputMessage = { topic: n.subject, payload: n.text, to: recipients };
      if (sender !== "") email.from = sender;
      emails.push(email);
    }
    if (toWebhook) hooks.push({ url: webhookUrl, method: "POST", headers: { "content-type": "application/json" }, payload: webhookBody(n, settings.site) });
  }

  // The open count only changes with a notification (raise, clear), a reset or a tick: only then is it counted again.
  let statusMsg: OutputMessage | null = null;
  if (notifications.length > 0 || state.held.length !== heldBefore || passOn === null || state.lastStatus === undefined) {
    const status = statusOf(state);
    const statusText = JSON.stringify(status);
    if (state.lastStatus !== statusText) statusMsg = { payload: status };
    state.lastStatus = statusText;
  }

  const some = (list: OutputMessage[]): OutputMessage[] | null => (list.length > 0 ? list : null);
  return { state, outputs: [some(sent), some(emails), some(hooks), passOn, statusMsg] };
}

/** The webhook's JSON: the notification without the held list's full texts, times also as ISO 8601. */
export function webhookBody(n: Notification, site: string): Record<string, unknown> {
  return {
    kind: n.kind,
    severity: n.severity,
    source: n.source,
    topic: n.topic,
    event: n.event,
    message: n.message,
    subject: n.subject,
    text: n.text,
    site,
    eventTime: new Date(n.eventTime).toISOString(),
    at: new Date(n.at).toISOString(),
    count: n.items?.length ?? 1,
  };
}

function statusOf(state: AlertState): { fill: string; shape: string; text: string } {
  const open = openAlarms(state);
  const total = open.info + open.warning + open.critical;
  const held = state.held.length > 0 ? `, ${state.held.length} held` : "";
  const label = `${total} open, ${state.sentTotal} sent${held}`;
  if (open.critical > 0 || open.warning > 0) return { fill: "red", shape: "ring", text: label };
  return { fill: "green", shape: "dot", text: label };
}
