/**
 * The core against a real Modbus TCP server (modbus-serial ServerTCP on 127.0.0.1): decoding of values
 * the test writes into the server's registers, the requests the server sees, timeouts, a stopped and
 * restarted server.
 */
import assert from "node:assert/strict";
import { encodeRegisters } from "../../../lib/modbus/decode";
import { ModbusConnection, resolveConnectionOptions, type ConnectionState, type StateChange } from "../../../lib/modbus/connection";
import { PollPlan, QUALITY_BAD, QUALITY_GOOD, type TagReading } from "../../../lib/modbus/poller";
import { parseRegisterMap, REGISTER_TYPES, type Order } from "../../../lib/modbus/register-map";
import { ModbusTestServer } from "../../support/modbus-server";
import { seededRandom } from "../../support/reference";
import { waitFor } from "../../support/runtime";

const ORDERS: Order[] = ["big", "little"];

function connect(server: ModbusTestServer, options: Record<string, unknown> = {}): ModbusConnection {
  const connection = new ModbusConnection(resolveConnectionOptions({ host: "127.0.0.1", port: server.port, unitId: 1, timeoutMs: 300, reconnectMinMs: 50, reconnectMaxMs: 400, ...options }));
  connection.start();
  return connection;
}

const byTag = (readings: TagReading[]) => new Map(readings.map((r) => [r.tag, r]));

