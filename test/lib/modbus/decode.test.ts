import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { decodeBit, decodeRegisters, encodeRegisters } from "../../../lib/modbus/decode";
import { REGISTER_TYPES, type Order, type RegisterType } from "../../../lib/modbus/register-map";
import { seededRandom } from "../../support/reference";

const wire = (...bytes: number[]) => Buffer.from(bytes);
const ORDERS: Order[] = ["big", "little"];

describe("lib/modbus decode", () => {
  // Byte patterns from the Modbus vendors' tables (ABCD = big/big, CDAB = word swap, BADC = byte swap, DCBA = both).
  it("float32 123.456 (0x42F6E979) in all four byte/word orders", () => {
    assert.equal(decodeRegisters(wire(0x42, 0xf6, 0xe9, 0x79), 0, "float32", "big", "big"), Math.fround(123.456));
    assert.equal(decodeRegisters(wire(0xe9, 0x79, 0x42, 0xf6), 0, "float32", "big", "little"), Math.fround(123.456));
    assert.equal(decodeRegisters(wire(0xf6, 0x42, 0x79, 0xe9), 0, "float32", "little", "big"), Math.fround(123.456));
    assert.equal(decodeRegisters(wire(0x79, 0xe9, 0xf6, 0x42), 0, "float32", "little", "little"), Math.fround(123.456));
  });

  it("integers: sign, width and offset inside the response", () => {
    const data = wire(0xff, 0xfe, 0x80, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff);
    assert.equal(decodeRegisters(data, 0, "int16"), -2);
    assert.equal(decodeRegisters(data, 0, "uint16"), 65534);
    assert.equal(decodeRegisters(data, 2, "int16"), -32768);
    assert.equal(decodeRegisters(data, 2, "int32"), -2147483647);
    assert.equal(decodeRegisters(data, 2, "uint32"), 0x80000001);
    assert.equal(decodeRegisters(data, 2, "uint32", "big", "little"), 0x00018000);
    assert.equal(decodeRegisters(data, 6, "int32"), -1);
    assert.equal(decodeRegisters(data, 0, "uint16", "little"), 0xfeff);
  });

  it("float64 word order reverses all four registers", () => {
    // 1.0 = 3FF0 0000 0000 0000
    assert.equal(decodeRegisters(wire(0x3f, 0xf0, 0, 0, 0, 0, 0, 0), 0, "float64"), 1);
    assert.equal(decodeRegisters(wire(0, 0, 0, 0, 0, 0, 0x3f, 0xf0), 0, "float64", "big", "little"), 1);
    assert.equal(decodeRegisters(wire(0, 0, 0, 0, 0, 0, 0xf0, 0x3f), 0, "float64", "little", "little"), 1);
    assert.equal(decodeRegisters(wire(0xf0, 0x3f, 0, 0, 0, 0, 0, 0), 0, "float64", "little", "big"), 1);
  });

  it("a short response is a RangeError, not a wrong value", () => {
    assert.throws(() => decodeRegisters(wire(1, 2, 3), 0, "float32"), RangeError);
    assert.throws(() => decodeBit(wire(1), 8), RangeError);
  });

  it("bits are packed least significant first", () => {
    const data = wire(0b0000_0101, 0b1000_0000);
    assert.deepEqual(
      Array.from({ length: 16 }, (_, i) => decodeBit(data, i)),
      [true, false, true, false, false, false, false, false, false, false, false, false, false, false, false, true],
    );
  });

  it("encode and decode are inverse for every type and order (seeded random values)", () => {
    const random = seededRandom(9);
    const sample = (type: RegisterType): number => {
      const u = random();
      switch (type) {
        case "int16":
          return Math.floor(u * 65536) - 32768;
        case "uint16":
          return Math.floor(u * 65536);
        case "int32":
          return Math.floor(u * 2 ** 32) - 2 ** 31;
        case "uint32":
          return Math.floor(u * 2 ** 32);
        case "float32":
          return Math.fround((u - 0.5) * 1e6);
        case "float64":
          return (u - 0.5) * 1e12;
      }
    };
    for (const type of REGISTER_TYPES) {
      for (const byteOrder of ORDERS) {
        for (const wordOrder of ORDERS) {
          for (let i = 0; i < 200; i++) {
            const value = sample(type);
            const words = encodeRegisters(value, type, byteOrder, wordOrder);
            const data = Buffer.alloc(words.length * 2 + 2);
            words.forEach((w, k) => data.writeUInt16BE(w, 2 + k * 2));
            assert.equal(decodeRegisters(data, 2, type, byteOrder, wordOrder), value, `${type} ${byteOrder}/${wordOrder} ${value}`);
          }
        }
      }
    }
  });

  it("encode rejects values the type cannot hold, naming the field", () => {
    assert.throws(() => encodeRegisters(70000, "uint16", "big", "big", "msg.payload"), (e: unknown) => e instanceof InputError && e.field === "msg.payload");
    assert.throws(() => encodeRegisters(1.5, "int32"), /whole number/);
    assert.throws(() => encodeRegisters(Number.NaN, "float32"), /number/);
    assert.deepEqual(encodeRegisters(-1, "int32", "big", "little"), [0xffff, 0xffff]);
    assert.deepEqual(encodeRegisters(0x12345678, "uint32", "little", "little"), [0x7856, 0x3412]);
  });
});
