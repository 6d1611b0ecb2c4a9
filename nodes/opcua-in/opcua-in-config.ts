import type { NodeDef } from "node-red";
import { parseMonitoredTags, parseSubscriptionSettings, type MonitoredTag, type SubscriptionSettings } from "../../lib/opcua/items";

export interface OpcuaInDef extends NodeDef {
  /** id of the opcua-endpoint config node */
  endpoint: string;
  /** rows {nodeId, tag, deadband, deadbandType} */
  items: unknown;
  samplingInterval: number | string;
  publishingInterval: number | string;
  queueSize: number | string;
}

export interface OpcuaInConfig {
  tags: MonitoredTag[];
  settings: SubscriptionSettings;
}

export function parseOpcuaInConfig(def: Partial<OpcuaInDef>): OpcuaInConfig {
  return { tags: parseMonitoredTags(def.items), settings: parseSubscriptionSettings(def) };
}
