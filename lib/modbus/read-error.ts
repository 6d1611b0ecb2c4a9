/**
 * Why a read failed, in the terms the poller acts on: an exception is the device's answer (the link is
 * fine, only that request's tags are bad); a timeout or a lost link means the device is not answering
 * at all, and the connection is rebuilt.
 */
export type ReadFailureKind = "timeout" | "exception" | "disconnected" | "closed";

export class ModbusReadError extends Error {
  readonly kind: ReadFailureKind;
  /** the Modbus exception code (2 = illegal data address, ...) when kind = "exception" */
  readonly exceptionCode: number | null;

  constructor(kind: ReadFailureKind, message: string, exceptionCode: number | null = null) {
    super(message);
    this.name = "ModbusReadError";
    this.kind = kind;
    this.exceptionCode = exceptionCode;
  }
}

/** Modbus exception 02: the request touches an address the device does not have. */
export const ILLEGAL_DATA_ADDRESS = 2;

/** Reads raw response bytes: registers as on the wire (2 bytes each, big-endian), bits packed LSB first. */
export interface ModbusReader {
  read(area: "holding" | "input" | "coil" | "discrete", address: number, count: number): Promise<Buffer>;
}
