/**
 * opcua-in throughput: one opcua-endpoint, one opcua-in node with 2 000 monitored items (one subscription,
 * sampling 0 = on change (event-driven on node-opcua), publishing 100 ms), a node-opcua server in the same process changing every item every
 * cycle, in a child process (in the same process its address space would take most of the CPU: the
 * figure would be the server's). Measured: values/s reaching a sink (publish, client decoding, contract
 * message, change filter, Node-RED delivery), and the time from deploy to the first values of all items.
 */
import { spawn } from "child_process";
import readline from "readline";
import { median, type BenchRow } from "./run";
import { getNode, startRuntime, stopRuntime } from "./support/runtime";

const ITEMS = 2000;
const CHANGE_EVERY_MS = 100;
const WINDOW_MS = 5000;

/** The test well-pad server with ITEMS extra variables, all changed every CHANGE_EVERY_MS once told "go". */
const SERVER_SCRIPT = `
const { TestOpcuaServer } = require(process.argv[1]);
(async () => {
  const server = await TestOpcuaServer.start({ extraVariables: ${ITEMS} });
  console.log("URL " + server.endpointUrl);
  let round = 0;
  require("readline").createInterface({ input: process.stdin }).on("line", async (line) => {
    if (line === "go") setInterval(() => {
      round++;
      const now = new Date();
      for (let i = 0; i < ${ITEMS}; i++) server.set("Extra" + i, round * 10000 + i, undefined, now);
    }, ${CHANGE_EVERY_MS});
    if (line === "stop") { await server.dispose(); process.exit(0); }
  });
})();
`;

export async function run(): Promise<BenchRow[]> {
  const child = spawn(process.execPath, ["-e", SERVER_SCRIPT, require.resolve("../test/support/opcua-server")], { stdio: ["pipe", "pipe", "inherit"] });
  const endpointUrl = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("URL ")) resolve(line.slice(4));
    });
    child.once("exit", (code) => reject(new Error(`the OPC UA server process exited (${code})`)));
  });
  const server = { endpointUrl };
  const items = Array.from({ length: ITEMS }, (_, i) => ({ nodeId: `ns=1;s=Well01.Extra${i}`, tag: `bench.${i}`, deadband: "" }));
  const deployedAt = Date.now();
  await startRuntime([], [
    { id: "bench-flow", type: "tab", label: "bench" },
    { id: "n-endpoint", type: "opcua-endpoint", endpointUrl: server.endpointUrl, securityMode: "None", authentication: "anonymous" },
    { id: "n-opcua", z: "bench-flow", type: "opcua-in", endpoint: "n-endpoint", items, samplingInterval: 0, publishingInterval: 100, queueSize: 10, wires: [["n-sink"]] },
    { id: "n-sink", z: "bench-flow", type: "bench-sink" },
  ]);
  const sink = getNode("n-sink");
  while ((sink.received ?? 0) < ITEMS) await new Promise((resolve) => setTimeout(resolve, 10));
  const firstValuesSeconds = (Date.now() - deployedAt) / 1000;

  // Every item changes every cycle: 20 000 changes/s offered.
  child.stdin?.write("go\n");
  await new Promise((resolve) => setTimeout(resolve, 2000)); // warm-up
  const rates: number[] = [];
  for (let block = 0; block < 5; block++) {
    const before = sink.received ?? 0;
    const start = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(((sink.received ?? 0) - before) / seconds);
  }
  await stopRuntime();
  child.stdin?.write("stop\n");
  await new Promise((resolve) => child.once("exit", resolve));
  const offered = (ITEMS * 1000) / CHANGE_EVERY_MS;
  return [
    { metric: "opcua-in values/s, 2 000 monitored items", value: median(rates), unit: "values/s", note: `median of 5 × ${WINDOW_MS / 1000} s; ${offered} changes/s offered by a node-opcua server in a child process; min ${Math.round(Math.min(...rates))}` },
    { metric: "opcua-in deploy to first value of all 2 000 items", value: firstValuesSeconds, unit: "s", note: "includes client certificate creation in a fresh user dir" },
  ];
}
