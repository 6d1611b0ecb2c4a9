import assert from "node:assert/strict";
import sinon from "sinon";
import { Batcher, resolveBatcherOptions, type Batch } from "../../../lib/influx/batcher";
import { InputError } from "../../../lib/common/errors";

describe("lib/influx Batcher", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it("cuts a batch at maxPoints, without waiting for the timer", () => {
    const batches: Batch[] = [];
    const batcher = new Batcher({ maxPoints: 3, maxBytes: 1e6, maxDelayMs: 1000 }, (b) => batches.push(b));
    batcher.addAll(["a v=1 1", "a v=2 2", "a v=3 3", "a v=4 4"]);
    assert.deepEqual(batches, [{ body: "a v=1 1\na v=2 2\na v=3 3", points: 3 }]);
    assert.equal(batcher.pending, 1);
  });

  it("sends a trickle after maxDelayMs from its first point", () => {
    const batches: Batch[] = [];
    const batcher = new Batcher({ maxPoints: 100, maxBytes: 1e6, maxDelayMs: 1000 }, (b) => batches.push(b));
    batcher.add("a v=1 1");
    clock.tick(600);
    batcher.add("a v=2 2");
    clock.tick(399);
    assert.equal(batches.length, 0);
    clock.tick(1);
    assert.deepEqual(batches, [{ body: "a v=1 1\na v=2 2", points: 2 }]);
    clock.tick(5000);
    assert.equal(batches.length, 1, "no empty batch");
  });

  it("never lets a body pass maxBytes (a single longer line goes alone)", () => {
    const batches: Batch[] = [];
    const batcher = new Batcher({ maxPoints: 100, maxBytes: 20, maxDelayMs: 1000 }, (b) => batches.push(b));
    batcher.addAll(["a v=1 1", "a v=2 2", "a v=3 3", "a,long=xxxxxxxxxxxxxxxxxxxxxxxx v=4 4"]);
    batcher.close();
    assert.deepEqual(batches.map((b) => b.points), [2, 1, 1]);
    assert.ok(batches.slice(0, 2).every((b) => b.body.length + 1 <= 20));
  });

  it("validates its options", () => {
    assert.throws(() => resolveBatcherOptions({ maxPoints: 0 }), (e: unknown) => e instanceof InputError && e.field === "batchSize");
    assert.throws(() => resolveBatcherOptions({ maxDelayMs: -1 }), (e: unknown) => e instanceof InputError && e.field === "flushInterval");
  });
});
