import assert from "node:assert/strict";
import fs from "fs";
import os from "os";
import path from "path";
import { ReadingJournal } from "../../../lib/anh/journal";
import { DaySlots } from "../../../lib/anh/slots";
import { SyncScheduler } from "../../../lib/anh/sync-scheduler";

const DATE = "2026-11-22";
const MIDNIGHT = Date.UTC(2026, 10, 22, 5); // 00:00 in Bogota

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("lib/anh journals sharing one fsync scheduler", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "anh-sync-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("fsyncs the files of 60 journals in one round per delay, off the event loop, and keeps each line readable at once", async () => {
    const scheduler = new SyncScheduler(80);
    const journals = Array.from({ length: 60 }, (_, i) => new ReadingJournal(path.join(dir, `W${i}`), { scheduler }));
    const writtenAt = Date.now();
    journals.forEach((journal, i) => journal.append(DATE, "oil", MIDNIGHT, i, true));
    // In the kernel as soon as append returns: another reader (a restarted process) sees the line.
    assert.equal(fs.readFileSync(journals[7].fileOf(DATE), "utf8"), '["oil",' + MIDNIGHT + ",7,1]\n");
    assert.ok(journals.every((journal) => journal.syncPending), "nothing fsynced before the delay");
    assert.equal(scheduler.counters.rounds, 0);
    await until(() => scheduler.counters.rounds === 1, 5000, "the first round");
    assert.ok(Date.now() - writtenAt >= 75, "the round waits for the delay");
    assert.equal(scheduler.counters.files, 60, "one fsync per file");
    assert.equal(scheduler.counters.directories, 60, "the directory of each new day file, in the same round");
    assert.ok(journals.every((journal) => !journal.syncPending), "every line is on the disk after one round");

    // Lines written during a round wait for the next one; many lines of one file cost one fsync.
    for (let k = 0; k < 5; k++) journals.forEach((journal, i) => journal.append(DATE, "oil", MIDNIGHT + 1000 * (k + 1), i, true));
    await until(() => scheduler.counters.rounds === 2, 5000, "the second round");
    assert.equal(scheduler.counters.files, 120);
    assert.equal(scheduler.counters.directories, 60, "no new file, no directory fsync");
    for (const journal of journals) await journal.closeAsync();
  });

  it("close() makes every written line durable before it returns, and closeAsync() the same without blocking", async () => {
    const scheduler = new SyncScheduler(60_000); // the timer never fires in this test
    const blocking = new ReadingJournal(path.join(dir, "a"), { scheduler });
    const background = new ReadingJournal(path.join(dir, "b"), { scheduler });
    blocking.append(DATE, "oil", MIDNIGHT, 1, true);
    background.append(DATE, "oil", MIDNIGHT, 2, true);
    assert.ok(blocking.syncPending && background.syncPending);
    blocking.close();
    assert.equal(scheduler.counters.files, 1, "close() fsynced its own file only");
    assert.ok(background.syncPending, "the other journal's line still waits for its round");
    const closing = background.closeAsync();
    assert.ok(closing instanceof Promise);
    await closing;
    assert.equal(scheduler.counters.files, 2);
    assert.throws(() => background.append(DATE, "oil", MIDNIGHT + 1, 3, true), /the journal is closed/);
    // Both are readable by the next process.
    for (const [sub, value] of [["a", 1], ["b", 2]] as const) {
      const day = new DaySlots(DATE, "America/Bogota", 600_000);
      assert.deepEqual(await new ReadingJournal(path.join(dir, sub), { scheduler }).replay(DATE, day), { lines: 1, skipped: 0 });
      assert.equal(day.figures("oil", 0).last, value);
    }
  });

  it("replay fsyncs the day first and a report waits for an fsync already running", async () => {
    const scheduler = new SyncScheduler(20);
    const journal = new ReadingJournal(dir, { scheduler });
    journal.append(DATE, "oil", MIDNIGHT, 5, true);
    await until(() => scheduler.counters.rounds === 0 && journal.syncPending, 100, "a pending line");
    const day = new DaySlots(DATE, "America/Bogota", 600_000);
    const result = await journal.replay(DATE, day);
    assert.deepEqual(result, { lines: 1, skipped: 0 });
    assert.equal(journal.syncPending, false, "replay left nothing unsynced");
    journal.close();
  });

  it("reports an fsync that failed in the background to the owner of the descriptor", async () => {
    const scheduler = new SyncScheduler(10);
    const failures: Error[] = [];
    // A descriptor number no file holds (far above the open files of a test process): fsync fails with EBADF.
    scheduler.markDirty(1_000_000, (err) => failures.push(err));
    await until(() => scheduler.counters.rounds === 1, 5000, "the round");
    assert.equal(failures.length, 1);
    assert.match(failures[0].message, /EBADF/);
    assert.equal(scheduler.counters.files, 0, "a failed fsync is not counted as synced");
    assert.equal(scheduler.isPending(1_000_000), false);
  });

  it("shares one scheduler per delay across the process", () => {
    assert.equal(SyncScheduler.shared(1000), SyncScheduler.shared(1000));
    assert.notEqual(SyncScheduler.shared(1000), SyncScheduler.shared(500));
  });
});
