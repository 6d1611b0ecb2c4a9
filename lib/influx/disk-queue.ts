import fs from "fs";
import path from "path";
import zlib from "zlib";
import { syncDirectory, writeFileDurably } from "../common/durable-file";
import { requirePositiveInteger } from "../common/errors";
import type { Batch } from "./batcher";

/**
 * A durable FIFO of batches on disk: append-only segment files and a cursor file.
 *
 * - A record is a 12-byte header (body length, point count, CRC-32 of the body, all uint32 LE) and the
 *   body. Appends are fsynced before `append` returns, so a batch the queue took survives a crash.
 * - Segments are named by a sequence number (`0000000000000042.seg`) and rolled at `segmentBytes`;
 *   a segment whose records are all delivered is deleted, so the disk holds only what is still owed.
 * - `cursor.json` names the first record not yet delivered. It is rewritten durably (temp file, fsync,
 *   rename) on every `ack`. A crash between the server's answer and the cursor write replays that one
 *   batch: InfluxDB keeps one point per series and timestamp, so the replay overwrites, never doubles.
 * - On open, a torn record at the end of the last segment (a crash in mid-append) is cut off; a record
 *   whose CRC does not match ends its segment, with a warning.
 * Sync file calls on purpose: each is a small write plus fsync, and the order of appends, acks and
 * segment deletes is then simply the order of the calls.
 */

export interface DiskQueueOptions {
  /** bound of the bytes held (headers included); an append past it is refused */
  maxBytes: number;
  /** a segment is closed and a new one started when it reaches this size */
  segmentBytes: number;
}

export const DEFAULT_DISK_QUEUE_OPTIONS: DiskQueueOptions = { maxBytes: 512 * 2 ** 20, segmentBytes: 16 * 2 ** 20 };

interface RecordRef {
  segment: number;
  offset: number;
  /** header + body */
  size: number;
  points: number;
}

interface Cursor {
  segment: number;
  offset: number;
}

const HEADER = 12;
const SEGMENT_SUFFIX = ".seg";
const CURSOR_FILE = "cursor.json";

function segmentName(seq: number): string {
  return `${String(seq).padStart(16, "0")}${SEGMENT_SUFFIX}`;
}

export class DiskQueue {
  private readonly records: RecordRef[] = [];
  private head = 0;
  private heldBytes = 0;
  private heldPoints = 0;
  private writeSegment = 0;
  private writeFd: number | null = null;
  private writeOffset = 0;
  private readonly options: DiskQueueOptions;
  /** problems met while opening (damaged records), for the node to log */
  readonly warnings: string[] = [];

