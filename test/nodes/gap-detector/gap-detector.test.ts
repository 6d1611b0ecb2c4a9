import assert from "node:assert/strict";
import sinon from "sinon";
import gapDetectorNode from "../../../nodes/gap-detector/gap-detector";
import { errorMessages, feed, probe, testFlow, type Msg } from "../../support/node-harness";
import { helper, loadWithFileContext, restartWithFileContext, unloadAll, waitFor } from "../../support/runtime";

interface GapInfo {
  lastTimestamp: number | null;
  intervalMs: number | null;
  inGap: boolean;
  stale: boolean;
  completenessToday: number | null;
  outcome: string;
  gaps: { start: number; end: number; missing: number; severity: string }[];
}
interface GapEvent {
  event: string;
  severity: string;
  topic: string;
  details: Record<string, unknown>;
}

const T0 = Date.UTC(2026, 10, 23, 12); // 07:00 in Bogota
const MIN = 60_000;

const DEFAULTS = { intervalSeconds: 60, learnCount: 10, tolerance: 1.5, minorMaxHours: 2, moderateMaxHours: 12, staleSeconds: 0, timeZone: "America/Bogota", store: "" };
const flow = (config: Record<string, unknown> = {}) => testFlow("gap-detector", 3, { ...DEFAULTS, ...config });

function harness() {
  const h = probe(3);
  return { ...h, out: h.outputs[0], events: h.outputs[1], backfill: h.outputs[2] };
}
type Harness = ReturnType<typeof harness>;

/** Readings with these data timestamps. */
const feedTimes = (h: Harness, topic: string, times: number[]) => feed(h, topic, times.map((timestamp) => ({ value: 1, timestamp })));

const gapOf = (msg: Msg): GapInfo => msg.gap as GapInfo;
const eventsOf = (h: Harness): GapEvent[] => h.events.map((m) => m.payload as GapEvent);

