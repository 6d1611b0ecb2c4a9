import type { Node, NodeMessage, NodeMessageInFlow } from "node-red";
import { InputError } from "../../lib/common/errors";
import { observeNode } from "./metrics";
import type { StatusReporter } from "./status";

export type Send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
export type InputHandler<M> = (msg: M, send: Send) => void | Promise<void>;

/**
 * Registers an input handler that follows the package's error contract: any error from the handler
 * goes to `done(err)` (a Catch node receives it, the log names the node), the status shows a red ring
 * naming the field, and the node goes on with the next message. Never throws out of the input event.
 * Every message is counted for the metrics endpoint (processed, or rejected with done(err)) by node type.
 */
export function onInput<M extends NodeMessageInFlow>(node: Node, status: StatusReporter, handler: InputHandler<M>): void {
  const metrics = observeNode(node);
  const type = node.type;
  const succeed = (done: (err?: Error) => void): void => {
    metrics.countMessage(type, true);
    done();
  };
  node.on("input", (msg: NodeMessageInFlow, send: Send, done: (err?: Error) => void) => {
    // Node-RED deep-clones the message for Catch and Complete nodes (lodash, recursively): a message
    // nested thousands of levels deep overflows the stack inside done(). Uncaught, that exception leaves
    // the input event (Node-RED stops) or, from an async handler, is an unhandled rejection. The outcome
    // still goes out, with the message reduced to its id and topic.
    const finish = (error?: Error): void => {
      try {
        done(error);
      } catch (deliveryError) {
        const shallow = { _msgid: msg._msgid, topic: typeof msg.topic === "string" ? msg.topic : undefined };
        if (error) node.error(error, shallow);
        else node.warn(`message ${String(msg._msgid)} processed; Node-RED could not copy it for a Complete node: ${(deliveryError as Error).message}`);
      }
    };
    const fail = (err: unknown): void => {
      const error = err instanceof Error ? err : new Error(String(err));
      status.error(error instanceof InputError ? `bad ${error.field}` : "error");
      metrics.countMessage(type, false);
      finish(error);
    };
    try {
      const result = handler(msg as M, send);
      if (result !== undefined && typeof (result as Promise<void>).then === "function") {
        (result as Promise<void>).then(() => succeed(finish), fail);
      } else {
        succeed(finish);
      }
    } catch (err) {
      fail(err);
    }
  });
}