describe("lib/modbus connection and poll against a real ServerTCP", () => {
  let server: ModbusTestServer;
  let connection: ModbusConnection | null = null;

  beforeEach(async () => {
    server = await ModbusTestServer.start();
  });
  afterEach(async () => {
    await connection?.close();
    connection = null;
    await server.stop();
  });

  it("decodes every type in every byte and word order from holding and input registers, scaled", async () => {
    const random = seededRandom(42);
    const map: Record<string, unknown>[] = [];
    const expected = new Map<string, number>();
    let address = 0;
    for (const area of ["holding", "input"] as const) {
      for (const type of REGISTER_TYPES) {
        for (const byteOrder of ORDERS) {
          for (const wordOrder of ORDERS) {
            const u = random();
            const value = {
              int16: Math.round((u - 0.5) * 60000),
              uint16: Math.round(u * 65535),
              int32: Math.round((u - 0.5) * 4e9),
              uint32: Math.round(u * 4e9),
              float32: Math.fround((u - 0.5) * 1e5),
              float64: (u - 0.5) * 1e10,
            }[type];
            const tag = `${area}.${type}.${byteOrder}.${wordOrder}`;
            const words = encodeRegisters(value, type, byteOrder, wordOrder);
            server.setWords(area, address, words);
            // Every fourth tag scaled: engineering value = raw · scale + offset.
            const scaled = map.length % 4 === 3;
            map.push({ tag, area, address, type, byteOrder, wordOrder, ...(scaled ? { scale: 0.5, offset: 10 } : {}), unit: "u" });
            expected.set(tag, scaled ? value * 0.5 + 10 : value);
            address += words.length;
          }
        }
      }
      address = 0;
    }
    const plan = new PollPlan(parseRegisterMap(map));
    connection = connect(server);
    const { readings, failures } = await plan.poll(connection);
    assert.deepEqual(failures, []);
    assert.equal(readings.length, expected.size);
    for (const reading of readings) {
      assert.equal(reading.quality, QUALITY_GOOD, reading.tag);
      assert.equal(reading.value, expected.get(reading.tag), reading.tag);
      assert.equal(reading.unit, "u");
    }
    // 4 orders × (1+1+2+2+2+4) registers = 48 contiguous registers per area: one request each.
    assert.deepEqual(
      server.requests.map((r) => [r.functionCode, r.address, r.quantity]),
      [
        [3, 0, 48],
        [4, 0, 48],
      ],
    );
  });

  it("reads coils and discrete inputs as booleans", async () => {
    server.coils[5] = 1;
    server.coils[7] = 1;
    server.discretes[1000] = 1;
    const plan = new PollPlan(
      parseRegisterMap([
        { tag: "c5", area: "coil", address: 5 },
        { tag: "c6", area: "coil", address: 6 },
        { tag: "c7", area: "coil", address: 7 },
        { tag: "d999", area: "discrete", address: 999 },
        { tag: "d1000", area: "discrete", address: 1000 },
      ]),
    );
    connection = connect(server);
    const readings = byTag((await plan.poll(connection)).readings);
    assert.deepEqual(
      ["c5", "c6", "c7", "d999", "d1000"].map((t) => readings.get(t)?.value),
      [true, false, true, false, true],
    );
    assert.deepEqual(
      server.requests.map((r) => [r.functionCode, r.address, r.quantity]),
      [
        [1, 5, 3],
        [2, 999, 2],
      ],
    );
  });

  it("merges contiguous reads: 300 registers take 3 requests, not 300", async () => {
    for (let i = 0; i < 300; i++) server.holding[i] = i * 3;
    const plan = new PollPlan(parseRegisterMap(Array.from({ length: 300 }, (_, i) => ({ tag: `r${i}`, address: i }))));
    connection = connect(server);
    const { readings } = await plan.poll(connection);
    assert.deepEqual(
      readings.map((r) => r.value),
      Array.from({ length: 300 }, (_, i) => i * 3),
    );
    assert.deepEqual(
      server.requests.map((r) => [r.address, r.quantity]),
      [
        [0, 125],
        [125, 125],
        [250, 50],
      ],
    );
    assert.equal(connection.requestsSent, 3);
  });

  it("a device that refuses a bridged gap (exception 02): its tags are read with gap-free requests from then on", async () => {
    server.holding[0] = 11;
    server.holding[5] = 55;
    server.illegalAddresses.add(3);
    const plan = new PollPlan(
      parseRegisterMap([
        { tag: "a", address: 0 },
        { tag: "b", address: 5 },
      ]),
    );
    connection = connect(server);
    const first = await plan.poll(connection);
    assert.deepEqual(
      first.readings.map((r) => [r.tag, r.value, r.quality]),
      [
        ["a", 11, QUALITY_GOOD],
        ["b", 55, QUALITY_GOOD],
      ],
    );
    assert.deepEqual(
      server.requests.map((r) => [r.address, r.quantity]),
      [
        [0, 6],
        [0, 1],
        [5, 1],
      ],
    );
    await plan.poll(connection);
    assert.equal(server.requests.length, 5, "the second poll goes straight to the split requests");
    assert.equal(connection.state, "connected", "an exception is an answer: the link stays up");
  });

  it("an exception on a mapped address makes only that request's tags bad", async () => {
    server.holding[0] = 1;
    server.holding[100] = 2;
    server.illegalAddresses.add(100);
    const plan = new PollPlan(
      parseRegisterMap([
        { tag: "ok", address: 0 },
        { tag: "missing", address: 100 },
      ]),
    );
    connection = connect(server);
    const { readings, failures } = await plan.poll(connection);
    const r = byTag(readings);
    assert.deepEqual([r.get("ok")?.value, r.get("ok")?.quality], [1, QUALITY_GOOD]);
    assert.deepEqual([r.get("missing")?.value, r.get("missing")?.quality], [null, QUALITY_BAD]);
    assert.match(r.get("missing")?.error ?? "", /exception 2/i);
    assert.equal(failures[0].error.kind, "exception");
    assert.equal(failures[0].error.exceptionCode, 2);
  });

  it("a float register holding NaN (a device's 'no measurement') is bad quality, its neighbour good", async () => {
    server.setWords("holding", 0, [0x7fc0, 0x0000, 0x4120, 0x0000]); // NaN, 10.0
    const plan = new PollPlan(
      parseRegisterMap([
        { tag: "nan", address: 0, type: "float32" },
        { tag: "ten", address: 2, type: "float32" },
      ]),
    );
    connection = connect(server);
    const r = byTag((await plan.poll(connection)).readings);
    assert.deepEqual([r.get("nan")?.value, r.get("nan")?.quality, r.get("nan")?.error], [null, QUALITY_BAD, "float32 is NaN"]);
    assert.deepEqual([r.get("ten")?.value, r.get("ten")?.quality], [10, QUALITY_GOOD]);
  });

  it("timeout: bad quality and no value (never the old one), a fresh link, good values once the device answers", async () => {
    server.holding[0] = 7;
    const plan = new PollPlan(parseRegisterMap([{ tag: "t", address: 0 }]));
    connection = connect(server);
    const states: ConnectionState[] = [];
    connection.on("state", (change: StateChange) => states.push(change.state));
    const good = (await plan.poll(connection)).readings[0];
    assert.deepEqual([good.value, good.quality], [7, QUALITY_GOOD]);

    server.stall(true);
    server.holding[0] = 8;
    const started = Date.now();
    const { readings, failures } = await plan.poll(connection);
    assert.ok(Date.now() - started >= 250, "waited for the timeout");
    assert.deepEqual([readings[0].value, readings[0].quality], [null, QUALITY_BAD]);
    assert.equal(failures[0].error.kind, "timeout");
    assert.equal(connection.state, "reconnecting");

    server.stall(false);
    await waitFor(() => connection?.state === "connected", 3000, "reconnect");
    const back = (await plan.poll(connection)).readings[0];
    assert.deepEqual([back.value, back.quality], [8, QUALITY_GOOD]);
    assert.deepEqual(states.slice(states.indexOf("reconnecting")), ["reconnecting", "connecting", "connected"]);
  });

  it("server stopped: bad quality at once while it is down; restarted on the same port: reconnects and reads good values", async () => {
    server.holding[10] = 1;
    const plan = new PollPlan(parseRegisterMap([{ tag: "x", address: 10, type: "int16" }]));
    connection = connect(server);
    assert.equal((await plan.poll(connection)).readings[0].quality, QUALITY_GOOD);

    const delays: number[] = [];
    connection.on("state", (change: StateChange) => {
      if (change.retryInMs !== null) delays.push(change.retryInMs);
    });
    await server.stop();
    await waitFor(() => connection?.state === "reconnecting", 3000, "the client to notice");
    const down = (await plan.poll(connection)).readings[0];
    assert.deepEqual([down.value, down.quality], [null, QUALITY_BAD]);
    assert.match(down.error ?? "", /not connected/);
    // Failed attempts: the delays double from 50 ms up to the 400 ms cap.
    await waitFor(() => delays.length >= 5, 5000, "reconnect attempts");
    assert.deepEqual(delays.slice(0, 5), [50, 100, 200, 400, 400]);

    server.holding[10] = 0xffff; // -1 as int16
    await server.restart();
    await waitFor(() => connection?.state === "connected", 3000, "reconnect");
    const back = (await plan.poll(connection)).readings[0];
    assert.deepEqual([back.value, back.quality], [-1, QUALITY_GOOD]);
  });

  it("close() rejects waiting reads and leaves no socket or timer behind", async () => {
    const plan = new PollPlan(parseRegisterMap([{ tag: "t", address: 0 }]));
    await new Promise((resolve) => setTimeout(resolve, 1)); // mocha's own test timer is running from here on
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "TCPSocketWrap").length;
    connection = connect(server);
    await plan.poll(connection);
    server.stall(true);
    const pending = plan.poll(connection);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await connection.close();
    const reading = (await pending).readings[0];
    assert.deepEqual([reading.quality, reading.error], [QUALITY_BAD, "connection closed"]);
    await server.stop(); // closes the server side of the socket too
    await waitFor(() => process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "TCPSocketWrap").length <= before, 2000, "resources released");
  });

  it("rejects bad connection settings, naming the field", () => {
    assert.throws(() => resolveConnectionOptions({ port: 70000 }), /^InputError: port: expected a TCP port 1-65535, got 70000$/);
    assert.throws(() => resolveConnectionOptions({ unitId: "x" }), /unitId/);
    assert.throws(() => resolveConnectionOptions({ transport: "udp" }), /transport/);
    assert.throws(() => resolveConnectionOptions({ reconnectMinMs: 5000, reconnectMaxMs: 1000 }), /reconnectMaxMs/);
    assert.throws(() => resolveConnectionOptions({ transport: "rtu", serialPath: "" }), /serialPath/);
    assert.equal(resolveConnectionOptions({ port: "5020", timeoutMs: "" }).timeoutMs, 2000);
  });
});
