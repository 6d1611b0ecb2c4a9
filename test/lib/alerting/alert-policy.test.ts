import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { seededRandom } from "../../../lib/common/random";
import {
  emptyState,
  handleEvent,
  openAlarms,
  parseAlertSettings,
  readEvent,
  resetAlarms,
  restoreState,
  tick,
  type AlertSettings,
  type AlertState,
  type Notification,
} from "../../../lib/alerting/alert-policy";

const T0 = Date.UTC(2026, 10, 23, 19, 50, 7);
const MIN = 60_000;

function settings(overrides: Partial<AlertSettings> = {}): AlertSettings {
  return { minSeverity: "warning", ratePerMinute: 0, escalateAfterMs: 30 * MIN, site: "", ...overrides };
}

/** An event message as the nodes send it (nodes/shared/events.ts). */
function eventMsg(event: string, severity: string, topic = "W01.OilRate", extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { topic, payload: { event, severity, topic, timestamp: T0, message: `${topic}: ${event}`, details: { value: 42.5 }, ...extra } };
}

/** Feeds messages at `now`, returning what is notified. */
function feed(state: AlertState, s: AlertSettings, now: number, ...msgs: Record<string, unknown>[]): Notification[] {
  return msgs.flatMap((msg) => handleEvent(state, s, readEvent(msg, now), now));
}

const kinds = (list: Notification[]) => list.map((n) => `${n.kind}:${n.severity}:${n.topic}`);

describe("lib/alerting parseAlertSettings", () => {
  it("defaults to warning, 6 per minute, 30 min escalation, and reads strings as the subflow's properties give them", () => {
    assert.deepEqual(parseAlertSettings({}), { minSeverity: "warning", ratePerMinute: 6, escalateAfterMs: 30 * MIN, site: "" });
    assert.deepEqual(parseAlertSettings({ minSeverity: " Critical ", ratePerMinute: "10", escalateAfterMinutes: "0.5", site: " PAD-3 " }), {
      minSeverity: "critical",
      ratePerMinute: 10,
      escalateAfterMs: 30_000,
      site: "PAD-3",
    });
    assert.equal(parseAlertSettings({ ratePerMinute: 0, escalateAfterMinutes: "" }).ratePerMinute, 0);
  });

  it("names the property and the expected form when a value is wrong", () => {
    assert.throws(() => parseAlertSettings({ minSeverity: "high" }), (err: unknown) => err instanceof InputError && err.field === "MIN_SEVERITY" && /info, warning or critical/.test(err.message));
    assert.throws(() => parseAlertSettings({ ratePerMinute: "-1" }), (err: unknown) => err instanceof InputError && err.field === "RATE_LIMIT_PER_MIN");
    assert.throws(() => parseAlertSettings({ escalateAfterMinutes: "soon" }), (err: unknown) => err instanceof InputError && err.field === "ESCALATE_AFTER_MIN");
  });
});

