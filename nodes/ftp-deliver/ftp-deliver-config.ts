import type { NodeDef, NodeMessageInFlow } from "node-red";
import { Cron } from "croner";
import { DateTime } from "luxon";
import { InputError, describeValue } from "../../lib/common/errors";
import { validateRemoteDir } from "../../lib/delivery/outbox";
import { resolveRetryPolicy, type RetryPolicy } from "../../lib/delivery/retry";
import { positiveSetting } from "../../lib/common/settings";

export interface FtpDeliverDef extends NodeDef {
  /** id of the ftp-server config node */
  server: string;
  remoteDir: string;
  /** "message": deliver when a message arrives; "schedule": keep in the outbox until the scheduled time */
  mode: "message" | "schedule";
  /** "HH:MM" or a cron expression (5 or 6 fields) */
  schedule: string;
  timeZone: string;
  /** "" = <userDir>/ftp-outbox/<node id> */
  outboxDir: string;
  retryInitialSeconds: number | string;
  retryMaxSeconds: number | string;
  /** minutes after a round's first attempt when the file is declared failed */
  deadlineMinutes: number | string;
}

export interface DeliverMessage extends NodeMessageInFlow {
  filename?: unknown;
  command?: unknown;
  delivery?: unknown;
}

export interface DeliverNodeConfig {
  remoteDir: string;
  mode: "message" | "schedule";
  /** cron pattern (croner) and its zone, when mode is "schedule" */
  cron: string | null;
  timeZone: string;
  outboxDir: string | null;
  retry: RetryPolicy;
}

/** "06:50" → "50 6 * * *"; a cron expression is checked by croner itself. */
export function parseSchedule(value: unknown, timeZone: string): string {
  const text = value === undefined || value === null || value === "" ? "06:50" : value;
  if (typeof text !== "string") throw new InputError("schedule", `expected "HH:MM" or a cron expression, got ${describeValue(value)}`);
  const time = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  let pattern = text.trim();
  if (time) {
    const [hours, minutes] = [Number(time[1]), Number(time[2])];
    if (hours > 23 || minutes > 59) throw new InputError("schedule", `expected a time of day HH:MM, got ${describeValue(text)}`);
    pattern = `${minutes} ${hours} * * *`;
  }
  try {
    new Cron(pattern, { timezone: timeZone, paused: true }).stop();
  } catch (err) {
    throw new InputError("schedule", `expected "HH:MM" or a cron expression like "50 6 * * *", got ${describeValue(text)} (${(err as Error).message})`);
  }
  return pattern;
}

export function validateTimeZone(value: unknown): string {
  if (value === undefined || value === null || value === "") return "America/Bogota";
  if (typeof value !== "string" || !DateTime.now().setZone(value).isValid) throw new InputError("timeZone", `expected an IANA time zone like "America/Bogota", got ${describeValue(value)}`);
  return value;
}

export function parseDeliverConfig(def: Partial<FtpDeliverDef>): DeliverNodeConfig {
  const mode = def.mode === undefined || (def.mode as string) === "" ? "message" : def.mode;
  if (mode !== "message" && mode !== "schedule") throw new InputError("mode", `expected "message" or "schedule", got ${describeValue(mode)}`);
  const timeZone = validateTimeZone(def.timeZone);
  const outboxDir = typeof def.outboxDir === "string" && def.outboxDir.trim() !== "" ? def.outboxDir.trim() : null;
  return {
    remoteDir: validateRemoteDir(def.remoteDir ?? "", "remoteDir"),
    mode,
    cron: mode === "schedule" ? parseSchedule(def.schedule, timeZone) : null,
    timeZone,
    outboxDir,
    retry: resolveRetryPolicy({
      initialDelayMs: positiveSetting(def.retryInitialSeconds, 5, "retryInitialSeconds") * 1000,
      maxDelayMs: positiveSetting(def.retryMaxSeconds, 300, "retryMaxSeconds") * 1000,
      factor: 2,
      deadlineMs: positiveSetting(def.deadlineMinutes, 60, "deadlineMinutes") * 60_000,
    }),
  };
}

/** msg.payload as the bytes of the file: a Buffer as is, a string as UTF-8, an object or array as JSON. */
export function contentOf(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (typeof payload === "string") return Buffer.from(payload, "utf8");
  if (payload !== null && typeof payload === "object") {
    let json: string;
    try {
      json = JSON.stringify(payload);
    } catch (err) {
      // A cycle, a BigInt, or nesting too deep for the serialiser: name the field, not a TypeError.
      throw new InputError("msg.payload", `expected an object that can be sent as JSON, ${(err as Error).message}`);
    }
    return Buffer.from(json, "utf8");
  }
  throw new InputError("msg.payload", `expected a Buffer, a string or an object (sent as JSON), got ${describeValue(payload)}`);
}
