import type { MonitoredTag } from "./items";

/**
 * Which values of a subscription's items go out. The server gets the deadband as a DataChangeFilter too,
 * but servers may ignore it (or support only some types), so the absolute deadband is also applied here;
 * applied twice it passes exactly the same values. A percent deadband needs the item's EURange, which
 * only the server knows: it is left to the server. A change of status always passes (OPC UA Part 4
 * §7.22.2: the deadband applies to the value only). A repeat of the value last sent with the same status
 * and source time passes not: it is the server sending the current value again after a resubscription.
 */
export class ChangeFilter {
  private readonly lastValue: unknown[];
  private readonly lastStatus: Array<number | null>;
  private readonly lastTimestamp: number[];

  constructor(private readonly tags: readonly MonitoredTag[]) {
    this.lastValue = tags.map(() => undefined);
    this.lastStatus = tags.map(() => null);
    this.lastTimestamp = tags.map(() => NaN);
  }

  /** Whether the value of item `index` goes out; when it does, it becomes the reference for the next. */
  pass(index: number, value: unknown, status: number, timestamp: number): boolean {
    const tag = this.tags[index];
    const lastStatus = this.lastStatus[index];
    const last = this.lastValue[index];
    if (lastStatus === status && timestamp === this.lastTimestamp[index] && sameValue(last, value)) return false;
    if (lastStatus === status && tag.deadbandType === "absolute" && typeof value === "number" && typeof last === "number" && Math.abs(value - last) <= tag.deadband) {
      return false;
    }
    this.lastValue[index] = value;
    this.lastStatus[index] = status;
    this.lastTimestamp[index] = timestamp;
    return true;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
  return false;
}