describe("lib/alerting readEvent", () => {
  it("knows the raise / clear pairs of this package's nodes", () => {
    const role = (event: string, severity = "warning", details: Record<string, unknown> = {}) => {
      const e = readEvent(eventMsg(event, severity, "t", { details }), T0);
      return `${e.role} ${e.clears.join("|")}`;
    };
    assert.equal(role("violation"), "raise spc");
    assert.equal(role("in-control", "info"), "clear spc");
    assert.equal(role("anomaly", "critical"), "raise anomaly");
    assert.equal(role("anomaly-cleared", "info"), "clear anomaly");
    assert.equal(role("turbulent"), "raise variability");
    assert.equal(role("stable", "info"), "clear variability");
    assert.equal(role("stale"), "raise stale");
    assert.equal(role("recovered", "info"), "clear stale|historian");
    assert.equal(role("gap", "critical"), "once gap");
    assert.equal(role("outage"), "raise historian");
    assert.equal(role("queue-full", "critical"), "raise historian-queue");
    assert.equal(role("queue-normal", "info"), "clear historian-queue");
    assert.equal(role("retrying"), "raise delivery");
    assert.equal(role("failed", "critical"), "raise delivery");
    assert.equal(role("delivered", "info"), "clear delivery");
    assert.equal(role("status", "critical", { status: "failed" }), "raise report");
    assert.equal(role("status", "info", { status: "generating" }), "none report");
    assert.equal(role("status", "warning", { status: "uploaded" }), "clear report");
    assert.equal(role("my-own", "critical"), "once my-own");
    assert.equal(role("my-own", "info"), "none my-own");
  });

  it("takes the source and role a flow gives in msg.alert", () => {
    const e = readEvent({ ...eventMsg("violation", "warning"), alert: { source: "spc-xbar", role: "once" } }, T0);
    assert.equal(e.source, "spc-xbar");
    assert.equal(e.role, "once");
  });

  it("falls back to msg.topic, arrival time and a generated message", () => {
    const e = readEvent({ topic: "T1.Level", payload: { event: "stale", severity: "warning" } }, T0 + 5);
    assert.equal(e.topic, "T1.Level");
    assert.equal(e.timestamp, T0 + 5);
    assert.equal(e.message, "T1.Level: stale");
    assert.equal(readEvent(eventMsg("stale", "warning", "x", { timestamp: "2026-11-23T19:50:07Z" }), 0).timestamp, T0);
  });

  it("rejects what is not an event with the field and the expected form", () => {
    const field = (msg: Record<string, unknown>) => {
      try {
        readEvent(msg, T0);
      } catch (err) {
        assert.ok(err instanceof InputError);
        return err.field;
      }
      return "accepted";
    };
    assert.equal(field({ payload: 42 }), "msg.payload");
    assert.equal(field({ payload: { severity: "warning" } }), "msg.payload.event");
    assert.equal(field({ payload: { event: "stale", severity: "major" } }), "msg.payload.severity");
    assert.equal(field({ payload: { event: "stale", severity: "warning", topic: 7 } }), "msg.payload.topic");
    assert.equal(field({ ...eventMsg("stale", "warning"), alert: { role: "maybe" } }), "msg.alert.role");
    assert.equal(field({ ...eventMsg("stale", "warning"), alert: { source: "" } }), "msg.alert.source");
  });
});

