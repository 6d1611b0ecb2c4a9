import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { encodePoint, type Precision } from "../../../lib/influx/line-protocol";
import { PointBuilder, resolvePointOptions, type PointBuilderInput } from "../../../lib/influx/point-builder";
import { seededRandom } from "../../support/reference";

const T = Date.UTC(2026, 10, 23, 10);
const ARRIVAL = T + 60_000;

function builder(options: Parameters<typeof resolvePointOptions>[0] = {}): PointBuilder {
  return new PointBuilder(resolvePointOptions({ measurement: "well", tags: { site: "north" }, ...options }));
}

describe("lib/influx PointBuilder", () => {
  it("a number payload: measurement, msg.topic as a tag, config tags, the value field, the message's time", () => {
    assert.deepEqual(builder().lines({ topic: "PT-101", payload: 12.5, timestamp: T }, ARRIVAL, "ms"), [`well,site=north,tag=PT-101 value=12.5 ${T}`]);
  });

  it("stamps a message without a time with its arrival, never with the time of the write", () => {
    assert.deepEqual(builder().lines({ topic: "a", payload: 1 }, ARRIVAL, "s"), [`well,site=north,tag=a value=1 ${ARRIVAL / 1000}`]);
  });

  it("the shared contract {value, timestamp, quality}: payload time and quality win over the message's", () => {
    const lines = builder().lines({ topic: "a", payload: { value: 3, timestamp: new Date(T).toISOString(), quality: 192 }, timestamp: T - 5000, quality: 0 }, ARRIVAL, "ms");
    assert.deepEqual(lines, [`well,site=north,tag=a value=3,quality=192i ${T}`]);
  });

  it("stores every quality as the classic byte, so OPC UA Good (0) and a Modbus bad byte (0) never meet in one field", () => {
    const line = (quality: unknown): string => builder().lines({ topic: "a", payload: 3, quality }, T, "ms")[0];
    assert.equal(line({ value: 0, name: "Good" }), `well,site=north,tag=a value=3,quality=192i ${T}`);
    assert.equal(line(0), `well,site=north,tag=a value=3,quality=0i ${T}`);
    assert.equal(line(216), `well,site=north,tag=a value=3,quality=216i ${T}`);
    assert.equal(line("GoodLocalOverride"), `well,site=north,tag=a value=3,quality=192i ${T}`);
    assert.equal(line(true), `well,site=north,tag=a value=3,quality=192i ${T}`);
    // A StatusCode that is not Good keeps its full code beside the byte.
    assert.equal(line({ value: 0x80310000, name: "BadNoCommunication" }), `well,site=north,tag=a value=3,quality=0i,quality_code=2150694912i ${T}`);
    assert.equal(line(0x40920000), `well,site=north,tag=a value=3,quality=64i,quality_code=1083310080i ${T}`);
    assert.equal(line("Uncertain_LastUsableValue"), `well,site=north,tag=a value=3,quality=64i ${T}`);
    assert.throws(() => line("so-so"), (err: Error) => err instanceof InputError && err.field === "msg.quality" && /quality byte 0-255/.test(err.message));
    assert.throws(() => line(1.5), (err: Error) => err instanceof InputError && err.field === "msg.quality");
  });

  it("an object of several fields, and explicit points {measurement, tags, fields, timestamp} in an array", () => {
    assert.deepEqual(builder().lines({ payload: { pressure: 3.5, running: true, mode: "auto" }, timestamp: T }, ARRIVAL, "ms"), [`well,site=north pressure=3.5,running=true,mode="auto" ${T}`]);
    const lines = builder().lines(
      {
        topic: "t",
        payload: [
          { measurement: "tank", tags: { site: "south", level: "hi" }, fields: { temp: 40, value: 2 }, timestamp: T },
          5,
          { value: 6, timestamp: T + 1 },
        ],
        timestamp: T - 1,
      },
      ARRIVAL,
      "ms",
    );
    assert.deepEqual(lines, [`tank,level=hi,site=south,tag=t temp=40,value=2 ${T}`, `well,site=north,tag=t value=5 ${T - 1}`, `well,site=north,tag=t value=6 ${T + 1}`]);
  });

  it("opt-in analytic results as fields: sigma.std, spc.violations as a count, anomaly.score, every scalar of gap.*", () => {
    const b = builder({ analytics: "sigma.std, spc.violations anomaly.score gap.*", integerFields: "gap_missing" });
    const msg = {
      topic: "a",
      payload: 1,
      timestamp: T,
      sigma: { std: 0.25, mean: 9 },
      spc: { violations: ["nelson1", "nelson5"] },
      anomaly: { score: null },
      gap: { inGap: false, intervalMs: 1000, missing: 3, gaps: [{}], outcome: "on-time" },
    };
    assert.deepEqual(b.lines(msg, ARRIVAL, "ms"), [`well,site=north,tag=a value=1,sigma_std=0.25,spc_violations=2i,gap_inGap=false,gap_intervalMs=1000,gap_missing=3i,gap_gaps=1i,gap_outcome="on-time" ${T}`]);
    assert.deepEqual(b.lines({ topic: "a", payload: 1, timestamp: T }, ARRIVAL, "ms"), [`well,site=north,tag=a value=1 ${T}`], "absent results write nothing");
  });

  it("integer fields are written with i, every other number as a float, so the type never flips", () => {
    const b = builder({ integerFields: ["count"] });
    assert.deepEqual(b.lines({ payload: { count: 3, value: 3 }, timestamp: T }, ARRIVAL, "ms"), [`well,site=north count=3i,value=3 ${T}`]);
    assert.throws(() => b.lines({ payload: { count: 3.5 }, timestamp: T }, ARRIVAL, "ms"), (e: unknown) => e instanceof InputError && e.field === "msg.payload.count");
  });

  it("msg.measurement and msg.tags override the configuration", () => {
    assert.deepEqual(builder().lines({ measurement: "other", tags: { site: "east", unit: "bar" }, payload: 1, timestamp: T }, ARRIVAL, "ms"), [`other,site=east,unit=bar value=1 ${T}`]);
  });

  it("bad input is an InputError naming the field", () => {
    const b = builder();
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof InputError, String(e));
        return e.field;
      }
      assert.fail("no error");
    };
    assert.equal(field(() => b.lines({ payload: NaN }, T, "ms")), "msg.payload");
    assert.equal(field(() => b.lines({ payload: null }, T, "ms")), "msg.payload");
    assert.equal(field(() => b.lines({ payload: { value: {} } }, T, "ms")), "msg.payload.value");
    assert.equal(field(() => b.lines({ payload: [1, "x", undefined] }, T, "ms")), "msg.payload[2]");
    assert.equal(field(() => b.lines({ payload: 1, timestamp: "yesterday" }, T, "ms")), "msg.timestamp");
    assert.equal(field(() => b.lines({ payload: 1, tags: "x" }, T, "ms")), "msg.tags");
    assert.equal(field(() => b.lines({ payload: 1, topic: { a: 1 } }, T, "ms")), "msg.topic");
    assert.equal(field(() => resolvePointOptions({ measurement: "" })), "measurement");
    assert.equal(field(() => resolvePointOptions({ analytics: "sigma..std" })), "analytics");
    assert.equal(field(() => resolvePointOptions({ tags: "{site" })), "tags");
  });

  it("the quick line path writes exactly what build + encodePoint write, on seeded random messages of every shape", () => {
    const random = seededRandom(20261123);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const names = ["value", "quality", "v", "temp", "a b", "x=y", "c,d", "ü", "2", "timestamp", "site", "tag", "_x", ""];
    // Mostly good values, with every odd kind now and then: a message with one bad value is an error as a whole.
    const scalar = (): unknown => (random() < 0.85 ? pick([random() * 100 - 50, Math.round(random() * 1000), random() < 0.5, "auto"]) : odd());
    const odd = (): unknown => pick([() => random() * 100 - 50, () => Math.round(random() * 1000), () => random() < 0.5, () => pick(["auto", 'say "hi"', "a\\b", "line\nbreak", ""]), () => null, () => undefined, () => NaN, () => 12n, () => ({}), () => "x"])();
    const time = (): unknown => (random() < 0.7 ? T + Math.round(random() * 1000) : oddTime());
    const oddTime = (): unknown => pick([() => T + Math.round(random() * 1000), () => T + random(), () => new Date(T).toISOString(), () => "2026-11-23T10:00:00.123456789Z", () => -1500, () => "never", () => null, () => undefined])();
    const object = (count: number, keys = names): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) out[random() < 0.8 ? pick(["value", "temp", "v"]) : pick(keys)] = scalar();
      return out;
    };
    const tagSet = (): unknown => pick([() => ({ site: "south", level: "hi" }), () => ({ tag: `t-${Math.floor(random() * 9)}`, site: "north" }), () => ({ zone: "b", alpha: "a", m: "x y" }), () => ({ tag: "t,1", site: "" }), () => ({ n: 3 }), () => ({ _bad: "x" }), () => null, () => "{}", () => ({})])();
    const item = (): unknown => {
      switch (Math.floor(random() * 5)) {
        case 0:
          return scalar();
        case 1:
          return { value: scalar(), timestamp: time(), quality: pick([192, 0, 0x80000000, "Good", { value: 0 }, undefined, 1.5]) };
        case 2:
          return object(1 + Math.floor(random() * 4));
        default: {
          const point: Record<string, unknown> = { fields: random() < 0.9 ? object(1 + Math.floor(random() * 3)) : pick([null, [], 5]) };
          if (random() < 0.7) point.tags = tagSet();
          if (random() < 0.5) point.measurement = pick(["tank", "well", " sp", "_m", "a,b", 7]);
          if (random() < 0.8) point.timestamp = time();
          if (random() < 0.2) point.time = time();
          if (random() < 0.3) point.quality = pick([192, 0, "Bad", 2.5]);
          return point;
        }
      }
    };
    const outcome = (fn: () => string[]): string[] | string => {
      try {
        return fn();
      } catch (e) {
        assert.ok(e instanceof InputError, String(e));
        return `${e.field}: ${e.message}`;
      }
    };
    const configs: PointBuilderInput[] = [
      {},
      { qualityField: "", topicTag: "" },
      { valueField: "v", qualityField: "q", integerFields: "temp, v" },
      { valueField: "temp", qualityField: "value" },
      { valueField: "quality", qualityField: "quality", tags: { zone: "a", alpha: "z" } },
      { valueField: "2", qualityField: "3" },
      { analytics: "sigma.std" },
    ];
    let quick = 0;
    for (const options of configs) {
      const b = builder(options);
      for (let n = 0; n < 400; n++) {
        const msg: Record<string, unknown> = { payload: random() < 0.7 ? Array.from({ length: 1 + Math.floor(random() * 5) }, item) : item() };
        if (random() < 0.6) msg.topic = pick(["PT-101", "a b", 5, ""]);
        if (random() < 0.5) msg.timestamp = time();
        if (random() < 0.3) msg.quality = pick([192, 0, "Good"]);
        if (random() < 0.2) msg.tags = tagSet();
        if (random() < 0.2) msg.sigma = { std: random() };
        const precision = pick<Precision>(["ms", "s", "us", "ns"]);
        const expected = outcome(() => b.build(msg, ARRIVAL).map((point) => encodePoint(point, precision)));
        assert.deepEqual(outcome(() => b.lines(msg, ARRIVAL, precision)), expected, JSON.stringify(msg, (_, v) => (typeof v === "bigint" ? `${v}n` : v)));
        if (typeof expected !== "string") quick += expected.length;
      }
    }
    assert.ok(quick > 2000, `enough lines were written to compare (${quick})`);
  });
});
