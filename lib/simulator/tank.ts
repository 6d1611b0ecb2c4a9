import { clamp, gaussian, lagFactor } from "./noise";
import { TANK_HEIGHT_M, type TankTagName } from "./tags";

/**
 * Tank T1, a settling (wash) tank fed by the pad's liquid, as three stacked volumes: free water at the
 * bottom, emulsion above it, crude on top (air above the crude). The level is the integral of inflow
 * minus outflow over the tank's area, so the Modbus tags agree with each other the way a real tank's do.
 * - Inflow: the wells' liquid (bbl/d → m³/h). A share of it arrives as emulsion, which breaks into water
 *   and oil with a time constant of hours: the interfaces move slowly.
 * - Outflow: two on/off controllers, as plants run them: the oil transfer pump empties the crude from a
 *   high level down to a low one (never below 1 m of crude), the water drain opens when the free water
 *   reaches its high mark. Outflow is their sum.
 * - Temperatures by layer (TempTop = crude, TempMiddle = emulsion, TempBottom = water): each relaxes to a
 *   set point moved by the incoming fluid's temperature and the day. They stay inside the thermal camera's
 *   bands (the seed's pixel ranges), so the frame and the registers tell the same story.
 * The area scales with the number of wells: the tank is sized for its pad, so 3 wells or 300 fill it alike.
 */

const BBL_PER_DAY_TO_M3_PER_H = 0.158987 / 24;
/** share of the inflow that arrives emulsified */
const EMULSION_SHARE = 0.15;
const EMULSION_BREAK_S = 6 * 3600;

const NOISE: Record<TankTagName, number> = {
  Level: 0.004,
  Inflow: 0.15,
  Outflow: 0.15,
  TempTop: 0.05,
  TempMiddle: 0.05,
  TempBottom: 0.05,
  WaterInterface: 0.01,
  EmulsionInterface: 0.015,
};

export interface TankLayers {
  /** top of the crude = liquid level (m) */
  level: number;
  /** top of the free water (m) */
  waterInterface: number;
  /** top of the emulsion (m) */
  emulsionInterface: number;
  tempTop: number;
  tempMiddle: number;
  tempBottom: number;
}

export class TankModel {
  /** m² */
  readonly area: number;
  private water: number;
  private emulsion: number;
  private oil: number;
  private transferOn = false;
  private drainOn = false;
  private readonly transferRate: number;
  private readonly drainRate: number;
  private temps = { top: 47, middle: 32, bottom: 18 };
  private inflow = 0;
  private outflow = 0;
  readonly truth = {} as Record<TankTagName, number>;

  /** `nominalInflow` (m³/h): what the pad sends on average, which sizes the tank and its pumps. */
  constructor(
    private readonly random: () => number,
    nominalInflow: number,
  ) {
    // 3 average wells (~4000 bbl/d, ~26 m³/h) fill a 6 m tank (28 m²) about a metre an hour.
    this.area = Math.max(1, nominalInflow) * (28.3 / 26);
    this.transferRate = 3 * nominalInflow;
    this.drainRate = 1.5 * nominalInflow;
    this.water = (1.2 + random()) * this.area;
    this.emulsion = 0.6 * this.area;
    this.oil = (2.5 + 2 * random()) * this.area;
    this.updateTruth();
  }

  /** `inflow` in bbl/d with its water cut, `inflowTemperature` °C of the incoming fluid. */
  step(dtS: number, inflow: { rate: number; waterCut: number }, inflowTemperature: number, timeOfDayH: number): void {
    const hours = dtS / 3600;
    const q = inflow.rate * BBL_PER_DAY_TO_M3_PER_H;
    const broken = this.emulsion * lagFactor(dtS, EMULSION_BREAK_S);
    this.emulsion += EMULSION_SHARE * q * hours - broken;
    this.water += (1 - EMULSION_SHARE) * inflow.waterCut * q * hours + 0.5 * broken;
    this.oil += (1 - EMULSION_SHARE) * (1 - inflow.waterCut) * q * hours + 0.5 * broken;

    const level = (this.water + this.emulsion + this.oil) / this.area;
    const waterHeight = this.water / this.area;
    const crude = this.oil / this.area;
    if (level > 8.5) this.transferOn = true;
    if (level < 4 || crude < 1) this.transferOn = false;
    if (waterHeight > 3) this.drainOn = true;
    if (waterHeight < 1.2) this.drainOn = false;
    const transfer = this.transferOn ? this.transferRate * (1 + 0.02 * gaussian(this.random)) : 0;
    const drain = this.drainOn ? this.drainRate * (1 + 0.02 * gaussian(this.random)) : 0;
    this.oil = Math.max(0.2 * this.area, this.oil - transfer * hours);
    this.water = Math.max(0.3 * this.area, this.water - drain * hours);
    this.inflow = q;
    this.outflow = transfer + drain;

    const daily = Math.sin((2 * Math.PI * (timeOfDayH - 9)) / 24);
    const hot = clamp((inflowTemperature - 60) / 20, -1, 1);
    const relax = lagFactor(dtS, 1800);
    this.temps.top += (47 + 4 * hot + 2 * daily - this.temps.top) * relax;
    this.temps.middle += (32 + 2 * hot + 1.5 * daily - this.temps.middle) * relax;
    this.temps.bottom += (18 + 1.5 * hot + 1 * daily - this.temps.bottom) * relax;
    this.updateTruth();
  }

  measure(tag: TankTagName): number {
    const value = this.truth[tag] + NOISE[tag] * gaussian(this.random);
    // Flowmeters cut off below their range: a stopped pump reads 0, not noise around it.
    return tag === "Inflow" || tag === "Outflow" ? (this.truth[tag] <= 0 ? 0 : Math.max(0, value)) : value;
  }

  layers(): TankLayers {
    const t = this.truth;
    return { level: t.Level, waterInterface: t.WaterInterface, emulsionInterface: t.EmulsionInterface, tempTop: t.TempTop, tempMiddle: t.TempMiddle, tempBottom: t.TempBottom };
  }

  get pumps(): { transfer: boolean; drain: boolean } {
    return { transfer: this.transferOn, drain: this.drainOn };
  }

  private updateTruth(): void {
    const t = this.truth;
    const water = this.water / this.area;
    const emulsion = this.emulsion / this.area;
    const oil = this.oil / this.area;
    t.WaterInterface = water;
    t.EmulsionInterface = water + emulsion;
    t.Level = Math.min(TANK_HEIGHT_M, water + emulsion + oil);
    t.Inflow = this.inflow;
    t.Outflow = this.outflow;
    t.TempTop = this.temps.top;
    t.TempMiddle = this.temps.middle;
    t.TempBottom = this.temps.bottom;
  }
}