describe("lib/alerting handleEvent: one notification per raise and per clear", () => {
  it("notifies a raise once, ignores repeats and further rules while it is open, and notifies the clear once", () => {
    const state = emptyState();
    const s = settings();
    assert.deepEqual(kinds(feed(state, s, T0, eventMsg("violation", "warning"))), ["raised:warning:W01.OilRate"]);
    assert.deepEqual(feed(state, s, T0 + 1000, eventMsg("violation", "warning"), eventMsg("violation", "warning", "W01.OilRate", { details: { rule: "rule2" } })), []);
    assert.deepEqual(kinds(feed(state, s, T0 + 2000, eventMsg("in-control", "info"))), ["cleared:warning:W01.OilRate"]);
    assert.deepEqual(feed(state, s, T0 + 3000, eventMsg("in-control", "info")), [], "a second clear has nothing to clear");
    assert.deepEqual(kinds(feed(state, s, T0 + 4000, eventMsg("violation", "warning"))), ["raised:warning:W01.OilRate"], "a new raise after the clear is a new alarm");
  });

  it("keeps an SPC alarm at its worst rule while it is open: a spike's nelson-5 (warning) does not lower its nelson-1 (critical)", () => {
    const state = emptyState();
    const s = settings();
    const rule = (name: string, severity: string) => eventMsg("violation", severity, "W02.PumpCurrent", { details: { rule: name } });
    assert.deepEqual(kinds(feed(state, s, T0, rule("nelson-1", "critical"), rule("nelson-5", "warning"))), ["raised:critical:W02.PumpCurrent"]);
    assert.deepEqual(openAlarms(state), { info: 0, warning: 0, critical: 1 });
    // anomaly-detect's severity follows its score: a lower one lowers the open alarm
    feed(state, s, T0, eventMsg("anomaly", "critical", "W02.PumpCurrent"), eventMsg("anomaly", "warning", "W02.PumpCurrent"));
    assert.deepEqual(openAlarms(state), { info: 0, warning: 1, critical: 1 });
  });

  it("keeps tags and sources apart", () => {
    const state = emptyState();
    const s = settings();
    const sent = feed(state, s, T0, eventMsg("violation", "warning", "A"), eventMsg("violation", "warning", "B"), eventMsg("anomaly", "warning", "A"), eventMsg("anomaly", "warning", "A"));
    assert.deepEqual(kinds(sent), ["raised:warning:A", "raised:warning:B", "raised:warning:A"]);
    assert.deepEqual(sent.map((n) => n.source), ["spc", "spc", "anomaly"]);
    assert.deepEqual(kinds(feed(state, s, T0, eventMsg("anomaly-cleared", "info", "A"))), ["cleared:warning:A"]);
    assert.deepEqual(openAlarms(state), { info: 0, warning: 2, critical: 0 });
  });

  it("clears the stale alarm of a tag and the historian outage (topic \"\") with the same \"recovered\"", () => {
    const state = emptyState();
    const s = settings();
    feed(state, s, T0, eventMsg("stale", "warning", "W01.GasRate"), eventMsg("outage", "warning", ""));
    const stale = feed(state, s, T0, eventMsg("recovered", "info", "W01.GasRate"));
    assert.deepEqual(stale.map((n) => `${n.kind} ${n.source}`), ["cleared stale"]);
    const outage = feed(state, s, T0, eventMsg("recovered", "info", ""));
    assert.deepEqual(outage.map((n) => `${n.kind} ${n.source}`), ["cleared historian"]);
  });

  it("tracks but does not notify below the minimum severity, and never sends a clear for an unannounced raise", () => {
    const state = emptyState();
    const s = settings({ minSeverity: "warning" });
    assert.deepEqual(feed(state, s, T0, eventMsg("anomaly", "info")), []);
    assert.deepEqual(feed(state, s, T0, eventMsg("anomaly-cleared", "info")), []);
    assert.deepEqual(feed(state, s, T0, eventMsg("anomaly", "info")), []);
    assert.deepEqual(kinds(feed(state, s, T0, eventMsg("anomaly", "warning"))), ["raised:warning:W01.OilRate"], "rising to the minimum is the raise");
    assert.deepEqual(feed(state, s, T0, eventMsg("gap", "info")), [], "one-shot events below the minimum too");
    const critical = settings({ minSeverity: "critical" });
    assert.deepEqual(feed(emptyState(), critical, T0, eventMsg("violation", "warning")), []);
  });

  it("escalates when the severity rises above what was notified, at once and to the webhook for critical", () => {
    const state = emptyState();
    const s = settings();
    const [raised] = feed(state, s, T0, eventMsg("anomaly", "warning"));
    assert.equal(raised.webhook, false);
    const [escalated] = feed(state, s, T0 + 1000, eventMsg("anomaly", "critical"));
    assert.equal(escalated.kind, "escalated");
    assert.equal(escalated.webhook, true);
    assert.match(escalated.subject, /^\[CRITICAL\] W01\.OilRate: anomaly escalated from warning$/);
    assert.deepEqual(feed(state, s, T0 + 2000, eventMsg("anomaly", "warning"), eventMsg("anomaly", "critical")), [], "lowered and raised again: already notified");
    const [cleared] = feed(state, s, T0 + 3000, eventMsg("anomaly-cleared", "info"));
    assert.equal(cleared.kind, "cleared");
    assert.equal(cleared.severity, "critical");
    assert.equal(cleared.webhook, true, "the webhook that got the alarm gets its clear");
  });

  it("sends a critical raise to the webhook and a warning only when it stays open past the escalation time", () => {
    const state = emptyState();
    const s = settings({ escalateAfterMs: 10 * MIN });
    const [critical] = feed(state, s, T0, eventMsg("failed", "critical", "ANH_REPORT_20261122.json"));
    assert.equal(critical.webhook, true);
    feed(state, s, T0, eventMsg("stale", "warning", "W02.Choke"));
    assert.deepEqual(tick(state, s, T0 + 10 * MIN - 1), []);
    const [unresolved, ...rest] = tick(state, s, T0 + 10 * MIN);
    assert.deepEqual(rest, []);
    assert.equal(unresolved.kind, "unresolved");
    assert.equal(unresolved.topic, "W02.Choke");
    assert.equal(unresolved.webhook, true);
    assert.match(unresolved.subject, /W02\.Choke: stale unresolved for 10\.0 min/);
    assert.deepEqual(tick(state, s, T0 + 60 * MIN), [], "escalated once, not every tick");
    const [cleared] = feed(state, s, T0 + 61 * MIN, eventMsg("recovered", "info", "W02.Choke"));
    assert.equal(cleared.webhook, true);
    assert.match(cleared.text, /Open: {5}since 2026-11-23 19:50:07 UTC \(1\.0 h\)/);
    assert.deepEqual(tick(emptyStateWithWarning(settings({ escalateAfterMs: 0 })), settings({ escalateAfterMs: 0 }), T0 + 1e9), [], "0 = never");
  });

  it("notifies a one-shot event once, even when the same message comes twice", () => {
    const state = emptyState();
    const s = settings();
    const gap = eventMsg("gap", "critical", "W01.OilRate", { details: { start: T0 - 3_600_000, end: T0 } });
    assert.deepEqual(kinds(feed(state, s, T0, gap, gap)), ["event:critical:W01.OilRate"]);
    assert.deepEqual(kinds(feed(state, s, T0, eventMsg("gap", "warning", "W01.OilRate", { timestamp: T0 + 600_000 }))), ["event:warning:W01.OilRate"], "another gap");
    assert.deepEqual(kinds(feed(state, s, T0 + 2 * 3_600_000, gap)), ["event:critical:W01.OilRate"], "the memory of one-shot events is an hour");
  });

  it("treats anh-json's status transitions as one alarm per report day", () => {
    const state = emptyState();
    const s = settings();
    const status = (status: string, severity: string) => eventMsg("status", severity, "2026-11-22", { details: { status, fileName: "ANH_REPORT_20261122.json" } });
    assert.deepEqual(feed(state, s, T0, status("generating", "info"), status("ready", "info")), []);
    assert.deepEqual(kinds(feed(state, s, T0, status("failed", "critical"))), ["raised:critical:2026-11-22"]);
    assert.deepEqual(kinds(feed(state, s, T0, status("uploading", "info"), status("uploaded", "info"))), ["cleared:critical:2026-11-22"]);
  });

  it("forgets open alarms on reset without notifying", () => {
    const state = emptyState();
    const s = settings();
    feed(state, s, T0, eventMsg("stale", "warning", "A"), eventMsg("stale", "warning", "B"));
    assert.equal(resetAlarms(state, "A"), 1);
    assert.deepEqual(feed(state, s, T0, eventMsg("recovered", "info", "A")), []);
    assert.equal(resetAlarms(state, null), 1);
    assert.deepEqual(openAlarms(state), { info: 0, warning: 0, critical: 0 });
  });

  it("matches a plain model over a seeded random stream of raises, repeats and clears", () => {
    const random = seededRandom(20261123);
    const state = emptyState();
    const s = settings();
    const open = new Set<string>();
    let expected = 0;
    let actual = 0;
    for (let i = 0; i < 2000; i++) {
      const topic = `W0${Math.floor(random() * 4)}.OilRate`;
      const raise = random() < 0.6;
      const msg = raise ? eventMsg("violation", "warning", topic) : eventMsg("in-control", "info", topic);
      if (raise !== open.has(topic)) expected++;
      if (raise) open.add(topic);
      else open.delete(topic);
      actual += feed(state, s, T0 + i, msg).length;
    }
    assert.ok(expected > 200, `the stream has raises and clears (${expected})`);
    assert.equal(actual, expected, "one notification per raise and per clear, none for repeats");
  });
});

