import type { Node, NodeAPI, NodeMessage } from "node-red";
import type { DataValue } from "node-opcua";
import { InputError } from "../../lib/common/errors";
import { ChangeFilter } from "../../lib/opcua/change-filter";
import { contractMessage } from "../../lib/opcua/message";
import type { LinkState } from "../../lib/opcua/reconnect";
import { StatusReporter } from "../shared/status";
import { loadNodeConfig } from "../shared/stateful-node";
import type { OpcuaEndpointNode, SubscriptionConsumer } from "../opcua-endpoint/connection";
import { parseOpcuaInConfig, type OpcuaInConfig, type OpcuaInDef } from "./opcua-in-config";

/** The OPC UA status name in an error text ("BadUserAccessDenied"), for a short status line. */
function statusName(detail: string): string {
  return /\bBad[A-Za-z]+/.exec(detail)?.[0] ?? detail.slice(0, 60);
}

export = function register(RED: NodeAPI): void {
  function OpcuaInNode(this: Node, def: OpcuaInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);
    const { config } = loadNodeConfig<OpcuaInConfig>(node, status, () => parseOpcuaInConfig(def));
    const endpoint = RED.nodes.getNode(def.endpoint) as OpcuaEndpointNode | null;
    if (config === null) return;
    if (endpoint === null || endpoint.type !== "opcua-endpoint") {
      const error = new InputError("endpoint", "select an opcua-endpoint configuration node");
      node.error(error.message);
      status.error("no endpoint");
      return;
    }
    const connection = endpoint.connection;
    if (connection === null) {
      // The endpoint node has logged the reason; here it only shows.
      status.error(`endpoint: bad ${endpoint.configError?.field ?? "configuration"}`);
      return;
    }

    const filter = new ChangeFilter(config.tags);
    let sent = 0;
    let lastReported = "";
    const consumer: SubscriptionConsumer = {
      tags: config.tags,
      settings: config.settings,
      onDataValue(index: number, dataValue: DataValue): void {
        const tag = config.tags[index];
        const msg = contractMessage(tag.tag, tag.nodeId, dataValue, Date.now());
        if (!filter.pass(index, msg.payload, msg.quality.value, msg.timestamp)) return;
        sent++;
        node.send(msg as unknown as NodeMessage);
        status.running(() => `connected · ${sent} values`);
      },
      onLinkState(state: LinkState, detail: string): void {
        switch (state) {
          case "connected":
            lastReported = "";
            status.running(`connected · ${config.tags.length} items`);
            break;
          case "connecting":
          case "idle":
            status.idle("connecting");
            break;
          case "reconnecting":
            status.learning("reconnecting");
            // Once per outage, not once per attempt: a server down for hours must not flood the log.
            if (detail !== "connecting" && lastReported === "") {
              lastReported = detail;
              node.warn(`OPC UA ${endpoint.endpointUrl}: ${detail}; reconnecting`);
            }
            break;
          case "refused":
            // A new attempt after a refusal keeps the refusal on show until it succeeds or fails again.
            if (detail === "connecting") break;
            status.error(`refused: ${statusName(detail)}`);
            if (detail !== lastReported) {
              lastReported = detail;
              node.error(`OPC UA ${endpoint.endpointUrl} refused the connection: ${detail}. Check the user, password and certificates; next try in ${connection.refusedRetrySeconds} s`);
            }
            break;
          case "closed":
            status.idle("closed");
            break;
        }
      },
      onItemErrors(errors: string[]): void {
        node.warn(`items the server refused: ${errors.join("; ")}`);
        status.error(`${errors.length} bad items`);
      },
    };
    connection.attach(consumer);

    node.on("close", (_removed: boolean, done: () => void) => {
      status.close();
      connection.detach(consumer).then(done, () => done());
    });
  }

  RED.nodes.registerType("opcua-in", OpcuaInNode);
};
