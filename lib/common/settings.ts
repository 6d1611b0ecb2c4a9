import { InputError, describeValue } from "./errors";

/**
 * Editor fields as numbers. Node-RED stores what the form held: a number, or a string in older flows
 * and hand-written JSON; an empty field means the default.
 */
export function numberSetting(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value === "number") return value;
  // Only text is converted: Number() throws on a Symbol or an object without a primitive value, and
  // reads true as 1 and [5] as 5. Anything else is NaN, which every caller refuses with an InputError.
  return typeof value === "string" ? Number(value) : NaN;
}

/**
 * As numberSetting, but anything that is neither a number nor a string is passed on unchanged, so the
 * validator after it can say what it got (a boolean, an object) instead of a converted number.
 */
export function settingValue(value: unknown, fallback: number): unknown {
  if (value === undefined || value === null || value === "") return fallback;
  return typeof value === "string" ? Number(value) : value;
}

/** numberSetting, and it must be > 0. */
export function positiveSetting(value: unknown, fallback: number, field: string): number {
  const n = numberSetting(value, fallback);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(field, `expected a number > 0, got ${describeValue(value)}`);
  return n;
}
