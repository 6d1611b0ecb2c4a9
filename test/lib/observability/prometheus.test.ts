import assert from "node:assert/strict";
import { PROMETHEUS_CONTENT_TYPE, escapeLabelValue, formatExposition, formatValue } from "../../../lib/observability/prometheus";

/**
 * One sample line of the text format 0.0.4, as Prometheus' own parser reads it: name, optional
 * {label="value",...} with \\, \" and \n as the only escapes, a space, a float (or NaN, +Inf, -Inf).
 */
const SAMPLE_LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (NaN|[+-]Inf|-?\d+(\.\d+)?(e[+-]?\d+)?)$/;

describe("lib/observability/prometheus", () => {
  it("writes HELP and TYPE before the samples of each family, one line each, ending in a line feed", () => {
    const text = formatExposition([
      { name: "field_reliability_messages_processed_total", help: "Messages handled.", type: "counter", samples: [{ labels: { type: "spc-rules" }, value: 12 }] },
      { name: "field_reliability_open_alarms", help: "Open alarms.", type: "gauge", samples: [{ labels: { severity: "critical" }, value: 0 }] },
    ]);
    assert.equal(
      text,
      [
        "# HELP field_reliability_messages_processed_total Messages handled.",
        "# TYPE field_reliability_messages_processed_total counter",
        'field_reliability_messages_processed_total{type="spc-rules"} 12',
        "# HELP field_reliability_open_alarms Open alarms.",
        "# TYPE field_reliability_open_alarms gauge",
        'field_reliability_open_alarms{severity="critical"} 0',
        "",
      ].join("\n"),
    );
  });

  it("escapes backslash, double quote and line feed in label values, and keeps other characters as they are", () => {
    assert.equal(escapeLabelValue('C:\\tags\\"PT-1"\nnext'), 'C:\\\\tags\\\\\\"PT-1\\"\\nnext');
    const text = formatExposition([{ name: "m", help: "h", type: "gauge", samples: [{ labels: { name: 'Pozo "7A"\\línea\n2', node: "a1" }, value: 1 }] }]);
    const sample = text.split("\n")[2];
    assert.match(sample, SAMPLE_LINE);
    assert.equal(sample, 'm{name="Pozo \\"7A\\"\\\\línea\\n2",node="a1"} 1');
  });

  it("escapes backslash and line feed in HELP text", () => {
    const text = formatExposition([{ name: "m", help: 'a\\b\nc "quoted"', type: "counter", samples: [] }]);
    assert.equal(text.split("\n")[0], '# HELP m a\\\\b\\nc "quoted"');
  });

  it("writes NaN and infinities the way Prometheus parses them", () => {
    assert.deepEqual([NaN, Infinity, -Infinity, 0.25, 1e21, -3].map(formatValue), ["NaN", "+Inf", "-Inf", "0.25", "1e+21", "-3"]);
  });

  it("keeps a family without samples (HELP and TYPE only) so the metric is known before its first event", () => {
    const text = formatExposition([{ name: "field_reliability_events_total", help: "Events.", type: "counter", samples: [] }]);
    assert.deepEqual(text.trimEnd().split("\n"), ["# HELP field_reliability_events_total Events.", "# TYPE field_reliability_events_total counter"]);
  });

  it("refuses invalid metric and label names, reserved label names and a family listed twice", () => {
    assert.throws(() => formatExposition([{ name: "9lives", help: "", type: "gauge", samples: [] }]), /invalid metric name/);
    assert.throws(() => formatExposition([{ name: "field-reliability", help: "", type: "gauge", samples: [] }]), /invalid metric name/);
    assert.throws(() => formatExposition([{ name: "m", help: "", type: "gauge", samples: [{ labels: { "node-id": "x" }, value: 1 }] }]), /invalid label name "node-id"/);
    assert.throws(() => formatExposition([{ name: "m", help: "", type: "gauge", samples: [{ labels: { __name__: "x" }, value: 1 }] }]), /invalid label name/);
    assert.throws(() => formatExposition([{ name: "m", help: "", type: "gauge", samples: [] }, { name: "m", help: "", type: "gauge", samples: [] }]), /listed twice/);
  });

  it("names the 0.0.4 text format in its content type", () => {
    assert.match(PROMETHEUS_CONTENT_TYPE, /^text\/plain; version=0\.0\.4/);
  });
});
