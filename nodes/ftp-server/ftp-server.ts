import type { Node, NodeAPI } from "node-red";
import { InputError } from "../../lib/common/errors";
import { parseFtpServerConfig, type FtpServerDef, type FtpServerNode } from "./ftp-server-config";

/**
 * The configuration node: where and how to connect. The user and password are Node-RED credentials
 * (kept in flows_cred.json, encrypted with the credential secret), never in the flow JSON; nothing here
 * logs them, and the server description used in messages carries the user name only.
 */
export = function register(RED: NodeAPI): void {
  function FtpServerConfigNode(this: Node<{ user: unknown; password: unknown }>, def: FtpServerDef): void {
    RED.nodes.createNode(this, def);
    const node = this as unknown as FtpServerNode;
    try {
      node.connection = parseFtpServerConfig(def, node.credentials);
      node.configError = null;
      if (node.connection.secure !== "none" && !node.connection.rejectUnauthorized) {
        node.warn("TLS certificate verification is off: anyone between Node-RED and the server can read the password and the files");
      }
    } catch (err) {
      node.connection = null;
      node.configError = err instanceof InputError ? err : new InputError("ftp-server", (err as Error).message);
      node.error(`invalid ftp-server configuration: ${node.configError.message}`);
    }
  }

  RED.nodes.registerType("ftp-server", FtpServerConfigNode, {
    credentials: {
      user: { type: "text" },
      password: { type: "password" },
    },
  });
};
