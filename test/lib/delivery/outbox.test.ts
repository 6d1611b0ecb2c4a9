import assert from "node:assert/strict";
import { createHash } from "crypto";
import fs from "fs";
import os from "os";
import path from "path";
import { Outbox, remotePathOf, validateRemoteDir, validateRemoteName } from "../../../lib/delivery/outbox";

describe("lib/delivery/outbox", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-outbox-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("stores content and record durably and reads them back after a reopen", () => {
    const outbox = new Outbox(dir);
    const content = Buffer.from('{"report":1}');
    const entry = outbox.add({ name: "ANH_REPORT_20261122.json", remoteDir: "/anh", content, status: "pending", now: 1_700_000_000_000 });
    assert.equal(entry.sha256, createHash("sha256").update(content).digest("hex"));
    assert.equal(entry.bytes, content.length);
    assert.deepEqual(fs.readdirSync(dir).sort(), [`${entry.id}.data`, `${entry.id}.json`]);
    outbox.update(entry.id, { attempts: 2, roundAttempts: 2, lastError: "down" });

    const reopened = new Outbox(dir);
    assert.deepEqual(reopened.list(), [{ ...entry, attempts: 2, roundAttempts: 2, lastError: "down" }]);
    assert.ok(reopened.readVerified(entry.id).equals(content));
    reopened.remove(entry.id);
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.equal(new Outbox(dir).size, 0);
  });

  it("lists oldest first and does not store the same pending content twice", () => {
    const outbox = new Outbox(dir);
    const b = outbox.add({ name: "b", remoteDir: "", content: Buffer.from("b"), status: "queued", now: 2000 });
    const a = outbox.add({ name: "a", remoteDir: "", content: Buffer.from("a"), status: "queued", now: 1000 });
    assert.deepEqual(outbox.list().map((e) => e.name), ["a", "b"]);
    assert.equal(outbox.add({ name: "a", remoteDir: "", content: Buffer.from("a"), status: "pending", now: 3000 }).id, a.id);
    assert.notEqual(outbox.add({ name: "a", remoteDir: "", content: Buffer.from("a2"), status: "pending", now: 3000 }).id, a.id);
    assert.equal(outbox.size, 3);
    assert.ok(b.id !== a.id);
  });

  it("recovers from a crash in the middle of a write", () => {
    const outbox = new Outbox(dir);
    const kept = outbox.add({ name: "kept", remoteDir: "", content: Buffer.from("k"), status: "pending", now: 1000 });
    // A crash after the content was written but before its record was committed, and a torn temp file.
    fs.writeFileSync(path.join(dir, "0000000002000-deadbeef.data"), "orphan");
    fs.writeFileSync(path.join(dir, `${kept.id}.json.tmp`), '{"id":');
    fs.writeFileSync(path.join(dir, "0000000003000-0badf00d.json"), "{not json");
    const reopened = new Outbox(dir);
    assert.deepEqual(reopened.list().map((e) => e.name), ["kept"]);
    assert.equal(reopened.warnings.length, 1);
    assert.match(reopened.warnings[0], /ignoring outbox record 0000000003000-0badf00d\.json/);
    assert.ok(!fs.existsSync(path.join(dir, "0000000002000-deadbeef.data")));
    assert.ok(!fs.existsSync(path.join(dir, `${kept.id}.json.tmp`)));
  });

  it("detects corrupted content", () => {
    const outbox = new Outbox(dir);
    const entry = outbox.add({ name: "x", remoteDir: "", content: Buffer.from("original"), status: "pending" });
    fs.writeFileSync(outbox.dataPath(entry.id), "tampered");
    assert.throws(() => outbox.readVerified(entry.id), /does not match its sha256/);
  });

  it("validates remote names and directories, naming the field", () => {
    assert.throws(() => validateRemoteName("../etc/passwd", "msg.filename"), /msg\.filename: expected a plain file name/);
    assert.throws(() => validateRemoteName("a\r\nDELE x", "msg.filename"), /msg\.filename/);
    assert.throws(() => validateRemoteName(undefined, "msg.filename"), /msg\.filename: expected a file name/);
    assert.throws(() => validateRemoteDir("/a/../b", "remoteDir"), /remoteDir: expected a directory/);
    assert.equal(remotePathOf({ remoteDir: "/anh/", name: "R.json" }), "/anh/R.json");
    assert.equal(remotePathOf({ remoteDir: "", name: "R.json" }), "R.json");
  });
});
