/**
 * The flow and the probes the node tests share: the node under test on a tab, a helper node on each
 * output, and a Catch node, so every test sees outputs and caught errors the way a flow would.
 */
import { collect, helper, waitFor, type FlowNode } from "./runtime";

export type Msg = Record<string, unknown>;

export const NODE_ID = "n-under-test";
const outputId = (i: number) => `n-output-${i}`;

/** A flow with the node `type` (properties `config`) wired to one helper per output, and a Catch node. */
export function testFlow(type: string, outputs: number, config: Record<string, unknown>): FlowNode[] {
  const wires = Array.from({ length: outputs }, (_, i) => [outputId(i)]);
  return [
    { id: "f1", type: "tab", label: "test" },
    { id: NODE_ID, z: "f1", type, name: "", ...config, wires },
    ...wires.map(([id]) => ({ id, z: "f1", type: "helper" })),
    { id: "n-catch", z: "f1", type: "catch", scope: null, uncaught: false, wires: [["n-caught"]] },
    { id: "n-caught", z: "f1", type: "helper" },
  ];
}

export interface Harness {
  input: { receive(msg: Msg): void };
  /** messages received on each output */
  outputs: Msg[][];
  /** messages caught by the Catch node (msg.error) */
  caught: Msg[];
}

/** Probes on the flow loaded from `testFlow`; call after helper.load. */
export function probe(outputs: number): Harness {
  return {
    input: helper.getNode(NODE_ID),
    outputs: Array.from({ length: outputs }, (_, i) => collect(helper.getNode(outputId(i)))),
    caught: collect(helper.getNode("n-caught")),
  };
}

/** Sends one message per payload on `topic` and waits until each has come out of output 1 or been caught. */
export async function feed(h: Harness, topic: string, payloads: unknown[]): Promise<void> {
  const before = h.outputs[0].length + h.caught.length;
  for (const payload of payloads) h.input.receive({ topic, payload });
  await waitFor(() => h.outputs[0].length + h.caught.length >= before + payloads.length, 5000, "outputs");
}

export function errorMessages(h: Harness): string[] {
  return h.caught.map((m) => (m.error as { message: string }).message);
}
