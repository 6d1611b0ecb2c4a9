/**
 * A real Modbus TCP server for tests: modbus-serial's ServerTCP on a free 127.0.0.1 port, serving a
 * register image the test changes at will. It records every request it receives (function code,
 * address, quantity, read off the TCP frames), can stop answering (a device that times out), can
 * refuse addresses with exception 02, and can be stopped and started again on the same port.
 */
import net from "net";
import { ServerTCP } from "modbus-serial";
import { freePort } from "./ports";
export { freePort };

export interface SeenRequest {
  functionCode: number;
  address: number;
  quantity: number;
}

const AREA_OF_FUNCTION: Record<number, string> = { 1: "coil", 2: "discrete", 3: "holding", 4: "input" };

class IllegalAddress extends Error {
  readonly modbusErrorCode = 2;
}

export class ModbusTestServer {
  /** the register image: 16-bit words and bits, by protocol address */
  readonly holding = new Uint16Array(0x10000);
  readonly input = new Uint16Array(0x10000);
  readonly coils = new Uint8Array(0x10000);
  readonly discretes = new Uint8Array(0x10000);
  /** reads touching these addresses (of any area) are answered with exception 02 */
  readonly illegalAddresses = new Set<number>();
  readonly requests: SeenRequest[] = [];
  /** TCP connections accepted so far */
  connections = 0;
  private server: ServerTCP | null = null;
  private stalled = false;
  private held: Array<() => void> = [];

  private constructor(readonly port: number) {}

  static async start(port?: number): Promise<ModbusTestServer> {
    const server = new ModbusTestServer(port ?? (await freePort()));
    await server.listen();
    return server;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Requests of one area ("holding", "input", "coil", "discrete") seen so far. */
  requestsFor(area: string): SeenRequest[] {
    return this.requests.filter((r) => AREA_OF_FUNCTION[r.functionCode] === area);
  }

  /** Writes words at `address` of the holding (or input) image. */
  setWords(area: "holding" | "input", address: number, words: readonly number[]): void {
    (area === "holding" ? this.holding : this.input).set(words, address);
  }

  /** While stalled the server takes requests but answers none (the client times out). */
  stall(on: boolean): void {
    this.stalled = on;
    if (!on) this.releaseHeld();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    this.releaseHeld();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Starts again on the same port (after stop). */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const release of held) release();
  }

  private value<T>(read: () => T, address: number): T | Promise<T> {
    if (this.illegalAddresses.has(address)) throw new IllegalAddress(`illegal data address ${address}`);
    if (!this.stalled) return read();
    // Answered only after stall(false) or stop(): by then the client has long given up.
    return new Promise<T>((resolve) => this.held.push(() => resolve(read())));
  }

  private listen(): Promise<void> {
    const vector = {
      getHoldingRegister: (address: number) => this.value(() => this.holding[address], address),
      getInputRegister: (address: number) => this.value(() => this.input[address], address),
      getCoil: (address: number) => this.value(() => this.coils[address] === 1, address),
      getDiscreteInput: (address: number) => this.value(() => this.discretes[address] === 1, address),
    };
    return new Promise((resolve, reject) => {
      const server = new ServerTCP(vector, { host: "127.0.0.1", port: this.port, unitID: 255 });
      server.on("serverError", reject);
      server.on("socketError", () => {
        // a client that went away: nothing to do
      });
      server.on("initialized", () => {
        this.server = server;
        resolve();
      });
      // Count the requests off the frames (MBAP 7 bytes, then function, address, quantity).
      const tcp = (server as unknown as { _server: net.Server })._server;
      tcp.on("connection", (socket: net.Socket) => {
        this.connections++;
        let pending = Buffer.alloc(0);
        socket.on("data", (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 6 && pending.length >= 6 + pending.readUInt16BE(4)) {
            const length = pending.readUInt16BE(4);
            const pdu = pending.subarray(7, 6 + length);
            if (pdu.length >= 5) this.requests.push({ functionCode: pdu[0], address: pdu.readUInt16BE(1), quantity: pdu.readUInt16BE(3) });
            pending = pending.subarray(6 + length);
          }
        });
      });
    });
  }
}
