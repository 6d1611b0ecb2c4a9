/** Regressions found by the fuzz suite (test/fuzz): a msg.topic that is no tag name. */
import assert from "node:assert/strict";
import influxQueryNode from "../../../nodes/influx-query/influx-query";
import influxServerNode from "../../../nodes/influx-server/influx-server";
import { errorMessages, probe, testFlow } from "../../support/node-harness";
import { helper, unloadAll, waitFor } from "../../support/runtime";

describe("nodes/influx-query fuzz regressions", () => {
  afterEach(async () => unloadAll());

  it("an object, array or Symbol in msg.topic is an error naming msg.topic, not $topic = \"[object Object]\"", async () => {
    const flow = testFlow("influx-query", 1, { server: "n-server", language: "influxql", query: 'SELECT "value" FROM "m" WHERE "tag" = $topic' });
    // Nothing listens on port 1: a message that got as far as the network would fail with a connection error.
    flow.push({ id: "n-server", type: "influx-server", url: "http://127.0.0.1:1", apiVersion: "v1", database: "plant", retentionPolicy: "", org: "", bucket: "", timeoutSeconds: 1 });
    await helper.load([influxServerNode, influxQueryNode], flow);
    const h = probe(1);
    for (const topic of [{}, ["FT-1"], Symbol("t")]) h.input.receive({ topic, payload: "go" });
    await waitFor(() => h.caught.length === 3, 5000, "three errors");
    assert.ok(errorMessages(h).every((m) => m.includes("msg.topic: expected a string tag name")), errorMessages(h).join("\n"));
  });
});
