import { clamp, gaussian, lagFactor } from "./noise";
import type { WellTagName } from "./tags";

/**
 * One electric-submersible-pump well, simple enough to read and close enough to a real one that the
 * analytics see what they see in the field:
 * - the liquid rate follows the choke opening (q ∝ c / (c + 25)) and the pump speed (affinity law q ∝ n)
 *   with a 5-minute lag, declines slowly (exponential, years) and wanders (AR(1) flow noise shared by
 *   oil, water and gas, so the three rates move together as they do);
 * - the water cut creeps up (a few % a month), gas = oil × GOR;
 * - tubing-head pressure rises with the rate through the choke (∝ q / c), casing pressure with the pump
 *   speed (the fluid level drawn down), wellhead temperature with the rate (more hot fluid) and the day;
 * - regime changes: the operator moves the choke or the pump speed now and then, and the pump trips
 *   rarely (speed and current to zero, natural flow only) and restarts after a while.
 * Every tag gets measurement noise of its own instrument.
 */

export interface WellParameters {
  /** liquid rate (bbl/d) at the reference choke 40 % and 50 Hz, at t = 0 */
  referenceRate: number;
  waterCut: number;
  /** per day */
  waterCutTrend: number;
  /** kscf per bbl of oil */
  gor: number;
  /** years of exponential decline */
  declineYears: number;
  /** psi at the reference rate and choke above the separator */
  chokeDrop: number;
  casingOffset: number;
  /** mean seconds between operator moves */
  regimeMeanS: number;
  /** mean seconds between pump trips */
  tripMeanS: number;
}

const REFERENCE_CHOKE = 40;
const SEPARATOR_PSI = 120;
const chokeFactor = (choke: number) => choke / (choke + 25);

/** Measurement noise (standard deviation) of each instrument: relative to the value, or absolute. */
const NOISE: Record<WellTagName, { relative?: number; absolute?: number }> = {
  OilRate: { relative: 0.012 },
  WaterRate: { relative: 0.012 },
  GasRate: { relative: 0.02 },
  TubingPressure: { relative: 0.004 },
  CasingPressure: { relative: 0.003 },
  Temperature: { absolute: 0.08 },
  Choke: { absolute: 0.05 },
  PumpSpeed: { absolute: 0.02 },
  PumpCurrent: { relative: 0.005 },
};

export function drawWellParameters(random: () => number): WellParameters {
  const between = (a: number, b: number) => a + (b - a) * random();
  return {
    referenceRate: between(900, 1800),
    waterCut: between(0.45, 0.8),
    waterCutTrend: between(0.0005, 0.002),
    gor: between(0.4, 1.2),
    declineYears: between(2, 6),
    chokeDrop: between(250, 420),
    casingOffset: between(180, 320),
    regimeMeanS: between(2, 5) * 3600,
    tripMeanS: between(2, 6) * 86400,
  };
}

export class WellModel {
  readonly parameters: WellParameters;
  private chokeSet: number;
  private choke: number;
  private speedSet: number;
  private speed: number;
  private rate: number;
  private temperature: number;
  /** AR(1) flow fluctuation, relative */
  private flowWander = 0;
  private tripUntilS = -1;
  private elapsedS = 0;
  readonly truth = {} as Record<WellTagName, number>;

  constructor(private readonly random: () => number) {
    this.parameters = drawWellParameters(random);
    this.chokeSet = this.choke = Math.round(30 + 20 * random());
    this.speedSet = this.speed = Math.round(2 * (46 + 8 * random())) / 2;
    this.rate = this.targetRate();
    this.temperature = this.targetTemperature(0);
    this.updateTruth();
  }

