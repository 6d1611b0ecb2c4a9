import { InputError, describeValue } from "../common/errors";
import { AREAS, isBitArea, registerWidth, type ModbusArea, type TagDefinition } from "./register-map";

/**
 * Turns a register map into read requests: tags of one area whose registers are contiguous (or close)
 * are read with one request, up to the protocol's limits. Each request is a round trip to the device;
 * on a serial line or a busy gateway round trips, not bytes, bound the poll rate.
 */

/** Modbus application protocol v1.1b3, 6.1-6.4: quantity of registers 1-125, of coils/inputs 1-2000. */
export const MAX_REGISTERS_PER_READ = 125;
export const MAX_BITS_PER_READ = 2000;

/**
 * Gaps worth bridging: reading a register nobody asked for costs 2 bytes in the response, a separate
 * request costs a round trip plus ~20 bytes of framing (MBAP 7 + function 1 + address 2 + quantity 2 in
 * the request, MBAP 7 + function 1 + byte count 1 in the answer). Up to 10 registers (or 160 bits, the
 * same 20 bytes) the bridged read is never more bytes than the extra request, and saves its round trip.
 */
export const DEFAULT_MAX_GAP_REGISTERS = 10;
export const DEFAULT_MAX_GAP_BITS = 160;

export interface PlanOptions {
  /** registers per request, 1-125 (some devices accept fewer) */
  maxRegisters: number;
  /** coils or discrete inputs per request, 1-2000 */
  maxBits: number;
  /** unmapped registers a request may read to join two tags; 0 = never */
  maxGapRegisters: number;
  maxGapBits: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  maxRegisters: MAX_REGISTERS_PER_READ,
  maxBits: MAX_BITS_PER_READ,
  maxGapRegisters: DEFAULT_MAX_GAP_REGISTERS,
  maxGapBits: DEFAULT_MAX_GAP_BITS,
};

export interface PlannedTag {
  tag: TagDefinition;
  /** registers (or bits) from the request's first address to the tag's */
  offset: number;
}

export interface ReadRequest {
  area: ModbusArea;
  address: number;
  /** registers or bits */
  count: number;
  tags: PlannedTag[];
  /** true when the request also reads addresses no tag maps (a device may refuse them) */
  bridgesGap: boolean;
}

function wholeInRange(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(field, `expected a whole number ${min}-${max}, got ${describeValue(value)}`);
  }
  return value;
}

export function resolvePlanOptions(options: Partial<PlanOptions> = {}): PlanOptions {
  const merged = { ...DEFAULT_PLAN_OPTIONS, ...options };
  return {
    maxRegisters: wholeInRange(merged.maxRegisters, 1, MAX_REGISTERS_PER_READ, "maxRegisters"),
    maxBits: wholeInRange(merged.maxBits, 1, MAX_BITS_PER_READ, "maxBits"),
    maxGapRegisters: wholeInRange(merged.maxGapRegisters, 0, MAX_REGISTERS_PER_READ, "maxGapRegisters"),
    maxGapBits: wholeInRange(merged.maxGapBits, 0, MAX_BITS_PER_READ, "maxGapBits"),
  };
}

/**
 * The fewest requests that read every tag under the limits. Per area, tags in address order are added
 * to the open request while the request stays within the size limit and the hole before the tag is no
 * larger than the allowed gap; otherwise a new request starts. For covering sorted intervals with
 * windows of bounded length this greedy choice is optimal (each request reaches as far as it can).
 * A tag wider than the limit (a float64 with maxRegisters < 4) cannot be read: InputError.
 */
export function planReads(tags: readonly TagDefinition[], options: Partial<PlanOptions> = {}): ReadRequest[] {
  const limits = resolvePlanOptions(options);
  const requests: ReadRequest[] = [];
  for (const area of AREAS) {
    const inArea = tags.filter((t) => t.area === area).sort((a, b) => a.address - b.address);
    const bits = isBitArea(area);
    const maxCount = bits ? limits.maxBits : limits.maxRegisters;
    const maxGap = bits ? limits.maxGapBits : limits.maxGapRegisters;
    let open: ReadRequest | null = null;
    for (const tag of inArea) {
      const width = registerWidth(tag.type);
      if (width > maxCount) throw new InputError("maxRegisters", `"${tag.tag}" (${tag.type}) needs ${width} registers per request, the limit is ${maxCount}`);
      if (open !== null) {
        const end = open.address + open.count;
        const gap = tag.address - end;
        const newCount = Math.max(end, tag.address + width) - open.address;
        if (gap <= maxGap && newCount <= maxCount) {
          open.tags.push({ tag, offset: tag.address - open.address });
          open.count = newCount;
          if (gap > 0) open.bridgesGap = true;
          continue;
        }
      }
      open = { area, address: tag.address, count: width, tags: [{ tag, offset: 0 }], bridgesGap: false };
      requests.push(open);
    }
  }
  return requests;
}

/** The same tags re-planned without any bridged gap: for a device that refuses reads of unmapped addresses. */
export function splitAtGaps(request: ReadRequest, options: Partial<PlanOptions> = {}): ReadRequest[] {
  return planReads(
    request.tags.map((planned) => planned.tag),
    { ...options, maxGapRegisters: 0, maxGapBits: 0 },
  );
}
