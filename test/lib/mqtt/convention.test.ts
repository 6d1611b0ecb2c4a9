import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { fromMqttMessage, formatTopic, parseTopic, toMqttMessage } from "../../../lib/mqtt/convention";

const T = Date.UTC(2026, 10, 23, 10, 0, 0);
const throwsField = (fn: () => unknown, field: string, pattern?: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof InputError && err.field === field && (pattern === undefined || pattern.test(err.message)));

describe("lib/mqtt convention plant/<site>/<asset>/<tag> with {value, timestamp, quality}", () => {
  it("formats and parses topics, rejecting wildcards, separators and empty levels", () => {
    const address = { site: "CaseNare", asset: "WP1", tag: "OilRate" };
    assert.equal(formatTopic(address), "plant/CaseNare/WP1/OilRate");
    assert.deepEqual(parseTopic("plant/CaseNare/WP1/OilRate"), address);
    assert.equal(formatTopic(address, "demo"), "demo/CaseNare/WP1/OilRate");
    throwsField(() => formatTopic({ ...address, tag: "Oil/Rate" }), "tag");
    throwsField(() => formatTopic({ ...address, asset: "+" }), "asset");
    throwsField(() => formatTopic({ ...address, site: " " }), "site");
    throwsField(() => parseTopic("plant/CaseNare/WP1"), "msg.topic", /plant\/<site>\/<asset>\/<tag>/);
    throwsField(() => parseTopic("factory/CaseNare/WP1/OilRate"), "msg.topic");
    throwsField(() => parseTopic("plant/CaseNare//OilRate"), "msg.topic asset");
    throwsField(() => parseTopic(42), "msg.topic");
  });

  it("turns contract messages into MQTT messages: levels from msg.topic or the defaults, time and quality kept", () => {
    assert.deepEqual(toMqttMessage({ topic: "OilRate", payload: 812.5, timestamp: T, quality: { value: 0, name: "Good" } }, { site: "S", asset: "WP1" }), {
      topic: "plant/S/WP1/OilRate",
      payload: { value: 812.5, timestamp: T, quality: { value: 0, name: "Good" } },
    });
    assert.deepEqual(toMqttMessage({ topic: "WP2/Choke", payload: { value: 32, timestamp: new Date(T).toISOString(), quality: 0 } }, { site: "S" }), {
      topic: "plant/S/WP2/Choke",
      payload: { value: 32, timestamp: T, quality: 0 },
    });
    assert.deepEqual(toMqttMessage({ topic: "X/Y/Z", payload: "open" }, {}, T), { topic: "plant/X/Y/Z", payload: { value: "open", timestamp: T, quality: 192 } });
    throwsField(() => toMqttMessage({ topic: "OilRate", payload: 1 }, { site: "S" }), "asset");
    throwsField(() => toMqttMessage({ topic: "a/b/c/d", payload: 1 }), "msg.topic");
    throwsField(() => toMqttMessage({ topic: "T", payload: NaN }, { site: "S", asset: "A" }), "msg.payload");
    throwsField(() => toMqttMessage({ topic: "T", payload: { value: [1] } }, { site: "S", asset: "A" }), "msg.payload.value");
    throwsField(() => toMqttMessage({ topic: "T", payload: 1, timestamp: "yesterday-ish" }, { site: "S", asset: "A" }), "msg.timestamp");
    throwsField(() => toMqttMessage({ topic: "T", payload: 1, quality: "excellent" }, { site: "S", asset: "A" }), "msg.quality", /192 = good/);
  });

  it("reads received messages (object, JSON string or Buffer) back into the contract", () => {
    const body = { value: 3.42, timestamp: T, quality: { value: 0x808b0000, name: "BadSensorFailure" } };
    const expected = { site: "S", asset: "WP1", tag: "GasRate", topic: "S/WP1/GasRate", payload: 3.42, timestamp: T, quality: body.quality };
    assert.deepEqual(fromMqttMessage("plant/S/WP1/GasRate", body), expected);
    assert.deepEqual(fromMqttMessage("plant/S/WP1/GasRate", JSON.stringify(body)), expected);
    assert.deepEqual(fromMqttMessage("plant/S/WP1/GasRate", Buffer.from(JSON.stringify(body))), expected);
    assert.equal(fromMqttMessage("plant/S/WP1/GasRate", { value: null, timestamp: T }).quality, 192);
    throwsField(() => fromMqttMessage("plant/S/WP1/GasRate", "3.42x"), "msg.payload", /JSON/);
    throwsField(() => fromMqttMessage("plant/S/WP1/GasRate", 3.42), "msg.payload");
    throwsField(() => fromMqttMessage("plant/S/WP1/GasRate", { value: 1 }), "msg.payload.timestamp");
    throwsField(() => fromMqttMessage("plant/S/WP1/GasRate", { value: 1, timestamp: T, quality: [] }), "msg.payload.quality");
  });

  it("round-trips: contract → MQTT → contract keeps value, time and quality", () => {
    const message = { topic: "TubingPressure", payload: 645.2, timestamp: T, quality: 192 };
    const mqtt = toMqttMessage(message, { site: "S", asset: "WP1" });
    const back = fromMqttMessage(mqtt.topic, JSON.stringify(mqtt.payload));
    assert.deepEqual([back.payload, back.timestamp, back.quality, back.tag], [645.2, T, 192, "TubingPressure"]);
  });
});
