import { EventEmitter } from "events";
import ModbusRTU from "modbus-serial";
import { InputError, describeValue } from "../common/errors";
import { ModbusReadError, type ModbusReader } from "./read-error";
import type { ModbusArea } from "./register-map";

/**
 * One Modbus link (TCP, or RTU on a serial line when the optional `serialport` package is installed),
 * shared by every reader of a device: requests are queued and sent one at a time (a serial line and
 * most TCP gateways handle one transaction at a time), a timeout or a lost link drops the connection
 * and reconnects with exponential backoff, and close() leaves no socket or timer behind.
 */

export type Transport = "tcp" | "rtu";
export type Parity = "none" | "even" | "odd";

export interface ConnectionOptions {
  transport: Transport;
  host: string;
  port: number;
  serialPath: string;
  baudRate: number;
  parity: Parity;
  dataBits: 7 | 8;
  stopBits: 1 | 2;
  unitId: number;
  /** ms to wait for a connection or an answer */
  timeoutMs: number;
  /** ms before the first reconnect attempt; doubles up to reconnectMaxMs */
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export const DEFAULT_CONNECTION_OPTIONS: ConnectionOptions = {
  transport: "tcp",
  host: "127.0.0.1",
  port: 502,
  serialPath: "",
  baudRate: 9600,
  parity: "none",
  dataBits: 8,
  stopBits: 1,
  unitId: 1,
  timeoutMs: 2000,
  reconnectMinMs: 1000,
  // At most 8 s between attempts: a device back after a reboot has data again within 10 s (the plant goal).
  reconnectMaxMs: 8_000,
};

/** Whether the optional serialport package (RTU) can be loaded. */
export function isSerialAvailable(): boolean {
  try {
    require.resolve("serialport");
    return true;
  } catch {
    return false;
  }
}

function whole(value: unknown, min: number, max: number, field: string, form: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) throw new InputError(field, `expected ${form}, got ${describeValue(value)}`);
  return n;
}

/** Checks connection settings (editor values may be strings); unset ones take the defaults. */
export function resolveConnectionOptions(input: Partial<Record<keyof ConnectionOptions, unknown>>): ConnectionOptions {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== null && v !== "")) as Partial<Record<keyof ConnectionOptions, unknown>>;
  const o = { ...DEFAULT_CONNECTION_OPTIONS, ...given } as Record<keyof ConnectionOptions, unknown>;
  if (o.transport !== "tcp" && o.transport !== "rtu") throw new InputError("transport", `expected "tcp" or "rtu", got ${describeValue(o.transport)}`);
  const transport = o.transport;
  if (typeof o.host !== "string" || (transport === "tcp" && o.host.trim() === "")) throw new InputError("host", `expected a host name or IP address, got ${describeValue(o.host)}`);
  if (typeof o.serialPath !== "string") throw new InputError("serialPath", `expected a serial device path like "/dev/ttyUSB0", got ${describeValue(o.serialPath)}`);
  if (transport === "rtu") {
    if (o.serialPath.trim() === "") throw new InputError("serialPath", 'expected a serial device path like "/dev/ttyUSB0"');
    if (!isSerialAvailable()) throw new InputError("transport", 'Modbus RTU needs the optional "serialport" package, which is not installed');
  }
  if (o.parity !== "none" && o.parity !== "even" && o.parity !== "odd") throw new InputError("parity", `expected "none", "even" or "odd", got ${describeValue(o.parity)}`);
  const dataBits = whole(o.dataBits, 7, 8, "dataBits", "7 or 8") as 7 | 8;
  const stopBits = whole(o.stopBits, 1, 2, "stopBits", "1 or 2") as 1 | 2;
  const reconnectMinMs = whole(o.reconnectMinMs, 1, 3_600_000, "reconnectMinMs", "ms between 1 and 3600000");
  const reconnectMaxMs = whole(o.reconnectMaxMs, 1, 3_600_000, "reconnectMaxMs", "ms between 1 and 3600000");
  if (reconnectMaxMs < reconnectMinMs) throw new InputError("reconnectMaxMs", `expected at least the first reconnect delay (${reconnectMinMs} ms), got ${reconnectMaxMs}`);
  return {
    transport,
    host: o.host.trim(),
    port: whole(o.port, 1, 65535, "port", "a TCP port 1-65535"),
    serialPath: o.serialPath.trim(),
    baudRate: whole(o.baudRate, 50, 4_000_000, "baudRate", "a baud rate like 9600"),
    parity: o.parity,
    dataBits,
    stopBits,
    // 0 is the broadcast address (no answer); 248-255 are reserved, but TCP gateways use 255 for "this device".
    unitId: whole(o.unitId, 0, 255, "unitId", "a unit id 0-255 (1-247 on a serial line)"),
    timeoutMs: whole(o.timeoutMs, 1, 600_000, "timeoutMs", "ms between 1 and 600000"),
    reconnectMinMs,
    reconnectMaxMs,
  };
}

