import { decodeBit, decodeRegisters } from "./decode";
import { planReads, splitAtGaps, type PlanOptions, type ReadRequest } from "./planner";
import { ILLEGAL_DATA_ADDRESS, ModbusReadError, type ModbusReader } from "./read-error";
import { isBitArea, type RegisterType, type TagDefinition } from "./register-map";
import { QUALITY_BAD, QUALITY_GOOD } from "../common/sample";

/** The classic quality byte of the shared message contract. */
export { QUALITY_BAD, QUALITY_GOOD };

export interface TagReading {
  tag: string;
  /** engineering value; null when the quality is bad (never the previous value) */
  value: number | boolean | null;
  /** epoch ms when the answer arrived (or the read failed) */
  timestamp: number;
  quality: typeof QUALITY_GOOD | typeof QUALITY_BAD;
  unit: string;
  /** why the quality is bad; null when good */
  error: string | null;
}

export interface RequestFailure {
  request: ReadRequest;
  error: ModbusReadError;
}

export interface PollResult {
  readings: TagReading[];
  failures: RequestFailure[];
}

function asReadError(err: unknown): ModbusReadError {
  if (err instanceof ModbusReadError) return err;
  return new ModbusReadError("disconnected", err instanceof Error ? err.message : String(err));
}

/** Decodes one tag out of its request's response. Throws RangeError on a short response. */
export function decodeTag(planned: { tag: TagDefinition; offset: number }, data: Buffer): number | boolean {
  const { tag, offset } = planned;
  if (isBitArea(tag.area)) return decodeBit(data, offset);
  const raw = decodeRegisters(data, offset * 2, tag.type as RegisterType, tag.byteOrder, tag.wordOrder);
  return tag.scale === 1 && tag.offset === 0 ? raw : raw * tag.scale + tag.offset;
}

/**
 * One modbus-in node's reads: the request plan and its execution. A request that fails makes exactly
 * its own tags bad (value null, quality 0); the other requests of the poll still run. A request that
 * bridges a gap and is refused with "illegal data address" is split into gap-free requests, for this
 * poll and all later ones (many devices refuse reads of addresses they do not map).
 */
export class PollPlan {
  private requests: ReadRequest[];

  constructor(
    readonly tags: readonly TagDefinition[],
    private readonly options: Partial<PlanOptions> = {},
  ) {
    this.requests = planReads(tags, options);
  }

  get plannedRequests(): readonly ReadRequest[] {
    return this.requests;
  }

  async poll(reader: ModbusReader, now: () => number = Date.now): Promise<PollResult> {
    const readings: TagReading[] = [];
    const failures: RequestFailure[] = [];
    const next: ReadRequest[] = [];
    for (const request of this.requests) {
      const outcome = await this.readRequest(reader, request, now, readings, failures);
      next.push(...outcome);
    }
    this.requests = next;
    return { readings, failures };
  }

  /** Reads one request into `readings`; returns the request(s) to use from now on. */
  private async readRequest(reader: ModbusReader, request: ReadRequest, now: () => number, readings: TagReading[], failures: RequestFailure[]): Promise<ReadRequest[]> {
    let data: Buffer;
    try {
      data = await reader.read(request.area, request.address, request.count);
    } catch (err) {
      const error = asReadError(err);
      if (error.kind === "exception" && error.exceptionCode === ILLEGAL_DATA_ADDRESS && request.bridgesGap) {
        const pieces = splitAtGaps(request, this.options);
        for (const piece of pieces) await this.readRequest(reader, piece, now, readings, failures);
        return pieces;
      }
      failures.push({ request, error });
      const timestamp = now();
      for (const { tag } of request.tags) readings.push({ tag: tag.tag, value: null, timestamp, quality: QUALITY_BAD, unit: tag.unit, error: error.message });
      return [request];
    }
    const timestamp = now();
    for (const planned of request.tags) {
      const { tag } = planned;
      let value: number | boolean;
      try {
        value = decodeTag(planned, data);
      } catch (err) {
        readings.push({ tag: tag.tag, value: null, timestamp, quality: QUALITY_BAD, unit: tag.unit, error: (err as Error).message });
        continue;
      }
      if (typeof value === "number" && !Number.isFinite(value)) {
        // A device writes NaN into a float register to say "no valid measurement".
        readings.push({ tag: tag.tag, value: null, timestamp, quality: QUALITY_BAD, unit: tag.unit, error: `${tag.type} is ${value}` });
        continue;
      }
      readings.push({ tag: tag.tag, value, timestamp, quality: QUALITY_GOOD, unit: tag.unit, error: null });
    }
    return [request];
  }
}
