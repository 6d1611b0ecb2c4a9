import assert from "node:assert/strict";
import sharp from "sharp";
import { InputError } from "../../../lib/common/errors";
import { decodeImage, frameFromMatrix } from "../../../lib/thermal/frame";
import { decodeGreyPng } from "../../../lib/thermal/png-fast";
import { seededRandom } from "../../support/reference";
import { thermalFixture } from "./fixtures";

describe("lib/thermal decodeImage and frameFromMatrix", () => {
  it("decodes an 8-bit grey PNG to its exact pixels", async () => {
    const pixels = Uint8Array.from({ length: 6 * 4 }, (_, i) => i * 10);
    const png = await sharp(pixels, { raw: { width: 6, height: 4, channels: 1 } }).toColourspace("b-w").png().toBuffer();
    const frame = await decodeImage(png);
    assert.equal(frame.unit, "counts8");
    assert.deepEqual([frame.width, frame.height], [6, 4]);
    assert.deepEqual(Array.from(frame.data), Array.from(pixels));
  });

  it("a grey palette saved as RGB decodes to the same values as the grey PNG", async () => {
    const grey = await decodeImage(thermalFixture("clean-8bit.png"));
    const rgb = await decodeImage(thermalFixture("clean-rgb.png"));
    assert.equal(rgb.unit, "counts8");
    assert.deepEqual(Array.from(rgb.data), Array.from(grey.data));
  });

  it("RGBA: luminance of the colour channels, alpha ignored", async () => {
    const rgba = Buffer.from([255, 0, 0, 10, 0, 255, 0, 200, 0, 0, 255, 255, 100, 100, 100, 0]);
    const frame = await decodeImage(await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer());
    assert.deepEqual(Array.from(frame.data), [76, 150, 29, 100]);
  });

  it("keeps the 16 bits of a 16-bit PNG", async () => {
    const frame = await decodeImage(thermalFixture("layers-16bit.png"));
    assert.equal(frame.unit, "counts16");
    const values = Array.from(frame.data);
    assert.ok(values.some((v) => v % 257 !== 0), "values between the 8-bit steps survive");
    assert.ok(values.reduce((m, v) => Math.max(m, v), 0) > 255);
  });

  it("decodes JPEG and TIFF", async () => {
    const jpeg = await decodeImage(thermalFixture("uniform.jpg"));
    assert.deepEqual([jpeg.width, jpeg.height, jpeg.unit], [640, 480, "counts8"]);
    const pixels = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
    const tiff = await sharp(pixels, { raw: { width: 4, height: 4, channels: 1 } }).toColourspace("b-w").tiff({ compression: "lzw" }).toBuffer();
    assert.deepEqual(Array.from((await decodeImage(tiff)).data), Array.from(pixels));
  });

  it("a corrupt or non-image buffer is an InputError naming msg.payload", async () => {
    const png = thermalFixture("clean-8bit.png");
    for (const bad of [Buffer.from("not an image"), png.subarray(0, 60), Buffer.alloc(0)]) {
      await assert.rejects(decodeImage(bad), (err: unknown) => err instanceof InputError && err.field.startsWith("msg.payload"));
    }
  });

  it("raw matrices: flat typed array, nested rows, celsius; bad shapes name the field", () => {
    const flat = frameFromMatrix({ width: 2, height: 2, data: new Uint16Array([1000, 2000, 3000, 4000]) });
    assert.equal(flat.unit, "counts16");
    const nested = frameFromMatrix({ data: [[1, 2, 3], [4, 5, 6]] });
    assert.deepEqual([nested.width, nested.height, nested.unit], [3, 2, "counts8"]);
    assert.deepEqual(Array.from(nested.data), [1, 2, 3, 4, 5, 6]);
    const celsius = frameFromMatrix({ data: [[20.5, 21], [40, 41.5]] }, "celsius");
    assert.equal(celsius.unit, "celsius");
    assert.equal(celsius.data[3], 41.5);
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        assert.ok(err instanceof InputError);
        return err.field;
      }
      assert.fail("expected an InputError");
    };
    assert.equal(field(() => frameFromMatrix({ width: 3, height: 2, data: [1, 2, 3] })), "msg.payload.data");
    assert.equal(field(() => frameFromMatrix({ data: [[1, 2], [3]] })), "msg.payload.data[1]");
    assert.equal(field(() => frameFromMatrix({ width: 2, height: 1, data: [1, NaN] })), "msg.payload.data");
    assert.equal(field(() => frameFromMatrix("text")), "msg.payload");
    assert.equal(field(() => frameFromMatrix({ data: [[1, 2]], width: 5 })), "msg.payload.width");
  });
});

describe("lib/thermal decodeGreyPng (the synchronous grey PNG path)", () => {
  it("gives back the encoded pixels of 8- and 16-bit grey PNGs, whatever the filters and compression", async () => {
    const random = seededRandom(12);
    const width = 97;
    const height = 61;
    // Smooth areas, edges and noise make libpng's adaptive filtering use all five filter types.
    const base = Float64Array.from({ length: width * height }, (_, i) => 128 + 60 * Math.sin(i / 37) + ((i % width) > 50 ? 40 : 0) + 10 * random());
    for (const compressionLevel of [0, 6, 9]) {
      for (const adaptiveFiltering of [true, false]) {
        const p8 = Uint8Array.from(base, (v) => Math.max(0, Math.min(255, Math.round(v))));
        const png8 = await sharp(p8, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png({ compressionLevel, adaptiveFiltering }).toBuffer();
        const fast8 = decodeGreyPng(png8);
        assert.ok(fast8 !== null);
        assert.deepEqual(Array.from(fast8.data), Array.from(p8));
        const p16 = Uint16Array.from(base, (v, i) => Math.round(v * 257) + (i % 200));
        const png16 = await sharp(p16, { raw: { width, height, channels: 1 } }).toColourspace("grey16").png({ compressionLevel, adaptiveFiltering }).toBuffer();
        const fast16 = decodeGreyPng(png16);
        assert.ok(fast16 !== null && fast16.bitDepth === 16);
        assert.deepEqual(Array.from(fast16.data), Array.from(p16));
      }
    }
  });

  it("leaves colour, interlaced and broken PNGs to sharp (null)", async () => {
    const rgb = await sharp(Buffer.alloc(4 * 4 * 3, 100), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer();
    assert.equal(decodeGreyPng(rgb), null);
    const interlaced = await sharp(Buffer.alloc(64, 100), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace("b-w").png({ progressive: true }).toBuffer();
    assert.equal(decodeGreyPng(interlaced), null);
    assert.deepEqual(Array.from((await decodeImage(interlaced)).data), new Array(64).fill(100));
    const good = thermalFixture("clean-8bit.png");
    assert.equal(decodeGreyPng(good.subarray(0, good.length - 40)), null);
    assert.equal(decodeGreyPng(Buffer.from("not a png at all, not at all, not at all, no")), null);
  });
});
