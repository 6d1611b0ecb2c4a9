import type { Node, NodeAPI, NodeMessage } from "node-red";
import { InputError } from "../../lib/common/errors";
import type { ModbusConnection, StateChange } from "../../lib/modbus/connection";
import { PollPlan, QUALITY_GOOD, type PollResult, type TagReading } from "../../lib/modbus/poller";
import type { ModbusDeviceNode } from "../modbus-device/modbus-device-config";
import { onInput, type Send } from "../shared/input";
import { reportConfigError } from "../shared/stateful-node";
import { StatusReporter } from "../shared/status";
import { parseModbusInConfig, type ModbusInDef } from "./modbus-in-config";

/**
 * Polls a register map from a modbus-device and sends one message per tag in the shared contract
 * {topic: tag, payload: value, timestamp, quality}. A tag whose read failed is sent with quality 0 and
 * payload null: a consumer never receives a stale value marked good.
 */
export = function register(RED: NodeAPI): void {
  function ModbusIn(this: Node, def: ModbusInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);

    let setupError: InputError | null = null;
    let plan: PollPlan | null = null;
    let connection: ModbusConnection | null = null;
    let intervalMs = 0;
    try {
      const config = parseModbusInConfig(def);
      intervalMs = config.intervalMs;
      const device = RED.nodes.getNode(def.device) as ModbusDeviceNode | null;
      if (device === null || typeof device.acquireConnection !== "function") throw new InputError("device", "expected a modbus-device configuration node; none is selected");
      if (device.configError !== null || device.config === null) throw new InputError("device", `the device configuration is invalid: ${device.configError?.message ?? "unknown error"}`);
      plan = new PollPlan(config.tags, device.config.plan);
      connection = device.acquireConnection();
    } catch (err) {
      setupError = reportConfigError(node, status, err);
    }

    let closed = false;
    let polling: Promise<void> | null = null;
    let lastResult: PollResult | null = null;
    let lastReason: string | null = null;
    let timer: NodeJS.Timeout | null = null;

    const showStatus = (): void => {
      if (connection === null || closed) return;
      const state = connection.state;
      if (state === "connecting" || state === "reconnecting") {
        // Grey ring: the package's convention for "disconnected" (the tags are being sent as bad meanwhile).
        status.idle(`${state}${lastReason ? `: ${lastReason}` : ""}`);
      } else if (state === "connected") {
        const readings = lastResult?.readings ?? [];
        const bad = readings.filter((r) => r.quality !== QUALITY_GOOD);
        if (bad.length === 0) status.running(readings.length === 0 ? "connected" : `connected · ${readings.length} tags`);
        else status.alarm(`error: ${bad.length}/${readings.length} tags bad (${bad[0].error ?? "bad value"})`);
      } else {
        status.idle(state);
      }
    };

    const onState = (change: StateChange): void => {
      if (change.reason !== null) lastReason = change.reason;
      if (change.state === "connected") lastReason = null;
      showStatus();
    };

    const definitions = new Map((plan?.tags ?? []).map((t) => [t.tag, t]));
    const toMessage = (reading: TagReading): NodeMessage => {
      const tag = definitions.get(reading.tag);
      const msg: Record<string, unknown> = { topic: reading.tag, payload: reading.value, timestamp: reading.timestamp, quality: reading.quality };
      if (reading.unit !== "") msg.unit = reading.unit;
      msg.modbus = { area: tag?.area, address: tag?.address, error: reading.error };
      return msg as NodeMessage;
    };

    /** One poll; a poll that is still running is not started twice (a slow device skips ticks). */
    const pollOnce = (send: Send): Promise<void> => {
      if (plan === null || connection === null) return Promise.resolve();
      if (polling !== null) return polling;
      const reader = connection;
      const current = plan;
      polling = current
        .poll(reader)
        .then((result) => {
          if (closed) return;
          lastResult = result;
          if (result.failures.length > 0) lastReason = result.failures[0].error.message;
          send([result.readings.map(toMessage)]);
          showStatus();
        })
        .catch((err: Error) => {
          if (!closed) node.error(`poll failed: ${err.message}`);
        })
        .finally(() => {
          polling = null;
        });
      return polling;
    };

    if (connection !== null) {
      connection.on("state", onState);
      showStatus();
      const send: Send = (msg) => node.send(msg);
      void pollOnce(send);
      if (intervalMs > 0) timer = setInterval(() => void pollOnce(send), intervalMs);
    }

    // Any message polls now (as well as on the interval, or instead of it with interval 0).
    onInput(node, status, async (_msg, send) => {
      if (setupError !== null) throw setupError;
      if (polling !== null) await polling;
      await pollOnce(send);
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer !== null) clearInterval(timer);
      timer = null;
      connection?.off("state", onState);
      status.close();
      // The poll under way ends within the device timeout (or at once when the device closes the link).
      const inFlight = polling ?? Promise.resolve();
      inFlight.then(done, done);
    });
  }

  RED.nodes.registerType("modbus-in", ModbusIn);
};
