import { seededRandom } from "../../support/reference";
import assert from "node:assert/strict";
import { CompletenessTracker, completeness, dayBounds, dayCompleteness, localDate } from "../../../lib/gaps/completeness";

const SLOT = 600_000; // the ANH report's 10-minute slots

/** One timestamp inside each slot of [start, end), offset into the slot, except the slots listed. */
function everySlot(start: number, end: number, skip: number[] = [], offsetMs = 1000): number[] {
  const out: number[] = [];
  for (let k = 0, t = start; t < end; k++, t += SLOT) if (!skip.includes(k)) out.push(t + offsetMs);
  return out;
}

describe("lib/gaps completeness", () => {
  describe("dayBounds", () => {
    it("America/Bogota (UTC-5, no DST): every day is 24 h from 05:00 UTC", () => {
      for (const date of ["2026-03-29", "2026-06-15", "2026-10-25", "2026-11-22"]) {
        const day = dayBounds(date, "America/Bogota");
        const [y, m, d] = date.split("-").map(Number);
        assert.equal(day.start, Date.UTC(y, m - 1, d, 5));
        assert.equal(day.end, day.start + 24 * 3600_000);
        assert.equal(day.hours, 24);
      }
    });

    it("Europe/Madrid: the spring-forward day is 23 h, the fall-back day 25 h, others 24 h", () => {
      const spring = dayBounds("2026-03-29", "Europe/Madrid");
      assert.equal(new Date(spring.start).toISOString(), "2026-03-28T23:00:00.000Z");
      assert.equal(new Date(spring.end).toISOString(), "2026-03-29T22:00:00.000Z");
      assert.equal(spring.hours, 23);
      const autumn = dayBounds("2026-10-25", "Europe/Madrid");
      assert.equal(new Date(autumn.start).toISOString(), "2026-10-24T22:00:00.000Z");
      assert.equal(new Date(autumn.end).toISOString(), "2026-10-25T23:00:00.000Z");
      assert.equal(autumn.hours, 25);
      assert.equal(dayBounds("2026-06-15", "Europe/Madrid").hours, 24);
      assert.equal(dayBounds("2026-10-26", "Europe/Madrid").start, autumn.end);
    });

    it("localDate gives the local calendar day of an instant", () => {
      assert.equal(localDate(Date.UTC(2026, 10, 23, 4, 59, 59, 999), "America/Bogota"), "2026-11-22");
      assert.equal(localDate(Date.UTC(2026, 10, 23, 5), "America/Bogota"), "2026-11-23");
      assert.equal(localDate(Date.UTC(2026, 9, 24, 22), "Europe/Madrid"), "2026-10-25");
    });

    it("rejects a bad date or time zone, naming the field", () => {
      assert.throws(() => dayBounds("2026-02-30", "America/Bogota"), /^InputError: date: expected a calendar date YYYY-MM-DD, got string "2026-02-30"$/);
      assert.throws(() => dayBounds("23/11/2026", "America/Bogota"), /date: expected a calendar date YYYY-MM-DD/);
      assert.throws(() => dayBounds("2026-11-23", "Mars/Olympus"), /timeZone: expected an IANA time zone such as "America\/Bogota", got string "Mars\/Olympus"/);
      assert.throws(() => localDate(NaN, "UTC"), /timestamp: expected epoch milliseconds, got NaN/);
    });
  });

  describe("completeness of a day", () => {
    it("a full Bogota day has exactly 144 ten-minute slots", () => {
      const day = dayBounds("2026-11-22", "America/Bogota");
      const result = completeness({ timestamps: everySlot(day.start, day.end), start: day.start, end: day.end, intervalMs: SLOT });
      assert.equal(result.expectedSlots, 144);
      assert.equal(result.slotsWithData, 144);
      assert.equal(result.missingSlots, 0);
      assert.equal(result.percent, 100);
      assert.deepEqual(result.missing, []);
      assert.deepEqual(result.missingRuns, []);
    });

    it("counts 10 and 11 missing slots exactly and lists them (the ANH limit is 10)", () => {
      const day = dayBounds("2026-11-22", "America/Bogota");
      const ten = [0, 1, 2, 50, 51, 100, 140, 141, 142, 143];
      const result = dayCompleteness({ timestamps: everySlot(day.start, day.end, ten), date: "2026-11-22", timeZone: "America/Bogota", intervalMs: SLOT });
      assert.equal(result.date, "2026-11-22");
      assert.equal(result.missingSlots, 10);
      assert.equal(result.slotsWithData, 134);
      assert.equal(result.percent, (100 * 134) / 144);
      assert.deepEqual(result.missing, ten.map((k) => day.start + k * SLOT));
      assert.deepEqual(
        result.missingRuns.map((run) => [run.start, run.end, run.slots]),
        [
          [day.start, day.start + 3 * SLOT, 3],
          [day.start + 50 * SLOT, day.start + 52 * SLOT, 2],
          [day.start + 100 * SLOT, day.start + 101 * SLOT, 1],
          [day.start + 140 * SLOT, day.end, 4],
        ],
      );
      const eleven = dayCompleteness({ timestamps: everySlot(day.start, day.end, [...ten, 70]), date: "2026-11-22", timeZone: "America/Bogota", intervalMs: SLOT });
      assert.equal(eleven.missingSlots, 11);
    });

    it("assigns UTC input to the Colombian day: 04:59:59.999Z is the last slot, 05:00Z the next day", () => {
      const day = dayBounds("2026-11-22", "America/Bogota");
      const timestamps = [Date.UTC(2026, 10, 22, 4, 59, 59, 999), day.start, Date.UTC(2026, 10, 23, 4, 59, 59, 999), Date.UTC(2026, 10, 23, 5)];
      const result = completeness({ timestamps, start: day.start, end: day.end, intervalMs: SLOT });
      assert.equal(result.slotsWithData, 2);
      assert.equal(result.samplesInPeriod, 2);
      assert.equal(result.samplesOutside, 2);
      assert.ok(!result.missing.includes(day.start));
      assert.ok(!result.missing.includes(day.end - SLOT));
    });

    it("Madrid DST days: 138 slots on the 23 h day, 150 on the 25 h day", () => {
      const spring = dayBounds("2026-03-29", "Europe/Madrid");
      const springResult = completeness({ timestamps: everySlot(spring.start, spring.end), start: spring.start, end: spring.end, intervalMs: SLOT });
      assert.equal(springResult.expectedSlots, 138);
      assert.equal(springResult.percent, 100);

      const autumn = dayBounds("2026-10-25", "Europe/Madrid");
      const full = dayCompleteness({ timestamps: everySlot(autumn.start, autumn.end), date: "2026-10-25", timeZone: "Europe/Madrid", intervalMs: SLOT });
      assert.equal(full.expectedSlots, 150);
      assert.equal(full.missingSlots, 0);
      // A source that stops after 24 h of data leaves the repeated hour's worth of slots missing.
      const short = dayCompleteness({ timestamps: everySlot(autumn.start, autumn.start + 24 * 3600_000), date: "2026-10-25", timeZone: "Europe/Madrid", intervalMs: SLOT });
      assert.equal(short.missingSlots, 6);
      assert.deepEqual(short.missingRuns, [{ start: autumn.end - 3600_000, end: autumn.end, slots: 6 }]);
    });

    it("unsorted and repeated timestamps count once per slot; a cut-short last slot still counts", () => {
      const start = Date.UTC(2026, 0, 1);
      const result = completeness({ timestamps: new Float64Array([start + 1_300_000, start, start, start + 5]), start, end: start + 1_500_000, intervalMs: SLOT });
      assert.equal(result.expectedSlots, 3);
      assert.equal(result.slotsWithData, 2);
      assert.deepEqual(result.missingRuns, [{ start: start + SLOT, end: start + 2 * SLOT, slots: 1 }]);
      const tail = completeness({ timestamps: [], start, end: start + 1_500_000, intervalMs: SLOT });
      assert.equal(tail.missingRuns[0].end, start + 1_500_000);
      assert.equal(tail.percent, 0);
    });

    it("lists at most maxMissingListed slots but always counts and groups them all", () => {
      const start = Date.UTC(2026, 0, 1);
      const result = completeness({ timestamps: [start + 50 * SLOT], start, end: start + 100 * SLOT, intervalMs: SLOT, maxMissingListed: 5 });
      assert.equal(result.missingSlots, 99);
      assert.deepEqual(result.missing, [0, 1, 2, 3, 4].map((k) => start + k * SLOT));
      assert.equal(result.missingTruncated, true);
      assert.deepEqual(result.missingRuns.map((run) => run.slots), [50, 49]);
      assert.equal(completeness({ timestamps: [], start, end: start + SLOT, intervalMs: SLOT }).missingTruncated, false);
    });

    it("rejects bad input, naming the field", () => {
      const start = Date.UTC(2026, 0, 1);
      assert.throws(() => completeness({ timestamps: [], start, end: start + 365 * 86_400_000, intervalMs: 1 }), /intervalMs: 1 ms over 31536000000 ms gives 31536000000 slots; expected at most 100000000/);
      assert.throws(() => completeness({ timestamps: [], start, end: start + SLOT, intervalMs: SLOT, maxMissingListed: -1 }), /maxMissingListed: expected a whole number >= 0, got -1/);
      assert.throws(() => completeness({ timestamps: [start], start, end: start, intervalMs: SLOT }), /end: expected epoch milliseconds after start/);
      assert.throws(() => completeness({ timestamps: [start], start, end: start + SLOT, intervalMs: 0 }), /intervalMs: expected a number > 0, got 0/);
      assert.throws(() => completeness({ timestamps: [start, NaN], start, end: start + SLOT, intervalMs: SLOT }), /timestamps\[1\]: expected epoch milliseconds, got NaN/);
      assert.throws(() => completeness({ timestamps: "x" as unknown as number[], start, end: start + SLOT, intervalMs: SLOT }), /timestamps: expected an array of epoch milliseconds/);
    });
  });

  describe("CompletenessTracker", () => {
    it("accumulates a live day, reports the slots started so far, and survives a JSON round trip", () => {
      const day = dayBounds("2026-11-22", "America/Bogota");
      const tracker = new CompletenessTracker(day.start, day.end, SLOT);
      for (const t of everySlot(day.start, day.start + 6 * 3600_000, [5])) tracker.add(t);
      assert.equal(tracker.add(day.end), false);
      const morning = tracker.result(day.start + 6 * 3600_000);
      assert.equal(morning.expectedSlots, 36);
      assert.equal(morning.missingSlots, 1);
      assert.deepEqual(morning.missing, [day.start + 5 * SLOT]);
      assert.equal(tracker.result().expectedSlots, 144);
      assert.equal(tracker.result().missingSlots, 144 - 35);

      const restored = CompletenessTracker.fromJSON(JSON.parse(JSON.stringify(tracker)));
      assert.ok(restored !== null);
      assert.deepEqual(restored.result(), tracker.result());
      assert.equal(CompletenessTracker.fromJSON({ ...tracker.toJSON(), runs: [0, 999] }), null);
      assert.equal(CompletenessTracker.fromJSON({ ...tracker.toJSON(), runs: [0, 5, 5, 7] }), null);
      assert.equal(CompletenessTracker.fromJSON({ ...tracker.toJSON(), end: 0 }), null);
    });

    it("percentUntil equals the full result's percentage at every point of the day, even with data from the future", () => {
      const day = dayBounds("2026-11-22", "America/Bogota");
      const tracker = new CompletenessTracker(day.start, day.end, SLOT);
      assert.equal(tracker.percentUntil(day.start), null, "no slot has started yet");
      for (const t of everySlot(day.start, day.start + 6 * 3600_000, [5, 6, 20])) tracker.add(t);
      for (const until of [day.start + 1, day.start + 5 * SLOT + 1, day.start + 3 * 3600_000, day.start + 6 * 3600_000, day.end + 1]) {
        assert.equal(tracker.percentUntil(until), tracker.result(until).percent, `until ${until}`);
      }
      tracker.add(day.start + 20 * 3600_000); // a clock ahead of us
      const noon = day.start + 12 * 3600_000;
      assert.equal(tracker.percentUntil(noon), tracker.result(noon).percent);
      const restored = CompletenessTracker.fromJSON(tracker.toJSON());
      assert.equal(restored?.percentUntil(day.end), tracker.result().percent);
    });

    it("late and repeated samples land in their slot exactly as a byte map would have it", () => {
      const day = dayBounds("2026-11-22", "Europe/Madrid");
      const tracker = new CompletenessTracker(day.start, day.end, SLOT);
      const reference = new Uint8Array(tracker.slots);
      const random = seededRandom(17);
      for (let i = 0; i < 2000; i++) {
        const slot = Math.floor(random() * tracker.slots);
        reference[slot] = 1;
        tracker.add(day.start + slot * SLOT + Math.floor(random() * SLOT));
        if (i % 97 === 0) {
          const expected = reference.reduce((a, b) => a + b, 0);
          assert.equal(tracker.result().slotsWithData, expected, `after ${i + 1} samples`);
          assert.equal(tracker.percentUntil(day.end), (100 * expected) / tracker.slots);
        }
      }
      assert.equal(tracker.result().missingSlots, 0, "2000 random samples cover all 144 slots");
      assert.deepEqual(tracker.toJSON().runs, [0, 144], "and the runs have merged into one");
    });
  });
});
