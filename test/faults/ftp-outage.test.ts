/**
 * Fault: the regulator's FTP server is down when the daily report is uploaded and comes back two
 * simulated hours later; and Node-RED is killed (SIGKILL) in the middle of a large upload.
 *
 * Time is scaled 1000:1 through the nodes' own retry settings (no fake clock can reach a child
 * process): 1 simulated second = 1 real ms. The plant defaults retryInitialSeconds 5, retryMaxSeconds
 * 300, deadlineMinutes 60 become 0.005, 0.3 and 0.06; a 2-hour outage lasts 7.2 s.
 * - Well A keeps the default deadline (60 min): the round fails after an hour (critical event, report
 *   "failed"), and the file goes at the next scheduled run, which the test triggers with
 *   msg.command = "send" (what ftp-deliver's schedule does: every queued and failed file gets a round).
 * - Well B has a deadline of 3 h: the retries outlast the outage and the file goes once the server is back.
 * Both must reach the server exactly once (one STOR, one rename, sha256 of the report anh-json made).
 */
import assert from "node:assert/strict";
import { createHash } from "crypto";
import fs from "fs";
import os from "os";
import path from "path";
import { DateTime } from "luxon";
import { startFtpServer, type TestFtpServer } from "../support/ftp-server";
import type { FlowNode } from "../support/node-red-process";
import { freePort } from "../support/ports";
import { anhJsonNode, eventually, feed, feedEndpoint, probeEvents, probeList, probeTab, recorder, sharedNodeRed, sleep, type CrashableNodeRed } from "./support";
import type { EventPayload } from "../../nodes/shared/events";

const Z = "fault-ftp-tab";
const USER = "anh";
const PASSWORD = "fault-Pa55-word";
const DATE = "2026-11-22";
const FILE = "ANH_REPORT_20261122.json";
/** real ms per simulated second (time scaled 1000:1 through the retry settings) */
const SIMULATED_SECOND_MS = 1;
const OUTAGE_MS = 2 * 3600 * SIMULATED_SECOND_MS;
const BIG_BYTES = 16 * 2 ** 20;
const BIG_SEED = 20261122;
const BIG_NAME = "THERMAL_ARCHIVE_20261122.bin";

const VARIABLES = [
  { tag: "oil_rate", code: "OIL_RATE", name: "Oil rate", unit: "bbl/d", aggregation: "mean" },
  { tag: "tubing_pressure", code: "THP", name: "Tubing head pressure", unit: "psi", aggregation: "mean" },
];

/** What the big-file generator in the flow makes (an LCG, 4 bytes per step), computed here to compare. */
function bigContent(bytes: number, seed: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  let x = seed >>> 0;
  for (let i = 0; i < bytes; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    buffer.writeUInt32LE(x, i);
  }
  return buffer;
}
const GENERATOR = `const n = msg.payload.bytes;
const b = Buffer.alloc(n);
let x = msg.payload.seed >>> 0;
for (let i = 0; i < n; i += 4) {
  x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
  b.writeUInt32LE(x, i);
}
msg.payload = b;
msg.filename = msg.filename || "${BIG_NAME}";
return msg;`;

function well(id: string, wellId: string, deadlineMinutes: number): FlowNode[] {
  const scaled = (seconds: number) => (seconds * SIMULATED_SECOND_MS) / 1000;
  return [
    anhJsonNode({ id: `anh-${id}`, z: Z, name: `well ${id}`, wellId, variables: JSON.stringify(VARIABLES), wires: [[`deliver-${id}`], [`anh-events-${id}`]] }),
    {
      id: `deliver-${id}`,
      type: "ftp-deliver",
      z: Z,
      name: `deliver ${id}`,
      server: "fault-ftp-server",
      remoteDir: `/${id}`,
      mode: "message",
      schedule: "06:50",
      timeZone: "America/Bogota",
      outboxDir: "",
      retryInitialSeconds: scaled(5),
      retryMaxSeconds: scaled(300),
      deadlineMinutes: scaled(deadlineMinutes * 60) / 60,
      wires: [[`anh-${id}`, `deliver-results-${id}`], [`deliver-events-${id}`]],
    },
    recorder(`anh-events-${id}`, Z, `anhEvents-${id}`),
    recorder(`deliver-results-${id}`, Z, `deliverResults-${id}`),
    recorder(`deliver-events-${id}`, Z, `deliverEvents-${id}`),
    ...feedEndpoint(`readings-${id}`, Z, `anh-${id}`),
    ...feedEndpoint(`command-${id}`, Z, `deliver-${id}`),
  ];
}

