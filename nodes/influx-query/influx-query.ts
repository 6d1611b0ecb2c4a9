import type { Node, NodeAPI, NodeMessageInFlow } from "node-red";
import { InputError } from "../../lib/common/errors";
import { rangeFromMessage } from "../../lib/influx/query";
import type { Send } from "../shared/input";
import { onInput } from "../shared/input";
import { seriesKey } from "../shared/message";
import { StatusReporter } from "../shared/status";
import { loadNodeConfig } from "../shared/stateful-node";
import type { InfluxServerNode } from "../influx-server/influx-server-config";
import { parseQueryConfig, queryText, type InfluxQueryConfig, type InfluxQueryDef } from "./influx-query-config";

interface QueryMessage extends NodeMessageInFlow {
  query?: unknown;
  range?: unknown;
  influx?: unknown;
}

export = function register(RED: NodeAPI): void {
  function InfluxQueryNode(this: Node, def: InfluxQueryDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);
    const server = RED.nodes.getNode(def.server) as InfluxServerNode | null;
    const { config, error: configError } = loadNodeConfig<InfluxQueryConfig>(node, status, () => {
      if (server === null) throw new InputError("server", "choose an influx-server configuration node");
      if (server.serverConfig === null) throw server.configError as InputError;
      return parseQueryConfig(def, server.serverConfig.apiVersion);
    });

    onInput<QueryMessage>(node, status, async (msg, send: Send) => {
      if (config === null || server === null) throw configError as InputError;
      const text = queryText(config, msg.query);
      const range = rangeFromMessage(msg);
      // seriesKey: a tag name (string, number, boolean) or nothing; an object or a Symbol is an error,
      // where String() would have bound "[object Object]" as $topic.
      const key = seriesKey(msg);
      const topic = key === "" ? null : key;
      const started = Date.now();
      status.learning("querying");
      const rows = await server.query(config.language, text, { range, topic });
      msg.payload = rows;
      msg.influx = { language: config.language, rows: rows.length, range, ms: Date.now() - started };
      status.running(`${rows.length} rows`);
      send(msg);
    });

    node.on("close", () => status.close());
  }

  RED.nodes.registerType("influx-query", InfluxQueryNode);
};
