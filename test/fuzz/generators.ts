/**
 * Seeded generators of hostile message content for the fuzz suite. Every bad message is built by
 * breaking one field of a good message, so the generator knows which field the node must name in
 * its error; values the message contract accepts (a far-past but representable date, a tag named
 * "__proto__") are generated as "accepted" cases on a topic of their own instead.
 */
import { seededRandom } from "../../lib/common/random";

export type Msg = Record<string, unknown>;

/** FUZZ_SEED=<n> reproduces a run; FUZZ_SEED=random draws a fresh seed (printed either way). */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  if (given === "random") return Math.floor(Math.random() * 2 ** 31);
  if (given !== undefined && given !== "") {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be a whole number or "random", got ${given}`);
    return seed;
  }
  return 20261123;
}

/** FUZZ_MESSAGES overrides the number of bad messages per node (default 10 000). */
export function fuzzMessageCount(): number {
  const given = process.env.FUZZ_MESSAGES;
  if (given === undefined || given === "") return 10_000;
  const count = Number(given);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`FUZZ_MESSAGES must be a whole number >= 1, got ${given}`);
  return count;
}

/** A small helper around the package's seeded generator. */
export class Gen {
  private readonly random: () => number;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  next(): number {
    return this.random();
  }

  /** a whole number in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.random() * 256);
    return out;
  }

  word(length = this.int(1, 12)): string {
    let out = "";
    for (let i = 0; i < length; i++) out += String.fromCharCode(97 + Math.floor(this.random() * 26));
    return out;
  }
}

/** A per-node generator, so adding a node or a category elsewhere does not change another node's run. */
export function genFor(seed: number, name: string): Gen {
  let hash = seed >>> 0;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return new Gen(hash);
}

// ---- values no field of this package accepts where it expects a number, a date or an object ----

export const NESTING_DEPTH = 10_000;

/**
 * Whether messages nested NESTING_DEPTH deep are generated. Node-RED's recursive clone for the Catch
 * node overflows on them, and until nodes/shared/input.ts guards done() (the patch in the fuzz report)
 * the overflow leaves the input event: an uncaught exception, or an unhandled rejection from an async
 * node. The suite probes that once (suite.ts) and generates them only when the guard is there.
 */
export const deepNesting = { enabled: false };

/** {a: {a: … 10 000 deep}} built without recursion (JSON.parse and deep clones would overflow the stack). */
function deepObject(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let level = root;
  for (let i = 0; i < depth; i++) {
    const next: Record<string, unknown> = {};
    level.a = next;
    level = next;
  }
  return root;
}

function deepArray(depth: number): unknown[] {
  const root: unknown[] = [];
  let level = root;
  for (let i = 0; i < depth; i++) {
    const next: unknown[] = [];
    level.push(next);
    level = next;
  }
  return root;
}

// Large values are made once: a fresh megabyte per message would time the allocator, not the node.
let shared: { deepObject: Record<string, unknown>; deepArray: unknown[]; longString: string; hugeNumbers: number[]; hugeStrings: string[] } | null = null;
function big() {
  shared ??= {
    deepObject: deepObject(NESTING_DEPTH),
    deepArray: deepArray(NESTING_DEPTH),
    longString: "x".repeat(1 << 20),
    hugeNumbers: new Array<number>(50_000).fill(NaN),
    hugeStrings: new Array<string>(50_000).fill("1"),
  };
  return shared;
}

/** A cycle with no field a reading could use (a cycle holding a valid value would be a valid reading). */
export function circular(): Record<string, unknown> {
  const o: Record<string, unknown> = { name: "loop" };
  o.self = o;
  o.nested = { back: o };
  return o;
}

/** Objects whose own keys are __proto__ / constructor / prototype, as JSON.parse makes them. */
export function pollutingObject(gen: Gen, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const text = gen.pick([
    '{"__proto__": {"polluted": "yes", "isAdmin": true}}',
    '{"constructor": {"prototype": {"polluted": "yes"}}}',
    '{"prototype": {"polluted": "yes"}, "__proto__": {"toString": "x"}}',
    '{"__proto__": {"value": 5, "timestamp": 1}}',
    '{"a": {"__proto__": {"polluted": "yes"}}, "constructor": "x"}',
  ]);
  return Object.assign(JSON.parse(text) as Record<string, unknown>, extra);
}

/** Keys the suite checks on Object.prototype after every run. */
export const POLLUTION_MARKERS = ["polluted", "isAdmin", "value", "timestamp"];

/** Values that are not a finite number, in every form a message can carry. */
export function notANumber(gen: Gen): unknown {
  const b = big();
  switch (gen.int(0, 27)) {
    case 0: return NaN;
    case 1: return Infinity;
    case 2: return -Infinity;
    case 3: return gen.pick(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]);
    case 4: return gen.pick(["", " ", "abc", "12abc", "0x1F", "1,5", "٣", "\u0000", "true", "null"]);
    case 5: return gen.pick([true, false]);
    case 6: return null;
    case 7: return BigInt(gen.int(0, 1000)) * 10n ** 30n;
    case 8: return Symbol(gen.word());
    case 9: return () => 42;
    case 10: return circular();
    case 11: return { value: { value: { value: 1 } } };
    case 12: return [[[1]]];
    case 13: return b.longString;
    case 14: return gen.bytes(gen.int(0, 64));
    case 15: return Buffer.alloc(0);
    case 16: return new Date(NaN);
    case 17: return new Map([["value", 1]]);
    case 18: return new Set([1]);
    case 19: return Object.create(null) as object;
    case 20: return pollutingObject(gen);
    case 21: return b.hugeStrings;
    case 22: return b.hugeNumbers;
    case 23: return new Float64Array([NaN, 1]);
    case 24: return { valueOf: () => 5 };
    case 25: return Promise.resolve(5);
    case 26: return new Error("not a value");
    default: return String(gen.int(0, 100));
  }
}

/** Strings, numbers and objects that are not a date the contract accepts (epoch ms or ISO 8601). */
export function notATimestamp(gen: Gen): unknown {
  switch (gen.int(0, 9)) {
    case 0:
      return gen.pick([
        "2026-13-45T25:61:00Z",
        "2026-11-23T12:00:00+25:00",
        "2026-11-23T12:00:00+24:00",
        "2026-11-23T12:00:00 Mars/Olympus",
        "2026-11-23T12:00:00 America/Bogota",
        "2026-11-23T12:00:00 PST",
        "20261123T120000Z",
        "2026-W48-1",
        "+275760-09-13T00:00:00.001Z",
        "yesterday",
        "now",
        "12abc",
        "T12:00:00Z",
        "2026-11-23T12:00:00ZZ",
      ]);
    case 1: return gen.pick(["", "   ", "NaN", "Infinity", "1e999"]);
    case 2: return gen.pick([NaN, Infinity, -Infinity]);
    case 3: return new Date(NaN);
    case 4: return gen.pick([true, false, null]);
    case 5: return gen.pick([{}, [], [2026, 11, 23], { $date: 1 }]);
    case 6: return BigInt(1795435200000);
    case 7: return Symbol("timestamp");
    case 8: return circular();
    default: return big().longString;
  }
}

/** Numbers outside what a JavaScript Date can hold (±8.64e15 ms): no date at all. */
export function unrepresentableTimestamp(gen: Gen): number {
  return gen.pick([1e16, -1e16, 8.64e15 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_VALUE, Number.MAX_VALUE]);
}

/** Representable but odd instants: the contract accepts them, a tag of their own keeps them apart. */
export function oddButValidTimestamp(gen: Gen): number | string {
  return gen.pick<number | string>([
    -62167219200000, // year 0
    -1,
    -86_400_000 * 365,
    0,
    8.64e15,
    -8.64e15,
    "0000-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999Z",
    "2026-11-23T12:00:00.123456789Z",
    "2026-11-23T12:00:00-05:00",
    "2026-11-23T12:00:00+14:00",
  ]);
}

/** Topics no series key can be (the contract: a string tag name; numbers and booleans are turned into one). */
export function notATopic(gen: Gen): unknown {
  switch (gen.int(0, 8)) {
    case 0: return {};
    case 1: return [gen.word()];
    case 2: return Symbol("topic");
    case 3: return () => "topic";
    case 4: return circular();
    case 5: return { a: { b: { c: "topic" } } };
    case 6: return pollutingObject(gen);
    case 7: return BigInt(7);
    default: return gen.bytes(4);
  }
}

/** Valid topics that are awkward: prototype keys, path syntax, control characters, a megabyte. */
export function awkwardTopic(gen: Gen): string {
  return gen.pick([
    "__proto__",
    "constructor",
    "prototype",
    "hasOwnProperty",
    "toString",
    "__defineGetter__",
    "a.b[0]",
    "ns=2;s=Well.P[1]",
    "\u0000",
    "\n\r\t",
    "😀",
    "x".repeat(100_000),
    "",
    " ",
  ]);
}

/** Quality values no rule reads (the contract: byte 0-255, OPC UA code/object/name, boolean). */
export function notAQuality(gen: Gen): unknown {
  return gen.pick<unknown>([-1, 1.5, NaN, Infinity, 2 ** 33, "excellent", "", "  ", {}, [], null, Symbol("q"), BigInt(192), () => 192, circular(), { value: "Good" }]);
}

/** A bad value of any kind for a field that must be an object. */
export function notAnObject(gen: Gen): unknown {
  return gen.pick<unknown>([null, 0, NaN, Infinity, "{}", "", true, Symbol("o"), BigInt(1), () => ({}), gen.bytes(8), big().longString]);
}

export function hugeArray<T>(length: number, item: T): T[] {
  return new Array<T>(length).fill(item);
}

export { big as sharedBigValues };
