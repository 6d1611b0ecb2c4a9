import { InputError, describeValue } from "../common/errors";
import { parseReconnectPolicy, type ReconnectPolicy } from "./reconnect";

/** The settings of an opcua-endpoint config node, checked at deploy. Secrets are not part of it. */

export type SecurityMode = "None" | "Sign" | "SignAndEncrypt";
/** Basic256Sha256 and the newer policies; the deprecated Basic128Rsa15 and Basic256 are not offered. */
export type SecurityPolicyName = "None" | "Basic256Sha256" | "Aes128_Sha256_RsaOaep" | "Aes256_Sha256_RsaPss";

const MODES: readonly SecurityMode[] = ["None", "Sign", "SignAndEncrypt"];
const POLICIES: readonly SecurityPolicyName[] = ["Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"];

export interface EndpointConfig {
  endpointUrl: string;
  securityMode: SecurityMode;
  securityPolicy: SecurityPolicyName;
  /** "anonymous", or "username" with the user name and password from the node's credentials */
  authentication: "anonymous" | "username";
  /** trust a server certificate not yet in the trusted folder (first use); off = strict */
  acceptUnknownServerCertificate: boolean;
  reconnect: ReconnectPolicy;
}

export interface EndpointDef {
  endpointUrl?: unknown;
  securityMode?: unknown;
  securityPolicy?: unknown;
  authentication?: unknown;
  acceptUnknownServerCertificate?: unknown;
  reconnectMaxSeconds?: unknown;
  refusedRetrySeconds?: unknown;
}

export function parseEndpointUrl(value: unknown, field = "endpointUrl"): string {
  const text = typeof value === "string" ? value.trim() : "";
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (url === null || url.protocol !== "opc.tcp:" || url.hostname === "") {
    throw new InputError(field, `expected an OPC UA endpoint like "opc.tcp://plc-01:4840/path", got ${describeValue(value)}`);
  }
  return text;
}

export function parseEndpointConfig(def: EndpointDef, hasUserName: boolean): EndpointConfig {
  const endpointUrl = parseEndpointUrl(def.endpointUrl);
  const securityMode = (def.securityMode === undefined || def.securityMode === "" ? "None" : def.securityMode) as SecurityMode;
  if (!MODES.includes(securityMode)) throw new InputError("securityMode", `expected None, Sign or SignAndEncrypt, got ${describeValue(def.securityMode)}`);
  let securityPolicy: SecurityPolicyName = "None";
  if (securityMode !== "None") {
    const policy = def.securityPolicy === undefined || def.securityPolicy === "" || def.securityPolicy === "None" ? "Basic256Sha256" : def.securityPolicy;
    if (!POLICIES.includes(policy as SecurityPolicyName)) {
      throw new InputError("securityPolicy", `expected ${POLICIES.join(", ")}, got ${describeValue(def.securityPolicy)}`);
    }
    securityPolicy = policy as SecurityPolicyName;
  }
  const authentication = def.authentication === undefined || def.authentication === "" ? "anonymous" : def.authentication;
  if (authentication !== "anonymous" && authentication !== "username") {
    throw new InputError("authentication", `expected "anonymous" or "username", got ${describeValue(def.authentication)}`);
  }
  if (authentication === "username" && !hasUserName) throw new InputError("credentials.user", "user/password authentication needs a user name");
  const accept = def.acceptUnknownServerCertificate;
  return {
    endpointUrl,
    securityMode,
    securityPolicy,
    authentication,
    acceptUnknownServerCertificate: accept === undefined || accept === "" ? true : accept === true || accept === "true",
    reconnect: parseReconnectPolicy(def),
  };
}