  /** True (noise-free) value of each tag after `dtS` more seconds; `timeOfDayH` drives the daily cycle. */
  step(dtS: number, timeOfDayH: number): void {
    const p = this.parameters;
    this.elapsedS += dtS;
    const random = this.random;
    // Regime changes: a Poisson process per kind of event.
    if (random() < dtS / p.regimeMeanS) {
      if (random() < 0.6) this.chokeSet = Math.round(clamp(this.chokeSet + 12 * gaussian(random), 15, 80));
      else this.speedSet = Math.round(2 * clamp(this.speedSet + 4 * gaussian(random), 40, 60)) / 2;
    }
    const tripped = this.elapsedS < this.tripUntilS;
    if (!tripped && random() < dtS / p.tripMeanS) this.tripUntilS = this.elapsedS + 600 + 1800 * random();
    // Actuators move at their own pace: the choke 0.2 %/s, the drive ramps 0.5 Hz/s.
    this.choke += clamp(this.chokeSet - this.choke, -0.2 * dtS, 0.2 * dtS);
    const speedTarget = this.elapsedS < this.tripUntilS ? 0 : this.speedSet;
    this.speed += clamp(speedTarget - this.speed, -0.5 * dtS, 0.5 * dtS);
    this.flowWander = this.flowWander * Math.exp(-dtS / 600) + 0.004 * Math.sqrt(dtS) * gaussian(random);
    this.rate += (this.targetRate() - this.rate) * lagFactor(dtS, 300);
    this.temperature += (this.targetTemperature(timeOfDayH) - this.temperature) * lagFactor(dtS, 900);
    this.updateTruth();
  }

  /** A measured value: the truth plus the instrument's noise. */
  measure(tag: WellTagName): number {
    const noise = NOISE[tag];
    const truth = this.truth[tag];
    const sd = noise.absolute ?? (noise.relative ?? 0) * Math.abs(truth);
    return truth + sd * gaussian(this.random);
  }

  /** What an operator does: a new choke or pump speed set point, or a pump trip lasting `tripS`. */
  operate(command: { choke?: number; pumpSpeed?: number; tripS?: number }): void {
    if (command.choke !== undefined) this.chokeSet = clamp(command.choke, 0, 100);
    if (command.pumpSpeed !== undefined) this.speedSet = clamp(command.pumpSpeed, 0, 65);
    if (command.tripS !== undefined) this.tripUntilS = this.elapsedS + command.tripS;
  }

  get isTripped(): boolean {
    return this.elapsedS < this.tripUntilS;
  }

  private targetRate(): number {
    const p = this.parameters;
    const decline = Math.exp(-this.elapsedS / (p.declineYears * 365 * 86400));
    const pumped = (p.referenceRate * chokeFactor(this.choke)) / chokeFactor(REFERENCE_CHOKE);
    // Without the pump only a little natural flow is left.
    return decline * pumped * Math.max(0.05, this.speed / 50);
  }

  private targetTemperature(timeOfDayH: number): number {
    const daily = 2 * Math.sin((2 * Math.PI * (timeOfDayH - 9)) / 24);
    return 35 + (45 * this.rate) / (this.rate + 600) + daily;
  }

  private updateTruth(): void {
    const p = this.parameters;
    const waterCut = clamp(p.waterCut + (p.waterCutTrend * this.elapsedS) / 86400, 0, 0.98);
    const liquid = Math.max(0, this.rate * (1 + this.flowWander));
    const oil = liquid * (1 - waterCut);
    const t = this.truth;
    t.OilRate = oil;
    t.WaterRate = liquid * waterCut;
    t.GasRate = oil * p.gor;
    const referenceRatio = p.referenceRate / REFERENCE_CHOKE;
    t.TubingPressure = SEPARATOR_PSI + (p.chokeDrop * liquid) / Math.max(5, this.choke) / referenceRatio;
    // A faster pump draws the fluid level down: more gas column in the annulus, higher casing pressure.
    t.CasingPressure = t.TubingPressure + p.casingOffset * (0.7 + (0.3 * this.speed) / 50);
    t.Temperature = this.temperature;
    t.Choke = this.choke;
    t.PumpSpeed = this.speed;
    t.PumpCurrent = this.speed <= 0.5 ? 0 : 18 + 32 * (this.speed / 50) ** 2 * (0.6 + (0.4 * liquid) / p.referenceRate);
  }

  /** Total liquid (bbl/d) and its water cut, what the tank receives from this well. */
  get liquid(): { rate: number; waterCut: number } {
    const rate = this.truth.OilRate + this.truth.WaterRate;
    return { rate, waterCut: rate > 0 ? this.truth.WaterRate / rate : 0 };
  }
}
