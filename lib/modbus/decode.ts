import { InputError, describeValue } from "../common/errors";
import { registerWidth, type Order, type RegisterType } from "./register-map";

/**
 * Register words ⇄ values for every type, byte order and word order. Pure functions on Buffers: the
 * bytes are arranged into plain big-endian order first, then read with Node's Buffer readers (which
 * handle two's complement and IEEE 754 exactly; no hand-written bit arithmetic).
 */

/** Registers of a value, copied into `scratch` (≥ 8 bytes) in big-endian order (ABCD…). */
function toBigEndian(data: Buffer, byteIndex: number, width: number, byteOrder: Order, wordOrder: Order, scratch: Buffer): void {
  for (let word = 0; word < width; word++) {
    // Word `word` of the value (0 = most significant) sits at position `source` on the wire.
    const source = wordOrder === "big" ? word : width - 1 - word;
    const from = byteIndex + source * 2;
    const high = byteOrder === "big" ? data[from] : data[from + 1];
    const low = byteOrder === "big" ? data[from + 1] : data[from];
    scratch[word * 2] = high;
    scratch[word * 2 + 1] = low;
  }
}

const decodeScratch = Buffer.alloc(8);

/**
 * The raw value of `type` whose first register starts at byte `byteIndex` of `data` (the register bytes
 * of a read response as they came off the wire).
 */
export function decodeRegisters(data: Buffer, byteIndex: number, type: RegisterType, byteOrder: Order = "big", wordOrder: Order = "big"): number {
  const width = registerWidth(type);
  if (byteIndex < 0 || byteIndex + width * 2 > data.length) {
    throw new RangeError(`a ${type} at byte ${byteIndex} needs ${width * 2} bytes, the response has ${data.length}`);
  }
  toBigEndian(data, byteIndex, width, byteOrder, wordOrder, decodeScratch);
  switch (type) {
    case "int16":
      return decodeScratch.readInt16BE(0);
    case "uint16":
      return decodeScratch.readUInt16BE(0);
    case "int32":
      return decodeScratch.readInt32BE(0);
    case "uint32":
      return decodeScratch.readUInt32BE(0);
    case "float32":
      return decodeScratch.readFloatBE(0);
    case "float64":
      return decodeScratch.readDoubleBE(0);
  }
}

/** Bit `bitIndex` of a coil / discrete input response: the first bit is the least significant of byte 0. */
export function decodeBit(data: Buffer, bitIndex: number): boolean {
  const byte = bitIndex >> 3;
  if (bitIndex < 0 || byte >= data.length) throw new RangeError(`bit ${bitIndex} is outside a response of ${data.length} bytes`);
  return ((data[byte] >> (bitIndex & 7)) & 1) === 1;
}

const INTEGER_RANGES: Partial<Record<RegisterType, [number, number]>> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

/**
 * The register words (0..65535 each, in wire order) that hold `value` as `type`: the inverse of
 * decodeRegisters, for writing values and for simulators.
 */
export function encodeRegisters(value: number, type: RegisterType, byteOrder: Order = "big", wordOrder: Order = "big", field = "value"): number[] {
  const range = INTEGER_RANGES[type];
  if (range !== undefined && (!Number.isInteger(value) || value < range[0] || value > range[1])) {
    throw new InputError(field, `expected a whole number ${range[0]}..${range[1]} for ${type}, got ${describeValue(value)}`);
  }
  if (typeof value !== "number" || Number.isNaN(value)) throw new InputError(field, `expected a number, got ${describeValue(value)}`);
  const width = registerWidth(type);
  const big = Buffer.alloc(width * 2);
  switch (type) {
    case "int16":
      big.writeInt16BE(value, 0);
      break;
    case "uint16":
      big.writeUInt16BE(value, 0);
      break;
    case "int32":
      big.writeInt32BE(value, 0);
      break;
    case "uint32":
      big.writeUInt32BE(value, 0);
      break;
    case "float32":
      big.writeFloatBE(value, 0);
      break;
    case "float64":
      big.writeDoubleBE(value, 0);
      break;
  }
  const words: number[] = [];
  for (let position = 0; position < width; position++) {
    const word = wordOrder === "big" ? position : width - 1 - position;
    const high = big[word * 2];
    const low = big[word * 2 + 1];
    words.push(byteOrder === "big" ? (high << 8) | low : (low << 8) | high);
  }
  return words;
}
