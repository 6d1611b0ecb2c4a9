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

/** An event message for output 2, in the shape every node of this package uses. */
export function eventMessage(event: EventPayload): EventMessage {
  return { topic: event.topic, payload: event };
}
