import assert from "node:assert/strict";
import { createHash } from "crypto";
import fs from "fs";
import net from "net";
import os from "os";
import path from "path";
import { DeliveryError, deliverOnce, describeServer, validateConnectionOptions, type FtpConnectionOptions, type LocalFile } from "../../../lib/delivery/uploader";
import { makeCertificates, startFtpServer, type TestCertificates, type TestFtpServer, type TestSecureMode } from "../../support/ftp-server";

const USER = "anh";
const PASSWORD = "s3cret-Pa55";

function localFile(dir: string, name: string, content: Buffer, remoteDir = "/anh/reports"): LocalFile {
  const localPath = path.join(dir, `${name}.data`);
  fs.writeFileSync(localPath, content);
  return { localPath, remoteDir, name, bytes: content.length, sha256: createHash("sha256").update(content).digest("hex") };
}

function connectionTo(server: TestFtpServer, extra: Partial<FtpConnectionOptions> = {}): FtpConnectionOptions {
  return validateConnectionOptions({ host: server.host, port: server.port, secure: server.secure, user: USER, password: PASSWORD, timeoutMs: 5000, ...extra });
}

/** Deterministic content of `bytes` bytes (a report-like JSON would compress; this does not matter here). */
function content(bytes: number, seed = 1): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("lib/delivery/uploader against a real ftp-srv", function () {
  this.timeout(20000);
  let certificates: TestCertificates;
  let work: string;
  let server: TestFtpServer | null = null;

  before(() => {
    certificates = makeCertificates();
  });
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "fr-upl-"));
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    fs.rmSync(work, { recursive: true, force: true });
  });

  for (const secure of ["none", "explicit", "implicit"] as TestSecureMode[]) {
    it(`uploads as .part, checks the size and renames (secure: ${secure})`, async () => {
      server = await startFtpServer({ secure, certificates });
      const data = content(200_000);
      const file = localFile(work, "ANH_REPORT_20261122.json", data);
      const result = await deliverOnce(connectionTo(server, { ca: certificates.caPem }), file);
      assert.deepEqual(result, { outcome: "uploaded", remotePath: "/anh/reports/ANH_REPORT_20261122.json", bytes: data.length });
      assert.deepEqual(server.files(), ["anh/reports/ANH_REPORT_20261122.json"]);
      assert.ok(fs.readFileSync(path.join(server.root, "anh/reports/ANH_REPORT_20261122.json")).equals(data));
      assert.deepEqual(server.counters.stored, ["/anh/reports/ANH_REPORT_20261122.json.part"]);
      assert.deepEqual(server.counters.renamed, ["/anh/reports/ANH_REPORT_20261122.json"]);
    });
  }

  it("does not upload again when the same file is already there (lost acknowledgement)", async () => {
    server = await startFtpServer();
    const file = localFile(work, "R.json", content(5000));
    await deliverOnce(connectionTo(server), file);
    const again = await deliverOnce(connectionTo(server), file);
    assert.equal(again.outcome, "already-present");
    assert.equal(server.counters.stored.length, 1);
    assert.equal(server.counters.renamed.length, 1);
  });

  it("replaces a remote file of the same name and size but other content", async () => {
    server = await startFtpServer();
    fs.mkdirSync(path.join(server.root, "in"));
    fs.writeFileSync(path.join(server.root, "in", "R.json"), content(5000, 7));
    const data = content(5000, 8);
    const result = await deliverOnce(connectionTo(server), localFile(work, "R.json", data, "in"));
    assert.equal(result.outcome, "uploaded");
    assert.ok(fs.readFileSync(path.join(server.root, "in", "R.json")).equals(data));
  });

  it("leaves no partial final file when the connection is cut mid-upload", async () => {
    server = await startFtpServer({ faults: { cutUpload: { upload: 1, afterBytes: 64 * 1024 } } });
    const data = content(1_000_000);
    const file = localFile(work, "BIG.bin", data, "/");
    await assert.rejects(deliverOnce(connectionTo(server), file), (err: DeliveryError) => err instanceof DeliveryError && !err.fatal);
    assert.ok(!server.files().includes("BIG.bin"), `final name must not exist: ${server.files().join(", ")}`);
    const result = await deliverOnce(connectionTo(server), file);
    assert.equal(result.outcome, "uploaded");
    assert.deepEqual(server.files(), ["BIG.bin"]);
    assert.ok(fs.readFileSync(path.join(server.root, "BIG.bin")).equals(data));
    assert.equal(server.counters.renamed.length, 1);
  });

  it("a retry after a lost rename acknowledgement finds the file and sends nothing", async () => {
    server = await startFtpServer({ faults: { loseRenameReply: 1 } });
    const file = localFile(work, "R.json", content(3000));
    await assert.rejects(deliverOnce(connectionTo(server), file), (err: DeliveryError) => !err.fatal);
    const result = await deliverOnce(connectionTo(server), file);
    assert.equal(result.outcome, "already-present");
    assert.equal(server.counters.stored.length, 1);
    assert.deepEqual(server.files(), ["anh/reports/R.json"]);
  });

  it("a wrong password is a fatal, clear error without the password in it", async () => {
    server = await startFtpServer();
    const file = localFile(work, "R.json", content(100));
    const wrong = "WrongPassword-123";
    await assert.rejects(deliverOnce(connectionTo(server, { password: wrong }), file), (err: DeliveryError) => {
      assert.equal(err.scope, "server");
      assert.match(err.message, /login refused by ftp:\/\/anh@127\.0\.0\.1:\d+: 530/);
      assert.ok(!err.message.includes(wrong) && !err.message.includes(PASSWORD));
      return true;
    });
    assert.equal(server.counters.refusedLogins, 1);
  });

  for (const secure of ["explicit", "implicit"] as TestSecureMode[]) {
    it(`refuses an untrusted certificate unless its CA is configured (${secure})`, async () => {
      server = await startFtpServer({ secure, certificates });
      const file = localFile(work, "R.json", content(100));
      await assert.rejects(deliverOnce(connectionTo(server), file), (err: DeliveryError) => {
        assert.equal(err.scope, "server");
        assert.match(err.message, /TLS certificate of ftps:\/\/anh@127\.0\.0\.1:\d+.* is not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
        return true;
      });
      assert.equal(server.counters.logins, 0, "no credentials sent to an untrusted server");
      const other = makeCertificates();
      await assert.rejects(deliverOnce(connectionTo(server, { ca: other.caPem }), file), /not trusted/);
      assert.equal((await deliverOnce(connectionTo(server, { ca: certificates.caPem }), file)).outcome, "uploaded");
    });
  }

  it("a closed port is a retryable error", async () => {
    server = await startFtpServer();
    const port = server.port;
    await server.close();
    server = null;
    await assert.rejects(deliverOnce(validateConnectionOptions({ host: "127.0.0.1", port, user: USER, password: PASSWORD, timeoutMs: 2000 }), localFile(work, "R.json", content(10))), (err: DeliveryError) => {
      assert.equal(err.fatal, false);
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
  });

  it("a server that accepts the connection but never answers times out (retryable)", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    try {
      await assert.rejects(deliverOnce(validateConnectionOptions({ host: "127.0.0.1", port, user: USER, password: PASSWORD, timeoutMs: 300 }), localFile(work, "R.json", content(10))), (err: DeliveryError) => {
        assert.equal(err.fatal, false);
        assert.match(err.message, /[Tt]imeout/);
        return true;
      });
      assert.ok(Date.now() - started < 3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("validates connection options, naming the field", () => {
    assert.throws(() => validateConnectionOptions({ host: "" }), /host: expected a host name/);
    assert.throws(() => validateConnectionOptions({ host: "h", port: 70000 }), /port: expected a port 1-65535/);
    assert.throws(() => validateConnectionOptions({ host: "h", secure: "tls" as never }), /secure: expected "none", "explicit" or "implicit"/);
    assert.throws(() => validateConnectionOptions({ host: "h", ca: "not a pem" }), /ca: expected a PEM certificate/);
    const defaults = validateConnectionOptions({ host: "h", secure: "implicit" });
    assert.equal(defaults.port, 990);
    assert.equal(defaults.rejectUnauthorized, true);
    assert.equal(describeServer({ ...defaults, user: "u" }), "ftps://u@h:990");
  });
});
