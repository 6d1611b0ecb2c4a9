/**
 * Fuzz suite, nodes with a disk or a network behind them, each against a real local server.
 * See fuzz-runner.ts for the oracles.
 */
import fs from "fs";
import { startFtpServer, type TestFtpServer } from "../support/ftp-server";
import { InfluxDB1Server } from "../support/influx-servers";
import { ModbusTestServer } from "../support/modbus-server";
import { makeTempDir } from "../support/runtime";
import { anhJsonSpec, ftpDeliverSpec, influxQuerySpec, influxWriteSpec, modbusInSpec, queryFixtureLines } from "./specs-io";
import { fuzzTest, seed } from "./suite";

describe(`fuzz: nodes with a disk or a server behind them (FUZZ_SEED=${seed})`, function () {
  this.timeout(60_000);
  let baseDir = "";
  let influx: InfluxDB1Server | null = null;
  let ftp: TestFtpServer | null = null;
  let modbus: ModbusTestServer | null = null;

  before(async () => {
    baseDir = makeTempDir("fr-fuzz-");
    [influx, ftp, modbus] = await Promise.all([InfluxDB1Server.create(), startFtpServer({ root: makeTempDir("fr-fuzz-ftp-") }), ModbusTestServer.start()]);
    await influx.query("CREATE DATABASE fuzz");
    const written = await fetch(`${influx.url}/write?db=fuzz&precision=ms`, { method: "POST", body: queryFixtureLines() });
    if (written.status !== 204) throw new Error(`could not write the query fixture: HTTP ${written.status} ${await written.text()}`);
    modbus.setWords("holding", 0, [1234]);
    modbus.setWords("input", 10, [0x0001, 0x86a0]);
  });
  after(async () => {
    await Promise.all([influx?.dispose(), ftp?.close(), modbus?.stop()]);
    fs.rmSync(baseDir, { recursive: true, force: true });
  });

  fuzzTest("anh-json", () => anhJsonSpec(baseDir));
  fuzzTest("influx-write", () => influxWriteSpec(() => influx as InfluxDB1Server, baseDir));
  fuzzTest("influx-query", () => influxQuerySpec(() => influx as InfluxDB1Server));
  fuzzTest("ftp-deliver", () => ftpDeliverSpec(() => ftp as TestFtpServer, baseDir));
  fuzzTest("modbus-in", () => modbusInSpec(() => (modbus as ModbusTestServer).port));
});
