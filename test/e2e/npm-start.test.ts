/**
 * `npm start` as a newcomer runs it (scripts/start.js), on free ports and a fresh user dir: the simulator
 * comes up, the first start writes the templates and the Dashboard 2 flows, Node-RED serves the editor and
 * the dashboard, the simulated plant answers on its ports, and one Ctrl-C stops everything.
 */
import assert from "assert";
import { spawn, type ChildProcess } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { freePort, portAnswers } from "../support/ports";
import { repoRoot } from "../support/repo";

/** The simulator's own part of the variables the templates read: unset, so start.js fills them in. */
const SIMULATOR_VARIABLES = ["OPCUA_ENDPOINT", "MODBUS_HOST", "MODBUS_PORT", "CAMERA_URL", "SIM_URL", "SOURCE_HISTORY_URL", "MQTT_URL", "SIM", "FR_TEMPLATES", "NODE_RED_FLOW_FILE"];

async function waitForHttp(url: string, child: ChildProcess, logs: () => string, timeoutMs: number, accept: (status: number, body: string) => boolean): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}) before ${url} answered:\n${logs()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = await response.text();
      if (accept(response.status, body)) return body;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}


describe("e2e: npm start", function () {
  this.timeout(300_000);
  let child: ChildProcess | null = null;
  let userDir = "";

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGKILL");
      await gone;
    }
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("starts the simulator, deploys the templates and the dashboard, serves both, and stops on SIGTERM", async () => {
    const root = repoRoot();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-npm-start-"));
    const ports = { red: await freePort(), opcua: await freePort(), modbus: await freePort(), http: await freePort(), mqtt: await freePort() };
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !SIMULATOR_VARIABLES.includes(key)) env[key] = value;
    Object.assign(env, {
      NODE_RED_USER_DIR: userDir,
      PORT: String(ports.red),
      SIM_OPCUA_PORT: String(ports.opcua),
      SIM_MODBUS_PORT: String(ports.modbus),
      SIM_HTTP_PORT: String(ports.http),
      SIM_MQTT_PORT: String(ports.mqtt),
      // The simulator compiled beside this test (dist/sim in CI, a helper's own build dir elsewhere).
      SIM_CLI: path.resolve(__dirname, "../../sim/cli.js"),
    });
    let output = "";
    child = spawn(process.execPath, [path.join(root, "scripts", "start.js")], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const logs = () => output.slice(-6000);
    const red = `http://127.0.0.1:${ports.red}`;
    const sim = `http://127.0.0.1:${ports.http}`;

    // The editor: Node-RED's page.
    const editor = await waitForHttp(`${red}/`, child, logs, 240_000, (status) => status === 200);
    assert.match(editor, /Node-RED/);

    // The first start wrote every template and the Dashboard 2 flows, each node once.
    const flowFile = JSON.parse(fs.readFileSync(path.join(userDir, "flows.json"), "utf8")) as Array<{ id: string; type: string }>;
    const expectedIds = new Set<string>();
    for (const dir of ["flows", path.join("dashboards", "dashboard2")]) {
      for (const name of fs.readdirSync(path.join(root, dir)).filter((n) => n.endsWith(".json"))) {
        const nodes = JSON.parse(fs.readFileSync(path.join(root, dir, name), "utf8")) as unknown;
        if (Array.isArray(nodes)) for (const node of nodes as Array<{ id: string }>) expectedIds.add(node.id);
      }
    }
    assert.deepStrictEqual(new Set(flowFile.map((n) => n.id)), expectedIds);
    assert.strictEqual(new Set(flowFile.map((n) => n.id)).size, flowFile.length);
    assert.ok(flowFile.some((n) => n.type === "ui-base"), "the dashboard is part of the first flows");

    // The dashboard is live.
    const dashboard = await waitForHttp(`${red}/dashboard`, child, logs, 120_000, (status) => status === 200);
    assert.match(dashboard, /<html/i);

    // The simulated plant answers where the environment said, and the runtime was given its addresses.
    const status = (await (await fetch(`${sim}/status`)).json()) as { wells: string[]; urls: { opcua: string }; clients: Record<string, number> };
    assert.deepStrictEqual(status.wells, ["W01", "W02", "W03"]);
    assert.strictEqual(status.urls.opcua, `opc.tcp://127.0.0.1:${ports.opcua}/UA/FieldReliabilitySim`);
    assert.ok(await portAnswers(ports.opcua), "OPC UA port");
    assert.ok(await portAnswers(ports.modbus), "Modbus port");
    assert.ok(await portAnswers(ports.mqtt), "MQTT port");
    const frame = await fetch(`${sim}/camera/T1/frame.png`);
    assert.strictEqual(frame.headers.get("content-type"), "image/png");
    await frame.arrayBuffer();
    // The templates were given these addresses: Node-RED's opcua-endpoint and modbus-device connect to them.
    await waitForHttp(`${sim}/status`, child, logs, 120_000, (code, body) => {
      const clients = (JSON.parse(body) as { clients: Record<string, number> }).clients;
      return code === 200 && clients.opcua >= 1 && clients.modbus >= 1;
    });

    // One SIGTERM stops Node-RED and the simulator.
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const code = await exited;
    assert.strictEqual(code, 0, logs());
    for (const port of [ports.red, ports.opcua, ports.modbus, ports.http, ports.mqtt]) assert.strictEqual(await portAnswers(port), false, `port ${port} closed`);
  });
});
