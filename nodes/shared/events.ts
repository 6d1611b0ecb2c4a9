export type Severity = "info" | "warning" | "critical";

export interface EventPayload {
  event: string;
  severity: Severity;
  topic: string;
  /** epoch ms of the sample that caused the event */
  timestamp: number;
  message: string;
  details: Record<string, unknown>;
}

export interface EventMessage {
  [key: string]: unknown;
  topic: string;
  payload: EventPayload;
}

/** The messages eventMessage made, so the metrics know an event from a data message without guessing by shape. */
const built = new WeakSet<object>();

/** An event message for output 2, in the shape every node of this package uses. */
export function eventMessage(event: EventPayload): EventMessage {
  const msg = { topic: event.topic, payload: event };
  built.add(msg);
  return msg;
}

/** True for a message eventMessage made (and that has not been cloned since). */
export function isEventMessage(msg: unknown): msg is EventMessage {
  return typeof msg === "object" && msg !== null && built.has(msg);
}
