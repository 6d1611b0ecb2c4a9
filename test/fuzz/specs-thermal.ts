/**
 * Fuzz spec of thermal-segment: corrupt images (random bytes, truncated PNG and JPEG, zero size,
 * headers declaring huge frames), malformed raw matrices, bad msg.roi / msg.input, beside a valid
 * series of small layered frames (raw matrices and one grey PNG).
 */
import zlib from "zlib";
import thermalSegmentNode from "../../nodes/thermal-segment/thermal-segment";
import { thermalFixture } from "../lib/thermal/fixtures";
import type { FuzzCase, NodeFuzzSpec } from "./fuzz-runner";
import { circular, notANumber, pollutingObject, type Gen, type Msg } from "./generators";
import { PENDING_PATCHES } from "./specs-analytics";

const WIDTH = 16;
const HEIGHT = 90;

/** A tank frame in 8-bit counts: air, crude, emulsion, water from the top, with a little texture. */
function layeredMatrix(i: number): Uint8Array {
  const data = new Uint8Array(WIDTH * HEIGHT);
  const shift = i % 7;
  for (let y = 0; y < HEIGHT; y++) {
    const level = y < 20 + shift ? 40 : y < 45 + shift ? 220 : y < 62 + shift ? 155 : 100;
    for (let x = 0; x < WIDTH; x++) data[y * WIDTH + x] = level + ((x * 7 + y * 3 + i) % 5);
  }
  return data;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A grey 8-bit PNG with the given IHDR size and the given rows (filter byte 0 each), with valid CRCs:
 * written by hand so that a header can lie about the size while every checksum is right.
 */
export function greyPng(width: number, height: number, rows: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

function pngOf(data: Uint8Array): Buffer {
  const rows = Buffer.alloc((WIDTH + 1) * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) rows.set(data.subarray(y * WIDTH, (y + 1) * WIDTH), y * (WIDTH + 1) + 1);
  return greyPng(WIDTH, HEIGHT, rows);
}

export const thermalSegmentSpec = (): NodeFuzzSpec => {
  const goodPng = pngOf(layeredMatrix(0));
  const jpeg = thermalFixture("uniform.jpg");
  const good = (i: number): Msg =>
    i % 10 === 0 ? { topic: "TK-1", payload: goodPng } : { topic: "TK-1", payload: { width: WIDTH, height: HEIGHT, data: layeredMatrix(i) } };
  const image = (gen: Gen): { payload: Buffer; label: string } => {
    switch (gen.int(0, 7)) {
      case 0:
        return { payload: gen.bytes(gen.int(1, 2000)), label: "image-random-bytes" };
      case 1:
        return { payload: Buffer.alloc(0), label: "image-zero-size" };
      case 2:
        return { payload: goodPng.subarray(0, gen.int(1, goodPng.length - 13)), label: "image-png-truncated" };
      case 3:
        return { payload: jpeg.subarray(0, gen.int(1, Math.min(jpeg.length - 1, 4000))), label: "image-jpeg-truncated" };
      case 4: {
        // Every checksum right, the header says 16384 × 16384 (over sharp's pixel limit), 3 rows of data.
        const side = gen.pick([16_384, 65_535, 2 ** 31 - 1]);
        return { payload: greyPng(side, side, Buffer.alloc(3 * 17)), label: "image-huge-declared-size" };
      }
      case 5: {
        const broken = Buffer.from(goodPng);
        for (let k = 0; k < 4; k++) broken[gen.int(8, broken.length - 1)] ^= 1 << gen.int(0, 7);
        return { payload: broken, label: "image-png-bit-flips" };
      }
      case 6: {
        const header = Buffer.from(goodPng.subarray(0, 33));
        header.writeUInt32BE(0, 16); // width 0
        return { payload: Buffer.concat([header, goodPng.subarray(33)]), label: "image-png-zero-width" };
      }
      default:
        return { payload: Buffer.concat([jpeg.subarray(0, 2), gen.bytes(gen.int(10, 500))]), label: "image-jpeg-marker-garbage" };
    }
  };
  return {
    type: "thermal-segment",
    nodes: [thermalSegmentNode],
    outputs: 1,
    config: { statistic: "median", sigma: 3, prominence: 3, minDistance: 6, expectedLayers: 4 },
    good,
    goodEvery: 20,
    bad: (gen, i): FuzzCase => {
      const msg = good(i);
      const error = (label: string, field: string): FuzzCase => ({ msg, expect: { error: field }, label });
      switch (gen.int(0, 9)) {
        case 0:
        case 1:
        case 2: {
          const { payload, label } = image(gen);
          msg.payload = payload;
          return error(label, "msg.payload");
        }
        case 3:
          msg.payload = gen.pick<unknown>([5, "frame.png", true, null, undefined, Symbol("f"), 5n, () => 1]);
          return error("payload-wrong-type", "msg.payload");
        case 4: {
          const matrix = { width: WIDTH, height: HEIGHT, data: Array.from(layeredMatrix(i)) as unknown[] };
          const broken = gen.int(0, 4);
          if (broken === 0) matrix.data[gen.int(0, matrix.data.length - 1)] = notANumber(gen);
          else if (broken === 1) (matrix as Msg).width = gen.pick<unknown>([0, -1, 1.5, NaN, "16x", WIDTH + 1, 2 ** 40]);
          else if (broken === 2) (matrix as Msg).height = gen.pick<unknown>([0, -3, NaN, HEIGHT - 1, Infinity]);
          else if (broken === 3) (matrix as Msg).data = gen.pick<unknown>([null, "pixels", 5, {}, circular(), new Array(WIDTH * HEIGHT).fill("1")]);
          else matrix.data = matrix.data.slice(0, gen.int(0, matrix.data.length - 1));
          msg.payload = matrix;
          return error("matrix-bad", "msg.payload");
        }
        case 5: {
          const rows = Array.from({ length: HEIGHT }, (_, y) => Array.from(layeredMatrix(i).subarray(y * WIDTH, (y + 1) * WIDTH)) as unknown[]);
          const y = gen.int(0, HEIGHT - 1);
          if (gen.chance(0.5)) rows[y] = rows[y].slice(1);
          else rows[y][gen.int(0, WIDTH - 1)] = notANumber(gen);
          msg.payload = { data: rows };
          return error("matrix-rows-bad", "msg.payload");
        }
        case 6:
          msg.roi = gen.pick<unknown>([5, "roi", [], { x: -1, y: 0, width: 4, height: 10 }, { x: 0, y: 0, width: 0, height: 10 }, { x: 0, y: 0, width: 4, height: 2 }, { x: 0, y: 0, width: 1e9, height: 1e9 }, { x: NaN, width: 4, height: 10 }, { width: "4", height: 10.5 }, pollutingObject(gen), circular(), Symbol("roi")]);
          return error("roi-bad", "msg.roi");
        case 7:
          msg.payload = { width: WIDTH, height: HEIGHT, data: layeredMatrix(i) };
          msg.input = gen.pick<unknown>(["kelvin", "Celsius", 1, true, {}, Symbol("i")]);
          return error("input-bad", "msg.input");
        case 8:
          msg.payload = pollutingObject(gen);
          return error("payload-prototype-keys", "msg.payload");
        default: {
          // A valid frame with an awkward topic: processed (thermal-segment keeps no per-topic state).
          msg.topic = gen.pick(["__proto__", "constructor", "prototype", "x".repeat(100_000)]);
          return { msg, expect: { accept: true }, label: "topic-awkward-valid" };
        }
      }
    },
    belongsToGood: (msg) => msg.topic === "TK-1",
    unordered: true,
    pending: PENDING_PATCHES,
  };
};
