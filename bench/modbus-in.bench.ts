/**
 * Values/s polled over Modbus TCP on 127.0.0.1 (modbus-serial client and ServerTCP in one process, so
 * the figure includes both ends): the merged request plan against one request per tag, which is what a
 * flow of one read node per tag does. Loopback has ~no latency; on a real network each saved round
 * trip is worth milliseconds, so the ratio here is the least the merging gains.
 */
import { ModbusConnection, resolveConnectionOptions } from "../lib/modbus/connection";
import { encodeRegisters } from "../lib/modbus/decode";
import { PollPlan } from "../lib/modbus/poller";
import { parseRegisterMap } from "../lib/modbus/register-map";
import { ModbusTestServer } from "../test/support/modbus-server";
import { median, type BenchRow } from "./run";

const TAGS = 500;

async function valuesPerSecond(plan: PollPlan, connection: ModbusConnection, seconds: number): Promise<number> {
  let values = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < end) {
    const { readings, failures } = await plan.poll(connection);
    if (failures.length > 0) throw new Error(`benchmark read failed: ${failures[0].error.message}`);
    values += readings.length;
  }
  return values / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function run(): Promise<BenchRow[]> {
  const server = await ModbusTestServer.start();
  // 500 float32 tags (1000 holding registers) with a gap of 2 registers after every 10th tag.
  const map: Record<string, unknown>[] = [];
  let address = 0;
  for (let i = 0; i < TAGS; i++) {
    server.setWords("holding", address, encodeRegisters(i + 0.5, "float32"));
    map.push({ tag: `T${i}`, address, type: "float32" });
    address += i % 10 === 9 ? 4 : 2;
  }
  const tags = parseRegisterMap(map);
  const connection = new ModbusConnection(resolveConnectionOptions({ host: "127.0.0.1", port: server.port, timeoutMs: 5000 }));
  connection.start();
  const merged = new PollPlan(tags);
  const perTag = new PollPlan(tags, { maxRegisters: 2, maxGapRegisters: 0 });
  const rows: BenchRow[] = [];
  try {
    await valuesPerSecond(merged, connection, 0.5); // warm-up
    await valuesPerSecond(perTag, connection, 0.5);
    const ours: number[] = [];
    const naive: number[] = [];
    for (let run = 0; run < 5; run++) {
      ours.push(await valuesPerSecond(merged, connection, 1));
      naive.push(await valuesPerSecond(perTag, connection, 1));
    }
    const oursMedian = median(ours);
    const naiveMedian = median(naive);
    rows.push({
      metric: `values/s polled, ${TAGS} float32 tags in ${merged.plannedRequests.length} merged requests (TCP loopback)`,
      value: oursMedian,
      unit: "values/s",
      peer: { name: `one request per tag (${perTag.plannedRequests.length} requests)`, value: naiveMedian, ratio: oursMedian / naiveMedian },
      note: "median of 5 runs of 1 s",
    });
  } finally {
    await connection.close();
    await server.stop();
  }
  return rows;
}
