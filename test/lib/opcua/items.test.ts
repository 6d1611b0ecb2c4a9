import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { parseEndpointConfig, parseEndpointUrl } from "../../../lib/opcua/endpoint-config";
import { parseMonitoredTags, parseNodeId, parseSubscriptionSettings } from "../../../lib/opcua/items";

const throwsField = (fn: () => unknown, field: string, pattern?: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof InputError && err.field === field && (pattern === undefined || pattern.test(err.message)));

describe("lib/opcua item list and endpoint settings", () => {
  it("accepts the NodeId forms of OPC UA Part 6 and rejects the rest, naming the field", () => {
    for (const id of ["ns=2;s=Well01.OilRate", "i=2258", "ns=3;i=1001", "ns=1;g=09087e75-8e5e-499b-954f-f2a9603db28a", "ns=4;b=M/RbKBsRVkePCePcx24oRA==", "nsu=urn:plant:wells;s=PT-101", " ns=2;s=with spaces inside "]) {
      assert.equal(parseNodeId(id, "x"), id.trim());
    }
    for (const id of ["Well01.OilRate", "ns=2;x=1", "ns=a;i=1", "i=12a", "", 42, null]) throwsField(() => parseNodeId(id, "items[0].nodeId"), "items[0].nodeId", /expected a NodeId/);
  });

  it("reads editor rows: tag defaults to the NodeId, deadband 0 means none, tags are unique", () => {
    const tags = parseMonitoredTags([
      { nodeId: "ns=2;s=A", tag: "oil", deadband: "0.5" },
      { nodeId: "ns=2;s=B", tag: "" },
      { nodeId: "ns=2;s=C", tag: "gas", deadband: 5, deadbandType: "percent" },
      { nodeId: "ns=2;s=D", tag: "water", deadband: 0, deadbandType: "percent" },
    ]);
    assert.deepEqual(tags, [
      { nodeId: "ns=2;s=A", tag: "oil", deadbandType: "absolute", deadband: 0.5 },
      { nodeId: "ns=2;s=B", tag: "ns=2;s=B", deadbandType: "none", deadband: 0 },
      { nodeId: "ns=2;s=C", tag: "gas", deadbandType: "percent", deadband: 5 },
      { nodeId: "ns=2;s=D", tag: "water", deadbandType: "none", deadband: 0 },
    ]);
    assert.deepEqual(parseMonitoredTags('[{"nodeId":"i=2258","tag":"time"}]'), [{ nodeId: "i=2258", tag: "time", deadbandType: "none", deadband: 0 }]);
    throwsField(() => parseMonitoredTags([{ nodeId: "ns=2;s=A", tag: "x" }, { nodeId: "ns=2;s=B", tag: "x" }]), "items[1].tag", /already the tag of items\[0\]/);
    throwsField(() => parseMonitoredTags([{ nodeId: "ns=2;s=A", deadband: -1 }]), "items[0].deadband");
    throwsField(() => parseMonitoredTags([{ nodeId: "ns=2;s=A", deadband: 150, deadbandType: "percent" }]), "items[0].deadband", /0-100/);
    throwsField(() => parseMonitoredTags([{ nodeId: "ns=2;s=A", deadband: 1, deadbandType: "relative" }]), "items[0].deadbandType");
    throwsField(() => parseMonitoredTags([]), "items");
    throwsField(() => parseMonitoredTags("not json"), "items");
    throwsField(() => parseMonitoredTags([7]), "items[0]");
  });

  it("reads sampling, publishing and queue settings with defaults", () => {
    assert.deepEqual(parseSubscriptionSettings({}), { samplingIntervalMs: 1000, publishingIntervalMs: 1000, queueSize: 10 });
    assert.deepEqual(parseSubscriptionSettings({ samplingInterval: "0", publishingInterval: 250, queueSize: "100" }), { samplingIntervalMs: 0, publishingIntervalMs: 250, queueSize: 100 });
    throwsField(() => parseSubscriptionSettings({ samplingInterval: -1 }), "samplingInterval");
    throwsField(() => parseSubscriptionSettings({ publishingInterval: 5 }), "publishingInterval");
    throwsField(() => parseSubscriptionSettings({ queueSize: 2.5 }), "queueSize");
  });

  it("checks the endpoint: URL, security mode and policy, authentication", () => {
    assert.equal(parseEndpointUrl("opc.tcp://plc-01:4840/UA/Server"), "opc.tcp://plc-01:4840/UA/Server");
    throwsField(() => parseEndpointUrl("http://plc-01:4840"), "endpointUrl", /opc\.tcp:\/\//);
    throwsField(() => parseEndpointUrl(""), "endpointUrl");
    const plain = parseEndpointConfig({ endpointUrl: "opc.tcp://127.0.0.1:4840" }, false);
    assert.equal(plain.securityMode, "None");
    assert.equal(plain.securityPolicy, "None");
    assert.equal(plain.authentication, "anonymous");
    assert.equal(plain.acceptUnknownServerCertificate, true);
    assert.equal(plain.reconnect.maxDelayMs, 4000);
    const secure = parseEndpointConfig({ endpointUrl: "opc.tcp://h:4840", securityMode: "SignAndEncrypt", securityPolicy: "None", authentication: "username", acceptUnknownServerCertificate: false, reconnectMaxSeconds: "2" }, true);
    assert.equal(secure.securityPolicy, "Basic256Sha256", "a secure mode never runs with policy None");
    assert.equal(secure.acceptUnknownServerCertificate, false);
    assert.equal(secure.reconnect.maxDelayMs, 2000);
    assert.equal(parseEndpointConfig({ endpointUrl: "opc.tcp://h:1", securityMode: "Sign", securityPolicy: "Aes256_Sha256_RsaPss" }, false).securityPolicy, "Aes256_Sha256_RsaPss");
    throwsField(() => parseEndpointConfig({ endpointUrl: "opc.tcp://h:1", securityMode: "Sign", securityPolicy: "Basic128Rsa15" }, false), "securityPolicy", /Basic256Sha256/);
    throwsField(() => parseEndpointConfig({ endpointUrl: "opc.tcp://h:1", securityMode: "Encrypt" }, false), "securityMode");
    throwsField(() => parseEndpointConfig({ endpointUrl: "opc.tcp://h:1", authentication: "username" }, false), "credentials.user");
    throwsField(() => parseEndpointConfig({ endpointUrl: "opc.tcp://h:1", reconnectMaxSeconds: 0 }, false), "reconnectMaxSeconds");
  });
});
