import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { fluxWithParams, rangeFromMessage, rowsFromInfluxQL, validateLanguage } from "../../../lib/influx/query";

const T = Date.UTC(2026, 10, 22, 5);

describe("lib/influx query helpers", () => {
  it("takes the range from msg.range or a backfill payload {start, end}, in ms or ISO", () => {
    assert.deepEqual(rangeFromMessage({ range: { start: T, stop: T + 1000 } }), { start: T, stop: T + 1000 });
    assert.deepEqual(rangeFromMessage({ payload: { topic: "x", start: new Date(T).toISOString(), end: T + 5 } }), { start: T, stop: T + 5 });
    assert.equal(rangeFromMessage({ payload: 3 }), null);
    assert.throws(() => rangeFromMessage({ range: { start: T, stop: T } }), (e: unknown) => e instanceof InputError && e.field === "msg.range");
    assert.throws(() => rangeFromMessage({ range: { start: "x", stop: T } }), (e: unknown) => e instanceof InputError && e.field === "msg.range.start");
  });

  it("binds Flux parameters as escaped literals: a quote in the tag stays inside the string", () => {
    const text = fluxWithParams('from(bucket: "b") |> range(start: $start, stop: $stop) |> filter(fn: (r) => r.tag == $topic)', { range: { start: T, stop: T + 60_000 }, topic: 'A" or true or "' });
    assert.equal(text, `from(bucket: "b") |> range(start: time(v: "2026-11-22T05:00:00.000Z"), stop: time(v: "2026-11-22T05:01:00.000Z")) |> filter(fn: (r) => r.tag == "A\\" or true or \\"")`);
    assert.throws(() => fluxWithParams("range(start: $start)", { range: null, topic: null }), /the query uses \$start/);
  });

  it("turns InfluxQL series into rows with the measurement and group-by tags; statement errors throw", () => {
    const rows = rowsFromInfluxQL({ results: [{ series: [{ name: "m", tags: { tag: "a" }, columns: ["time", "mean"], values: [[1, 2.5], [2, null]] }] }] });
    assert.deepEqual(rows, [{ measurement: "m", tag: "a", time: 1, mean: 2.5 }, { measurement: "m", tag: "a", time: 2, mean: null }]);
    assert.throws(() => rowsFromInfluxQL({ results: [{ error: "database not found: x" }] }), /database not found/);
  });

  it("checks the language against the API", () => {
    assert.equal(validateLanguage("", "v1"), "influxql");
    assert.equal(validateLanguage("", "v2"), "flux");
    assert.equal(validateLanguage("sql", "v2"), "sql");
    assert.throws(() => validateLanguage("flux", "v1"), /v1 server answers InfluxQL only/);
    assert.throws(() => validateLanguage("influxql", "v2"), /flux.*sql/);
  });
});
