import type { Node, NodeStatus } from "node-red";

/**
 * Node status with a rate limit: at 1 000 msg/s, a status per message would flood the editor's
 * websocket. Changes of colour/shape (an alarm, an error) show at once; text-only updates at most
 * every `intervalMs`.
 */
export class StatusReporter {
  private last: NodeStatus = {};
  private lastAt = 0;
  private pending: NodeStatus | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly node: Node,
    private readonly intervalMs = 500,
  ) {}

  running(text: string): void {
    this.show({ fill: "green", shape: "dot", text });
  }

  learning(text: string): void {
    this.show({ fill: "yellow", shape: "ring", text });
  }

  alarm(text: string): void {
    this.show({ fill: "red", shape: "ring", text });
  }

  error(text: string): void {
    this.show({ fill: "red", shape: "ring", text }, true);
  }

  idle(text: string): void {
    this.show({ fill: "grey", shape: "ring", text });
  }

  show(status: NodeStatus, immediate = false): void {
    const now = Date.now();
    const changedLook = status.fill !== this.last.fill || status.shape !== this.last.shape;
    if (immediate || changedLook || now - this.lastAt >= this.intervalMs) {
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

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private apply(status: NodeStatus, now: number): void {
    this.pending = null;
    this.last = status;
    this.lastAt = now;
    this.node.status(status);
  }
}

/** A short figure for status text. */
export function formatFigure(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}
