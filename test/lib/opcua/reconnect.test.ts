import assert from "node:assert/strict";
import sinon from "sinon";
import { classifyFailure, parseReconnectPolicy, Reconnector, retryDelay, type LinkState, type ReconnectPolicy } from "../../../lib/opcua/reconnect";

const POLICY: ReconnectPolicy = { initialDelayMs: 500, maxDelayMs: 4000, refusedDelayMs: 60_000 };

/** Lets the promise callbacks queued by the Reconnector run under the fake clock. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("lib/opcua reconnect policy and Reconnector (fake clock)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 10, 23, 6), toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => clock.restore());

  it("doubles the delay up to the cap, and waits long after a refusal", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 10].map((n) => retryDelay(POLICY, n, "transient")),
      [500, 1000, 2000, 4000, 4000, 4000],
    );
    assert.equal(retryDelay(POLICY, 1, "refused"), 60_000);
    assert.equal(classifyFailure("createSession failed: BadUserAccessDenied (0x801f0000)"), "refused");
    assert.equal(classifyFailure("The connection has been rejected by server, Err = (BadCertificateUntrusted)"), "refused");
    assert.equal(classifyFailure("connect ECONNREFUSED 127.0.0.1:4840"), "transient");
    assert.equal(classifyFailure("BadTooManySessions"), "transient");
    assert.deepEqual(parseReconnectPolicy({ reconnectMaxSeconds: 0.2 + 0.3, refusedRetrySeconds: 30 }), { initialDelayMs: 500, maxDelayMs: 500, refusedDelayMs: 30_000 });
  });

  it("retries a failing connect with backoff, never two attempts or timers at once, and stops on close", async () => {
    const attempts: number[] = [];
    const states: LinkState[] = [];
    let teardowns = 0;
    let succeedFrom = 4;
    const reconnector = new Reconnector(POLICY, {
      connect: async () => {
        attempts.push(Date.now());
        if (attempts.length < succeedFrom) throw new Error("connect ECONNREFUSED");
      },
      teardown: async () => {
        teardowns++;
      },
      onState: (state) => states.push(state),
    });
    const t0 = Date.now();
    reconnector.start();
    reconnector.start();
    await settle();
    assert.equal(attempts.length, 1);
    assert.equal(reconnector.current, "reconnecting");
    assert.equal(reconnector.hasTimer, true);
    await clock.tickAsync(500);
    await clock.tickAsync(1000);
    await clock.tickAsync(2000);
    assert.deepEqual(
      attempts.map((t) => t - t0),
      [0, 500, 1500, 3500],
    );
    assert.equal(reconnector.current, "connected");
    assert.equal(teardowns, 3, "each failed attempt is cleaned up");
    assert.equal(reconnector.hasTimer, false);

    succeedFrom = 6;
    reconnector.lost("connection lost");
    reconnector.lost("connection closed");
    await settle();
    assert.equal(reconnector.current, "reconnecting");
    await clock.tickAsync(500);
    assert.equal(attempts.length, 5, "the backoff starts again at the first delay after a loss");
    await clock.tickAsync(1000);
    assert.equal(attempts.length, 6);
    assert.equal(reconnector.current, "connected");

    succeedFrom = Infinity;
    reconnector.lost("gone");
    await settle();
    await reconnector.close();
    assert.equal(reconnector.hasTimer, false);
    await clock.tickAsync(60_000);
    assert.equal(attempts.length, 6, "nothing runs after close");
    assert.equal(reconnector.current, "closed");
    assert.deepEqual(states.slice(0, 2), ["connecting", "reconnecting"]);
  });

  it("after a refusal waits the long delay and tries once", async () => {
    let attempts = 0;
    const reconnector = new Reconnector(POLICY, {
      connect: async () => {
        attempts++;
        throw new Error("BadUserAccessDenied");
      },
      teardown: async () => undefined,
      onState: () => undefined,
    });
    reconnector.start();
    await settle();
    assert.equal(reconnector.current, "refused");
    await clock.tickAsync(59_999);
    assert.equal(attempts, 1);
    await clock.tickAsync(1);
    assert.equal(attempts, 2);
    await reconnector.close();
  });

  it("close during an attempt waits for it and tears down once it is over", async () => {
    let release: () => void = () => undefined;
    let teardowns = 0;
    const reconnector = new Reconnector(POLICY, {
      connect: () => new Promise<void>((resolve) => (release = resolve)),
      teardown: async () => {
        teardowns++;
      },
      onState: () => undefined,
    });
    reconnector.start();
    const closing = reconnector.close();
    release();
    await closing;
    assert.equal(reconnector.current, "closed");
    assert.equal(teardowns, 1);
    assert.equal(reconnector.hasTimer, false);
  });
});
