/**
 * The regulatory chain as a plant wires it: readings → anh-json → ftp-deliver → a real ftp-srv, with
 * ftp-deliver's answer wired back into anh-json, which then records the report as uploaded.
 */
import assert from "node:assert/strict";
import { createHash } from "crypto";
import fs from "fs";
import path from "path";
import { DateTime } from "luxon";
import anhJsonNode from "../../../nodes/anh-json/anh-json";
import ftpDeliverNode from "../../../nodes/ftp-deliver/ftp-deliver";
import ftpServerNode from "../../../nodes/ftp-server/ftp-server";
import { startFtpServer, type TestFtpServer } from "../../support/ftp-server";
import { collect, helper, makeTempDir, waitFor, type FlowNode } from "../../support/runtime";

describe("anh-json → ftp-deliver against a real ftp-srv", function () {
  this.timeout(20000);
  let server: TestFtpServer | null = null;
  let userDir: string;

  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await server?.close();
    server = null;
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("delivers the day's report once, byte for byte, and the report ends uploaded", async () => {
    server = await startFtpServer({ user: "anh", password: "s3cret-Pa55" });
    userDir = makeTempDir("anh-ftp-");
    helper.settings({ userDir });
    const flow: FlowNode[] = [
      { id: "t", type: "tab", label: "chain" },
      {
        id: "anh",
        z: "t",
        type: "anh-json",
        operatorId: "OP-001",
        fieldId: "FIELD-7",
        wellId: "WELL-7A",
        variables: JSON.stringify([{ tag: "FT-101", code: "OIL_RATE", unit: "bbl/d" }]),
        timeZone: "America/Bogota",
        generationTime: "06:00",
        journalDir: "",
        sendNonCompliant: false,
        wires: [["deliver"], ["anh-events"]],
      },
      { id: "deliver", z: "t", type: "ftp-deliver", server: "srv", remoteDir: "/anh", mode: "message", schedule: "06:50", timeZone: "America/Bogota", outboxDir: "", retryInitialSeconds: 0.05, retryMaxSeconds: 0.2, deadlineMinutes: 1, wires: [["anh", "delivered"], []] },
      { id: "srv", type: "ftp-server", host: "127.0.0.1", port: server.port, secure: "none", rejectUnauthorized: true, ca: "", timeoutSeconds: 5, usePasvAddress: false },
      { id: "anh-events", z: "t", type: "helper" },
      { id: "delivered", z: "t", type: "helper" },
    ];
    await helper.load([anhJsonNode, ftpServerNode, ftpDeliverNode], flow, { srv: { user: "anh", password: "s3cret-Pa55" } });
    const events = collect(helper.getNode("anh-events"));
    const delivered = collect(helper.getNode("delivered"));
    const midnight = DateTime.fromISO("2026-11-22", { zone: "America/Bogota" }).toMillis();
    const readings = Array.from({ length: 288 }, (_, i) => ({ topic: "FT-101", value: 800 + i, timestamp: midnight + i * 300_000, quality: 192 }));
    helper.getNode("anh").receive({ payload: readings });
    await waitFor(() => delivered.length === 1 && events.some((m) => (m.payload as { details: { status: string } }).details.status === "uploaded"), 10000, "delivery and uploaded");

    assert.deepEqual(server.files(), ["anh/ANH_REPORT_20261122.json"]);
    const uploaded = fs.readFileSync(path.join(server.root, "anh", "ANH_REPORT_20261122.json"));
    const summary = delivered[0].report as { sha256: string };
    assert.equal(createHash("sha256").update(uploaded).digest("hex"), summary.sha256, "the file on the server is the report anh-json made");
    assert.equal((JSON.parse(uploaded.toString()) as { variables: Array<{ slots: unknown[] }> }).variables[0].slots.length, 144);
    const trail = events.map((m) => (m.payload as { details: { status: string } }).details.status);
    assert.deepEqual(trail.slice(0, 3), ["generating", "validating", "ready"]);
    assert.equal(trail[trail.length - 1], "uploaded");
    const audit = fs
      .readFileSync(path.join(userDir, "anh-json", "anh", "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { status: string; sameReport?: boolean });
    assert.equal(audit[audit.length - 1].status, "uploaded");
    assert.equal(audit[audit.length - 1].sameReport, true);
    const errors = helper.log().args.filter((args: [{ level: number }]) => args[0].level === helper.log().ERROR);
    assert.deepEqual(errors, []);
  });
});
