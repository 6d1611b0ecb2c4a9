/** Regressions found by the fuzz suite (test/fuzz): raw matrices with non-numbers, PNG decompression bombs. */
import assert from "node:assert/strict";
import zlib from "zlib";
import { InputError } from "../../../lib/common/errors";
import { frameFromMatrix } from "../../../lib/thermal/frame";
import { decodeGreyPng } from "../../../lib/thermal/png-fast";
import { greyPng } from "../../fuzz/specs-thermal";

const rows = (): unknown[][] => Array.from({ length: 4 }, () => [1, 2, 3]);
const fieldOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    return err.field;
  }
  return assert.fail("accepted");
};

describe("lib/thermal fuzz regressions", () => {
  it("nested rows: a string, boolean, null or Symbol is an InputError naming the cell, not a coerced number or a TypeError", () => {
    for (const bad of ["1", true, null, Symbol("s"), 5n, {}, NaN]) {
      const data = rows();
      data[2][1] = bad;
      assert.equal(fieldOf(() => frameFromMatrix({ data })), "msg.payload.data[2][1]");
    }
  });

  it("nested rows: a first row that is no row is an InputError, not a RangeError", () => {
    for (const first of [{}, null, { length: -1 }, { length: 1.5 }]) {
      assert.equal(fieldOf(() => frameFromMatrix({ data: [first, [1, 2]] })), "msg.payload.data[0]");
    }
  });

  it("decodeGreyPng leaves a frame over the pixel limit to sharp (which refuses it) instead of inflating it", () => {
    const png = greyPng(64, 64, Buffer.alloc(65 * 64));
    assert.notEqual(decodeGreyPng(png), null);
    assert.equal(decodeGreyPng(png, 64 * 64 - 1), null);
  });

  it("decodeGreyPng inflates no more than the declared frame: a stream with more data is not decoded here", () => {
    const ihdrSized = greyPng(8, 2, Buffer.alloc(9 * 2));
    assert.notEqual(decodeGreyPng(ihdrSized), null);
    // Same header, 1000 rows of data behind it (a bomb in miniature).
    const bomb = greyPng(8, 2, Buffer.alloc(9 * 1000));
    assert.equal(decodeGreyPng(bomb), null);
    assert.ok(zlib.deflateSync(Buffer.alloc(9 * 1000)).length < 100, "the miniature bomb compresses to almost nothing");
  });
});
