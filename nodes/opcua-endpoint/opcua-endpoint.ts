import type { Node, NodeAPI, NodeDef } from "node-red";
import { InputError } from "../../lib/common/errors";
import { parseEndpointConfig, type EndpointConfig, type EndpointDef } from "../../lib/opcua/endpoint-config";
import { EndpointConnection, pkiFolder, type EndpointCredentials, type OpcuaEndpointNode } from "./connection";
import { securityWarnings } from "./security";

export = function register(RED: NodeAPI): void {
  function OpcuaEndpointNode(this: OpcuaEndpointNode, def: NodeDef & EndpointDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const credentials: EndpointCredentials = node.credentials ?? {};
    node.connection = null;
    node.configError = null;
    node.endpointUrl = typeof def.endpointUrl === "string" ? def.endpointUrl : "";
    let config: EndpointConfig | null = null;
    try {
      config = parseEndpointConfig(def, typeof credentials.user === "string" && credentials.user !== "");
    } catch (err) {
      node.configError = err instanceof InputError ? err : new InputError("config", (err as Error).message);
      node.error(`invalid configuration: ${node.configError.message}`);
    }
    if (config !== null) {
      for (const warning of securityWarnings(config)) node.warn(warning);
      const userDir = (RED.settings as { userDir?: string }).userDir;
      node.connection = new EndpointConnection(config, credentials, pkiFolder(userDir));
    }
    node.on("close", (_removed: boolean, done: () => void) => {
      const connection = node.connection;
      node.connection = null;
      if (connection === null) {
        done();
        return;
      }
      connection.close().then(done, (err: Error) => {
        node.warn(`closing the OPC UA connection: ${err.message}`);
        done();
      });
    });
  }

  RED.nodes.registerType("opcua-endpoint", OpcuaEndpointNode as unknown as (this: Node<Record<string, unknown>>, def: NodeDef) => void, {
    credentials: { user: { type: "text" }, password: { type: "password" } },
  });
};
