import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { IntegerValue, encodePoint, formatTime, parsePointTime, timeFromMs, validatePrecision, type Point } from "../../../lib/influx/line-protocol";
import { V1WriteTransport } from "../../../lib/influx/transport";
import { InfluxDB1Server } from "../../support/influx-servers";

const T = Date.UTC(2026, 10, 23, 10, 0, 0, 123);

function point(overrides: Partial<Point> = {}): Point {
  return { measurement: "m", tags: {}, fields: { value: 1.5 }, time: timeFromMs(T), ...overrides };
}

describe("lib/influx line protocol", () => {
  it("escapes measurement commas and spaces, tag and field key/value commas, equals and spaces", () => {
    const line = encodePoint(point({ measurement: "well pressure,psi", tags: { "site name": "north,1", "a=b": "c=d" }, fields: { "flow rate": 2, "x,y=z": 3 } }), "ms");
    assert.equal(line, `well\\ pressure\\,psi,a\\=b=c\\=d,site\\ name=north\\,1 flow\\ rate=2,x\\,y\\=z=3 ${T}`);
  });

  it("quotes string fields with escaped double quotes and backslashes", () => {
    assert.equal(encodePoint(point({ fields: { note: 'say "hi" C:\\dir' } }), "ms"), `m note="say \\"hi\\" C:\\\\dir" ${T}`);
  });

  it("floats without suffix, integers with i (IntegerValue and bigint), booleans as true/false", () => {
    const line = encodePoint(point({ fields: { f: 3, g: 0.1, big: 1e21, i: new IntegerValue(-7), b: 9007199254740993n, ok: true, bad: false } }), "ms");
    assert.equal(line, `m f=3,g=0.1,big=1e+21,i=-7i,b=9007199254740993i,ok=true,bad=false ${T}`);
  });

  it("sorts tags by key and leaves out empty tag values", () => {
    assert.equal(encodePoint(point({ tags: { z: "1", a: "2", m: "" } }), "ms"), `m,a=2,z=1 value=1.5 ${T}`);
  });

  it("rejects NaN, Infinity, non-integer integer fields and a point without fields, naming the field", () => {
    assert.throws(() => encodePoint(point({ fields: { v: NaN } }), "ms"), (e: unknown) => e instanceof InputError && e.field === "fields.v");
    assert.throws(() => encodePoint(point({ fields: { v: Infinity } }), "ms"), /NaN or Infinity/);
    assert.throws(() => encodePoint(point({ fields: { v: new IntegerValue(1.5) } }), "ms"), /whole number/);
    assert.throws(() => encodePoint(point({ fields: {} }), "ms"), (e: unknown) => e instanceof InputError && e.field === "fields");
    assert.throws(() => encodePoint(point({ measurement: "" }), "ms"), (e: unknown) => e instanceof InputError && e.field === "measurement");
  });

  it("formats the time in each precision, truncating and keeping nanoseconds from ISO strings", () => {
    const t = parsePointTime("2026-11-23T10:00:00.123456789Z", "t");
    assert.deepEqual(t, { ms: T, subMsNanos: 456789 });
    assert.equal(formatTime(t, "ns"), `${T}456789`);
    assert.equal(formatTime(t, "us"), `${T}456`);
    assert.equal(formatTime(t, "ms"), String(T));
    assert.equal(formatTime(t, "s"), String(Math.floor(T / 1000)));
    assert.equal(formatTime(timeFromMs(T), "ns"), `${T}000000`);
    assert.equal(formatTime(timeFromMs(T + 0.5), "us"), `${T}500`);
    assert.equal(formatTime(parsePointTime("2026-11-23T10:00:00.000001Z", "t"), "ns"), `${T - 123}001000`);
    assert.equal(formatTime(parsePointTime("2026-11-23T05:00:00.1234-05:00", "t"), "us"), `${T}400`);
    assert.equal(formatTime(timeFromMs(-1500), "ns"), "-1500000000");
  });

  it("validates the precision", () => {
    assert.equal(validatePrecision(""), "ms");
    assert.equal(validatePrecision("ns"), "ns");
    assert.throws(() => validatePrecision("h"), (e: unknown) => e instanceof InputError && e.field === "precision");
  });

  describe("read back from InfluxDB 1.6", function () {
    this.timeout(60_000);
    let server: InfluxDB1Server;
    before(async () => {
      server = await InfluxDB1Server.create();
      await server.query("CREATE DATABASE lp");
    });
    after(async () => server?.dispose());

    it("names, tags, strings and numbers with every special character come back as written", async () => {
      const tags = { "site name": "north, field=1", plain: "a\\b" };
      const fields = { "flow rate": 2.25, "x,y=z": new IntegerValue(42), note: 'quote " and \\ and , = space', on: true };
      for (const precision of ["ns", "us", "ms", "s"] as const) {
        const time = parsePointTime("2026-11-23T10:00:00.123456789Z", "t");
        const line = encodePoint({ measurement: `weird meas,${precision}`, tags, fields, time }, precision);
        const outcome = await new V1WriteTransport({ url: server.url, apiVersion: "v1", database: "lp", retentionPolicy: "", org: "", bucket: "", timeoutMs: 5000 }, {}, precision).write(line);
        assert.deepEqual(outcome, { kind: "ok" });
        const json = await server.query(`SELECT * FROM "weird meas,${precision}"`, "lp");
        const series = json.results[0].series?.[0];
        assert.ok(series, `series for ${precision}`);
        const row = Object.fromEntries(series.columns.map((c, i) => [c, series.values[0][i]]));
        assert.equal(row["site name"], "north, field=1");
        assert.equal(row.plain, "a\\b");
        assert.equal(row["flow rate"], 2.25);
        assert.equal(row["x,y=z"], 42);
        assert.equal(row.note, 'quote " and \\ and , = space');
        assert.equal(row.on, true);
        const expected = { ns: T, us: T, ms: T, s: T - 123 }[precision];
        assert.equal(row.time, expected);
        // Nanoseconds survive where the precision keeps them.
        // Read as text: a JSON number would round 19 digits to a double.
        const ns = await fetch(`${server.url}/query?db=lp&epoch=ns&q=${encodeURIComponent(`SELECT "flow rate" FROM "weird meas,${precision}"`)}`).then((r) => r.text());
        const nsTime = /"values":\[\[(\d+),/.exec(ns)?.[1];
        assert.equal(nsTime, { ns: `${T}456789`, us: `${T}456000`, ms: `${T}000000`, s: `${T - 123}000000` }[precision]);
      }
    });
  });
});
