import { InputError, describeValue } from "../common/errors";

/**
 * The register map of a modbus-in node: which tags live where in the device and how their registers
 * turn into engineering values. Addresses are the 0-based protocol addresses of the Modbus spec (what
 * goes on the wire): Modicon register 40001 is holding address 0, 30001 is input address 0.
 */

export const AREAS = ["holding", "input", "coil", "discrete"] as const;
export type ModbusArea = (typeof AREAS)[number];

export const REGISTER_TYPES = ["int16", "uint16", "int32", "uint32", "float32", "float64"] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];
/** Coils and discrete inputs are single bits. */
export type ModbusDataType = RegisterType | "bool";

export const ORDERS = ["big", "little"] as const;
/**
 * byteOrder: the order of the two bytes inside each 16-bit register ("big" = high byte first, as the
 * Modbus spec sends it). wordOrder: the order of the registers of a 32/64-bit value ("big" = most
 * significant register first). big/big = ABCD, big/little = CDAB, little/big = BADC, little/little = DCBA.
 */
export type Order = (typeof ORDERS)[number];

export interface TagDefinition {
  tag: string;
  area: ModbusArea;
  address: number;
  type: ModbusDataType;
  byteOrder: Order;
  wordOrder: Order;
  /** value = raw · scale + offset (registers only) */
  scale: number;
  offset: number;
  unit: string;
}

/** The highest protocol address: addresses are 16-bit. */
export const MAX_ADDRESS = 0xffff;

/** Registers (or bits) a value of `type` takes. */
export function registerWidth(type: ModbusDataType): number {
  switch (type) {
    case "int32":
    case "uint32":
    case "float32":
      return 2;
    case "float64":
      return 4;
    default:
      return 1;
  }
}

export function isBitArea(area: ModbusArea): boolean {
  return area === "coil" || area === "discrete";
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

/** A number from the editor (numbers arrive as strings from text inputs). */
function numberFrom(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") return Number(value.trim());
  return Number.NaN;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, fallback: T): T {
  if (isBlank(value)) return fallback;
  const text = typeof value === "string" ? value.trim().toLowerCase() : value;
  if (typeof text === "string" && (allowed as readonly string[]).includes(text)) return text as T;
  throw new InputError(field, `expected one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describeValue(value)}`);
}

/** One entry of the map; `field` is its place, e.g. "registers[2]". */
export function parseTagDefinition(entry: unknown, field: string): TagDefinition {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    throw new InputError(field, `expected an object {tag, area, address, type, byteOrder?, wordOrder?, scale?, offset?, unit?}, got ${describeValue(entry)}`);
  }
  const raw = entry as Record<string, unknown>;
  if (typeof raw.tag !== "string" || raw.tag.trim() === "") throw new InputError(`${field}.tag`, `expected a non-empty tag name, got ${describeValue(raw.tag)}`);
  const tag = raw.tag.trim();
  const area = oneOf(raw.area, AREAS, `${field}.area`, "holding");
  const bits = isBitArea(area);

  let type: ModbusDataType;
  if (bits) {
    type = oneOf(raw.type, ["bool"] as const, `${field}.type`, "bool");
  } else {
    type = oneOf(raw.type, REGISTER_TYPES, `${field}.type`, "uint16");
  }

  const address = numberFrom(raw.address);
  if (!Number.isInteger(address) || address < 0 || address > MAX_ADDRESS) {
    throw new InputError(`${field}.address`, `expected a whole protocol address 0-${MAX_ADDRESS} (register 40001 = holding 0), got ${describeValue(raw.address)}`);
  }
  const width = registerWidth(type);
  if (address + width - 1 > MAX_ADDRESS) {
    throw new InputError(`${field}.address`, `a ${type} at ${address} needs ${width} registers and would end past ${MAX_ADDRESS}`);
  }

  const scale = isBlank(raw.scale) ? 1 : numberFrom(raw.scale);
  if (!Number.isFinite(scale) || scale === 0) throw new InputError(`${field}.scale`, `expected a finite number other than 0, got ${describeValue(raw.scale)}`);
  const offset = isBlank(raw.offset) ? 0 : numberFrom(raw.offset);
  if (!Number.isFinite(offset)) throw new InputError(`${field}.offset`, `expected a finite number, got ${describeValue(raw.offset)}`);
  if (bits && (scale !== 1 || offset !== 0)) throw new InputError(`${field}.scale`, `a ${area} is a bit: scale and offset do not apply`);

  const unit = isBlank(raw.unit) ? "" : raw.unit;
  if (typeof unit !== "string") throw new InputError(`${field}.unit`, `expected a string like "bar", got ${describeValue(raw.unit)}`);

  return {
    tag,
    area,
    address,
    type,
    byteOrder: oneOf(raw.byteOrder, ORDERS, `${field}.byteOrder`, "big"),
    wordOrder: oneOf(raw.wordOrder, ORDERS, `${field}.wordOrder`, "big"),
    scale,
    offset,
    unit: unit.trim(),
  };
}

/**
 * Validates a whole map: every entry, unique tag names, and no two tags sharing a register of the same
 * area (a typo in an address would otherwise decode half of a neighbour's value without any warning).
 */
export function parseRegisterMap(value: unknown, field = "registers"): TagDefinition[] {
  let entries = value;
  if (typeof entries === "string") {
    try {
      entries = JSON.parse(entries);
    } catch {
      throw new InputError(field, "expected a JSON array of register definitions, got text that is not JSON");
    }
  }
  if (!Array.isArray(entries)) throw new InputError(field, `expected an array of register definitions, got ${describeValue(entries)}`);
  if (entries.length === 0) throw new InputError(field, "expected at least one register definition");
  const tags = entries.map((entry, i) => parseTagDefinition(entry, `${field}[${i}]`));

  const seen = new Map<string, number>();
  tags.forEach((tag, i) => {
    const first = seen.get(tag.tag);
    if (first !== undefined) throw new InputError(`${field}[${i}].tag`, `"${tag.tag}" is already the tag of ${field}[${first}]; tag names must be unique`);
    seen.set(tag.tag, i);
  });

  const order = tags.map((_, i) => i).sort((a, b) => (tags[a].area === tags[b].area ? tags[a].address - tags[b].address : AREAS.indexOf(tags[a].area) - AREAS.indexOf(tags[b].area)));
  for (let k = 1; k < order.length; k++) {
    const previous = tags[order[k - 1]];
    const current = tags[order[k]];
    const previousEnd = previous.address + registerWidth(previous.type) - 1;
    if (current.area === previous.area && current.address <= previousEnd) {
      throw new InputError(
        `${field}[${order[k]}].address`,
        `"${current.tag}" (${current.area} ${current.address}) overlaps "${previous.tag}" (${previous.type} at ${previous.area} ${previous.address}-${previousEnd})`,
      );
    }
  }
  return tags;
}
