import { createHash } from "crypto";
import fs from "fs";
import net from "net";
import { Writable } from "stream";
import type { ConnectionOptions as TlsOptions } from "tls";
import { Client, FTPError } from "basic-ftp";
import { InputError, describeValue } from "../common/errors";

/**
 * One delivery attempt on basic-ftp, made so that repeating it can never duplicate or corrupt the file
 * on the server: the content goes to `<name>.part`, its size on the server is checked, and only then is
 * it renamed to its final name (a reader polling the directory never sees half a report). Before
 * uploading, a final file that is already there with the same size (and, when it can be read back, the
 * same sha256) means an earlier attempt succeeded and only its acknowledgement was lost: nothing is sent.
 */

export type SecureMode = "none" | "explicit" | "implicit";

export interface FtpConnectionOptions {
  host: string;
  port: number;
  secure: SecureMode;
  user: string;
  password: string;
  /** verify the server certificate (chain and host name); on unless explicitly turned off */
  rejectUnauthorized: boolean;
  /** PEM certificate(s) trusted in addition to the system store, e.g. a private CA */
  ca?: string;
  /** ms of silence on the control or data connection before giving up (also the connect timeout) */
  timeoutMs: number;
  /**
   * Passive mode (basic-ftp transfers only in passive mode: EPSV, then PASV). false = open the data
   * connection to the control host and ignore the address in the PASV reply (right behind NAT, where
   * servers announce their private address); true = use the address the server announces.
   */
  usePasvAddress: boolean;
}

export const SECURE_MODES: readonly SecureMode[] = ["none", "explicit", "implicit"];

/** Where a connection goes, for messages and logs: never the password. */
export function describeServer(options: Pick<FtpConnectionOptions, "host" | "port" | "secure" | "user">): string {
  const scheme = options.secure === "none" ? "ftp" : "ftps";
  return `${scheme}://${options.user ? `${options.user}@` : ""}${options.host}:${options.port}${options.secure === "explicit" ? " (explicit TLS)" : ""}`;
}

export function validateConnectionOptions(options: Partial<FtpConnectionOptions>): FtpConnectionOptions {
  const host = options.host;
  if (typeof host !== "string" || host.trim() === "" || /[\s/]/.test(host.trim())) throw new InputError("host", `expected a host name or IP address, got ${describeValue(host)}`);
  const secure = options.secure ?? "none";
  if (!SECURE_MODES.includes(secure)) throw new InputError("secure", `expected "none", "explicit" or "implicit", got ${describeValue(secure)}`);
  const port = options.port ?? (secure === "implicit" ? 990 : 21);
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) throw new InputError("port", `expected a port 1-65535, got ${describeValue(port)}`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new InputError("timeout", `expected a number of ms > 0, got ${describeValue(timeoutMs)}`);
  const ca = options.ca === undefined || options.ca.trim() === "" ? undefined : options.ca;
  if (ca !== undefined && !ca.includes("-----BEGIN CERTIFICATE-----")) throw new InputError("ca", "expected a PEM certificate (-----BEGIN CERTIFICATE----- …)");
  return {
    host: host.trim(),
    port,
    secure,
    user: options.user ?? "anonymous",
    password: options.password ?? "",
    rejectUnauthorized: options.rejectUnauthorized !== false,
    ca,
    timeoutMs,
    usePasvAddress: options.usePasvAddress === true,
  };
}

/**
 * How bad a failed attempt is: "retry" = may work later (server down, connection cut, timeout);
 * "server" = retrying cannot help and no other file would fare better (wrong password, untrusted
 * certificate, no TLS); "file" = only this file cannot be sent (its outbox content is corrupted).
 */
export type FailureScope = "retry" | "server" | "file";

/** An attempt that failed, with a message fit for an operator (never the password). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly scope: FailureScope,
    readonly code: string | number | null = null,
  ) {
    super(message);
    this.name = "DeliveryError";
  }

  /** retrying cannot help */
  get fatal(): boolean {
    return this.scope !== "retry";
  }
}

