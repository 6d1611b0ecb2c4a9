/**
 * The metrics registry and the audit trail fed by real nodes in a Node-RED runtime
 * (node-red-node-test-helper): counts from onInput, alarms from the events nodes send (wired or not),
 * gauges and deliveries from ftp-deliver against a real FTP server, and the chained audit entries of
 * spc-rules, anomaly-detect, anh-json and ftp-deliver in the runtime's user dir.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import anhJsonNode from "../../../nodes/anh-json/anh-json";
import anomalyDetectNode from "../../../nodes/anomaly-detect/anomaly-detect";
import ftpDeliverNode from "../../../nodes/ftp-deliver/ftp-deliver";
import ftpServerNode from "../../../nodes/ftp-server/ftp-server";
import gapDetectorNode from "../../../nodes/gap-detector/gap-detector";
import spcRulesNode from "../../../nodes/spc-rules/spc-rules";
import { AUDIT_FILE_NAME } from "../../../nodes/shared/audit";
import { metricsRegistry } from "../../../nodes/shared/metrics";
import { verifyAuditFile, type AuditEntry } from "../../../lib/observability/audit-trail";
import { seededRandom } from "../../../lib/common/random";
import { freePort, startFtpServer, type TestFtpServer } from "../../support/ftp-server";
import { NODE_ID, feed, probe, testFlow } from "../../support/node-harness";
import { helper, loadWithFileContext, makeTempDir, unloadAll, waitFor, type FlowNode } from "../../support/runtime";

const SPC = { limits: "baseline", center: "", sigma: "", baselineSize: 5, window: 20, sigmaMethod: "moving-range", sigmaMultiplier: 3, rules: ["nelson-1"], severities: {}, store: "" };
const BASELINE = [10, 11, 10, 9, 10];

/** The audit entries written so far (the trail writes in the background: waits for `count`). */
async function auditEntries(userDir: string, count: number): Promise<AuditEntry[]> {
  const file = path.join(userDir, AUDIT_FILE_NAME);
  const read = (): AuditEntry[] => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as AuditEntry) : []);
  await waitFor(() => read().length >= count, 5000, `${count} audit entries`);
  return read();
}

