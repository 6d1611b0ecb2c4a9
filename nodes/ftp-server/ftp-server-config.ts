import type { Node, NodeDef } from "node-red";
import fs from "fs";
import { InputError, describeValue } from "../../lib/common/errors";
import { validateConnectionOptions, type FtpConnectionOptions, type SecureMode } from "../../lib/delivery/uploader";
import { numberSetting } from "../../lib/common/settings";

export interface FtpServerDef extends NodeDef {
  host: string;
  port: number | string;
  secure: SecureMode;
  /** false only when the operator turned certificate verification off on purpose */
  rejectUnauthorized: boolean | string;
  /** PEM text, or the path of a PEM file on the Node-RED host */
  ca: string;
  timeoutSeconds: number | string;
  usePasvAddress: boolean | string;
}

/** What Node-RED keeps in its encrypted credentials file, never in the flow JSON. */
export interface FtpServerCredentials {
  user?: string;
  password?: string;
}

/** The config node as the ftp-deliver node sees it. */
export interface FtpServerNode extends Node<FtpServerCredentials> {
  connection: FtpConnectionOptions | null;
  configError: InputError | null;
}

function booleanOf(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === "") return fallback;
  return value === true || value === "true";
}

/** PEM text as is; anything else is read as the path of a PEM file. */
export function readCertificate(value: unknown): string | undefined {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return undefined;
  if (typeof value !== "string") throw new InputError("ca", `expected PEM text or the path of a PEM file, got ${describeValue(value)}`);
  if (value.includes("-----BEGIN")) return value;
  try {
    return fs.readFileSync(value.trim(), "utf8");
  } catch (err) {
    throw new InputError("ca", `cannot read the CA certificate file ${JSON.stringify(value.trim())}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function parseFtpServerConfig(def: Partial<FtpServerDef>, credentials: FtpServerCredentials | undefined): FtpConnectionOptions {
  const secure = (def.secure === undefined || (def.secure as string) === "" ? "none" : def.secure) as SecureMode;
  const timeoutSeconds = numberSetting(def.timeoutSeconds, 30);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new InputError("timeoutSeconds", `expected seconds > 0, got ${describeValue(def.timeoutSeconds)}`);
  const port = def.port === undefined || def.port === "" ? undefined : numberSetting(def.port, NaN);
  return validateConnectionOptions({
    host: def.host,
    port,
    secure,
    user: credentials?.user || "anonymous",
    password: credentials?.password ?? "",
    rejectUnauthorized: booleanOf(def.rejectUnauthorized, true),
    ca: readCertificate(def.ca),
    timeoutMs: timeoutSeconds * 1000,
    usePasvAddress: booleanOf(def.usePasvAddress, false),
  });
}
