/**
 * An error caused by a message or configuration the user can fix. `field` names the property
 * (for example "msg.payload" or "window") so the message that reaches a Catch node says what to change.
 */
export class InputError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "InputError";
    this.field = field;
  }
}

/** A short, log-safe description of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (Buffer.isBuffer(value)) return `Buffer of ${value.length} bytes`;
  return typeof value;
}

export function requireFiniteNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InputError(field, `expected a finite number, got ${describeValue(value)}`);
  }
  return value;
}

export function requirePositiveInteger(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InputError(field, `expected a whole number >= 1, got ${describeValue(value)}`);
  }
  return value;
}

export function requirePositiveNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InputError(field, `expected a number > 0, got ${describeValue(value)}`);
  }
  return value;
}
