/**
 * A growable ring buffer of doubles with O(1) push/shift at both ends. Written by hand because the
 * rolling statistics need a typed, allocation-free FIFO on the hot path; no kept npm package offers a
 * Float64Array-backed deque (the generic ones box every number).
 */
export class DoubleRing {
  private buf: Float64Array;
  private mask: number;
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.buf = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  get length(): number {
    return this.size;
  }

  push(x: number): void {
    if (this.size > this.mask) this.grow();
    this.buf[(this.head + this.size) & this.mask] = x;
    this.size++;
  }

  shift(): number {
    const x = this.buf[this.head];
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return x;
  }

  pop(): number {
    this.size--;
    return this.buf[(this.head + this.size) & this.mask];
  }

  /** i = 0 is the oldest element. */
  at(i: number): number {
    return this.buf[(this.head + i) & this.mask];
  }

  front(): number {
    return this.buf[this.head];
  }

  back(): number {
    return this.buf[(this.head + this.size - 1) & this.mask];
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  toArray(): number[] {
    const out = new Array<number>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.at(i);
    return out;
  }

  private grow(): void {
    const next = new Float64Array(this.buf.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.buf = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