describe("lib/alerting rate limit", () => {
  it("sends at most the limit per minute and the rest as one digest when there is room", () => {
    const state = emptyState();
    const s = settings({ ratePerMinute: 3 });
    const sent = feed(state, s, T0, ...["A", "B", "C", "D", "E"].map((tag) => eventMsg("stale", tag === "E" ? "critical" : "warning", tag)));
    assert.deepEqual(sent.map((n) => n.topic), ["A", "B", "C"]);
    assert.equal(state.held.length, 2);
    assert.deepEqual(tick(state, s, T0 + 59_999), [], "the window is still full");
    assert.deepEqual(feed(state, s, T0 + 30_000, eventMsg("recovered", "info", "A")), [], "held behind the others, in order");
    const [digest, ...more] = tick(state, s, T0 + 60_000);
    assert.deepEqual(more, []);
    assert.equal(digest.kind, "digest");
    assert.equal(digest.severity, "critical");
    assert.equal(digest.webhook, true, "a held critical still reaches the webhook");
    assert.deepEqual(digest.items?.map((n) => `${n.kind} ${n.topic}`), ["raised D", "raised E", "cleared A"]);
    assert.match(digest.subject, /^\[CRITICAL\] 3 alerts held back by the rate limit$/);
    assert.match(digest.text, /\[WARNING\] D: stale raised/);
    assert.equal(state.held.length, 0);
    assert.equal(feed(state, s, T0 + 60_001, eventMsg("stale", "warning", "F")).length, 1, "room for two more in this minute");
    assert.equal(feed(state, s, T0 + 60_002, eventMsg("stale", "warning", "G")).length, 1);
    assert.equal(feed(state, s, T0 + 60_003, eventMsg("stale", "warning", "H")).length, 0);
  });

  it("has no limit at 0", () => {
    const state = emptyState();
    const sent = feed(state, settings({ ratePerMinute: 0 }), T0, ...Array.from({ length: 50 }, (_, i) => eventMsg("stale", "warning", `T${i}`)));
    assert.equal(sent.length, 50);
    assert.deepEqual(state.sent, [], "no window is kept without a limit");
    assert.equal(state.sentTotal, 50);
  });

  it("keeps a storm's digest bounded: 1000 held, the rest counted, 50 listed", () => {
    const state = emptyState();
    const s = settings({ ratePerMinute: 1 });
    const sent = feed(state, s, T0, ...Array.from({ length: 1500 }, (_, i) => eventMsg("stale", "warning", `T${i}`)));
    assert.equal(sent.length, 1);
    assert.equal(state.held.length, 1000);
    assert.equal(state.heldOverflow, 499);
    const [digest] = tick(state, s, T0 + 60_000);
    assert.match(digest.subject, /^\[WARNING\] 1499 alerts held back/);
    assert.equal(digest.text.split("\n").filter((line) => line.includes("stale raised")).length, 50);
    assert.match(digest.text, /… and 1449 more\n$/);
    assert.equal(state.heldOverflow, 0);
  });
});

