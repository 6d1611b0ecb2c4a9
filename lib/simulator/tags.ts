/**
 * The simulated plant's tags as docs/integration-contract.md fixes them: the series key of a tag is
 * `<asset>.<tag>` (`W01.OilRate`, `T1.Level`), the OPC UA NodeId of a well tag `ns=1;s=<series key>`, and
 * each tank tag a float32 (two holding registers, ABCD) at a fixed Modbus address.
 */

export const WELL_TAG_NAMES = ["OilRate", "WaterRate", "GasRate", "TubingPressure", "CasingPressure", "Temperature", "Choke", "PumpSpeed", "PumpCurrent"] as const;
export type WellTagName = (typeof WELL_TAG_NAMES)[number];

export const TANK_TAG_NAMES = ["Level", "Inflow", "Outflow", "TempTop", "TempMiddle", "TempBottom", "WaterInterface", "EmulsionInterface"] as const;
export type TankTagName = (typeof TANK_TAG_NAMES)[number];

export const TANK_ID = "T1";
/** metres from the tank floor to its roof; the camera sees all of it */
export const TANK_HEIGHT_M = 10;

export const UNITS: Record<WellTagName | TankTagName, string> = {
  OilRate: "bbl/d",
  WaterRate: "bbl/d",
  GasRate: "kscf/d",
  TubingPressure: "psi",
  CasingPressure: "psi",
  Temperature: "°C",
  Choke: "%",
  PumpSpeed: "Hz",
  PumpCurrent: "A",
  Level: "m",
  Inflow: "m³/h",
  Outflow: "m³/h",
  TempTop: "°C",
  TempMiddle: "°C",
  TempBottom: "°C",
  WaterInterface: "m",
  EmulsionInterface: "m",
};

/** Holding register address of each tank tag: float32 over two registers, big-endian words and bytes. */
export const TANK_REGISTERS: Record<TankTagName, number> = {
  Level: 0,
  Inflow: 2,
  Outflow: 4,
  TempTop: 6,
  TempMiddle: 8,
  TempBottom: 10,
  WaterInterface: 12,
  EmulsionInterface: 14,
};

/** `W01` … `W99`, `W100` …: two digits at least, so the demo's names sort as they read. */
export function wellId(index: number): string {
  return `W${String(index + 1).padStart(2, "0")}`;
}

export interface TagInfo {
  /** series key `<asset>.<tag>`, also the OPC UA NodeId's string part */
  key: string;
  asset: string;
  tag: WellTagName | TankTagName;
  unit: string;
  protocol: "opcua" | "modbus";
  /** first holding register of a tank tag */
  register?: number;
}

export function plantTags(wells: number): TagInfo[] {
  const tags: TagInfo[] = [];
  for (let i = 0; i < wells; i++) {
    const asset = wellId(i);
    for (const tag of WELL_TAG_NAMES) tags.push({ key: `${asset}.${tag}`, asset, tag, unit: UNITS[tag], protocol: "opcua" });
  }
  for (const tag of TANK_TAG_NAMES) tags.push({ key: `${TANK_ID}.${tag}`, asset: TANK_ID, tag, unit: UNITS[tag], protocol: "modbus", register: TANK_REGISTERS[tag] });
  return tags;
}
