import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { DiskQueue } from "../../../lib/influx/disk-queue";
import { makeTempDir } from "../../support/runtime";

const batch = (i: number, points = 2) => ({ body: Array.from({ length: points }, (_, k) => `m,k=${k} v=${i} ${1000 + i}`).join("\n"), points });

function segments(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith(".seg")).sort();
}

describe("lib/influx DiskQueue", () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir("fr-queue-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("gives batches back oldest first and counts points and bytes", () => {
    const queue = new DiskQueue(dir);
    for (let i = 0; i < 5; i++) assert.equal(queue.append(batch(i, i + 1)), true);
    assert.equal(queue.batches, 5);
    assert.equal(queue.points, 15);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(queue.peek(), batch(i, i + 1));
      queue.ack();
    }
    assert.equal(queue.isEmpty, true);
    assert.equal(queue.points, 0);
    assert.equal(queue.bytes, 0);
    assert.equal(queue.peek(), null);
    queue.close();
  });

  it("keeps what was not acknowledged across a reopen, and continues in order", () => {
    const first = new DiskQueue(dir, { segmentBytes: 200 });
    for (let i = 0; i < 20; i++) first.append(batch(i));
    for (let i = 0; i < 7; i++) first.ack();
    first.close();
    const second = new DiskQueue(dir, { segmentBytes: 200 });
    assert.equal(second.batches, 13);
    assert.deepEqual(second.peek(), batch(7));
    second.append(batch(20));
    const seen: number[] = [];
    while (!second.isEmpty) {
      seen.push(Number(/v=(\d+)/.exec((second.peek() as { body: string }).body)?.[1]));
      second.ack();
    }
    assert.deepEqual(seen, Array.from({ length: 14 }, (_, i) => i + 7));
    second.close();
    assert.deepEqual(segments(dir), [], "spent segments are deleted");
    assert.equal(new DiskQueue(dir).isEmpty, true);
  });

  it("rolls segments and deletes each once it is delivered", () => {
    const queue = new DiskQueue(dir, { segmentBytes: 150 });
    for (let i = 0; i < 10; i++) queue.append(batch(i));
    const before = segments(dir).length;
    assert.ok(before >= 4, `expected several segments, got ${before}`);
    for (let i = 0; i < 5; i++) queue.ack();
    assert.ok(segments(dir).length < before);
    queue.close();
  });

  it("cuts a torn append at the end (crash in mid-write) and keeps every whole record", () => {
    const queue = new DiskQueue(dir);
    for (let i = 0; i < 3; i++) queue.append(batch(i));
    queue.close();
    const file = path.join(dir, segments(dir)[0]);
    const whole = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.from([40, 0, 0, 0, 2, 0, 0, 0, 1, 2, 3, 4, 109, 44]));
    const reopened = new DiskQueue(dir);
    assert.equal(reopened.batches, 3);
    assert.equal(fs.statSync(file).size, whole);
    assert.match(reopened.warnings.join(" "), /torn record/);
    reopened.close();
  });

  it("skips a damaged record (CRC mismatch) with a warning instead of sending garbage", () => {
    const queue = new DiskQueue(dir);
    for (let i = 0; i < 3; i++) queue.append(batch(i));
    queue.close();
    const file = path.join(dir, segments(dir)[0]);
    const data = fs.readFileSync(file);
    const second = 12 + data.readUInt32LE(0);
    data[second + 12 + 3] ^= 0xff;
    fs.writeFileSync(file, data);
    const reopened = new DiskQueue(dir);
    assert.equal(reopened.batches, 1);
    assert.match(reopened.warnings.join(" "), /damaged record/);
    reopened.close();
  });

  it("refuses an append past its bound and reports how full it is", () => {
    const one = batch(0);
    const size = 12 + Buffer.byteLength(one.body);
    const queue = new DiskQueue(dir, { maxBytes: size * 10 });
    for (let i = 0; i < 10; i++) assert.equal(queue.append(batch(i)), true);
    assert.equal(queue.fill, 1);
    assert.equal(queue.append(batch(3)), false);
    assert.equal(queue.batches, 10);
    queue.ack();
    assert.equal(queue.fill, 0.9);
    assert.equal(queue.append(batch(5)), true);
    queue.close();
  });
});