describe("lib/alerting state and text", () => {
  it("keeps working from a JSON copy of the state, as a persistent context store gives it back", () => {
    const s = settings();
    const state = emptyState();
    feed(state, s, T0, eventMsg("turbulent", "warning", "T1.Level"));
    const restored = restoreState(JSON.parse(JSON.stringify(state)));
    assert.deepEqual(feed(restored, s, T0, eventMsg("turbulent", "warning", "T1.Level")), []);
    assert.deepEqual(kinds(feed(restored, s, T0, eventMsg("stable", "info", "T1.Level"))), ["cleared:warning:T1.Level"]);
    assert.deepEqual(restoreState(undefined), emptyState());
    assert.deepEqual(restoreState({ version: 2, alarms: {} }), emptyState());
  });

  it("writes a subject and a body a person can read: severity, site, tag, message, time, details", () => {
    const s = settings({ site: "PAD-3" });
    const state = emptyState();
    const [n] = feed(state, s, T0 + 5000, eventMsg("anomaly", "warning", "W01.OilRate", { message: "W01.OilRate: warning anomaly, score 5.2", details: { score: 5.2, long: "x".repeat(500) } }));
    assert.equal(n.subject, "[WARNING] PAD-3 W01.OilRate: anomaly raised");
    const lines = n.text.split("\n");
    assert.equal(lines[0], "W01.OilRate: warning anomaly, score 5.2");
    assert.ok(lines.includes("Severity: warning"));
    assert.ok(lines.includes("Tag:      W01.OilRate"));
    assert.ok(lines.includes("Time:     2026-11-23 19:50:07 UTC"));
    assert.ok(lines.includes("Site:     PAD-3"));
    assert.ok(lines.includes("  score: 5.2"));
    assert.ok(lines.some((line) => line.startsWith("  long: x") && line.length < 220), "long details are cut");
    const [cleared] = feed(state, s, T0 + 65_000, eventMsg("anomaly-cleared", "info", "W01.OilRate", { message: "W01.OilRate is back to normal (score 0.4)" }));
    assert.equal(cleared.subject, "[CLEARED] PAD-3 W01.OilRate: anomaly cleared");
    assert.match(cleared.text, /^W01\.OilRate is back to normal \(score 0\.4\)\n/);
    assert.match(cleared.text, /Raise: {4}W01\.OilRate: warning anomaly, score 5\.2/);
    assert.match(cleared.text, /Open: {5}since 2026-11-23 19:50:12 UTC \(1\.0 min\)/);
    const [noTag] = feed(state, settings(), T0, eventMsg("outage", "warning", ""));
    assert.equal(noTag.subject, "[WARNING] (no tag): outage raised");
  });
});

function emptyStateWithWarning(s: AlertSettings): AlertState {
  const state = emptyState();
  feed(state, s, T0, eventMsg("stale", "warning", "X"));
  return state;
}
