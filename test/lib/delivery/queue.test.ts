import assert from "node:assert/strict";
import fs from "fs";
import os from "os";
import path from "path";
import { Outbox } from "../../../lib/delivery/outbox";
import { DeliveryQueue, type QueueEvent } from "../../../lib/delivery/queue";
import { nextRetryDelay, resolveRetryPolicy, type RetryPolicy } from "../../../lib/delivery/retry";
import { validateConnectionOptions, type FtpConnectionOptions } from "../../../lib/delivery/uploader";
import { freePort, startFtpServer, type TestFtpServer } from "../../support/ftp-server";
import { waitFor } from "../../support/runtime";

const PASSWORD = "s3cret-Pa55";

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const FAST: RetryPolicy = resolveRetryPolicy({ initialDelayMs: 50, maxDelayMs: 200, factor: 2, deadlineMs: 3000 });

describe("lib/delivery/retry", () => {
  it("grows the wait exponentially with jitter in [cap/2, cap] up to the cap", () => {
    const policy = resolveRetryPolicy({ initialDelayMs: 1000, maxDelayMs: 8000, factor: 2, deadlineMs: 1e9 });
    const random = seeded(42);
    for (let failures = 1; failures <= 8; failures++) {
      const cap = Math.min(8000, 1000 * 2 ** (failures - 1));
      const delays = Array.from({ length: 200 }, () => nextRetryDelay(policy, failures, 0, random) as number);
      assert.ok(Math.min(...delays) >= cap / 2 && Math.max(...delays) <= cap, `failures ${failures}`);
      assert.ok(new Set(delays).size > 50, "jittered");
    }
  });

  it("gives up when the next attempt would start after the deadline", () => {
    const policy = resolveRetryPolicy({ initialDelayMs: 1000, maxDelayMs: 1000, factor: 2, deadlineMs: 10_000 });
    assert.equal(nextRetryDelay(policy, 3, 9_000, () => 0.5), 750); // 9 000 + 750 < 10 000
    assert.equal(nextRetryDelay(policy, 3, 9_500, () => 0.5), null);
    assert.throws(() => resolveRetryPolicy({ factor: 0.5 }), /factor: expected a number >= 1/);
    assert.throws(() => resolveRetryPolicy({ initialDelayMs: 10, maxDelayMs: 5 }), /maxDelayMs: expected at least initialDelayMs/);
  });
});

