import type { Node, NodeMessageInFlow } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { onInput, type InputHandler } from "./input";
import { seriesKey } from "./message";
import type { StatusReporter } from "./status";
import type { TopicStates } from "./topic-state";
import { reportFatal } from "./metrics";

/**
 * The life cycle every per-topic node of this package shares: configuration checked once at deploy,
 * control messages (msg.reset, msg.command), input held back until the saved state has loaded, and
 * state saved and timers stopped on close.
 */

export interface NodeConfigResult<C> {
  config: C | null;
  /** the configuration error, answered to every message through done(err) so a Catch node sees it */
  error: InputError | null;
}

/** Parses the editor properties; a bad one is logged, shown as a red status and kept for the messages. */
export function loadNodeConfig<C>(node: Node, status: StatusReporter, parse: () => C): NodeConfigResult<C> {
  try {
    const config = parse();
    status.idle("waiting for data");
    return { config, error: null };
  } catch (err) {
    return { config: null, error: reportConfigError(node, status, err) };
  }
}

/**
 * A failed set-up at deploy (bad property, missing config node): logged, shown as a red status, and
 * returned as the InputError the node answers every message with.
 */
export function reportConfigError(node: Node, status: StatusReporter, err: unknown): InputError {
  const error = err instanceof InputError ? err : new InputError("config", (err as Error).message);
  node.error(`invalid configuration: ${error.message}`);
  status.error(`bad ${error.field}`);
  // The health endpoint's readiness names every node that cannot work.
  reportFatal(node, error.message);
  return error;
}

export interface ControlMessage extends NodeMessageInFlow {
  reset?: unknown;
  command?: unknown;
}

export interface ControlHandlers {
  /** msg.command = "relearn" for one topic; a node without it ignores msg.command */
  relearn?(topic: string): void;
  /** called for each topic msg.reset forgets, after its state is gone */
  forget?(topic: string): void;
}

const NO_HANDLERS: ControlHandlers = {};

/**
 * msg.reset (forget msg.topic, or every topic without one) and msg.command. Returns true when the
 * message was a control message and has been handled (it is not passed on).
 */
export function handleControlMessage<T>(msg: ControlMessage, states: TopicStates<T>, status: StatusReporter, handlers: ControlHandlers = NO_HANDLERS): boolean {
  const isReset = msg.reset !== undefined && msg.reset !== false;
  // Checked first and cheaply: this runs for every data message.
  if (!isReset && (msg.command === undefined || handlers.relearn === undefined)) return false;
  const everyTopic = msg.topic === undefined || msg.topic === null || msg.topic === "";
  const topics = (): string[] => (everyTopic ? [...states.topics()] : [seriesKey(msg)]);
  if (isReset) {
    for (const topic of topics()) {
      states.delete(topic);
      handlers.forget?.(topic);
    }
    status.idle(everyTopic ? "reset all" : `reset ${String(msg.topic)}`);
    return true;
  }
  // (A node without commands leaves msg.command alone: it may belong to another node downstream.)
  if (handlers.relearn === undefined) return false;
  // describeValue, not JSON.stringify: that throws on a BigInt or a cycle, and the error would not name the field.
  if (msg.command !== "relearn") throw new InputError("msg.command", `expected "relearn", got ${describeValue(msg.command)}`);
  for (const topic of topics()) {
    handlers.relearn(topic);
    states.changed(topic);
  }
  status.learning(everyTopic ? "relearning all" : `relearning ${String(msg.topic)}`);
  return true;
}

/**
 * Registers the input handler (held back until the saved state has loaded, order kept) and the close
 * handler (stops `onClose` timers, the status throttle, then saves the state).
 */
export function runStatefulNode<M extends NodeMessageInFlow, T>(
  node: Node,
  status: StatusReporter,
  states: TopicStates<T>,
  handle: InputHandler<M>,
  onClose?: () => void,
): void {
  onInput<M>(node, status, (msg, send) => {
    if (states.isLoaded) return handle(msg, send);
    return states.ready.then(() => handle(msg, send));
  });
  node.on("close", (_removed: boolean, done: () => void) => {
    onClose?.();
    status.close();
    states.close().then(done, (err: Error) => {
      node.warn(`could not save state on close: ${err.message}`);
      done();
    });
  });
}
