import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { runAlertFunction, type FunctionEnv, type FunctionResult, type OutputMessage } from "../../../lib/alerting/alert-function";

const T0 = Date.UTC(2026, 10, 23, 19, 50, 7);

function envOf(vars: Record<string, string | undefined>): FunctionEnv {
  return { get: (name) => vars[name] };
}

const FULL = { MIN_SEVERITY: "warning", RATE_LIMIT_PER_MIN: "6", ESCALATE_AFTER_MIN: "30", RECIPIENTS: "ops@example.com, night@example.com", SENDER: "alerts@example.com", WEBHOOK_URL: "http://127.0.0.1:9/hook", SITE: "PAD-3", SMTP_HOST: "mail.example.com" };

function event(event: string, severity: string, topic = "W01.OilRate"): Record<string, unknown> {
  return { topic, payload: { event, severity, topic, timestamp: T0, message: `${topic}: ${event}`, details: {} } };
}

/** Runs messages through the function the way the node does: the state goes back into the context. */
function runner(vars: Record<string, string | undefined>) {
  let saved: unknown = undefined;
  return (msg: Record<string, unknown>, now = T0): FunctionResult => {
    const result = runAlertFunction(msg, envOf(vars), saved, now);
    saved = JSON.parse(JSON.stringify(result.state));
    return result;
  };
}

describe("lib/alerting runAlertFunction (the subflow's function node)", () => {
  it("gives a notification, an e-mail, a webhook request for critical, the event passed on, and the status", () => {
    const run = runner(FULL);
    const input = event("anomaly", "critical");
    const [sent, emails, hooks, passOn, status] = run(input).outputs;
    assert.equal(sent?.length, 1);
    assert.deepEqual((sent as OutputMessage[])[0].channels, { email: true, webhook: true });
    assert.equal((sent as OutputMessage[])[0].topic, "[CRITICAL] PAD-3 W01.OilRate: anomaly raised");
    assert.deepEqual(Object.keys((emails as OutputMessage[])[0]).sort(), ["from", "payload", "to", "topic"]);
    assert.equal((emails as OutputMessage[])[0].to, "ops@example.com, night@example.com");
    assert.equal((emails as OutputMessage[])[0].from, "alerts@example.com");
    assert.match(String((emails as OutputMessage[])[0].payload), /^W01\.OilRate: anomaly\n\nSeverity: critical\n/);
    const hook = (hooks as OutputMessage[])[0];
    assert.equal(hook.url, "http://127.0.0.1:9/hook");
    assert.equal(hook.method, "POST");
    assert.deepEqual(hook.headers, { "content-type": "application/json" });
    assert.equal((hook.payload as Record<string, unknown>).severity, "critical");
    assert.equal((hook.payload as Record<string, unknown>).eventTime, "2026-11-23T19:50:07.000Z");
    assert.equal(passOn, input, "the event goes on unchanged");
    assert.deepEqual(status, { payload: { fill: "red", shape: "ring", text: "1 open, 1 sent" } });
  });

  it("sends nothing for a repeat, and the status only when it changes", () => {
    const run = runner(FULL);
    run(event("stale", "warning"));
    const [sent, emails, hooks, passOn, status] = run(event("stale", "warning")).outputs;
    assert.deepEqual([sent, emails, hooks, status], [null, null, null, null]);
    assert.ok(passOn !== null, "repeats still reach the dashboard");
  });

  it("skips e-mail without SMTP_HOST or recipients, and the webhook without a URL or for a warning", () => {
    const noMail = runner({ ...FULL, SMTP_HOST: "" })(event("anomaly", "critical")).outputs;
    assert.equal(noMail[0]?.length, 1);
    assert.equal(noMail[1], null);
    assert.deepEqual((noMail[0] as OutputMessage[])[0].channels, { email: false, webhook: true });
    assert.equal(runner({ ...FULL, RECIPIENTS: undefined })(event("anomaly", "critical")).outputs[1], null);
    assert.equal(runner({ ...FULL, WEBHOOK_URL: " " })(event("anomaly", "critical")).outputs[2], null);
    assert.equal(runner(FULL)(event("anomaly", "warning")).outputs[2], null);
    const noSender = runner({ ...FULL, SENDER: "" })(event("anomaly", "warning")).outputs[1] as OutputMessage[];
    assert.equal("from" in noSender[0], false, "the e-mail node then uses the SMTP user");
  });

  it("escalates on the tick and forgets on reset, passing neither on", () => {
    const run = runner({ ...FULL, ESCALATE_AFTER_MIN: "1" });
    run(event("turbulent", "warning", "T1.Level"));
    const early = run({ tick: true }, T0 + 59_000).outputs;
    assert.deepEqual(early.slice(0, 4), [null, null, null, null]);
    const late = run({ tick: true }, T0 + 60_000).outputs;
    assert.equal(((late[0] as OutputMessage[])[0].payload as Record<string, unknown>).kind, "unresolved");
    assert.equal(late[2]?.length, 1, "the unresolved warning goes to the webhook");
    assert.equal(late[3], null);
    const reset = run({ reset: true, topic: "T1.Level" }, T0 + 61_000).outputs;
    assert.deepEqual(reset.slice(0, 4), [null, null, null, null]);
    assert.deepEqual(reset[4], { payload: { fill: "green", shape: "dot", text: "0 open, 2 sent" } });
    assert.equal(run(event("stable", "info", "T1.Level")).outputs[0], null);
  });

  it("throws an InputError naming the field for a message that is not an event, and for a bad property", () => {
    assert.throws(() => runner(FULL)({ payload: "hello" }), (err: unknown) => err instanceof InputError && err.field === "msg.payload");
    assert.throws(() => runner({ ...FULL, RATE_LIMIT_PER_MIN: "many" })(event("stale", "warning")), (err: unknown) => err instanceof InputError && err.field === "RATE_LIMIT_PER_MIN");
  });
});