/**
 * Reconnect delays: min, 2·min, 4·min … capped at max, back to min after a success. Hand-written (a few
 * lines) rather than lib/delivery/retry: that policy has a give-up deadline, a field link never gives up.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const delay = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }
}

export type ConnectionState = "idle" | "connecting" | "connected" | "reconnecting" | "closed";

export interface StateChange {
  state: ConnectionState;
  /** the error that caused a reconnect, when there is one */
  reason: string | null;
  /** ms until the next attempt when reconnecting */
  retryInMs: number | null;
}

interface ModbusClient {
  setID(id: number): void;
  setTimeout(ms: number): void;
  connectTCP(host: string, options: { port: number }): Promise<void>;
  connectRTUBuffered(path: string, options: Record<string, unknown>): Promise<void>;
  readHoldingRegisters(address: number, count: number): Promise<{ buffer: Buffer }>;
  readInputRegisters(address: number, count: number): Promise<{ buffer: Buffer }>;
  readCoils(address: number, count: number): Promise<{ buffer: Buffer }>;
  readDiscreteInputs(address: number, count: number): Promise<{ buffer: Buffer }>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeAllListeners(): unknown;
  destroy(callback: () => void): void;
  readonly isOpen: boolean;
}

function describeFailure(err: unknown): ModbusReadError {
  if (err instanceof ModbusReadError) return err;
  const e = err as { message?: unknown; errno?: unknown; modbusCode?: unknown; code?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (typeof e?.modbusCode === "number") return new ModbusReadError("exception", message, e.modbusCode);
  if (e?.errno === "ETIMEDOUT" || e?.code === "ETIMEDOUT") return new ModbusReadError("timeout", `timed out: ${message}`);
  return new ModbusReadError("disconnected", message);
}

export class ModbusConnection extends EventEmitter implements ModbusReader {
  private client: ModbusClient | null = null;
  private currentState: ConnectionState = "idle";
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly backoff: Backoff;
  /** rejects the request on the wire when the link is dropped under it */
  private abortInFlight: ((error: ModbusReadError) => void) | null = null;
  /** requests sent, for tests and statistics */
  requestsSent = 0;

  constructor(
    readonly options: ConnectionOptions,
    private readonly createClient: () => ModbusClient = () => new ModbusRTU() as unknown as ModbusClient,
  ) {
    super();
    this.backoff = new Backoff(options.reconnectMinMs, options.reconnectMaxMs);
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get description(): string {
    const o = this.options;
    return o.transport === "tcp" ? `${o.host}:${o.port} unit ${o.unitId}` : `${o.serialPath} unit ${o.unitId}`;
  }

  /** Starts connecting (once); later calls do nothing. */
  start(): void {
    if (this.currentState === "idle") this.connect();
  }

  /**
   * Reads `count` registers or bits. Queued behind the requests already waiting. Rejects with a
   * ModbusReadError: at once when the link is down (no request waits out a reconnect delay), after the
   * timeout when the device does not answer.
   */
  read(area: ModbusArea, address: number, count: number): Promise<Buffer> {
    const result = this.queue.then(() => this.send(area, address, count));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Closes the link for good: rejects waiting requests, stops the reconnect timer, destroys the socket. */
  async close(): Promise<void> {
    if (this.currentState === "closed") return;
    this.setState({ state: "closed", reason: null, retryInMs: null });
    this.clearReconnectTimer();
    this.abortInFlight?.(new ModbusReadError("closed", "connection closed"));
    await this.dropClient();
    this.removeAllListeners();
  }

  private setState(change: StateChange): void {
    this.currentState = change.state;
    this.emit("state", change);
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private connect(): void {
    this.setState({ state: "connecting", reason: null, retryInMs: null });
    const client = this.createClient();
    this.client = client;
    client.on("error", () => {
      // Socket errors also end the transaction or the port; handled where they surface.
    });
    client.on("close", () => {
      if (this.client === client && this.currentState === "connected") this.linkLost(new ModbusReadError("disconnected", "connection closed by the device"));
    });
    client.setID(this.options.unitId);
    client.setTimeout(this.options.timeoutMs);
    const o = this.options;
    const opening =
      o.transport === "tcp"
        ? client.connectTCP(o.host, { port: o.port })
        : client.connectRTUBuffered(o.serialPath, { baudRate: o.baudRate, parity: o.parity, dataBits: o.dataBits, stopBits: o.stopBits });
    this.connecting = opening.then(
      () => {
        this.connecting = null;
        if (this.client !== client) return; // closed meanwhile
        this.backoff.reset();
        this.setState({ state: "connected", reason: null, retryInMs: null });
      },
      (err: unknown) => {
        this.connecting = null;
        if (this.client !== client) return;
        void this.dropClient();
        this.scheduleReconnect(describeFailure(err).message || "connection failed");
      },
    );
  }

  private scheduleReconnect(reason: string): void {
    if (this.currentState === "closed") return;
    const delay = this.backoff.next();
    this.setState({ state: "reconnecting", reason, retryInMs: delay });
    this.clearReconnectTimer();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.currentState === "reconnecting") this.connect();
    }, delay);
  }

  private linkLost(error: ModbusReadError): void {
    if (this.currentState === "closed" || this.currentState === "reconnecting") return;
    this.abortInFlight?.(error);
    void this.dropClient();
    this.scheduleReconnect(error.message);
  }

  private dropClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client === null) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        // destroy() cancels modbus-serial's pending transaction timers and the socket at once.
        client.destroy(() => {
          client.removeAllListeners();
          resolve();
        });
      } catch {
        resolve();
      }
    });
  }

  private async send(area: ModbusArea, address: number, count: number): Promise<Buffer> {
    if (this.currentState === "connecting" && this.connecting !== null) await this.connecting;
    const client = this.client;
    if (this.currentState === "closed") throw new ModbusReadError("closed", "connection closed");
    if (client === null || this.currentState !== "connected") throw new ModbusReadError("disconnected", `not connected to ${this.description}`);
    if (!client.isOpen) {
      const error = new ModbusReadError("disconnected", `connection to ${this.description} lost`);
      this.linkLost(error);
      throw error;
    }
    this.requestsSent++;
    const request =
      area === "holding"
        ? client.readHoldingRegisters(address, count)
        : area === "input"
          ? client.readInputRegisters(address, count)
          : area === "coil"
            ? client.readCoils(address, count)
            : client.readDiscreteInputs(address, count);
    const aborted = new Promise<never>((_, reject) => {
      this.abortInFlight = reject;
    });
    try {
      const answer = await Promise.race([request, aborted]);
      return answer.buffer;
    } catch (err) {
      const failure = describeFailure(err);
      const error = failure.kind === "timeout" ? new ModbusReadError("timeout", `timed out: no answer from ${this.description} within ${this.options.timeoutMs} ms`) : failure;
      // An exception is the device's answer: the link is fine. After a timeout (or a garbled frame) a late
      // answer could be taken for the next request's: start a fresh link.
      if (error.kind !== "exception" && error.kind !== "closed") this.linkLost(error);
      throw error;
    } finally {
      this.abortInFlight = null;
      request.catch(() => undefined);
    }
  }
}
