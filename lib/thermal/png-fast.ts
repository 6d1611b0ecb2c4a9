import zlib from "zlib";

/**
 * A synchronous decoder for the one PNG kind thermal cameras send most: single-channel grey, 8 or 16
 * bit, not interlaced. Hand-written (on node's zlib) because sharp's asynchronous decode hops through
 * the libuv thread pool: measured on this machine it costs 2–3× the seed's whole Pillow + numpy pipeline
 * per 640×480 frame, and much more under load; this path costs one inflate and one pass over the rows.
 * Any other PNG (colour, palette, interlaced, a malformed one) returns null and goes to sharp, which
 * also produces the error messages.
 */
export interface GreyPng {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array;
  bitDepth: 8 | 16;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * sharp's (libvips') default limit on input pixels, 16383 × 16383: what sharp refuses, this path must
 * refuse too, or a small PNG declaring a huge frame (a decompression bomb) would be inflated here.
 */
export const MAX_PIXELS = 0x3fff * 0x3fff;

export function decodeGreyPng(buffer: Buffer, maxPixels = MAX_PIXELS): GreyPng | null {
  if (buffer.length < 45) return null;
  for (let i = 0; i < 8; i++) if (buffer[i] !== SIGNATURE[i]) return null;
  if (buffer.toString("latin1", 12, 16) !== "IHDR") return null;
  const width = buffer.readUInt32BE(16);
  const height = buffer.readUInt32BE(20);
  const bitDepth = buffer[24];
  const colourType = buffer[25];
  const interlace = buffer[28];
  if (colourType !== 0 || (bitDepth !== 8 && bitDepth !== 16) || interlace !== 0 || width === 0 || height === 0) return null;
  // Too large: sharp gives the error ("exceeds pixel limit").
  if (width * height > maxPixels) return null;
  const parts: Buffer[] = [];
  let offset = 8;
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString("latin1", offset + 4, offset + 8);
    if (offset + 12 + length > buffer.length) return null;
    if (type === "IDAT") parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    if (type === "IEND") break;
    offset += 12 + length;
  }
  if (parts.length === 0) return null;
  const bpp = bitDepth / 8;
  const stride = width * bpp;
  let raw: Buffer;
  try {
    // Never inflate more than the declared frame holds: extra data cannot be used, and a bomb stops here.
    raw = zlib.inflateSync(parts.length === 1 ? parts[0] : Buffer.concat(parts), { maxOutputLength: (stride + 1) * height });
  } catch {
    return null;
  }
  if (raw.length < (stride + 1) * height) return null;
  // One spare zero row in front stands for the row above the first: no bounds test in the loops.
  const buf = new Uint8Array(stride * (height + 1));
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = (y + 1) * stride;
    const up = row - stride;
    switch (filter) {
      case 0:
        buf.set(raw.subarray(src, src + stride), row);
        break;
      case 1:
        for (let i = 0; i < bpp; i++) buf[row + i] = raw[src + i];
        for (let i = bpp; i < stride; i++) buf[row + i] = raw[src + i] + buf[row + i - bpp];
        break;
      case 2:
        for (let i = 0; i < stride; i++) buf[row + i] = raw[src + i] + buf[up + i];
        break;
      case 3:
        for (let i = 0; i < bpp; i++) buf[row + i] = raw[src + i] + (buf[up + i] >> 1);
        for (let i = bpp; i < stride; i++) buf[row + i] = raw[src + i] + ((buf[row + i - bpp] + buf[up + i]) >> 1);
        break;
      case 4:
        for (let i = 0; i < bpp; i++) buf[row + i] = raw[src + i] + buf[up + i]; // paeth(0, b, 0) = b
        for (let i = bpp; i < stride; i++) buf[row + i] = raw[src + i] + paeth(buf[row + i - bpp], buf[up + i], buf[up + i - bpp]);
        break;
      default:
        return null;
    }
  }
  const out = buf.subarray(stride); // Uint8Array stores wrap modulo 256, as the PNG filters are defined
  if (bitDepth === 8) return { width, height, data: out, bitDepth };
  const wide = new Uint16Array(width * height);
  for (let i = 0; i < wide.length; i++) wide[i] = (out[2 * i] << 8) | out[2 * i + 1]; // PNG samples are big-endian
  return { width, height, data: wide, bitDepth };
}
