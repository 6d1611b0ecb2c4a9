import assert from "node:assert/strict";
import { isGoodQuality } from "../../../lib/common/sample";
import { ChangeFilter } from "../../../lib/opcua/change-filter";
import type { MonitoredTag } from "../../../lib/opcua/items";
import { contractMessage, plainValue, type DataValueLike } from "../../../lib/opcua/message";

const T = Date.UTC(2026, 10, 23, 10, 0, 0, 125);
const dataValue = (value: unknown, status = { value: 0, name: "Good" }, source: Date | null = new Date(T), server: Date | null = null): DataValueLike => ({
  value: { value },
  statusCode: status,
  sourceTimestamp: source,
  serverTimestamp: server,
});

describe("lib/opcua contract messages and change filter", () => {
  it("builds {topic, payload, timestamp, quality} with the source time, else the server time, else arrival", () => {
    assert.deepEqual(contractMessage("WP1.OilRate", "ns=1;s=Well01.OilRate", dataValue(812.5), 1), {
      topic: "WP1.OilRate",
      payload: 812.5,
      timestamp: T,
      quality: { value: 0, name: "Good" },
      nodeId: "ns=1;s=Well01.OilRate",
    });
    assert.equal(contractMessage("t", "i=1", dataValue(1, undefined, null, new Date(T + 5)), 1).timestamp, T + 5);
    // node-opcua's "no timestamp" is 1601-01-01, a negative epoch.
    assert.equal(contractMessage("t", "i=1", dataValue(1, undefined, new Date(Date.UTC(1601, 0, 1)), null), 777).timestamp, 777);
  });

  it("keeps the status code so isGoodQuality reads good, uncertain and bad correctly", () => {
    const bad = contractMessage("t", "i=1", { value: null, statusCode: { value: 0x808b0000, name: "BadSensorFailure" }, sourceTimestamp: null, serverTimestamp: null }, T);
    assert.equal(bad.payload, null);
    assert.deepEqual(bad.quality, { value: 0x808b0000, name: "BadSensorFailure" });
    assert.equal(isGoodQuality(bad.quality), false);
    assert.equal(isGoodQuality(contractMessage("t", "i=1", dataValue(1, { value: 0x408f0000, name: "UncertainLastUsableValue" }), T).quality), false);
    assert.equal(isGoodQuality(contractMessage("t", "i=1", dataValue(1, { value: 0x00a20000, name: "GoodClamped" }), T).quality), true);
    assert.equal(isGoodQuality(contractMessage("t", "i=1", dataValue(1), T).quality), true);
  });

  it("turns Variant values into JSON-friendly data", () => {
    assert.deepEqual(plainValue(new Float32Array([1.5, 2.5])), [1.5, 2.5]);
    assert.equal(plainValue(new Date(T)), T);
    assert.equal(plainValue(10n), 10);
    assert.equal(plainValue(2n ** 64n), "18446744073709551616");
    assert.equal(plainValue(undefined), null);
    assert.equal(plainValue(true), true);
    assert.equal(plainValue("open"), "open");
    assert.deepEqual(plainValue({ toJSON: () => ({ x: 1 }) }), { x: 1 });
    assert.ok(Buffer.isBuffer(plainValue(Buffer.from([1, 2]))));
  });

  it("passes changes beyond the absolute deadband and every status change, drops resent values", () => {
    const tags: MonitoredTag[] = [
      { nodeId: "i=1", tag: "choke", deadbandType: "absolute", deadband: 2 },
      { nodeId: "i=2", tag: "valve", deadbandType: "none", deadband: 0 },
      { nodeId: "i=3", tag: "level", deadbandType: "percent", deadband: 5 },
    ];
    const filter = new ChangeFilter(tags);
    const passed = (index: number, values: Array<[unknown, number, number]>) => values.filter(([v, s, t]) => filter.pass(index, v, s, t)).map(([v]) => v);
    assert.deepEqual(
      passed(0, [
        [40, 0, 1],
        [41, 0, 2],
        [42, 0, 3],
        [42.5, 0, 4],
        [41, 0, 5],
        [40.4, 0, 6],
        [40.4, 0x80000000, 7],
        [40.5, 0, 8],
      ]),
      [40, 42.5, 40.4, 40.4, 40.5],
    );
    assert.deepEqual(
      passed(1, [
        ["open", 0, 1],
        ["open", 0, 1],
        ["open", 0, 2],
        [[1, 2], 0, 3],
        [[1, 2], 0, 3],
      ]),
      ["open", "open", [1, 2]],
      "without a deadband only an exact resend (same value, status and time) is dropped",
    );
    assert.deepEqual(
      passed(2, [
        [10, 0, 1],
        [10.1, 0, 2],
      ]),
      [10, 10.1],
      "a percent deadband is the server's job",
    );
  });
});