const TLS_TRUST_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Replaces the password wherever a server or library might have echoed it. */
function scrub(text: string, password: string): string {
  return password.length >= 3 ? text.split(password).join("***") : text;
}

/** A DeliveryError with a message an operator can act on, from whatever basic-ftp or the socket threw. */
export function classifyError(err: unknown, options: FtpConnectionOptions, stage: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const server = describeServer(options);
  const raw = err instanceof Error ? err.message : String(err);
  const message = scrub(raw, options.password);
  const code = (err as { code?: unknown })?.code;
  if (err instanceof FTPError) {
    if (stage === "login" && (err.code === 530 || err.code === 331 || err.code === 332)) {
      return new DeliveryError(`login refused by ${server}: ${message} (check the user and password of the ftp-server node; not retried)`, "server", err.code);
    }
    if (stage === "tls" && err.code >= 500) {
      return new DeliveryError(`${server} does not accept explicit TLS (AUTH TLS answered "${message}"): use secure "implicit" or "none"`, "server", err.code);
    }
    return new DeliveryError(`${server} answered "${message}" during ${stage}`, err.code >= 500 && stage === "login" ? "server" : "retry", err.code);
  }
  if (typeof code === "string" && TLS_TRUST_CODES.has(code)) {
    return new DeliveryError(`the TLS certificate of ${server} is not trusted (${code}: ${message}): configure its CA certificate in the ftp-server node; not retried`, "server", code);
  }
  return new DeliveryError(`${server}: ${message} during ${stage}`, "retry", typeof code === "string" || typeof code === "number" ? code : null);
}

/** What one attempt did. */
export interface AttemptResult {
  /** "uploaded": sent now; "already-present": an earlier attempt had delivered it */
  outcome: "uploaded" | "already-present";
  remotePath: string;
  bytes: number;
}

export interface LocalFile {
  /** path of the content on local disk (the outbox) */
  localPath: string;
  remoteDir: string;
  name: string;
  bytes: number;
  sha256: string;
  /**
   * Hash the content on its way out and refuse to rename it when it differs from `sha256` (default true).
   * The queue turns it off for content this process wrote itself from a buffer it had hashed: hashing
   * 10 MB again costs 30-50 ms of CPU per attempt, a fifth of the upload over a LAN.
   */
  verifySha256?: boolean;
}

/** A Writable that only hashes what it is given (to compare a remote file without keeping it). */
function hashingSink(): { sink: Writable; digest(): string } {
  const hash = createHash("sha256");
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback();
    },
  });
  return { sink, digest: () => hash.digest("hex") };
}

function tlsOptions(options: FtpConnectionOptions): TlsOptions {
  return {
    host: options.host,
    // Server name indication and host name checking need a name; for an IP address Node checks the IP SAN.
    servername: net.isIP(options.host) ? undefined : options.host,
    rejectUnauthorized: options.rejectUnauthorized,
    ca: options.ca,
  };
}

/** One connection for one attempt; `abort()` closes it at once (node close, redeploy). */
export class FtpAttempt {
  private readonly client: Client;
  private aborted = false;

  constructor(private readonly options: FtpConnectionOptions) {
    this.client = new Client(options.timeoutMs, { allowSeparateTransferHost: options.usePasvAddress });
  }

  abort(): void {
    this.aborted = true;
    this.client.close();
  }

  /** Connects, logs in and switches to binary mode; errors come out classified. */
  async connect(): Promise<void> {
    const { client, options } = this;
    const secure = options.secure !== "none";
    let stage = "connect";
    try {
      if (options.secure === "implicit") await client.connectImplicitTLS(options.host, options.port, tlsOptions(options));
      else await client.connect(options.host, options.port);
      if (options.secure === "explicit") {
        stage = "tls";
        await client.useTLS(tlsOptions(options));
      }
      stage = "login";
      await client.sendIgnoringError("OPTS UTF8 ON");
      await client.login(options.user, options.password);
      stage = "setup";
      await client.useDefaultSettings();
      if (secure && !client.ftp.hasTLS) throw new DeliveryError(`${describeServer(options)}: the connection is not encrypted`, "server");
    } catch (err) {
      throw classifyError(err, options, stage);
    }
  }

