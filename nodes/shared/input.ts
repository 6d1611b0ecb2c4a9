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
    const fail = (err: unknown): void => {
      const error = err instanceof Error ? err : new Error(String(err));
      status.error(error instanceof InputError ? `bad ${error.field}` : "error");
      metrics.countMessage(type, false);
      done(error);
    };
    try {
      const result = handler(msg as M, send);
      if (result !== undefined && typeof (result as Promise<void>).then === "function") {
        (result as Promise<void>).then(() => succeed(done), fail);
      } else {
        succeed(done);
      }
    } catch (err) {
      fail(err);
    }
  });
}
