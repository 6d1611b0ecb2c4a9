import assert from "node:assert/strict";
import sinon from "sinon";
import { StaleWatchdog, type StaleEvent } from "../../../lib/gaps/stale-watchdog";

describe("lib/gaps StaleWatchdog (fake clock)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 10, 23, 6), toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => clock.restore());

  it("fires once when a tag goes silent, and reports the recovery on the next sample", () => {
    const events: StaleEvent<string>[] = [];
    const watchdog = new StaleWatchdog<string>((e) => events.push(e));
    const t0 = Date.now();
    watchdog.touch("PT-101", t0, 10_000);
    clock.tick(9_999);
    assert.equal(events.length, 0);
    clock.tick(1);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0], { key: "PT-101", lastSeen: t0, staleMs: 10_000, detectedAt: t0 + 10_000 });
    clock.tick(60_000);
    assert.equal(events.length, 1, "stale is reported once, not again while silent");
    assert.equal(watchdog.isStale("PT-101"), true);
    assert.equal(watchdog.staleCount, 1);
    assert.equal(watchdog.touch("PT-101", Date.now(), 10_000), true, "the first sample after silence is a recovery");
    assert.equal(watchdog.touch("PT-101", Date.now(), 10_000), false);
    assert.equal(watchdog.staleCount, 0);
    clock.tick(10_000);
    assert.equal(events.length, 2, "and it can go stale again");
  });

  it("samples before the deadline keep a tag alive without timers piling up", () => {
    const events: StaleEvent<string>[] = [];
    const watchdog = new StaleWatchdog<string>((e) => events.push(e));
    for (let i = 0; i < 1000; i++) {
      watchdog.touch("FT-1", Date.now(), 5_000);
      clock.tick(1_000);
    }
    assert.equal(events.length, 0);
    assert.equal(clock.countTimers(), 1, "one timer for the whole watchdog");
  });

  it("handles thousands of tags with one timer and different timeouts", () => {
    const events: StaleEvent<number>[] = [];
    const watchdog = new StaleWatchdog<number>((e) => events.push(e));
    for (let tag = 0; tag < 5000; tag++) watchdog.touch(tag, Date.now(), tag % 2 === 0 ? 1_000 : 3_000);
    assert.equal(clock.countTimers(), 1);
    clock.tick(500);
    for (let tag = 0; tag < 5000; tag += 4) watchdog.touch(tag, Date.now(), 1_000); // a quarter keep talking
    clock.tick(500);
    assert.equal(events.length, 1250, "the silent even tags went stale at 1 s");
    assert.ok(events.every((e) => e.key % 4 === 2));
    clock.tick(499);
    assert.equal(events.length, 1250);
    clock.tick(1);
    assert.equal(events.length, 2500, "the talkers 1 s after their last sample (1.5 s)");
    clock.tick(1_500);
    assert.equal(events.length, 5000, "the odd tags at 3 s");
    assert.equal(watchdog.staleCount, 5000);
    watchdog.remove(7);
    assert.equal(watchdog.staleCount, 4999);
    assert.equal(clock.countTimers(), 0, "nothing left to watch until a tag talks again");
  });

  it("remove, clear and close leave no timer behind", () => {
    const watchdog = new StaleWatchdog<string>(() => assert.fail("no event expected"));
    watchdog.touch("a", Date.now(), 1_000);
    watchdog.touch("b", Date.now(), 2_000);
    watchdog.remove("a");
    assert.equal(watchdog.size, 1);
    assert.equal(clock.countTimers(), 1);
    watchdog.close();
    assert.equal(clock.countTimers(), 0);
    watchdog.touch("c", Date.now(), 1_000);
    clock.tick(5_000);
    assert.equal(clock.countTimers(), 0, "a closed watchdog stays closed");
  });

  it("a changed timeout applies from the next sample", () => {
    const events: StaleEvent<string>[] = [];
    const watchdog = new StaleWatchdog<string>((e) => events.push(e));
    watchdog.touch("x", Date.now(), 60_000);
    clock.tick(1_000);
    watchdog.touch("x", Date.now(), 2_000);
    clock.tick(2_000);
    assert.equal(events.length, 1);
    assert.equal(events[0].staleMs, 2_000);
  });
});
