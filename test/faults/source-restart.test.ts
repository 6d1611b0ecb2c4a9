/**
 * Fault: the plant's OPC UA server and Modbus TCP device are restarted (stopped, then started again on
 * the same port). opcua-in and modbus-in must have good data again within 10 s of the server being back,
 * and a gap-detector downstream of each must flag the hole on its event output. Both client nodes run
 * with the editor's default reconnect settings (OPC UA: backoff 0.5 s doubling to 4 s; Modbus: 1 s
 * doubling to 30 s), as a plant would deploy them.
 */
import assert from "node:assert/strict";
import { DEFAULT_CONNECTION_OPTIONS } from "../../lib/modbus/connection";
import { ModbusTestServer } from "../support/modbus-server";
import type { FlowNode } from "../support/node-red-process";
import { nodeIdOf, TestOpcuaServer } from "../support/opcua-server";
import { eventually, probeEvents, probeList, probeTab, recorder, sharedNodeRed, sleep, type CrashableNodeRed, type ProbeMessage } from "./support";

const Z = "fault-source-tab";
const OUTAGE_MS = 5000;
const UPDATE_MS = 500;
const RECOVERY_GOAL_MS = 10_000;

function gapDetector(id: string, output: string): FlowNode {
  return {
    id,
    type: "gap-detector",
    z: Z,
    name: "",
    intervalSeconds: UPDATE_MS / 1000,
    learnCount: 10,
    tolerance: 1.5,
    minorMaxHours: 2,
    moderateMaxHours: 12,
    staleSeconds: "",
    timeZone: "America/Bogota",
    store: "",
    wires: [[], [output], []],
  };
}

function flow(opcuaUrl: string, modbusPort: number): FlowNode[] {
  return [
    { id: Z, type: "tab", label: "source restart", disabled: false, info: "" },
    { id: "fault-source-endpoint", type: "opcua-endpoint", name: "well pad", endpointUrl: opcuaUrl, securityMode: "None", securityPolicy: "Basic256Sha256", authentication: "anonymous", acceptUnknownServerCertificate: true, reconnectMaxSeconds: 4, refusedRetrySeconds: 60 },
    {
      id: "fault-source-opcua",
      type: "opcua-in",
      z: Z,
      name: "",
      endpoint: "fault-source-endpoint",
      items: [{ nodeId: nodeIdOf("OilRate"), tag: "WP1.OilRate", deadband: "", deadbandType: "absolute" }],
      samplingInterval: UPDATE_MS,
      publishingInterval: UPDATE_MS,
      queueSize: 10,
      wires: [["fault-source-opcua-data", "fault-source-opcua-gaps"]],
    },
    recorder("fault-source-opcua-data", Z, "opcua"),
    gapDetector("fault-source-opcua-gaps", "fault-source-opcua-gap-events"),
    recorder("fault-source-opcua-gap-events", Z, "opcuaGaps"),
    {
      id: "fault-source-device",
      type: "modbus-device",
      name: "PLC-1",
      // the node's defaults, so the restart is measured with the reconnect back-off a plant gets
      ...DEFAULT_CONNECTION_OPTIONS,
      port: modbusPort,
      maxRegisters: 125,
      maxGap: 10,
    },
    {
      id: "fault-source-modbus",
      type: "modbus-in",
      z: Z,
      name: "",
      device: "fault-source-device",
      interval: UPDATE_MS / 1000,
      registers: [{ tag: "PT-101", area: "holding", address: 0, type: "uint16", byteOrder: "big", wordOrder: "big", scale: 1, offset: 0, unit: "bar" }],
      wires: [["fault-source-modbus-data", "fault-source-modbus-gaps"]],
    },
    recorder("fault-source-modbus-data", Z, "modbus"),
    gapDetector("fault-source-modbus-gaps", "fault-source-modbus-gap-events"),
    recorder("fault-source-modbus-gap-events", Z, "modbusGaps"),
    ...probeTab(),
  ];
}

const goodOpcua = (m: ProbeMessage): boolean => (m.quality as { value?: number } | undefined)?.value === 0 && typeof m.payload === "number";
const goodModbus = (m: ProbeMessage): boolean => m.quality === 192 && typeof m.payload === "number";

