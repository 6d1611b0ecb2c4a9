import type { NodeDef, NodeMessageInFlow } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { resolveThermalOptions, type ThermalOptions } from "../../lib/thermal/config";

export interface ThermalSegmentDef extends NodeDef {
  /** ROI fields; all blank = the whole frame */
  roiX: string | number;
  roiY: string | number;
  roiWidth: string | number;
  roiHeight: string | number;
  /** "counts" (camera counts, 8- or 16-bit) or "celsius" for raw matrices already in °C */
  input: string;
  offset8: string | number;
  scale8: string | number;
  offset16: string | number;
  scale16: string | number;
  /** JSON array of {name, min, max} in 8-bit pixel units; blank = the seed's bands */
  bands: string;
  statistic: string;
  sigma: string | number;
  prominence: string | number;
  minDistance: string | number;
  expectedLayers: string | number;
  overlay: boolean;
}

export interface ThermalSegmentMessage extends NodeMessageInFlow {
  /** per-message region of interest, {x, y, width, height} */
  roi?: unknown;
  /** per-message "counts" / "celsius" for a raw matrix */
  input?: unknown;
  thermal?: unknown;
}

export interface ThermalNodeConfig {
  options: ThermalOptions;
  input: "counts" | "celsius";
  overlay: boolean;
}

const blank = (v: unknown) => v === undefined || v === null || v === "";

function mapOf(offset: unknown, scale: unknown, name: string): { offset: unknown; scale: unknown } | undefined {
  if (blank(offset) && blank(scale)) return undefined;
  if (blank(scale)) throw new InputError(`${name}.scale`, "expected a number when the offset is set");
  return { offset: blank(offset) ? 0 : offset, scale };
}

export function parseInputKind(value: unknown, field: string): "counts" | "celsius" {
  if (blank(value) || value === "counts") return "counts";
  if (value === "celsius") return "celsius";
  throw new InputError(field, `expected "counts" or "celsius", got ${describeValue(value)}`);
}

export function parseThermalConfig(def: Partial<ThermalSegmentDef>): ThermalNodeConfig {
  const roiFields = [def.roiX, def.roiY, def.roiWidth, def.roiHeight];
  const roi = roiFields.every(blank) ? undefined : { x: blank(def.roiX) ? 0 : def.roiX, y: blank(def.roiY) ? 0 : def.roiY, width: def.roiWidth, height: def.roiHeight };
  let bands: unknown;
  if (!blank(def.bands)) {
    try {
      bands = JSON.parse(String(def.bands));
    } catch {
      throw new InputError("bands", `expected a JSON array of {"name", "min", "max"}, got ${describeValue(def.bands)}`);
    }
  }
  const options = resolveThermalOptions({
    roi,
    map8: mapOf(def.offset8, def.scale8, "map8"),
    map16: mapOf(def.offset16, def.scale16, "map16"),
    bands,
    statistic: def.statistic,
    sigma: def.sigma,
    prominence: def.prominence,
    minDistance: def.minDistance,
    expectedLayers: def.expectedLayers,
  });
  return { options, input: parseInputKind(def.input, "input"), overlay: def.overlay === true || (def.overlay as unknown) === "true" };
}
