import { InputError, describeValue } from "../common/errors";
import { numberSetting } from "../common/settings";

/**
 * When to try again after a lost or refused connection. node-opcua's own reconnection is left off
 * (maxRetry 0): after a server restart its session and subscriptions are gone anyway, and one loop of our
 * own that always rebuilds client, session and subscriptions is simpler to reason about and to test than
 * two loops that could overlap.
 */

export interface ReconnectPolicy {
  /** first retry after this many ms */
  initialDelayMs: number;
  /** the delay doubles up to this: a server that is back is reached within it (the 10 s goal) */
  maxDelayMs: number;
  /** after a refusal a retry cannot fix soon (wrong password, untrusted certificate): no storm of logins */
  refusedDelayMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { initialDelayMs: 500, maxDelayMs: 4000, refusedDelayMs: 60_000 };

export type FailureKind = "refused" | "transient";

/**
 * Status codes that mean "the server does not accept who we are": retrying at once only piles up failed
 * logins (and may lock the account). Everything else (refused connection, timeout, server shutting down,
 * too many sessions) is worth the normal backoff.
 */
const REFUSED = ["BadUserAccessDenied", "BadIdentityTokenInvalid", "BadIdentityTokenRejected", "BadCertificateUntrusted", "BadSecurityChecksFailed", "BadCertificateInvalid", "BadCertificateRevoked", "BadCertificateUseNotAllowed", "BadSecurityPolicyRejected", "BadSecurityModeRejected", "BadCertificateTimeInvalid", "BadCertificateHostNameInvalid", "BadCertificateUriInvalid"];

export function classifyFailure(message: string): FailureKind {
  return REFUSED.some((name) => message.includes(name)) ? "refused" : "transient";
}

/** Delay before attempt `attempt` (1 = the first retry) after a failure of `kind`. */
export function retryDelay(policy: ReconnectPolicy, attempt: number, kind: FailureKind): number {
  if (kind === "refused") return policy.refusedDelayMs;
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

export function parseReconnectPolicy(def: { reconnectMaxSeconds?: unknown; refusedRetrySeconds?: unknown }): ReconnectPolicy {
  const seconds = (value: unknown, field: string, fallback: number, min: number): number => {
    const n = numberSetting(value, fallback);
    if (!Number.isFinite(n) || n < min) throw new InputError(field, `expected seconds >= ${min}, got ${describeValue(value)}`);
    return n;
  };
  const maxDelayMs = seconds(def.reconnectMaxSeconds, "reconnectMaxSeconds", DEFAULT_RECONNECT_POLICY.maxDelayMs / 1000, 0.5) * 1000;
  return {
    initialDelayMs: Math.min(DEFAULT_RECONNECT_POLICY.initialDelayMs, maxDelayMs),
    maxDelayMs,
    refusedDelayMs: seconds(def.refusedRetrySeconds, "refusedRetrySeconds", DEFAULT_RECONNECT_POLICY.refusedDelayMs / 1000, 1) * 1000,
  };
}

export type LinkState = "idle" | "connecting" | "connected" | "reconnecting" | "refused" | "closed";

export interface ReconnectorHooks {
  /** Opens everything (client, session, subscriptions); rejects when any step fails. */
  connect(): Promise<void>;
  /** Closes whatever a failed or lost connection left open; must not reject. */
  teardown(): Promise<void>;
  onState(state: LinkState, detail: string): void;
}

/**
 * One connection loop: at most one attempt in flight and at most one retry timer, whatever mix of
 * failures, losses and closes arrives; after `close()` nothing runs any more.
 */
export class Reconnector {
  private state: LinkState = "idle";
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly hooks: ReconnectorHooks,
  ) {}

  get current(): LinkState {
    return this.state;
  }

  get hasTimer(): boolean {
    return this.timer !== null;
  }

  /** Starts the first attempt (no-op when already started). */
  start(): void {
    if (this.closed || this.state !== "idle") return;
    this.run();
  }

  /** The connection was lost after it worked: tear down and try again soon. */
  lost(reason: string): void {
    if (this.closed || this.state !== "connected") return;
    this.attempt = 0;
    this.fail(reason, "transient");
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    this.setState("closed", "closed");
    await this.hooks.teardown();
  }

  private run(): void {
    this.setState(this.attempt === 0 && this.state === "idle" ? "connecting" : this.state === "refused" ? "refused" : "reconnecting", "connecting");
    const attempt = this.hooks.connect().then(
      () => {
        if (this.closed) return;
        this.attempt = 0;
        this.setState("connected", "connected");
      },
      (err: unknown) => {
        if (this.closed) return;
        const message = err instanceof Error ? err.message : String(err);
        this.fail(message, classifyFailure(message));
      },
    );
    this.running = attempt.finally(() => {
      this.running = null;
    });
  }

  private fail(reason: string, kind: FailureKind): void {
    this.attempt++;
    const delay = retryDelay(this.policy, this.attempt, kind);
    this.setState(kind === "refused" ? "refused" : "reconnecting", reason);
    // Teardown first, then the timer: the next attempt never overlaps what is being closed.
    const teardown = this.hooks.teardown();
    this.running = teardown.finally(() => {
      this.running = null;
      if (this.closed || this.timer !== null) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.closed) this.run();
      }, delay);
    });
  }

  private setState(state: LinkState, detail: string): void {
    this.state = state;
    this.hooks.onState(state, detail);
  }
}
