import assert from "node:assert/strict";
import { learnInterval, parseIntervalSeconds, robustMedianInterval } from "../../../lib/gaps/interval";

describe("lib/gaps expected interval", () => {
  it("reads the intervalSeconds setting: seconds to ms, or auto", () => {
    assert.equal(parseIntervalSeconds(600), 600_000);
    assert.equal(parseIntervalSeconds("0.5"), 500);
    assert.equal(parseIntervalSeconds("auto"), "auto");
    assert.equal(parseIntervalSeconds(" Auto "), "auto");
    assert.throws(() => parseIntervalSeconds(0), /^InputError: intervalSeconds: expected "auto" or a number of seconds > 0, got 0$/);
    assert.throws(() => parseIntervalSeconds("ten", "msg.intervalSeconds"), /msg\.intervalSeconds: expected "auto" or a number of seconds > 0, got string "ten"/);
    assert.throws(() => parseIntervalSeconds(""), /got string ""/);
  });

  it("the median ignores gaps, bursts and non-positive intervals", () => {
    assert.equal(robustMedianInterval([10, 10, 500, 10, 11, 0, -3, 9]), 10);
    assert.equal(robustMedianInterval([10, 20]), 15);
    assert.ok(Number.isNaN(robustMedianInterval([0, 0])));
  });

  it("learns from the first N positive intervals of sorted timestamps", () => {
    const times = [0, 10, 10, 20, 30, 100, 110, 120, 1000, 1005, 1010, 1015];
    assert.equal(learnInterval(times, 5), 10); // 10, 10, 10, 70, 10
    assert.equal(learnInterval(times, 100), 10); // uses all 10 available
    assert.ok(Number.isNaN(learnInterval([5, 5], 10)));
  });
});
