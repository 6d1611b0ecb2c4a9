import assert from "assert";
import { InputError } from "../../lib/common/errors";
import { optionsFromEnv } from "../../sim/cli";

describe("sim: npm run sim options", () => {
  const names = ["SIM_OPCUA_PORT", "SIM_MODBUS_PORT", "SIM_HTTP_PORT", "SIM_MQTT_PORT", "SIM_WELLS", "SIM_SEED", "SIM_RATE", "SIM_FAULT_INTERVAL_S", "SIM_FAULTS", "SIM_MQTT_PUBLISH", "SITE", "SIM_HOST"];
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    for (const n of names) delete process.env[n];
  });
  afterEach(() => {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  });

  it("defaults to the contract's ports, 3 wells, seed 1, real time, random faults every 600 s, MQTT publishing", () => {
    const options = optionsFromEnv();
    assert.deepStrictEqual(options.ports, { opcua: 4840, modbus: 5020, http: 8090, mqtt: 1883 });
    assert.strictEqual(options.wells, 3);
    assert.strictEqual(options.seed, 1);
    assert.strictEqual(options.rate, 1);
    assert.deepStrictEqual(options.randomFaults, { meanIntervalS: 600 });
    assert.strictEqual(options.mqttPublish, true);
    assert.strictEqual(options.site, "demo");
  });

  it("reads ports (0 = free, off = not started), the schedule and the switches", () => {
    Object.assign(process.env, { SIM_OPCUA_PORT: "0", SIM_MQTT_PORT: "off", SIM_FAULT_INTERVAL_S: "0", SIM_MQTT_PUBLISH: "off", SIM_WELLS: "12", SIM_FAULTS: '[{"tag":"T1","kind":"gap","durationS":60,"atS":30}]' });
    const options = optionsFromEnv();
    assert.strictEqual(options.ports?.opcua, 0);
    assert.strictEqual(options.ports?.mqtt, false);
    assert.strictEqual(options.randomFaults, undefined);
    assert.strictEqual(options.mqttPublish, false);
    assert.strictEqual(options.wells, 12);
    assert.deepStrictEqual(options.faults, [{ tag: "T1", kind: "gap", durationS: 60, atS: 30 }]);
  });

  it("names the variable of a bad value", () => {
    for (const [name, value] of [["SIM_HTTP_PORT", "70000"], ["SIM_WELLS", "2.5"], ["SIM_RATE", "0"], ["SIM_FAULTS", "{"], ["SIM_FAULTS", "{}"]]) {
      for (const n of names) delete process.env[n];
      process.env[name] = value;
      assert.throws(() => optionsFromEnv(), (e: unknown) => e instanceof InputError && e.field === name, `${name}=${value}`);
    }
  });
});
