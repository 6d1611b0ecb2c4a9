import type { Node, NodeDef } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { resolveConnectionOptions, type ConnectionOptions, type ModbusConnection } from "../../lib/modbus/connection";
import { DEFAULT_MAX_GAP_REGISTERS, MAX_REGISTERS_PER_READ, resolvePlanOptions, type PlanOptions } from "../../lib/modbus/planner";

export interface ModbusDeviceDef extends NodeDef {
  transport: string;
  host: string;
  port: number | string;
  serialPath: string;
  baudRate: number | string;
  parity: string;
  dataBits: number | string;
  stopBits: number | string;
  unitId: number | string;
  timeoutMs: number | string;
  reconnectMinMs: number | string;
  reconnectMaxMs: number | string;
  /** registers per request the device accepts (≤ 125) */
  maxRegisters: number | string;
  /** unmapped registers a request may read to join two tags (0 = never) */
  maxGap: number | string;
}

export interface ModbusDeviceConfig {
  connection: ConnectionOptions;
  plan: PlanOptions;
}

/** What a modbus-in node sees of its modbus-device config node. */
export interface ModbusDeviceNode extends Node {
  /** null when the device configuration is invalid (see configError) */
  config: ModbusDeviceConfig | null;
  configError: InputError | null;
  /** The device's one shared connection, started on first use; null when the configuration is invalid. */
  acquireConnection(): ModbusConnection | null;
}

function wholeOr(value: unknown, fallback: number, min: number, max: number, field: string): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) throw new InputError(field, `expected a whole number ${min}-${max}, got ${describeValue(value)}`);
  return n;
}

export function parseModbusDeviceConfig(def: Partial<ModbusDeviceDef>): ModbusDeviceConfig {
  const connection = resolveConnectionOptions({
    transport: def.transport,
    host: def.host,
    port: def.port,
    serialPath: def.serialPath,
    baudRate: def.baudRate,
    parity: def.parity,
    dataBits: def.dataBits,
    stopBits: def.stopBits,
    unitId: def.unitId,
    timeoutMs: def.timeoutMs,
    reconnectMinMs: def.reconnectMinMs,
    reconnectMaxMs: def.reconnectMaxMs,
  });
  const maxRegisters = wholeOr(def.maxRegisters, MAX_REGISTERS_PER_READ, 1, MAX_REGISTERS_PER_READ, "maxRegisters");
  const maxGap = wholeOr(def.maxGap, DEFAULT_MAX_GAP_REGISTERS, 0, MAX_REGISTERS_PER_READ, "maxGap");
  // Bits are 16 to a register: the same byte budget bridges 16× as many coils.
  return { connection, plan: resolvePlanOptions({ maxRegisters, maxGapRegisters: maxGap, maxGapBits: maxGap * 16 }) };
}