describe("nodes/gap-detector in a Node-RED runtime", () => {
  afterEach(async () => {
    await unloadAll();
  });

  it("reports a gap when data resumes: event, backfill request and msg.gap", async () => {
    await helper.load(gapDetectorNode, flow());
    const h = harness();
    await feedTimes(h, "FT-201", [T0, T0 + MIN, T0 + 2 * MIN, T0 + 42 * MIN, T0 + 43 * MIN]);
    await waitFor(() => h.events.length === 1 && h.backfill.length === 1);
    const event = eventsOf(h)[0];
    assert.equal(event.event, "gap");
    assert.equal(event.severity, "info");
    assert.equal(event.topic, "FT-201");
    assert.deepEqual([event.details.start, event.details.end, event.details.missing, event.details.severity], [T0 + 2 * MIN, T0 + 42 * MIN, 39, "minor"]);
    assert.deepEqual(h.backfill[0].payload, {
      topic: "FT-201",
      start: T0 + 2 * MIN,
      end: T0 + 42 * MIN,
      startISO: new Date(T0 + 2 * MIN).toISOString(),
      endISO: new Date(T0 + 42 * MIN).toISOString(),
      missing: 39,
    });
    const resumed = gapOf(h.out[3]);
    assert.equal(resumed.outcome, "gap");
    assert.equal(resumed.gaps.length, 1);
    assert.equal(resumed.intervalMs, MIN);
    assert.equal(gapOf(h.out[4]).outcome, "regular");
    assert.equal(gapOf(h.out[4]).lastTimestamp, T0 + 43 * MIN);
  });

  it("grades severity by duration and counts duplicates and late samples without false gaps", async () => {
    await helper.load(gapDetectorNode, flow());
    const h = harness();
    await feedTimes(h, "A", [T0, T0 + MIN, T0 + MIN, T0 + 30_000, T0 + 2 * MIN, T0 + 2 * MIN + 13 * 3600_000]);
    await waitFor(() => h.events.length === 1);
    assert.deepEqual(
      h.out.map((m) => gapOf(m).outcome),
      ["first", "regular", "duplicate", "out-of-order", "regular", "gap"],
    );
    assert.equal(eventsOf(h)[0].severity, "critical");
    assert.equal(eventsOf(h)[0].details.alert, true);
  });

  it("tracks today's completeness in the configured zone", async () => {
    await helper.load(gapDetectorNode, flow({ intervalSeconds: 600 }));
    const h = harness();
    const midnight = Date.UTC(2026, 10, 23, 5); // 00:00 in Bogota
    const times = Array.from({ length: 144 }, (_, i) => midnight + i * 600_000).filter((_, i) => i % 10 !== 3);
    await feedTimes(h, "ANH.oil_rate", times);
    const last = gapOf(h.out[h.out.length - 1]);
    assert.ok(last.completenessToday !== null);
    // The last sample is slot 142 (slot 143 is one of the missing ones): 143 slots so far, 14 of them empty.
    assert.ok(Math.abs(last.completenessToday - (100 * 129) / 143) < 1e-9, `${last.completenessToday}`);
    const fifth = gapOf(h.out[4]); // slots 0-5 so far, slot 3 empty
    assert.ok(Math.abs((fifth.completenessToday as number) - (100 * 5) / 6) < 1e-9, `${fifth.completenessToday}`);
  });

  it("answers a batch of history with all its gaps and one backfill request per gap", async () => {
    await helper.load(gapDetectorNode, flow());
    const h = harness();
    const history = [T0, T0 + MIN, T0 + 5 * MIN, T0 + 6 * MIN, T0 + 20 * MIN].map((t) => new Date(t).toISOString());
    h.input.receive({ topic: "H", payload: history });
    await waitFor(() => h.out.length === 1 && h.backfill.length === 2);
    const batch = h.out[0].gap as { gaps: unknown[]; missing: number; intervalMs: number };
    assert.equal(batch.gaps.length, 2);
    assert.equal(batch.missing, 3 + 13);
    assert.deepEqual(
      h.backfill.map((m) => (m.payload as { start: number }).start),
      [T0 + MIN, T0 + 6 * MIN],
    );
  });

  it("rejects bad input through Catch, naming the field, and keeps working", async () => {
    await helper.load(gapDetectorNode, flow());
    const h = harness();
    h.input.receive({ topic: "X", payload: { value: 1, timestamp: "half past" } });
    h.input.receive({ topic: "X", payload: 1, staleSeconds: -5 });
    h.input.receive({ topic: "X", payload: [1, "later"] });
    await waitFor(() => h.caught.length === 3);
    const messages = errorMessages(h);
    assert.match(messages[0], /msg\.payload\.timestamp: expected epoch milliseconds or an ISO 8601 date/);
    assert.match(messages[1], /msg\.staleSeconds: expected seconds >= 0/);
    assert.match(messages[2], /msg\.payload\[1\]/);
    await feedTimes(h, "X", [T0]);
    assert.equal(gapOf(h.out[0]).outcome, "first");
    await unloadAll();

    await helper.load(gapDetectorNode, flow({ timeZone: "Mars/Olympus" }));
    const bad = harness();
    bad.input.receive({ topic: "Y", payload: 1 });
    await waitFor(() => bad.caught.length === 1);
    assert.match((bad.caught[0].error as { message: string }).message, /timeZone: expected an IANA time zone/);
  });

  it("resumes its detectors after a restart with a persistent context store", async () => {
    const persistent = flow({ store: "file", intervalSeconds: "auto", learnCount: 3 });
    await loadWithFileContext([gapDetectorNode], persistent);
    let h = harness();
    await feedTimes(h, "R", [T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
    assert.equal(gapOf(h.out[3]).intervalMs, MIN, "learned");
    await restartWithFileContext([gapDetectorNode], persistent);
    h = harness();
    await feedTimes(h, "R", [T0 + 10 * MIN]);
    await waitFor(() => h.events.length === 1);
    assert.equal(eventsOf(h)[0].details.missing, 6);
  });

  describe("stale watchdog (fake clock)", () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: T0, toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    });
    afterEach(() => clock.restore());

    // Node-RED delivers messages with setImmediate, which stays real: let it run between fake ticks.
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    it("fires stale once per silence and recovered once, without input, for each tag", async () => {
      await helper.load(gapDetectorNode, flow({ staleSeconds: 30 }));
      const h = harness();
      h.input.receive({ topic: "PT-1", payload: 1 });
      h.input.receive({ topic: "PT-2", payload: 1, staleSeconds: 90 });
      await settle();
      await clock.tickAsync(29_999);
      assert.equal(h.events.length, 0);
      await clock.tickAsync(1);
      await settle();
      assert.deepEqual(
        eventsOf(h).map((e) => [e.event, e.topic, e.severity]),
        [["stale", "PT-1", "warning"]],
      );
      await clock.tickAsync(300_000);
      await settle();
      assert.equal(eventsOf(h).filter((e) => e.topic === "PT-1").length, 1, "stale fires once while silent");
      assert.equal(eventsOf(h).filter((e) => e.topic === "PT-2").length, 1, "PT-2 has its own 90 s timeout");
      h.input.receive({ topic: "PT-1", payload: 2 });
      await settle();
      await settle();
      assert.deepEqual(
        eventsOf(h).slice(-2).map((e) => [e.event, e.topic]),
        [
          ["recovered", "PT-1"],
          ["gap", "PT-1"],
        ],
        "the sample that ends the silence also ends a gap",
      );
      assert.equal(gapOf(h.out[h.out.length - 1]).stale, false);
      h.input.receive({ topic: "PT-1", payload: 3 });
      await settle();
      assert.equal(eventsOf(h).filter((e) => e.event === "recovered").length, 1, "recovered fires once");
    });

    it("leaves no timer behind after close", async () => {
      const before = clock.countTimers();
      await helper.load(gapDetectorNode, flow({ staleSeconds: 30 }));
      const h = harness();
      for (let i = 0; i < 1000; i++) h.input.receive({ topic: `tag-${i}`, payload: i });
      while (h.out.length < 1000) await settle();
      assert.ok(clock.countTimers() - before <= 3, `one watchdog timer, not one per tag (${clock.countTimers() - before})`);
      await helper.unload();
      await clock.tickAsync(1000); // let the status throttle's last timer fire or be cleared
      assert.equal(clock.countTimers(), before, "every timer of the node is gone after close");
    });
  });
});