  /** Uploads `file` exactly once (see the module comment). Call after connect(). */
  async deliver(file: LocalFile): Promise<AttemptResult> {
    const { client, options } = this;
    const dir = file.remoteDir.replace(/\/+$/, "");
    const remotePath = dir === "" ? file.name : `${dir}/${file.name}`;
    const partName = `${file.name}.part`;
    let stage = "change directory";
    try {
      if (dir !== "" || file.remoteDir.startsWith("/")) await client.ensureDir(dir === "" ? "/" : dir);

      stage = "check of an earlier delivery";
      if ((await this.remoteSize(file.name)) === file.bytes && (await this.sameContent(file))) {
        return { outcome: "already-present", remotePath, bytes: file.bytes };
      }

      stage = "upload";
      // The content is hashed on its way out: what reaches the server is exactly what the outbox holds.
      // Paused first, so the hashing listener does not start the flow before basic-ftp pipes the stream;
      // both then see every chunk, with no extra stream in between (it cost ~10 % on a 10 MB upload).
      const verify = file.verifySha256 !== false;
      const hash = createHash("sha256");
      const source = fs.createReadStream(file.localPath);
      if (verify) {
        source.pause();
        source.on("data", (chunk) => hash.update(chunk));
      }
      try {
        await client.uploadFrom(source, partName);
      } finally {
        source.destroy(); // an attempt that failed before reading it to the end must not keep its descriptor open
      }
      if (verify && hash.digest("hex") !== file.sha256) {
        await client.remove(partName, true);
        throw new DeliveryError(`outbox content of ${file.name} does not match its sha256 (local disk corruption); not renamed`, "file");
      }

      stage = "size check";
      const partSize = await this.remoteSize(partName);
      if (partSize !== file.bytes) throw new DeliveryError(`${describeServer(options)}: ${partName} has ${partSize ?? "no"} bytes after upload, expected ${file.bytes}; will upload again`, "retry");

      stage = "rename";
      try {
        await client.rename(partName, file.name);
      } catch (err) {
        // Servers on Windows (IIS, FileZilla Server) refuse to rename over an existing file: replace it.
        if (!(err instanceof FTPError) || (await this.remoteSize(file.name)) === null) throw err;
        await client.remove(file.name);
        await client.rename(partName, file.name);
      }
      return { outcome: "uploaded", remotePath, bytes: file.bytes };
    } catch (err) {
      if (this.aborted) throw new DeliveryError("delivery aborted (node closed)", "retry", "ABORTED");
      throw classifyError(err, options, stage);
    }
  }

  close(): void {
    this.client.close();
  }

  /** SIZE of a remote file, null when it does not exist (any 5xx answer). */
  private async remoteSize(name: string): Promise<number | null> {
    try {
      return await this.client.size(name);
    } catch (err) {
      if (err instanceof FTPError && err.code >= 500) return null;
      throw err;
    }
  }

  /**
   * Whether the remote file of the same size has our content. Read back and hashed when the server lets
   * us; a server that refuses downloads (write-only drop boxes are common) leaves the size as the proof.
   */
  private async sameContent(file: LocalFile): Promise<boolean> {
    const { sink, digest } = hashingSink();
    try {
      await this.client.downloadTo(sink, file.name);
    } catch (err) {
      if (err instanceof FTPError) return true;
      throw err;
    }
    return digest() === file.sha256;
  }
}

/** One complete attempt: connect, deliver, close. */
export async function deliverOnce(options: FtpConnectionOptions, file: LocalFile, onStart?: (attempt: FtpAttempt) => void): Promise<AttemptResult> {
  const attempt = new FtpAttempt(options);
  onStart?.(attempt);
  try {
    await attempt.connect();
    return await attempt.deliver(file);
  } finally {
    attempt.close();
  }
}