describe("lib/delivery/queue against a real ftp-srv", function () {
  this.timeout(20000);
  let dir: string;
  let server: TestFtpServer | null = null;
  let queue: DeliveryQueue | null = null;
  let events: QueueEvent[];

  const makeQueue = (connection: FtpConnectionOptions, retry: RetryPolicy = FAST) => {
    queue = new DeliveryQueue({ outbox: new Outbox(dir), connection, retry, random: seeded(7), onEvent: (event) => events.push(event) });
    return queue;
  };
  const connection = (port: number, extra: Partial<FtpConnectionOptions> = {}) => validateConnectionOptions({ host: "127.0.0.1", port, user: "anh", password: PASSWORD, timeoutMs: 3000, ...extra });
  const kinds = () => events.map((e) => e.kind);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-queue-"));
    events = [];
  });
  afterEach(async () => {
    await queue?.close();
    queue = null;
    await server?.close();
    server = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("server down at send time, then up: delivered once", async () => {
    const port = await freePort();
    const q = makeQueue(connection(port));
    q.enqueue("R.json", "/in", Buffer.from('{"a":1}'), true);
    await waitFor(() => events.length >= 2, 5000, "two failed attempts");
    assert.ok(kinds().every((k) => k === "retrying"));
    server = await startFtpServer({ port });
    await waitFor(() => kinds().includes("delivered"), 5000, "delivery");
    await q.idle();
    const delivered = events.find((e) => e.kind === "delivered");
    assert.ok(delivered && delivered.kind === "delivered");
    assert.equal(delivered.report.status, "delivered");
    assert.equal(delivered.report.remotePath, "/in/R.json");
    assert.ok(delivered.report.attempts >= 3);
    assert.deepEqual(server.files(), ["in/R.json"]);
    assert.equal(server.counters.renamed.length, 1);
    assert.equal(new Outbox(dir).size, 0, "outbox empty");
  });

  it("connection cut mid-upload: no partial final file, delivered once", async () => {
    server = await startFtpServer({ faults: { cutUpload: { upload: 1, afterBytes: 100_000 } } });
    const data = Buffer.alloc(2_000_000, 7);
    const q = makeQueue(connection(server.port));
    const seen: string[][] = [];
    q.enqueue("BIG.bin", "", data, true);
    await waitFor(() => {
      seen.push(server!.files());
      return kinds().includes("delivered");
    }, 8000);
    await q.idle();
    assert.deepEqual(kinds(), ["retrying", "delivered"]);
    // While the broken upload sat on the server, the final name never existed with part of the content.
    for (const files of seen) if (files.includes("BIG.bin")) assert.equal(fs.statSync(path.join(server.root, "BIG.bin")).size, data.length);
    assert.deepEqual(server.files(), ["BIG.bin"]);
    assert.ok(fs.readFileSync(path.join(server.root, "BIG.bin")).equals(data));
    assert.equal(server.counters.renamed.length, 1);
  });

  it("gives up at the deadline, keeps the file, and delivers it on retry()", async () => {
    const port = await freePort();
    const q = makeQueue(connection(port), resolveRetryPolicy({ initialDelayMs: 40, maxDelayMs: 80, factor: 2, deadlineMs: 400 }));
    q.enqueue("R.json", "", Buffer.from("x"), true);
    await waitFor(() => kinds().includes("failed"), 5000, "failure");
    const failed = events.find((e) => e.kind === "failed");
    assert.ok(failed?.kind === "failed");
    assert.match(failed.report.error ?? "", /ECONNREFUSED/);
    assert.ok(failed.report.attempts >= 3, `attempts ${failed.report.attempts}`);
    assert.deepEqual(q.counts(), { queued: 0, pending: 0, failed: 1 });
    const eventsAtFailure = events.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(events.length, eventsAtFailure, "no attempts after failing");
    server = await startFtpServer({ port });
    assert.equal(q.retry(), 1);
    await waitFor(() => kinds().includes("delivered"));
    assert.deepEqual(server.files(), ["R.json"]);
  });

  it("wrong password: every file fails at once with one refused login, no retries", async () => {
    server = await startFtpServer();
    const q = makeQueue(connection(server.port, { password: "nope-nope" }));
    q.enqueue("A.json", "", Buffer.from("a"), true);
    q.enqueue("B.json", "", Buffer.from("b"), true);
    await waitFor(() => kinds().filter((k) => k === "failed").length === 2, 5000);
    await q.idle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(kinds(), ["failed", "failed"]);
    assert.equal(server.counters.logins, 1);
    const failed = events[0];
    assert.ok(failed.kind === "failed");
    assert.match(failed.error.message, /login refused/);
    assert.ok(!failed.error.message.includes("nope-nope"));
  });

  it("resumes the outbox after a restart and skips what a lost acknowledgement had already delivered", async () => {
    server = await startFtpServer({ faults: { loseRenameReply: 1 } });
    const q = makeQueue(connection(server.port), resolveRetryPolicy({ initialDelayMs: 60_000, maxDelayMs: 60_000, deadlineMs: 3_600_000 }));
    q.enqueue("A.json", "/x", Buffer.from("a"), true);
    await waitFor(() => kinds().includes("retrying"));
    await q.close(); // the process stops while A waits for its retry in a minute
    queue = null;
    events = [];
    const restarted = makeQueue(connection(server.port));
    restarted.retry();
    await waitFor(() => kinds().includes("delivered"));
    const delivered = events[0];
    assert.ok(delivered.kind === "delivered");
    assert.equal(delivered.report.alreadyPresent, true);
    assert.equal(delivered.report.attempts, 2);
    assert.equal(server.counters.stored.length, 1);
  });

  it("reports an outbox that fails on disk through onError, without a crash or a busy loop", async () => {
    const port = await freePort();
    const errors: Error[] = [];
    queue = new DeliveryQueue({ outbox: new Outbox(dir), connection: connection(port), retry: FAST, random: seeded(3), onEvent: (event) => events.push(event), onError: (err) => errors.push(err) });
    queue.enqueue("R.json", "", Buffer.from("x"), true);
    await waitFor(() => events.length >= 1, 5000);
    fs.rmSync(dir, { recursive: true, force: true }); // the disk under the outbox goes away
    await waitFor(() => errors.length >= 1, 5000);
    assert.match(errors[0].message, /ENOENT/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(errors.length <= 8, `${errors.length} errors in 300 ms: the queue waits between tries`);
  });

  it("refuses to deliver content from an earlier run that no longer matches its sha256", async () => {
    server = await startFtpServer();
    const earlier = new Outbox(dir);
    const bad = earlier.add({ name: "BAD.json", remoteDir: "", content: Buffer.from('{"v":1}'), status: "pending" });
    const good = earlier.add({ name: "GOOD.json", remoteDir: "", content: Buffer.from('{"v":2}'), status: "pending" });
    fs.writeFileSync(earlier.dataPath(bad.id), '{"v":9}'); // same size, other bytes: only the hash can tell
    makeQueue(connection(server.port)).resume();
    await waitFor(() => events.length === 2, 5000);
    const failed = events.find((e) => e.kind === "failed");
    assert.ok(failed?.kind === "failed");
    assert.equal(failed.entry.name, "BAD.json");
    assert.match(failed.error.message, /does not match its sha256/);
    assert.ok(events.some((e) => e.kind === "delivered" && e.entry.name === "GOOD.json"), "the other file is not held back");
    assert.deepEqual(server.files(), ["GOOD.json"], "the bad upload is removed, never renamed");
    assert.equal(good.bytes, 7);
  });

  it("leaves queued files for flush() (the schedule) and flushes them", async () => {
    server = await startFtpServer();
    const q = makeQueue(connection(server.port));
    q.enqueue("A.json", "", Buffer.from("a"), false);
    q.enqueue("B.json", "", Buffer.from("b"), false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(q.counts(), { queued: 2, pending: 0, failed: 0 });
    assert.equal(server.counters.logins, 0);
    assert.equal(q.flush(), 2);
    await waitFor(() => kinds().filter((k) => k === "delivered").length === 2);
    assert.deepEqual(server.files(), ["A.json", "B.json"]);
  });
});