function flow(ftpPort: number): FlowNode[] {
  return [
    { id: Z, type: "tab", label: "ftp outage", disabled: false, info: "" },
    {
      id: "fault-ftp-server",
      type: "ftp-server",
      name: "regulator",
      host: "127.0.0.1",
      port: ftpPort,
      secure: "none",
      rejectUnauthorized: true,
      ca: "",
      timeoutSeconds: 3,
      usePasvAddress: false,
      credentials: { user: USER, password: PASSWORD },
    },
    ...well("a", "WELL-7A", 60),
    ...well("b", "WELL-7B", 180),
    // The large file: a generator (the content arrives as a Buffer, as a thermal archive would) → ftp-deliver.
    { id: "big-generator", type: "function", z: Z, name: "big file", func: GENERATOR, outputs: 1, wires: [["deliver-big"]] },
    {
      id: "deliver-big",
      type: "ftp-deliver",
      z: Z,
      name: "deliver big",
      server: "fault-ftp-server",
      remoteDir: "/archive",
      mode: "message",
      schedule: "06:50",
      timeZone: "America/Bogota",
      outboxDir: "",
      retryInitialSeconds: 0.2,
      retryMaxSeconds: 1,
      deadlineMinutes: 10,
      wires: [["deliver-results-big"], ["deliver-events-big"]],
    },
    recorder("deliver-results-big", Z, "deliverResults-big"),
    recorder("deliver-events-big", Z, "deliverEvents-big"),
    ...feedEndpoint("big", Z, "big-generator", "deliver-big"),
    ...probeTab(),
  ];
}

/** A compliant day: every 10-minute slot of both variables has good readings. */
function dayReadings(base: number): unknown[] {
  const midnight = DateTime.fromISO(DATE, { zone: "America/Bogota" }).toMillis();
  const readings: unknown[] = [];
  for (let i = 0; i < 288; i++) {
    readings.push({ topic: "oil_rate", value: base + (i % 17), timestamp: midnight + i * 300_000, quality: 192 });
    readings.push({ topic: "tubing_pressure", value: 640 + (i % 5), timestamp: midnight + i * 300_000, quality: 192 });
  }
  return readings;
}

const statusTrail = (events: EventPayload[]): string[] => events.filter((e) => e.event === "status").map((e) => String(e.details?.status));
const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

