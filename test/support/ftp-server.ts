/**
 * A real FTP / FTPS server for tests (ftp-srv) on 127.0.0.1: a free control port, a passive port range
 * on 127.0.0.1, a temporary root, and a self-signed CA + server certificate made with /usr/bin/openssl.
 * Faults a network really has are injected inside the server (a data connection cut mid-upload, a
 * control connection lost right after a rename, so the client never hears the acknowledgement), and the
 * server counts what it did (logins, STORs, renames), so tests can prove "delivered exactly once".
 */
import { execFileSync } from "child_process";
import fs from "fs";
import net from "net";
import os from "os";
import path from "path";
import { FileSystem, FtpSrv, type FtpConnection } from "ftp-srv";
import { freePort } from "./ports";
export { freePort };

export type TestSecureMode = "none" | "explicit" | "implicit";

export interface TestCertificates {
  dir: string;
  /** PEM of the CA that signed the server certificate (what a client must trust) */
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A CA and a server certificate for 127.0.0.1 / localhost, valid for two days. */
export function makeCertificates(dir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-ftp-certs-"))): TestCertificates {
  // node-opcua's certificate manager, when an OPC UA server or client ran earlier in this process, leaves
  // OPENSSL_CONF pointing at its own (or an undefined) config: openssl must use the system one.
  const env = { ...process.env };
  delete env.OPENSSL_CONF;
  const openssl = (...args: string[]) => execFileSync("/usr/bin/openssl", args, { cwd: dir, stdio: "pipe", env });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=field-reliability test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  fs.writeFileSync(path.join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
  const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
  return { dir, caPem: read("ca.pem"), certPem: read("server.pem"), keyPem: read("server.key") };
}

export interface FtpFaults {
  /** cut the connection once the n-th upload (STOR) has received this many bytes (1 = the first upload) */
  cutUpload?: { upload: number; afterBytes: number };
  /** drop the control connection right after the n-th rename is done, before it is acknowledged */
  loseRenameReply?: number;
}

export interface TestFtpCounters {
  /** login attempts, accepted or not */
  logins: number;
  refusedLogins: number;
  /** completed uploads (STOR) by remote path */
  stored: string[];
  /** completed renames by target path */
  renamed: string[];
}

export interface TestFtpServerOptions {
  secure?: TestSecureMode;
  user?: string;
  password?: string;
  /** fixed control port (to start a server where a client already tries to connect) */
  port?: number;
  root?: string;
  certificates?: TestCertificates;
  faults?: FtpFaults;
}

export interface TestFtpServer {
  host: string;
  port: number;
  root: string;
  secure: TestSecureMode;
  counters: TestFtpCounters;
  faults: FtpFaults;
  certificates: TestCertificates | null;
  /** the files under root (relative, "/"-separated), sorted */
  files(): string[];
  close(): Promise<void>;
}

const quietLog = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child() {
    return quietLog;
  },
};

function listFiles(root: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** The real ftp-srv file system with the faults of `faults` and counters. */
class FaultyFileSystem extends FileSystem {
  constructor(
    connection: FtpConnection,
    root: string,
    private readonly server: { faults: FtpFaults; counters: TestFtpCounters; uploads: number; renames: number },
  ) {
    super(connection, { root, cwd: "/" });
  }

  override write(fileName: string, options?: { append?: boolean; start?: unknown }): unknown {
    const result = super.write(fileName, options) as { stream: NodeJS.WritableStream & { path?: string }; clientPath: string };
    const upload = ++this.server.uploads;
    const cut = this.server.faults.cutUpload;
    const { stream, clientPath } = result;
    let received = 0;
    stream.on("pipe", (source: NodeJS.ReadableStream & { destroy(): void }) => {
      source.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (cut && cut.upload === upload && received >= cut.afterBytes) {
          // What a dropped WAN link looks like to the client: both connections gone mid-transfer.
          source.destroy();
          (this.connection as unknown as { commandSocket: net.Socket }).commandSocket.destroy();
        }
      });
    });
    stream.on("finish", () => {
      if (!(cut && cut.upload === upload && received >= cut.afterBytes)) this.server.counters.stored.push(clientPath);
    });
    return result;
  }

  override async rename(from: string, to: string): Promise<unknown> {
    const result = await super.rename(from, to);
    const renames = ++this.server.renames;
    this.server.counters.renamed.push(to.startsWith("/") ? to : path.posix.join(this.cwd, to));
    if (this.server.faults.loseRenameReply === renames) {
      (this.connection as unknown as { commandSocket: net.Socket }).commandSocket.destroy();
    }
    return result;
  }
}

/** Starts ftp-srv on 127.0.0.1 (plain, explicit FTPS or implicit FTPS) with user/password login. */
export async function startFtpServer(options: TestFtpServerOptions = {}): Promise<TestFtpServer> {
  const secure = options.secure ?? "none";
  const user = options.user ?? "anh";
  const password = options.password ?? "s3cret-Pa55";
  const port = options.port ?? (await freePort());
  const root = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), "fr-ftp-root-"));
  const certificates = secure === "none" ? null : (options.certificates ?? makeCertificates());
  const faults = options.faults ?? {};
  // Passive ports: a small range just above a free port (ftp-srv skips ports in use).
  const pasvMin = await freePort();
  const state = { faults, counters: { logins: 0, refusedLogins: 0, stored: [], renamed: [] } as TestFtpCounters, uploads: 0, renames: 0 };

  const signals = ["SIGTERM", "SIGINT", "SIGQUIT"] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const server = new FtpSrv({
    url: `${secure === "implicit" ? "ftps" : "ftp"}://127.0.0.1:${port}`,
    pasv_url: "127.0.0.1",
    pasv_min: pasvMin,
    pasv_max: Math.min(65535, pasvMin + 50),
    anonymous: false,
    tls: certificates ? { key: certificates.keyPem, cert: certificates.certPem } : false,
    log: quietLog,
    greeting: "field-reliability test server",
  });
  server.on("login", ({ connection, username, password: given }, resolve, reject) => {
    state.counters.logins++;
    if (username !== user || given !== password) {
      state.counters.refusedLogins++;
      reject(new Error("Authentication failed"));
      return;
    }
    resolve({ fs: new FaultyFileSystem(connection, root, state) });
  });
  await server.listen();
  // ftp-srv's constructor adds SIGINT/SIGTERM handlers that exit the process: a test run must not keep them.
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
  }
  return {
    host: "127.0.0.1",
    port,
    root,
    secure,
    counters: state.counters,
    faults,
    certificates,
    files: () => listFiles(root),
    close: async () => {
      await server.close();
    },
  };
}