  constructor(
    readonly dir: string,
    options: Partial<DiskQueueOptions> = {},
  ) {
    const merged = { ...DEFAULT_DISK_QUEUE_OPTIONS, ...options };
    this.options = {
      maxBytes: requirePositiveInteger(merged.maxBytes, "queueMaxBytes"),
      segmentBytes: requirePositiveInteger(merged.segmentBytes, "segmentBytes"),
    };
    fs.mkdirSync(dir, { recursive: true });
    this.load();
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** bytes owed (headers included) */
  get bytes(): number {
    return this.heldBytes;
  }

  get points(): number {
    return this.heldPoints;
  }

  get batches(): number {
    return this.records.length - this.head;
  }

  get isEmpty(): boolean {
    return this.head === this.records.length;
  }

  /** 0..1 of maxBytes */
  get fill(): number {
    return this.heldBytes / this.options.maxBytes;
  }

  /** Stores the batch durably; false (nothing written) when it would pass maxBytes. */
  append(batch: Batch): boolean {
    const body = Buffer.from(batch.body, "utf8");
    const size = HEADER + body.length;
    if (this.heldBytes + size > this.options.maxBytes) return false;
    const record = Buffer.allocUnsafe(size);
    record.writeUInt32LE(body.length, 0);
    record.writeUInt32LE(batch.points, 4);
    record.writeUInt32LE(zlib.crc32(body), 8);
    body.copy(record, HEADER);
    try {
      if (this.writeFd === null || (this.writeOffset > 0 && this.writeOffset + size > this.options.segmentBytes)) this.startSegment();
      const fd = this.writeFd as number;
      let written = 0;
      try {
        while (written < size) written += fs.writeSync(fd, record, written, size - written, this.writeOffset + written);
        fs.fsyncSync(fd);
      } catch (err) {
        // Disk full mid-record: the partial record is cut, so the next append starts on a record boundary.
        if (written > 0) fs.ftruncateSync(fd, this.writeOffset);
        throw err;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw Object.assign(new Error(`cannot write to the disk queue in ${this.dir}: ${(err as Error).message}`), { code });
    }
    this.records.push({ segment: this.writeSegment, offset: this.writeOffset, size, points: batch.points });
    this.writeOffset += size;
    this.heldBytes += size;
    this.heldPoints += batch.points;
    return true;
  }

  /** The oldest batch not yet acknowledged, read from disk; null when empty. */
  peek(): Batch | null {
    if (this.isEmpty) return null;
    const ref = this.records[this.head];
    const fd = fs.openSync(path.join(this.dir, segmentName(ref.segment)), "r");
    try {
      const body = Buffer.allocUnsafe(ref.size - HEADER);
      let read = 0;
      while (read < body.length) {
        const n = fs.readSync(fd, body, read, body.length - read, ref.offset + HEADER + read);
        if (n === 0) throw new Error(`queue segment ${segmentName(ref.segment)} ends inside a record`);
        read += n;
      }
      return { body: body.toString("utf8"), points: ref.points };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Forgets the oldest batch (delivered or rejected for good): moves the cursor durably, deletes spent segments. */
  ack(): void {
    if (this.isEmpty) return;
    const ref = this.records[this.head++];
    this.heldBytes -= ref.size;
    this.heldPoints -= ref.points;
    const next = this.isEmpty ? null : this.records[this.head];
    if (next === null) {
      // Everything is delivered: the next append starts a fresh segment and every old one goes.
      this.closeWriteSegment();
      this.writeSegment = Math.max(this.writeSegment, ref.segment) + 1;
      this.writeCursor({ segment: this.writeSegment, offset: 0 });
      this.deleteSegmentsBefore(this.writeSegment);
    } else {
      this.writeCursor({ segment: next.segment, offset: next.offset });
      if (next.segment !== ref.segment) this.deleteSegmentsBefore(next.segment);
    }
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records.splice(0, this.head);
      this.head = 0;
    }
  }

  close(): void {
    this.closeWriteSegment();
  }

  private startSegment(): void {
    this.closeWriteSegment();
    if (this.writeOffset > 0 || fs.existsSync(path.join(this.dir, segmentName(this.writeSegment)))) this.writeSegment += 1;
    this.writeFd = fs.openSync(path.join(this.dir, segmentName(this.writeSegment)), "w");
    this.writeOffset = 0;
    syncDirectory(this.dir);
  }

  private closeWriteSegment(): void {
    if (this.writeFd !== null) fs.closeSync(this.writeFd);
    this.writeFd = null;
    this.writeOffset = 0;
  }

  private writeCursor(cursor: Cursor): void {
    const file = path.join(this.dir, CURSOR_FILE);
    writeFileDurably(file, JSON.stringify(cursor), `${file}.tmp`);
    syncDirectory(this.dir);
  }

  private readCursor(): Cursor {
    try {
      const saved = JSON.parse(fs.readFileSync(path.join(this.dir, CURSOR_FILE), "utf8")) as Cursor;
      if (Number.isSafeInteger(saved?.segment) && Number.isSafeInteger(saved?.offset) && saved.segment >= 0 && saved.offset >= 0) return saved;
      this.warnings.push("the queue cursor is damaged: replaying every segment left on disk");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.warnings.push(`the queue cursor is unreadable (${(err as Error).message}): replaying every segment left on disk`);
    }
    return { segment: 0, offset: 0 };
  }

  private segmentsOnDisk(): number[] {
    return fs
      .readdirSync(this.dir)
      .filter((name) => /^\d{16}\.seg$/.test(name))
      .map((name) => Number(name.slice(0, 16)))
      .sort((a, b) => a - b);
  }

  private deleteSegmentsBefore(segment: number): void {
    for (const seq of this.segmentsOnDisk()) {
      if (seq >= segment) break;
      fs.rmSync(path.join(this.dir, segmentName(seq)), { force: true });
    }
  }

  private load(): void {
    fs.rmSync(path.join(this.dir, `${CURSOR_FILE}.tmp`), { force: true });
    const cursor = this.readCursor();
    const segments = this.segmentsOnDisk();
    for (const seq of segments) {
      if (seq < cursor.segment) {
        fs.rmSync(path.join(this.dir, segmentName(seq)), { force: true });
        continue;
      }
      const isLast = seq === segments[segments.length - 1];
      const end = this.scanSegment(seq, seq === cursor.segment ? cursor.offset : 0, isLast);
      if (isLast) {
        this.writeSegment = seq;
        // Appends continue in a new segment: the old one stays read-only until delivered.
        this.writeOffset = end;
      }
    }
    if (segments.length === 0 || segments[segments.length - 1] < cursor.segment) this.writeSegment = cursor.segment;
  }

  /** Indexes the records of one segment from `start`; returns the end of the last good record. */
  private scanSegment(seq: number, start: number, isLast: boolean): number {
    const file = path.join(this.dir, segmentName(seq));
    const data = fs.readFileSync(file);
    let offset = start;
    while (offset + HEADER <= data.length) {
      const length = data.readUInt32LE(offset);
      const points = data.readUInt32LE(offset + 4);
      const crc = data.readUInt32LE(offset + 8);
      if (offset + HEADER + length > data.length) break;
      if (zlib.crc32(data.subarray(offset + HEADER, offset + HEADER + length)) !== crc) {
        this.warnings.push(`queue segment ${segmentName(seq)}: damaged record at byte ${offset}; the rest of the segment (${data.length - offset} bytes) is skipped`);
        return offset;
      }
      this.records.push({ segment: seq, offset, size: HEADER + length, points });
      this.heldBytes += HEADER + length;
      this.heldPoints += points;
      offset += HEADER + length;
    }
    if (offset < data.length) {
      if (isLast) {
        // A torn append: the batch was never acknowledged to anyone, so cutting it loses nothing promised.
        fs.truncateSync(file, offset);
        this.warnings.push(`queue segment ${segmentName(seq)}: cut a torn record of ${data.length - offset} bytes at its end`);
      } else {
        this.warnings.push(`queue segment ${segmentName(seq)}: ${data.length - offset} trailing bytes are not a whole record`);
      }
    }
    return offset;
  }
}
