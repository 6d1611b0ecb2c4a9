import type { NodeDef } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { parseRegisterMap, type TagDefinition } from "../../lib/modbus/register-map";

export interface ModbusInDef extends NodeDef {
  /** id of the modbus-device config node */
  device: string;
  /** seconds between polls; 0 = poll only when a message arrives */
  interval: number | string;
  /** the register map: an array of {tag, area, address, type, byteOrder, wordOrder, scale, offset, unit} */
  registers: unknown;
}

export interface ModbusInConfig {
  /** ms; 0 = only on input */
  intervalMs: number;
  tags: TagDefinition[];
}

/** The shortest poll interval: below it a poll cycle of a few requests cannot finish on a real link. */
export const MIN_INTERVAL_MS = 10;

export function parseModbusInConfig(def: Partial<ModbusInDef>): ModbusInConfig {
  const raw = def.interval;
  const seconds = raw === undefined || raw === null || raw === "" ? 1 : typeof raw === "string" ? Number(raw.trim()) : raw;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0 || (seconds > 0 && seconds * 1000 < MIN_INTERVAL_MS)) {
    throw new InputError("interval", `expected seconds between polls (0 = only when a message arrives, at least ${MIN_INTERVAL_MS / 1000} s), got ${describeValue(raw)}`);
  }
  return { intervalMs: Math.round(seconds * 1000), tags: parseRegisterMap(def.registers, "registers") };
}