describe("nodes/observability: metrics and audit trail from real nodes", function () {
  this.timeout(20000);
  const registry = metricsRegistry();
  let savedAuditFile: string | undefined;
  before(() => {
    // The trail goes to the runtime's user dir in these tests, whatever the shell running them says.
    savedAuditFile = process.env.FR_AUDIT_FILE;
    delete process.env.FR_AUDIT_FILE;
  });
  after(() => {
    if (savedAuditFile !== undefined) process.env.FR_AUDIT_FILE = savedAuditFile;
  });
  afterEach(async () => {
    await unloadAll();
  });

  it("counts good and rejected messages per node type (spc-rules, gap-detector)", async () => {
    const before = { spc: registry.messageCount("spc-rules", true), spcBad: registry.messageCount("spc-rules", false), gap: registry.messageCount("gap-detector", true), gapBad: registry.messageCount("gap-detector", false) };
    await helper.load([spcRulesNode, gapDetectorNode], [
      ...testFlow("spc-rules", 2, SPC),
      { id: "gap", z: "f1", type: "gap-detector", intervalSeconds: 60, staleSeconds: 0, timeZone: "UTC", store: "", wires: [[], [], []] },
    ]);
    const h = probe(2);
    await feed(h, "PT-1", [10, "ten", 11, null, 12]);
    assert.equal(h.caught.length, 2);
    assert.equal(registry.messageCount("spc-rules", true) - before.spc, 3);
    assert.equal(registry.messageCount("spc-rules", false) - before.spcBad, 2);

    const gap = helper.getNode("gap");
    gap.receive({ topic: "FT-1", payload: 1, timestamp: Date.UTC(2026, 10, 22, 0, 0) });
    gap.receive({ topic: "FT-1", payload: 2, timestamp: "not a time" });
    gap.receive({ topic: "FT-1", payload: 3, timestamp: Date.UTC(2026, 10, 22, 0, 1) });
    await waitFor(() => registry.messageCount("gap-detector", true) - before.gap === 2 && registry.messageCount("gap-detector", false) - before.gapBad === 1, 5000, "gap-detector counts");
  });

  it("tracks the alarm an unwired events output raises, clears it on in-control, and forgets a node's alarms when it stops", async () => {
    const flow = testFlow("spc-rules", 2, SPC).map((n) => (n.id === NODE_ID ? { ...n, wires: [["n-output-0"], []] } : n));
    await helper.load(spcRulesNode, flow);
    const h = probe(2);
    const mine = () => registry.alarms.list().filter((a) => a.nodeId === NODE_ID);
    await feed(h, "PT-1", [...BASELINE, 30]);
    assert.equal(h.outputs[1].length, 0, "nothing wired to the events output");
    assert.deepEqual(
      mine().map((a) => [a.topic, a.family]),
      [["PT-1", "out-of-control"]],
    );
    await feed(h, "PT-1", [10]);
    assert.deepEqual(mine(), [], "in-control clears it");
    await feed(h, "PT-2", [...BASELINE, -20]);
    assert.equal(mine().length, 1);
    await helper.unload();
    assert.deepEqual(mine(), [], "a stopped node's alarms are dropped");
  });

  it("reports a node with a bad configuration as fatal until it is stopped", async () => {
    await helper.load(spcRulesNode, testFlow("spc-rules", 2, { ...SPC, baselineSize: -3 }));
    const fatal = registry.fatalStates().filter((f) => f.node.id === NODE_ID);
    assert.equal(fatal.length, 1);
    assert.match(fatal[0].reason, /baselineSize/);
    await helper.unload();
    assert.deepEqual(registry.fatalStates().filter((f) => f.node.id === NODE_ID), []);
  });

  it("spc-rules: a chained limits-relearned entry when the baseline is learned, and again after msg.command relearn", async () => {
    const userDir = await loadWithFileContext([spcRulesNode], testFlow("spc-rules", 2, SPC));
    const h = probe(2);
    await feed(h, "PT-1", [...BASELINE, 10]);
    const [first] = await auditEntries(userDir, 1);
    assert.equal(first.kind, "limits-relearned");
    assert.deepEqual(first.node, { id: NODE_ID, type: "spc-rules" });
    assert.deepEqual([first.details.topic, first.details.mode, first.details.center, first.details.n], ["PT-1", "baseline", 10, 6]);
    await feed(h, "PT-1", [12]); // limits already known: no entry
    h.input.receive({ topic: "PT-1", command: "relearn" });
    await feed(h, "PT-1", [20, 21, 20, 19, 20, 20]);
    const entries = await auditEntries(userDir, 2);
    assert.equal(entries.length, 2);
    assert.equal(entries[1].details.center, 20);
    assert.equal(entries[1].prev, first.hash);
    assert.deepEqual(verifyAuditFile(path.join(userDir, AUDIT_FILE_NAME)), { ok: true, count: 2, lastHash: entries[1].hash });
  });

  it("anomaly-detect: model-retrained entries for the first training and a retrain", async () => {
    const forest = { method: "isolation-forest", features: "rate, pressure", trainSize: 60, retrainEvery: 0, trees: 20, sampleSize: 32, seed: 7, contamination: 0.01, impute: "error", store: "" };
    const userDir = await loadWithFileContext([anomalyDetectNode], testFlow("anomaly-detect", 2, forest));
    const h = probe(2);
    const random = seededRandom(11);
    const rows = Array.from({ length: 60 }, () => {
      const rate = 100 + (random() - 0.5) * 10;
      return { rate, pressure: 2 * rate + (random() - 0.5) * 4 };
    });
    await feed(h, "WELL-7", rows);
    h.input.receive({ topic: "WELL-7", command: "train" });
    const entries = await auditEntries(userDir, 2);
    assert.deepEqual(
      entries.map((e) => [e.kind, e.details.topic, e.details.retrained, e.details.version, e.details.rows]),
      [
        ["model-retrained", "WELL-7", false, 1, 60],
        ["model-retrained", "WELL-7", true, 2, 60],
      ],
    );
    assert.equal(verifyAuditFile(path.join(userDir, AUDIT_FILE_NAME)).ok, true);
  });

  it("anh-json: a report-generated entry carrying the report's SHA-256", async () => {
    const journalDir = makeTempDir("fr-obs-anh-");
    try {
      const variables = JSON.stringify([{ tag: "FT-101", code: "OIL_RATE", name: "Oil rate", unit: "bbl/d", aggregation: "mean" }]);
      const userDir = await loadWithFileContext(
        [anhJsonNode],
        testFlow("anh-json", 2, { operatorId: "OP-001", fieldId: "FIELD-7", wellId: "WELL-7A", variables, timeZone: "America/Bogota", intervalSeconds: 600, maxMissingSlots: 10, minQualityPercent: 95, goodQualityCodes: "", generationTime: "06:00", journalDir, sendNonCompliant: false }),
      );
      const h = probe(2);
      const start = Date.UTC(2026, 10, 22, 5); // 00:00 in Bogota
      const payload = Array.from({ length: 144 }, (_, slot) => ({ topic: "FT-101", value: 100 + slot, timestamp: start + slot * 600_000 + 60_000, quality: 192 }));
      h.input.receive({ payload });
      await waitFor(() => h.outputs[0].length === 1, 5000, "report");
      const summary = h.outputs[0][0].report as { sha256: string };
      const [entry] = await auditEntries(userDir, 1);
      assert.equal(entry.kind, "report-generated");
      assert.deepEqual([entry.details.date, entry.details.fileName, entry.details.sha256, entry.details.compliant], ["2026-11-22", "ANH_REPORT_20261122.json", summary.sha256, true]);
    } finally {
      fs.rmSync(journalDir, { recursive: true, force: true });
    }
  });

  describe("ftp-deliver against a real FTP server", () => {
    let server: TestFtpServer | null = null;
    afterEach(async () => {
      await server?.close();
      server = null;
    });

    it("outbox gauge, delivery alarm, last delivery time and a file-delivered entry: server down, then up", async () => {
      const port = await freePort();
      const serverId = "n-ftp-server";
      const flow: FlowNode[] = [
        ...testFlow("ftp-deliver", 2, { server: serverId, remoteDir: "/anh", mode: "message", schedule: "06:50", timeZone: "America/Bogota", outboxDir: "", retryInitialSeconds: 0.05, retryMaxSeconds: 0.2, deadlineMinutes: 1 }),
        { id: serverId, type: "ftp-server", host: "127.0.0.1", port, secure: "none", rejectUnauthorized: true, ca: "", timeoutSeconds: 5, usePasvAddress: false },
      ];
      const userDir = makeTempDir("fr-obs-ftp-");
      helper.settings({ userDir });
      try {
        await helper.load([ftpServerNode, ftpDeliverNode], flow, { [serverId]: { user: "anh", password: "s3cret-Pa55" } });
        const h = probe(2);
        const outbox = (status: string) =>
          registry
            .families()
            .find((f) => f.name === "field_reliability_outbox_files")
            ?.samples.find((s) => s.labels.node === NODE_ID && s.labels.status === status)?.value;
        assert.equal(outbox("pending"), 0);
        h.input.receive({ filename: "R.json", payload: { day: "2026-11-22" } });
        await waitFor(() => h.outputs[1].length === 1, 5000, "retrying event");
        assert.equal(outbox("pending"), 1);
        assert.deepEqual(
          registry.alarms.list().filter((a) => a.nodeId === NODE_ID).map((a) => [a.topic, a.family, a.severity]),
          [["R.json", "delivery", "warning"]],
        );
        // (Earlier tests in this process may have delivered from a node with the same id: the time is kept across redeploys.)
        const earlier = registry.lastDelivery(NODE_ID);

        const before = Date.now();
        server = await startFtpServer({ port });
        await waitFor(() => h.outputs[0].length === 1, 8000, "delivery");
        const delivery = h.outputs[0][0].delivery as { sha256: string; deliveredAt: string };
        assert.equal(outbox("pending"), 0);
        assert.deepEqual(registry.alarms.list().filter((a) => a.nodeId === NODE_ID), []);
        assert.equal(registry.lastDelivery(NODE_ID), Date.parse(delivery.deliveredAt));
        assert.notEqual(registry.lastDelivery(NODE_ID), earlier);
        assert.ok((registry.lastDelivery(NODE_ID) as number) >= before - 1000);
        const [entry] = await auditEntries(userDir, 1);
        assert.deepEqual([entry.kind, entry.node?.type, entry.details.file, entry.details.remotePath, entry.details.sha256], ["file-delivered", "ftp-deliver", "R.json", "/anh/R.json", delivery.sha256]);
        await helper.unload();
        assert.equal(outbox("pending"), undefined, "gauges unregistered on close");
      } finally {
        helper.settings({ userDir: undefined });
        fs.rmSync(userDir, { recursive: true, force: true });
      }
    });
  });
});