describe("fault: OPC UA server and Modbus device restarted", function () {
  this.timeout(120_000);
  let opcua: TestOpcuaServer;
  let modbus: ModbusTestServer;
  let red: CrashableNodeRed;
  let ticker: NodeJS.Timeout | null = null;

  before(async () => {
    opcua = await TestOpcuaServer.start();
    modbus = await ModbusTestServer.start();
    red = await sharedNodeRed();
    await red.deploy(flow(opcua.endpointUrl, modbus.port));
    // The field keeps changing, server up or not (a value set while the server is down waits for its start).
    let tick = 0;
    ticker = setInterval(() => {
      tick++;
      opcua.set("OilRate", 800 + (tick % 50));
      modbus.setWords("holding", 0, [100 + (tick % 50)]);
    }, UPDATE_MS);
  });

  after(async () => {
    if (ticker !== null) clearInterval(ticker);
    // The flow goes with the next file's deploy; an empty one now stops its reconnect loops first.
    await red?.deploy(probeTab());
    await opcua?.dispose();
    await modbus?.stop();
  });

  it(`has data again within ${RECOVERY_GOAL_MS / 1000} s of each server being back, and gap-detector flags the gap`, async () => {
    // Steady data first (a fixed interval: the gap detectors need no learning).
    await eventually(async () => (await probeList(red.url, "opcua")).filter(goodOpcua).length >= 4 && (await probeList(red.url, "modbus")).filter(goodModbus).length >= 4, 30_000, "steady data from both sources");

    const stopBeganAt = Date.now();
    await Promise.all([opcua.stop(), modbus.stop()]);
    const stopMs = Date.now() - stopBeganAt;
    await sleep(OUTAGE_MS);
    let opcuaBackAt = 0;
    let modbusBackAt = 0;
    await Promise.all([opcua.start().then(() => (opcuaBackAt = Date.now())), modbus.restart().then(() => (modbusBackAt = Date.now()))]);

    const firstAfter = async (key: string, good: (m: ProbeMessage) => boolean, backAt: number): Promise<ProbeMessage | undefined> => (await probeList(red.url, key)).find((m) => m._at > backAt && good(m));
    const opcuaAgain = await eventually(() => firstAfter("opcua", goodOpcua, opcuaBackAt), 30_000, "OPC UA data after the restart");
    const modbusAgain = await eventually(() => firstAfter("modbus", goodModbus, modbusBackAt), 40_000, "Modbus data after the restart");
    const opcuaRecoveryMs = opcuaAgain._at - opcuaBackAt;
    const modbusRecoveryMs = modbusAgain._at - modbusBackAt;

    // The outage's gap: reported after the data came back (a loaded machine may also flag a late poll or two).
    const gapOf = async (key: string) =>
      (await probeEvents(red.url, key))
        .filter((e) => e.event === "gap" && e._at > stopBeganAt)
        .sort((a, b) => Number(b.details?.durationMs) - Number(a.details?.durationMs))[0];
    const opcuaGap = await eventually(() => gapOf("opcuaGaps"), 10_000, "the OPC UA gap flagged");
    const modbusGap = await eventually(() => gapOf("modbusGaps"), 10_000, "the Modbus gap flagged");
    const opcuaGapMs = Number(opcuaGap.details?.durationMs);
    const modbusGapMs = Number(modbusGap.details?.durationMs);
    console.log(
      `      source restart (${OUTAGE_MS} ms down, stopping took ${stopMs} ms): OPC UA data again ${opcuaRecoveryMs} ms after the server was back, gap flagged ${opcuaGapMs} ms (${String(opcuaGap.details?.missing)} missing, ${opcuaGap.severity}); ` +
        `Modbus data again ${modbusRecoveryMs} ms after, gap flagged ${modbusGapMs} ms (${String(modbusGap.details?.missing)} missing, ${modbusGap.severity})`,
    );
    assert.ok(opcuaRecoveryMs <= RECOVERY_GOAL_MS, `OPC UA data again within ${RECOVERY_GOAL_MS} ms (took ${opcuaRecoveryMs})`);
    assert.ok(modbusRecoveryMs <= RECOVERY_GOAL_MS, `Modbus data again within ${RECOVERY_GOAL_MS} ms (took ${modbusRecoveryMs})`);
    // Each gap (in source time) covers the outage, and no more than the real hole in the data.
    for (const [name, gapMs, again] of [["OPC UA", opcuaGapMs, opcuaAgain._at], ["Modbus", modbusGapMs, modbusAgain._at]] as const) {
      const holeMs = again - stopBeganAt;
      assert.ok(gapMs >= OUTAGE_MS - UPDATE_MS && gapMs <= holeMs + 2 * UPDATE_MS, `${name}: gap of ${gapMs} ms for a ${OUTAGE_MS} ms outage (data missing for ${holeMs} ms in all)`);
    }
    assert.equal(opcuaGap.topic, "WP1.OilRate");
    assert.equal(modbusGap.topic, "PT-101");
  });
});
