/**
 * The secret-leak check the template tests run (test/flows/harness.ts) finds a leak where one is: a flow
 * that writes the canary secrets into its log, a node status, a debug message, the flow file and the file
 * context store must be reported at each place. The run is stopped inside the test so the harness's own
 * "after each" check has nothing left to watch.
 */
import assert from "node:assert/strict";
import { deploy, start, type FlowNode } from "../support/node-red-process";
import { CANARY_SECRETS, checkSecretLeaks, deployProblems, eventually, plantEnvironment } from "../flows/harness";

const LEAKY_FUNCTION = `node.warn("connecting with " + env.get("FTP_PASSWORD"));
node.status({ fill: "green", shape: "dot", text: "token " + env.get("INFLUX_TOKEN") });
global.set("remembered", env.get("INFLUX_PASSWORD"), "file");
msg.payload = "debug sees " + env.get("SMTP_PASSWORD");
return msg;`;

function leakyFlow(): FlowNode[] {
  return [
    { id: "leak-tab", type: "tab", label: "leaky" },
    { id: "leak-inject", type: "inject", z: "leak-tab", once: true, onceDelay: 0.1, repeat: "", topic: "", payload: "", payloadType: "date", props: [{ p: "payload" }], wires: [["leak-fn"]] },
    { id: "leak-fn", type: "function", z: "leak-tab", func: LEAKY_FUNCTION, outputs: 1, wires: [["leak-debug"]] },
    { id: "leak-debug", type: "debug", z: "leak-tab", active: true, tosidebar: true, console: false, complete: "payload", targetType: "msg", wires: [] },
    // A secret typed into a node property instead of the credentials: it reaches the flow file and GET /flows.
    { id: "leak-literal", type: "comment", z: "leak-tab", name: "password", info: `the relay password is ${CANARY_SECRETS.DASHBOARD_ADMIN_PIN}`, wires: [] },
  ];
}

describe("security: the template tests' secret-leak check", function () {
  this.timeout(120_000);

  it("reports a canary secret in the log, a status, a debug message, the context store, the flow file and GET /flows", async () => {
    const red = await start({ env: { ...plantEnvironment({}), NODE_RED_CONTEXT_FLUSH_SECONDS: "1" } });
    try {
      await deploy(red.url, leakyFlow());
      // Watched from here on, as after a template's deploy; the status and debug frames come after the inject fires.
      deployProblems(red, 0, new Map());
      const leaks = await eventually(
        async () => {
          const found = await checkSecretLeaks();
          return found.some((l) => l.includes("INFLUX_PASSWORD")) && found.some((l) => l.includes("/comms")) ? found : undefined;
        },
        20_000,
        "the leaks to be seen",
      );
      const text = leaks.join("\n");
      assert.match(text, /secret FTP_PASSWORD leaked into the runtime log/);
      assert.match(text, /secret INFLUX_TOKEN leaked into a \/comms message/);
      assert.match(text, /secret SMTP_PASSWORD leaked into a \/comms message/);
      assert.match(text, /secret INFLUX_PASSWORD leaked into context\//);
      assert.match(text, /secret DASHBOARD_ADMIN_PIN leaked into GET \/flows/);
      assert.match(text, /secret DASHBOARD_ADMIN_PIN leaked into flows\.json/);
      assert.ok(!/CREDENTIAL_SECRET/.test(text), "a secret the flow did not touch is not reported");
      // deployProblems reports what it can see synchronously: the log and the files.
      assert.ok(deployProblems(red, 0, new Map([["leak-fn", { fill: "green", text: `token ${CANARY_SECRETS.INFLUX_TOKEN}` }]])).some((p) => /INFLUX_TOKEN leaked into node statuses/.test(p)));
    } finally {
      await red.stop();
    }
    assert.deepEqual(await checkSecretLeaks(), [], "a stopped run is no longer watched");
  });
});
