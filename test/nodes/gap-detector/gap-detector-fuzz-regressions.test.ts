/** Regressions found by the fuzz suite (test/fuzz): msg.staleSeconds of the wrong type, clocks far off. */
import assert from "node:assert/strict";
import gapDetectorNode from "../../../nodes/gap-detector/gap-detector";
import { errorMessages, probe, testFlow } from "../../support/node-harness";
import { helper, unloadAll, waitFor } from "../../support/runtime";

const T0 = Date.UTC(2026, 10, 23, 12);
const flow = () => testFlow("gap-detector", 3, { intervalSeconds: 60, learnCount: 10, tolerance: 1.5, minorMaxHours: 2, moderateMaxHours: 12, staleSeconds: 0, timeZone: "America/Bogota", store: "" });

describe("nodes/gap-detector fuzz regressions", () => {
  afterEach(async () => unloadAll());

  it("msg.staleSeconds true, [] or a Symbol is an error naming msg.staleSeconds (not 1 s, 0 s or a TypeError)", async () => {
    await helper.load(gapDetectorNode, flow());
    const h = probe(3);
    for (const staleSeconds of [true, [], [5], Symbol("s")]) h.input.receive({ topic: "A", payload: 1, timestamp: T0, staleSeconds });
    await waitFor(() => h.caught.length === 4, 5000, "four errors");
    assert.ok(errorMessages(h).every((m) => m.includes("msg.staleSeconds: expected seconds >= 0")), errorMessages(h).join("\n"));
    assert.equal(h.outputs[0].length, 0);
  });

  it("a late reading from yesterday leaves today's completeness as it was", async () => {
    await helper.load(gapDetectorNode, flow());
    const h = probe(3);
    const times = Array.from({ length: 20 }, (_, i) => T0 + i * 60_000);
    for (const timestamp of times) h.input.receive({ topic: "A", payload: 1, timestamp });
    h.input.receive({ topic: "A", payload: 1, timestamp: T0 - 86_400_000 });
    h.input.receive({ topic: "A", payload: 1, timestamp: T0 + 20 * 60_000 });
    await waitFor(() => h.outputs[0].length === 22, 5000, "answers");
    const completeness = h.outputs[0].map((m) => (m.gap as { completenessToday: number | null }).completenessToday);
    assert.ok((completeness[21] as number) > (completeness[19] as number), `today's completeness went from ${completeness[19]} to ${completeness[21]}`);
  });

  it("a reading from year 0 or the end of the Date range goes through the gap logic without a calendar-day error", async () => {
    await helper.load(gapDetectorNode, flow());
    const h = probe(3);
    h.input.receive({ topic: "A", payload: 1, timestamp: "0000-01-01T00:00:00Z" });
    h.input.receive({ topic: "B", payload: 1, timestamp: 8.64e15 });
    await waitFor(() => h.outputs[0].length + h.caught.length === 2, 5000, "answers");
    assert.deepEqual(errorMessages(h), []);
    assert.deepEqual(h.outputs[0].map((m) => (m.gap as { completenessToday: unknown }).completenessToday), [null, null]);
  });
});
