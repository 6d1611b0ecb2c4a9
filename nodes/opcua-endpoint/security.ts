import type { EndpointConfig } from "../../lib/opcua/endpoint-config";

/**
 * What an endpoint's configuration gives up, in words for the log: OPC UA's equivalent of "TLS verification
 * off" is message security None (nothing signed or encrypted, the server's identity never checked) or a
 * secured channel that trusts any server certificate it has not seen before. Both stay possible (many field
 * servers offer nothing else), but never silently. Empty when the endpoint is secured and verified.
 */
export function securityWarnings(config: Pick<EndpointConfig, "endpointUrl" | "securityMode" | "authentication" | "acceptUnknownServerCertificate">): string[] {
  const warnings: string[] = [];
  if (config.securityMode === "None") {
    warnings.push(
      `OPC UA security mode None for ${config.endpointUrl}: values are neither signed nor encrypted and the server's identity is not checked` +
        (config.authentication === "username" ? "; the user's password is protected only if the server's user token policy encrypts it" : "") +
        "; choose Sign or SignAndEncrypt where the server offers it",
    );
  } else if (config.acceptUnknownServerCertificate) {
    warnings.push(
      `OPC UA endpoint ${config.endpointUrl} trusts any server certificate it has not seen before (trust on first use): ` +
        "untick \"trust an unknown server certificate\" and put the server's certificate in opcua-pki/trusted/certs",
    );
  }
  return warnings;
}
