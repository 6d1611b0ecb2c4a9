import sharp from "sharp";

/** What decoding needs to know before it starts: sample depth, channel count, colour space. */
interface ImageKind {
  depth?: string;
  channels?: number;
  space?: string;
}
import { InputError, describeValue } from "../common/errors";
import { decodeGreyPng } from "./png-fast";

/**
 * What the pixels mean: camera counts of an 8-bit or a 16-bit image (mapped to °C by the configured
 * linear maps), or radiometric temperatures already in °C.
 */
export type FrameUnit = "counts8" | "counts16" | "celsius";

/** A single-channel frame, row-major. */
export interface ThermalFrame {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array | Float32Array | Float64Array;
  unit: FrameUnit;
}

/** A raw matrix as radiometric cameras send it: typed array or plain array, or nested rows. */
export interface RawMatrix {
  width?: number;
  height?: number;
  data: ArrayLike<number> | ArrayLike<ArrayLike<number>>;
}

// ITU-R BT.601 luma: what a grey thermal palette rendered as RGB is converted back with (R = G = B
// gives the grey value itself). Done here because sharp's own greyscale conversion costs ~6 ms a frame
// (it goes through a colour space) where this loop costs < 1 ms.
function luminance(src: ArrayLike<number>, channels: number, pixels: number, out: Uint8Array | Uint16Array): void {
  for (let i = 0, j = 0; i < pixels; i++, j += channels) {
    out[i] = Math.round(0.299 * src[j] + 0.587 * src[j + 1] + 0.114 * src[j + 2]);
  }
}

function firstChannel(src: ArrayLike<number>, channels: number, pixels: number, out: Uint8Array | Uint16Array): void {
  for (let i = 0, j = 0; i < pixels; i++, j += channels) out[i] = src[j];
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Depth and channels from a PNG header or a JPEG marker, without asking sharp: its metadata() call costs
 * ~0.5 ms, 10 % of the frame budget. Other formats (TIFF…) return null and go through sharp.
 */
function headerMetadata(buffer: Buffer): ImageKind | null {
  if (buffer.length > 26 && buffer.subarray(0, 8).equals(PNG_SIGNATURE) && buffer.toString("latin1", 12, 16) === "IHDR") {
    const bitDepth = buffer[24];
    const colourType = buffer[25];
    // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA (PNG spec 11.2.2)
    const channels = colourType === 0 ? 1 : colourType === 4 ? 2 : colourType === 6 ? 4 : 3;
    return { depth: bitDepth === 16 ? "ushort" : "uchar", channels, space: channels <= 2 ? (bitDepth === 16 ? "grey16" : "b-w") : "srgb" };
  }
  if (buffer.length > 3 && buffer[0] === 0xff && buffer[1] === 0xd8 && buffer[2] === 0xff) return { depth: "uchar", channels: 3, space: "srgb" };
  return null;
}

/**
 * Decodes a PNG, JPEG or TIFF (any format sharp reads) to one channel (grey PNGs by the synchronous
 * path of png-fast.ts, everything else by sharp): 8-bit images stay 8-bit, 16-bit
 * ones keep their 16 bits; RGB becomes luminance, alpha is dropped.
 */
export async function decodeImage(buffer: Buffer, field = "msg.payload"): Promise<ThermalFrame> {
  if (!Buffer.isBuffer(buffer) || buffer.length === 0) throw new InputError(field, `expected an image Buffer, got ${describeValue(buffer)}`);
  const grey = decodeGreyPng(buffer);
  if (grey !== null) return { width: grey.width, height: grey.height, data: grey.data, unit: grey.bitDepth === 16 ? "counts16" : "counts8" };
  let meta: ImageKind;
  try {
    meta = headerMetadata(buffer) ?? (await sharp(buffer).metadata());
  } catch (err) {
    throw new InputError(field, `expected a PNG, JPEG or TIFF image, could not decode it (${(err as Error).message})`);
  }
  const wide = meta.depth === "ushort" || meta.depth === "short";
  const colour = (meta.channels ?? 1) >= 3 && meta.space !== "b-w" && meta.space !== "grey16";
  try {
    // A 16-bit image must be read through a 16-bit colour space, else sharp narrows it to 8 bits.
    const pipeline = wide ? sharp(buffer).toColourspace(colour ? "rgb16" : "grey16").raw({ depth: "ushort" }) : sharp(buffer).raw();
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    const pixels = info.width * info.height;
    const samples = wide ? new Uint16Array(data.buffer, data.byteOffset, data.length >> 1) : data;
    if (info.channels === 1) {
      return { width: info.width, height: info.height, data: wide ? new Uint16Array(samples) : new Uint8Array(samples), unit: wide ? "counts16" : "counts8" };
    }
    const out = wide ? new Uint16Array(pixels) : new Uint8Array(pixels);
    if (info.channels >= 3) luminance(samples, info.channels, pixels, out);
    else firstChannel(samples, info.channels, pixels, out);
    return { width: info.width, height: info.height, data: out, unit: wide ? "counts16" : "counts8" };
  } catch (err) {
    throw new InputError(field, `the image could not be decoded (${(err as Error).message})`);
  }
}

function isNumberArrayLike(value: unknown): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) || (Array.isArray(value) && (value.length === 0 || typeof value[0] === "number"));
}

