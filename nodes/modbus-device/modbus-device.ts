import type { NodeAPI } from "node-red";
import { InputError } from "../../lib/common/errors";
import { ModbusConnection, type StateChange } from "../../lib/modbus/connection";
import { parseModbusDeviceConfig, type ModbusDeviceConfig, type ModbusDeviceDef, type ModbusDeviceNode } from "./modbus-device-config";

/**
 * Config node: one Modbus device (TCP host:port or serial line, and a unit id). All modbus-in nodes
 * that use it share its one connection, opened when the first of them starts and closed on redeploy.
 */
export = function register(RED: NodeAPI): void {
  function ModbusDevice(this: ModbusDeviceNode, def: ModbusDeviceDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    node.config = null;
    node.configError = null;
    let connection: ModbusConnection | null = null;
    let config: ModbusDeviceConfig | null = null;
    try {
      config = parseModbusDeviceConfig(def);
      node.config = config;
    } catch (err) {
      node.configError = err instanceof InputError ? err : new InputError("config", (err as Error).message);
      node.error(`invalid configuration: ${node.configError.message}`);
    }

    node.acquireConnection = () => {
      if (config === null) return null;
      if (connection === null) {
        const created = new ModbusConnection(config.connection);
        connection = created;
        // Every modbus-in node of the device listens to its state.
        created.setMaxListeners(0);
        let down = false;
        created.on("state", (change: StateChange) => {
          // One log line per outage and per recovery, not one per reconnect attempt.
          if (change.state === "reconnecting" && !down) {
            down = true;
            node.warn(`${created.description}: ${change.reason ?? "connection lost"}; reconnecting`);
          } else if (change.state === "connected" && down) {
            down = false;
            node.log(`${created.description}: connected again`);
          }
        });
        created.start();
      }
      return connection;
    };

    node.on("close", (_removed: boolean, done: () => void) => {
      const open = connection;
      connection = null;
      if (open === null) {
        done();
        return;
      }
      open.close().then(done, done);
    });
  }

  RED.nodes.registerType("modbus-device", ModbusDevice);
};
