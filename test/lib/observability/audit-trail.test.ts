import assert from "node:assert/strict";
import { createHash } from "crypto";
import fs from "fs";
import path from "path";
import { AuditTrail, GENESIS_HASH, canonicalJson, hashEntry, verifyAuditFile, verifyAuditText, type AuditEntry } from "../../../lib/observability/audit-trail";
import { makeTempDir } from "../../support/runtime";

const NODE = { id: "a1b2", type: "spc-rules" };

/** A trail of `n` entries, flushed, in a fresh directory; its file's lines. */
async function trailOf(dir: string, n: number): Promise<{ trail: AuditTrail; file: string; lines: string[] }> {
  const file = path.join(dir, "audit.jsonl");
  const trail = AuditTrail.open(file);
  for (let i = 0; i < n; i++) trail.append({ kind: i % 2 === 0 ? "limits-relearned" : "report-generated", node: NODE, details: { topic: `PT-${i}`, ucl: 10 + i }, time: Date.UTC(2026, 10, 22, 6, 0, i) });
  await trail.flush();
  return { trail, file, lines: fs.readFileSync(file, "utf8").trimEnd().split("\n") };
}

const joined = (lines: string[]): string => `${lines.join("\n")}\n`;

describe("lib/observability/audit-trail", () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir("fr-audit-");
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("canonical JSON sorts keys at every level, so the hash does not depend on key order", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: null }], c: "x" } }), '{"a":{"c":"x","d":[1,{"y":null,"z":1}]},"b":1}');
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
    assert.equal(canonicalJson({ a: undefined, b: [undefined] }), '{"b":[null]}');
  });

  it("chains entries from the genesis hash: seq from 1, prev = the hash before, hash = SHA-256 of the canonical entry", async () => {
    const { trail, lines } = await trailOf(dir, 3);
    const entries = lines.map((line) => JSON.parse(line) as AuditEntry);
    assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3]);
    assert.equal(entries[0].prev, GENESIS_HASH);
    assert.equal(entries[1].prev, entries[0].hash);
    assert.equal(entries[2].prev, entries[1].hash);
    const { hash, ...unsigned } = entries[2];
    const expected = createHash("sha256").update(canonicalJson(unsigned)).digest("hex");
    assert.equal(hash, expected);
    assert.deepEqual(entries[0].node, NODE);
    assert.equal(entries[0].time, "2026-11-22T06:00:00.000Z");
    assert.deepEqual(entries[1].details, { topic: "PT-1", ucl: 11 });
    assert.equal(trail.count, 3);
    assert.equal(trail.lastHash, entries[2].hash);
    assert.deepEqual(verifyAuditText(joined(lines)), { ok: true, count: 3, lastHash: entries[2].hash });
  });

  it("stores what it hashed: details with undefined, NaN or dates read back the same from the file", async () => {
    const file = path.join(dir, "audit.jsonl");
    const trail = AuditTrail.open(file);
    trail.append({ kind: "model-retrained", details: { gone: undefined, nan: NaN, at: new Date(0), list: [1, undefined] } });
    await trail.flush();
    const entry = JSON.parse(fs.readFileSync(file, "utf8")) as AuditEntry;
    assert.deepEqual(entry.details, { nan: null, at: "1970-01-01T00:00:00.000Z", list: [1, null] });
    assert.equal(verifyAuditFile(file).ok, true);
  });

  it("refuses an unknown kind", () => {
    const trail = AuditTrail.open(path.join(dir, "audit.jsonl"));
    assert.throws(() => trail.append({ kind: "coffee-made" as never }), /kind: expected one of report-generated/);
  });

  it("detects an edited line (a detail changed, the hash left alone)", async () => {
    const { lines } = await trailOf(dir, 5);
    lines[2] = lines[2].replace('"ucl":12', '"ucl":99');
    assert.ok(lines[2].includes('"ucl":99'));
    const result = verifyAuditText(joined(lines));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.line === 3 && /edited/.test(result.reason), JSON.stringify(result));
  });

  it("detects an edited line whose own hash was recomputed: the next line's prev no longer matches", async () => {
    const { lines } = await trailOf(dir, 5);
    const entry = JSON.parse(lines[1]) as AuditEntry;
    entry.details.ucl = 0;
    entry.hash = hashEntry(entry);
    lines[1] = JSON.stringify(entry);
    const result = verifyAuditText(joined(lines));
    assert.ok(!result.ok && result.line === 3 && /prev/.test(result.reason), JSON.stringify(result));
  });

  it("detects a deleted line", async () => {
    const { lines } = await trailOf(dir, 5);
    lines.splice(1, 1);
    const result = verifyAuditText(joined(lines));
    assert.ok(!result.ok && result.line === 2 && /deleted/.test(result.reason), JSON.stringify(result));
    assert.equal(result.count, 1);
  });

  it("detects two lines swapped", async () => {
    const { lines } = await trailOf(dir, 5);
    [lines[2], lines[3]] = [lines[3], lines[2]];
    const result = verifyAuditText(joined(lines));
    assert.ok(!result.ok && result.line === 3, JSON.stringify(result));
  });

  it("detects an inserted line, even a well-formed entry with its own correct hash", async () => {
    const { lines } = await trailOf(dir, 4);
    const before = JSON.parse(lines[1]) as AuditEntry;
    const forged: Omit<AuditEntry, "hash"> = { seq: 3, time: before.time, kind: "config-changed", actor: "intruder", details: {}, prev: before.hash };
    lines.splice(2, 0, JSON.stringify({ ...forged, hash: hashEntry(forged) }));
    const result = verifyAuditText(joined(lines));
    // the forged line itself fits; the genuine line after it does not
    assert.ok(!result.ok && result.line === 4, JSON.stringify(result));
  });

  it("detects a line that is not JSON and a blank line", async () => {
    const { lines } = await trailOf(dir, 3);
    const garbage = [...lines];
    garbage[1] = "{not json";
    const a = verifyAuditText(joined(garbage));
    assert.ok(!a.ok && a.line === 2 && a.reason === "not JSON");
    const blank = [...lines];
    blank.splice(1, 0, "");
    const b = verifyAuditText(joined(blank));
    assert.ok(!b.ok && b.line === 2);
  });

  it("reports a torn last line in verification, and opening the trail cuts it with a warning and goes on", async () => {
    const { file, lines } = await trailOf(dir, 3);
    const full = fs.readFileSync(file, "utf8");
    const half = `${JSON.stringify({ seq: 4, time: "2026-11-22T06:00:04.000Z", kind: "report-generated" })}`.slice(0, 40);
    fs.writeFileSync(file, full + half);
    const torn = verifyAuditFile(file);
    assert.ok(!torn.ok && torn.line === 4 && /incomplete last line/.test(torn.reason), JSON.stringify(torn));

    const warnings: string[] = [];
    const reopened = AuditTrail.open(file, { onWarning: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /last line is incomplete \(cut by a crash\): cut 40 bytes \(kept in .*audit\.jsonl\.cut-\d+-0\)/);
    assert.equal(fs.readFileSync(file, "utf8"), full);
    const keptFile = fs.readdirSync(dir).filter((name) => name.startsWith("audit.jsonl.cut-"));
    assert.equal(keptFile.length, 1);
    assert.equal(fs.readFileSync(path.join(dir, keptFile[0]), "utf8"), half, "the cut bytes are kept, not destroyed");
    assert.equal(reopened.count, 3);
    assert.equal(reopened.lastHash, (JSON.parse(lines[2]) as AuditEntry).hash);
    reopened.append({ kind: "file-delivered", details: { file: "ANH_REPORT_20261122.json" } });
    await reopened.flush();
    assert.deepEqual(verifyAuditFile(file), { ok: true, count: 4, lastHash: reopened.lastHash });
  });

  it("cuts a complete last line that is not an entry (garbage left by a power cut)", async () => {
    const { file } = await trailOf(dir, 2);
    fs.appendFileSync(file, "\u0000\u0000\u0000\n");
    const warnings: string[] = [];
    const reopened = AuditTrail.open(file, { onWarning: (m) => warnings.push(m) });
    assert.equal(reopened.count, 2);
    assert.match(warnings[0], /is not an entry \(not JSON\)/);
    assert.equal(verifyAuditFile(file).ok, true);
  });

  it("continues the chain after a restart: seq and prev follow the last entry on disk", async () => {
    const first = await trailOf(dir, 2);
    const again = AuditTrail.open(first.file);
    assert.equal(again.count, 2);
    const entry = again.append({ kind: "config-changed", actor: "admin", details: { trigger: "deploy" } });
    await again.flush();
    assert.equal(entry.seq, 3);
    assert.equal(entry.prev, first.trail.lastHash);
    const result = verifyAuditFile(first.file);
    assert.deepEqual(result, { ok: true, count: 3, lastHash: entry.hash });
  });

  it("finds the last entry of a file larger than its first tail read (64 KiB)", async () => {
    const file = path.join(dir, "audit.jsonl");
    const trail = AuditTrail.open(file);
    const big = "x".repeat(50_000);
    for (let i = 0; i < 4; i++) trail.append({ kind: "report-generated", details: { i, big } });
    await trail.flush();
    assert.ok(fs.statSync(file).size > 128 * 1024);
    const again = AuditTrail.open(file);
    assert.equal(again.count, 4);
    assert.equal(again.lastHash, trail.lastHash);
  });

  it("writes a burst of entries appended in one tick in one append, in order", async () => {
    const file = path.join(dir, "audit.jsonl");
    const trail = AuditTrail.open(file);
    for (let i = 0; i < 500; i++) trail.append({ kind: "limits-relearned", details: { topic: `T${i}` } });
    assert.equal(fs.readFileSync(file, "utf8"), "", "nothing written synchronously");
    await trail.flush();
    const result = verifyAuditFile(file);
    assert.deepEqual(result, { ok: true, count: 500, lastHash: trail.lastHash });
  });

  it("keeps entries it could not write and writes them, chain intact, once the file can be written again", async () => {
    const file = path.join(dir, "audit.jsonl");
    const warnings: string[] = [];
    const trail = AuditTrail.open(file, { onWarning: (m) => warnings.push(m) });
    trail.append({ kind: "report-generated", details: { n: 1 } });
    await trail.flush();
    // The file is replaced by a directory: every open for appending fails (EISDIR), whoever runs the test.
    fs.rmSync(file);
    fs.mkdirSync(file);
    trail.append({ kind: "file-delivered", details: { n: 2 } });
    await assert.rejects(trail.flush(), /EISDIR/);
    assert.match(warnings[0], /cannot write 1 entries .*kept in memory/);
    fs.rmSync(file, { recursive: true });
    fs.writeFileSync(file, "");
    trail.append({ kind: "file-delivered", details: { n: 3 } });
    await trail.flush();
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as AuditEntry);
    assert.deepEqual(lines.map((e) => e.details.n), [2, 3]);
    assert.deepEqual(lines.map((e) => e.seq), [2, 3], "the kept entry keeps its place in the chain");
  });
});
