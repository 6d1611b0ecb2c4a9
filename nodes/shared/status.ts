import type { Node, NodeStatusFill } from "node-red";

/** Status text, or a function that makes it: only called when the status is really shown. */
export type StatusText = string | (() => string);

interface PendingStatus {
  fill: NodeStatusFill;
  shape: "dot" | "ring";
  text: StatusText;
}

/**
 * Node status with a rate limit: at 1 000 msg/s a status per message would flood the editor's
 * websocket and cost more than the node's own work. Errors show at once; everything else at most
 * every `intervalMs`, the latest one winning, its text made only when it is shown.
 */
export class StatusReporter {
  private lastAt = 0;
  private pending: PendingStatus | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly node: Node,
    private readonly intervalMs = 500,
  ) {}

  running(text: StatusText): void {
    this.show({ fill: "green", shape: "dot", text });
  }

  learning(text: StatusText): void {
    this.show({ fill: "yellow", shape: "ring", text });
  }

  alarm(text: StatusText): void {
    this.show({ fill: "red", shape: "ring", text });
  }

  error(text: StatusText): void {
    this.show({ fill: "red", shape: "ring", text }, true);
  }

  idle(text: StatusText): void {
    this.show({ fill: "grey", shape: "ring", text });
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private show(status: PendingStatus, immediate = false): void {
    const now = Date.now();
    if (immediate || now - this.lastAt >= this.intervalMs) {
      this.apply(status, now);
      return;
    }
    this.pending = status;
    if (this.timer === null) {
      this.timer = setTimeout(
        () => {
          this.timer = null;
          if (this.pending) this.apply(this.pending, Date.now());
        },
        this.intervalMs - (now - this.lastAt),
      );
    }
  }

  private apply(status: PendingStatus, now: number): void {
    this.pending = null;
    this.lastAt = now;
    const text = typeof status.text === "function" ? status.text() : status.text;
    this.node.status({ fill: status.fill, shape: status.shape, text });
  }
}

/** A short figure for status text. */
export function formatFigure(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}
