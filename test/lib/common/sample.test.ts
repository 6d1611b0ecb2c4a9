import assert from "node:assert/strict";
import { isGoodQuality, opcuaStatusCode, parseTimestamp, qualityByte } from "../../../lib/common/sample";

describe("lib/common sample contract", () => {
  it("reads epoch ms, ISO 8601 strings and Dates", () => {
    assert.equal(parseTimestamp(1700000000000, "t"), 1700000000000);
    assert.equal(parseTimestamp("2026-11-23T06:00:00-05:00", "t"), Date.UTC(2026, 10, 23, 11));
    assert.equal(parseTimestamp(new Date(5), "t"), 5);
    for (const bad of ["yesterday", "", NaN, null, {}]) {
      assert.throws(() => parseTimestamp(bad, "msg.timestamp"), /msg\.timestamp: expected epoch milliseconds or an ISO 8601 date/);
    }
  });

  it("reads the classic quality byte: 192..255 good", () => {
    assert.equal(isGoodQuality(192), true);
    assert.equal(isGoodQuality(216), true);
    assert.equal(isGoodQuality(0), false);
    assert.equal(isGoodQuality(64), false);
    assert.equal(isGoodQuality(191), false);
  });

  it("reads OPC UA status codes as numbers, node-opcua objects and names", () => {
    assert.equal(isGoodQuality(0x80310000), false); // BadNoCommunication
    assert.equal(isGoodQuality(0x40000000), false); // Uncertain
    assert.equal(isGoodQuality(0x00a00000), true); // GoodClamped
    assert.equal(isGoodQuality({ value: 0, name: "Good" }), true);
    assert.equal(isGoodQuality({ value: 0x80000000 }), false);
    assert.equal(isGoodQuality("Good"), true);
    assert.equal(isGoodQuality("Bad_NoCommunication"), false);
    assert.equal(isGoodQuality("UncertainLastUsableValue"), false);
    assert.equal(isGoodQuality(true), true);
  });

  it("turns every quality form into the classic byte: OPC UA Good 192, Uncertain 64, Bad 0", () => {
    assert.equal(qualityByte(216), 216);
    assert.equal(qualityByte(0), 0);
    assert.equal(qualityByte({ value: 0, name: "Good" }), 192);
    assert.equal(qualityByte(0x00a00000), 192); // GoodClamped
    assert.equal(qualityByte(0x40920000), 64); // UncertainSensorNotAccurate
    assert.equal(qualityByte({ value: 0x80310000 }), 0); // BadNoCommunication
    assert.equal(qualityByte("Uncertain_LastUsableValue"), 64);
    assert.equal(qualityByte("Bad_SensorFailure"), 0);
    assert.equal(qualityByte("Good"), 192);
    assert.equal(qualityByte("192"), 192);
    assert.equal(qualityByte(false), 0);
    assert.equal(qualityByte({ name: "UncertainInitialValue" }), 64);
    // Whatever qualityByte says, isGoodQuality agrees.
    for (const q of [192, 63, 0x00a00000, 0x40000000, { value: 0 }, "Good", "Bad", true, false]) assert.equal(qualityByte(q) >= 192, isGoodQuality(q));
    assert.throws(() => qualityByte("so-so", "msg.quality"), /msg\.quality: expected a quality byte/);
    assert.equal(opcuaStatusCode(192), null);
    assert.equal(opcuaStatusCode({ value: 0 }), 0);
    assert.equal(opcuaStatusCode(0x80310000), 0x80310000);
  });

  it("rejects what it cannot read, naming the field", () => {
    assert.throws(() => isGoodQuality("excellent", "msg.quality"), /msg\.quality: expected a quality byte/);
    assert.throws(() => isGoodQuality(-1, "msg.quality"), /msg\.quality/);
  });
});
