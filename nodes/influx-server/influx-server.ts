import type { Node, NodeAPI } from "node-red";
import { InputError } from "../../lib/common/errors";
import { runQuery } from "../../lib/influx/query";
import { createWriteTransport, type ServerConfig } from "../../lib/influx/transport";
import { parseCredentials, parseServerConfig, tlsWarning, type InfluxServerCredentials, type InfluxServerDef, type InfluxServerNode } from "./influx-server-config";

export = function register(RED: NodeAPI): void {
  function InfluxServerNodeImpl(this: Node, def: InfluxServerDef): void {
    RED.nodes.createNode(this, def);
    const node = this as unknown as InfluxServerNode & { credentials?: InfluxServerCredentials };
    let config: ServerConfig | null = null;
    let configError: InputError | null = null;
    try {
      config = parseServerConfig(def);
    } catch (err) {
      configError = err instanceof InputError ? err : new InputError("config", (err as Error).message);
      node.error(`invalid InfluxDB server configuration: ${configError.message}`);
    }
    const warning = config === null ? null : tlsWarning(config);
    if (warning !== null) node.warn(warning);
    const usable = (): ServerConfig => {
      if (config === null) throw configError as InputError;
      return config;
    };
    Object.defineProperty(node, "serverConfig", { get: () => config });
    Object.defineProperty(node, "configError", { get: () => configError });
    Object.defineProperty(node, "label", {
      get: () => (config === null ? "invalid server" : `${config.url} ${config.apiVersion === "v1" ? config.database : config.bucket}`),
    });
    node.createWriteTransport = (precision) => createWriteTransport(usable(), parseCredentials(node.credentials), precision);
    node.query = (language, text, params) => runQuery(usable(), parseCredentials(node.credentials), language, text, params);
  }

  RED.nodes.registerType("influx-server", InfluxServerNodeImpl, {
    credentials: {
      username: { type: "text" },
      password: { type: "password" },
      token: { type: "password" },
    },
  });
};
