import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { parseRegisterMap, parseTagDefinition, registerWidth } from "../../../lib/modbus/register-map";

function rejects(value: unknown, field: RegExp, message: RegExp): void {
  assert.throws(
    () => parseRegisterMap(value),
    (err: unknown) => {
      assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
      assert.match(err.field, field);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe("lib/modbus register map", () => {
  it("reads editor values (strings) with defaults for the optional fields", () => {
    const [pressure, running] = parseRegisterMap([
      { tag: " PT-101 ", area: "holding", address: "10", type: "float32", wordOrder: "little", scale: "0.1", offset: "-5", unit: "bar" },
      { tag: "P-1.running", area: "coil", address: 3 },
    ]);
    assert.deepEqual(pressure, { tag: "PT-101", area: "holding", address: 10, type: "float32", byteOrder: "big", wordOrder: "little", scale: 0.1, offset: -5, unit: "bar" });
    assert.deepEqual(running, { tag: "P-1.running", area: "coil", address: 3, type: "bool", byteOrder: "big", wordOrder: "big", scale: 1, offset: 0, unit: "" });
    assert.equal(parseTagDefinition({ tag: "x", address: 0 }, "r").type, "uint16", "registers default to uint16 in the holding area");
    assert.deepEqual([registerWidth("int16"), registerWidth("uint32"), registerWidth("float32"), registerWidth("float64"), registerWidth("bool")], [1, 2, 2, 4, 1]);
  });

  it("accepts a JSON string (the form a flow file may carry)", () => {
    assert.equal(parseRegisterMap('[{"tag":"a","address":1}]')[0].address, 1);
    rejects("[{", /^registers$/, /not JSON/);
  });

  it("names the field of a bad address, unknown type, bad area, order or scale", () => {
    rejects([{ tag: "a", address: -1 }], /^registers\[0\]\.address$/, /protocol address 0-65535/);
    rejects([{ tag: "a", address: 1.5 }], /^registers\[0\]\.address$/, /whole/);
    rejects([{ tag: "a", address: "40001x" }], /^registers\[0\]\.address$/, /40001x/);
    rejects([{ tag: "a", address: 70000 }], /^registers\[0\]\.address$/, /0-65535/);
    rejects([{ tag: "ok", address: 0 }, { tag: "b", address: 1, type: "int64" }], /^registers\[1\]\.type$/, /"int16", "uint16", "int32", "uint32", "float32", "float64".*int64/);
    rejects([{ tag: "a", area: "coil", address: 1, type: "float32" }], /^registers\[0\]\.type$/, /"bool"/);
    rejects([{ tag: "a", area: "register", address: 1 }], /^registers\[0\]\.area$/, /"holding", "input", "coil", "discrete"/);
    rejects([{ tag: "a", address: 1, byteOrder: "middle" }], /^registers\[0\]\.byteOrder$/, /"big", "little"/);
    rejects([{ tag: "a", address: 1, scale: 0 }], /^registers\[0\]\.scale$/, /other than 0/);
    rejects([{ tag: "a", address: 1, offset: "ten" }], /^registers\[0\]\.offset$/, /finite number/);
    rejects([{ tag: "a", area: "discrete", address: 1, scale: 2 }], /^registers\[0\]\.scale$/, /bit/);
    rejects([{ tag: "", address: 1 }], /^registers\[0\]\.tag$/, /non-empty/);
    rejects([{ tag: "a", address: 1, unit: 5 }], /^registers\[0\]\.unit$/, /string/);
    rejects([], /^registers$/, /at least one/);
    rejects({ tag: "a" }, /^registers$/, /array/);
    rejects([7], /^registers\[0\]$/, /object/);
  });

  it("rejects values that run past the last address", () => {
    assert.equal(parseRegisterMap([{ tag: "a", address: 65532, type: "float64" }])[0].address, 65532);
    rejects([{ tag: "a", address: 65533, type: "float64" }], /^registers\[0\]\.address$/, /4 registers.*past 65535/);
    rejects([{ tag: "a", address: 65535, type: "int32" }], /^registers\[0\]\.address$/, /2 registers/);
  });

  it("rejects overlapping registers in one area and duplicate tag names, allows the same address in another area", () => {
    rejects(
      [
        { tag: "flow", address: 100, type: "float64" },
        { tag: "temp", address: 103, type: "int16" },
      ],
      /^registers\[1\]\.address$/,
      /"temp" \(holding 103\) overlaps "flow" \(float64 at holding 100-103\)/,
    );
    rejects(
      [
        { tag: "b", address: 11, type: "int16" },
        { tag: "a", address: 10, type: "uint32" },
      ],
      /^registers\[0\]\.address$/,
      /"b".*overlaps "a"/,
    );
    rejects(
      [
        { tag: "a", address: 1 },
        { tag: "a", address: 2 },
      ],
      /^registers\[1\]\.tag$/,
      /unique/,
    );
    const ok = parseRegisterMap([
      { tag: "h", area: "holding", address: 5, type: "float32" },
      { tag: "i", area: "input", address: 5, type: "float32" },
      { tag: "c", area: "coil", address: 5 },
      { tag: "next", area: "holding", address: 7 },
    ]);
    assert.equal(ok.length, 4);
  });
});