describe("fault: FTP server down at upload time, Node-RED killed mid-upload", function () {
  this.timeout(120_000);
  let red: CrashableNodeRed;
  let ftp: TestFtpServer | null = null;
  let ftpPort: number;
  let ftpRoot: string;

  before(async () => {
    ftpPort = await freePort();
    ftpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "fr-faults-ftp-root-"));
    red = await sharedNodeRed();
    await red.deploy(flow(ftpPort));
  });

  after(async () => {
    await ftp?.close();
    fs.rmSync(ftpRoot, { recursive: true, force: true });
  });

  it("delivers each report exactly once after a 2-hour outage; the status machines are right", async () => {
    const logFrom = red.logs().length;
    const sentAt = Date.now();
    await feed(red.url, "readings-a", dayReadings(800), { date: DATE });
    await feed(red.url, "readings-b", dayReadings(900), { date: DATE });

    // Well A's round (deadline 60 simulated min) fails during the outage.
    const failedA = await eventually(
      async () => (await probeEvents(red.url, "deliverEvents-a")).find((e) => e.event === "failed"),
      OUTAGE_MS,
      "well A's failed event during the outage",
    );
    // The round starts with the first attempt, which the retrying event follows at once.
    const roundStartedAt = (await probeEvents(red.url, "deliverEvents-a")).find((e) => e.event === "retrying")?._at ?? sentAt;
    const failedAfterMs = failedA._at - roundStartedAt;
    assert.ok(failedAfterMs <= 3600 * SIMULATED_SECOND_MS + 1000, `the round fails at its 60-minute deadline (after ${failedAfterMs} ms)`);
    await sleep(Math.max(0, sentAt + OUTAGE_MS - Date.now()));

    ftp = await startFtpServer({ port: ftpPort, root: ftpRoot, user: USER, password: PASSWORD });
    const backAt = Date.now();
    const deliveredB = await eventually(
      async () => (await probeEvents(red.url, "deliverEvents-b")).find((e) => e.event === "delivered"),
      10_000,
      "well B delivered once the server is back",
      20,
    );
    const recoveryBMs = deliveredB._at - backAt;
    // Well A waits for the next scheduled run: nothing reaches the server meanwhile.
    await sleep(500);
    assert.deepEqual(ftp.files(), [`b/${FILE}`], "well A's failed report stays in the outbox until the next run");
    await feed(red.url, "command-a", {}, { command: "send" });
    await eventually(async () => (await probeEvents(red.url, "deliverEvents-a")).some((e) => e.event === "delivered"), 10_000, "well A delivered at the next run");
    await eventually(
      async () => statusTrail(await probeEvents(red.url, "anhEvents-a")).includes("uploaded") && statusTrail(await probeEvents(red.url, "anhEvents-b")).includes("uploaded"),
      10_000,
      "both reports recorded as uploaded",
    );

    // Exactly once on the server: one upload and one rename per report, the bytes anh-json made.
    assert.deepEqual(ftp.files(), [`a/${FILE}`, `b/${FILE}`], "the final names only, no .part left");
    assert.deepEqual([...ftp.counters.stored].sort(), [`/a/${FILE}.part`, `/b/${FILE}.part`]);
    assert.deepEqual([...ftp.counters.renamed].sort(), [`/a/${FILE}`, `/b/${FILE}`]);
    for (const id of ["a", "b"]) {
      const results = await probeList(red.url, `deliverResults-${id}`);
      const delivered = results.find((m) => (m.delivery as { status: string }).status === "delivered");
      const generated = results.find((m) => m.report !== undefined);
      const onServer = fs.readFileSync(path.join(ftpRoot, id, FILE));
      assert.equal(sha256(onServer), (delivered?.delivery as { sha256: string }).sha256, `well ${id}: the server holds the outbox's bytes`);
      assert.equal(sha256(onServer), (generated?.report as { sha256: string }).sha256, `well ${id}: … which are the report anh-json generated`);
    }

    // The status machines, as their event outputs told them.
    const eventsA = await probeEvents(red.url, "deliverEvents-a");
    const eventsB = await probeEvents(red.url, "deliverEvents-b");
    assert.deepEqual(
      eventsA.map((e) => `${e.event}/${e.severity}`),
      ["retrying/warning", "failed/critical", "delivered/info"],
    );
    assert.deepEqual(
      eventsB.map((e) => `${e.event}/${e.severity}`),
      ["retrying/warning", "delivered/info"],
    );
    const attemptsA = Number((eventsA[2].details as { attempts: number }).attempts);
    const attemptsB = Number((eventsB[1].details as { attempts: number }).attempts);
    assert.deepEqual(statusTrail(await probeEvents(red.url, "anhEvents-a")), ["generating", "validating", "ready", "failed", "uploaded"]);
    assert.deepEqual(statusTrail(await probeEvents(red.url, "anhEvents-b")), ["generating", "validating", "ready", "uploaded"]);
    assert.deepEqual(red.errors(logFrom).filter((line) => !line.includes("not delivered after")), [], "no error but well A's one failure");
    console.log(
      `      ftp outage: well A's round failed ${failedAfterMs} ms after it started (= ${Math.round(failedAfterMs / 60 / SIMULATED_SECOND_MS)} simulated min, deadline 60), delivered at the next run, ${attemptsA} attempts; ` +
        `well B delivered ${recoveryBMs} ms (= ${Math.round(recoveryBMs / SIMULATED_SECOND_MS)} simulated s) after the server was back, ${attemptsB} attempts; each once (1 STOR, 1 rename)`,
    );
  });

  it("leaves no partial file under the final name when killed mid-upload, and delivers once after the restart", async () => {
    assert.ok(ftp !== null, "the server of the first test runs");
    const server = ftp;
    const expected = bigContent(BIG_BYTES, BIG_SEED);
    const part = path.join(ftpRoot, "archive", `${BIG_NAME}.part`);
    const final = path.join(ftpRoot, "archive", BIG_NAME);
    await feed(red.url, "big", { bytes: BIG_BYTES, seed: BIG_SEED }, {}, 60_000);

    // Killed once a part of the file is on the server.
    const partial = await eventually(
      () => {
        const size = fs.existsSync(part) ? fs.statSync(part).size : 0;
        return size > 0 && size < BIG_BYTES ? size : undefined;
      },
      30_000,
      "the upload under way",
      1,
    );
    await red.crash();
    const partSizeAtKill = fs.existsSync(part) ? fs.statSync(part).size : 0;
    await sleep(200);
    assert.ok(partSizeAtKill < BIG_BYTES, `the upload was cut short (${partSizeAtKill} of ${BIG_BYTES} bytes)`);
    assert.equal(fs.existsSync(final), false, "nothing under the final name: a reader never sees half a file");
    assert.equal(server.counters.renamed.filter((p) => p.endsWith(BIG_NAME)).length, 0);

    const restartedAt = Date.now();
    await red.start();
    await eventually(async () => (await probeEvents(red.url, "deliverEvents-big")).some((e) => e.event === "delivered"), 60_000, "the big file delivered after the restart", 50);
    const deliveredMs = Date.now() - restartedAt;
    assert.equal(fs.existsSync(part), false, "the .part file was completed and renamed");
    assert.equal(sha256(fs.readFileSync(final)), sha256(expected), "the whole file, byte for byte");
    assert.deepEqual(
      server.counters.renamed.filter((p) => p.endsWith(BIG_NAME)),
      [`/archive/${BIG_NAME}`],
      "renamed to its final name once",
    );
    const events = await probeEvents(red.url, "deliverEvents-big");
    assert.deepEqual(
      events.map((e) => e.event),
      ["delivered"],
    );
    assert.equal((events[0].details as { attempts: number }).attempts, 2, "the attempt cut by the kill was counted (records are written before each attempt)");
    console.log(
      `      ftp kill mid-upload: ${BIG_BYTES} bytes, killed with ${partial}-${partSizeAtKill} bytes in ${BIG_NAME}.part and nothing under the final name; ` +
        `delivered once ${deliveredMs} ms after the restart began (attempt 2)`,
    );
  });
});