/**
 * A frame from a raw matrix. `input` "celsius" says the values are temperatures; otherwise they are
 * counts: 16-bit when the array is a Uint16Array or holds a value above 255, else 8-bit.
 */
export function frameFromMatrix(matrix: unknown, input: "counts" | "celsius" = "counts", field = "msg.payload"): ThermalFrame {
  if (typeof matrix !== "object" || matrix === null) throw new InputError(field, `expected an image Buffer or {width, height, data}, got ${describeValue(matrix)}`);
  const m = matrix as RawMatrix;
  let width: number;
  let height: number;
  let flat: ArrayLike<number>;
  if (Array.isArray(m.data) && m.data.length > 0 && typeof m.data[0] === "object") {
    const rows = m.data as ArrayLike<ArrayLike<unknown>>;
    height = rows.length;
    const first = rows[0] as ArrayLike<unknown> | null;
    width = first === null || typeof first.length !== "number" ? NaN : first.length;
    if (!Number.isInteger(width) || width < 1) throw new InputError(`${field}.data[0]`, `expected a row of numbers, got ${describeValue(first)}`);
    const out = new Float64Array(width * height);
    for (let r = 0; r < height; r++) {
      const row = rows[r];
      if (!row || row.length !== width) throw new InputError(`${field}.data[${r}]`, `expected a row of ${width} numbers, got ${describeValue(row)}`);
      for (let c = 0; c < width; c++) {
        // Checked here: the Float64Array would turn "1" and true into 1, null into 0, and throw on a Symbol.
        const v = row[c];
        if (typeof v !== "number" || !Number.isFinite(v)) throw new InputError(`${field}.data[${r}][${c}]`, `expected a finite number, got ${describeValue(v)}`);
        out[r * width + c] = v;
      }
    }
    flat = out;
  } else if (isNumberArrayLike(m.data)) {
    flat = m.data;
    width = Number(m.width);
    height = Number(m.height);
    if (!Number.isInteger(width) || width < 1) throw new InputError(`${field}.width`, `expected a whole number >= 1, got ${describeValue(m.width)}`);
    if (!Number.isInteger(height) || height < 1) throw new InputError(`${field}.height`, `expected a whole number >= 1, got ${describeValue(m.height)}`);
    if (flat.length !== width * height) throw new InputError(`${field}.data`, `expected width·height = ${width * height} values, got ${flat.length}`);
  } else {
    throw new InputError(`${field}.data`, `expected a typed array, an array of numbers or an array of rows, got ${describeValue(m.data)}`);
  }
  if (m.width !== undefined && Number(m.width) !== width) throw new InputError(`${field}.width`, `the rows hold ${width} values, width says ${describeValue(m.width)}`);
  if (m.height !== undefined && Number(m.height) !== height) throw new InputError(`${field}.height`, `there are ${height} rows, height says ${describeValue(m.height)}`);
  let max = -Infinity;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new InputError(`${field}.data`, `value ${i} is not a finite number (${describeValue(v)})`);
    if (v > max) max = v;
  }
  if (input === "celsius") return { width, height, data: Float64Array.from(flat), unit: "celsius" };
  const unit: FrameUnit = flat instanceof Uint16Array || max > 255 ? "counts16" : "counts8";
  return { width, height, data: flat instanceof Uint8Array || flat instanceof Uint16Array ? flat : Float64Array.from(flat), unit };
}
