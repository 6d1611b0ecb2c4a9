/**
 * Hostile messages for the nodes that read the shared message contract (../shared/README.md):
 * msg.topic, msg.payload (number, {value, timestamp?, quality?}, or a batch array), msg.timestamp,
 * msg.quality, msg.reset / msg.command. Each case breaks one field of a good message and names it,
 * or is a valid oddity sent on a topic of its own (the contract accepts it; it must not touch the
 * valid series).
 */
import type { FuzzCase } from "./fuzz-runner";
import {
  awkwardTopic,
  circular,
  deepNesting,
  hugeArray,
  notANumber,
  notAQuality,
  notATimestamp,
  notATopic,
  oddButValidTimestamp,
  pollutingObject,
  sharedBigValues,
  unrepresentableTimestamp,
  type Gen,
  type Msg,
} from "./generators";

export interface ContractOptions {
  /** the payload must be a number / {value} (false: any value is fine, only time and quality count: gap-detector) */
  numericPayload: boolean;
  /** msg.command other than "relearn" is an error (nodes with relearn) */
  commands: boolean;
  /** an array payload is a batch (true for every contract node) */
  batch: boolean;
}

/** A topic of its own for the valid oddities. */
export const ODD_TOPIC = "fuzz-odd";

/**
 * One hostile case built from the good message `good` (topic, payload number or {value, timestamp},
 * msg.timestamp). `fresh` makes a valid message for another topic.
 */
export function contractCase(gen: Gen, good: Msg, options: ContractOptions): FuzzCase {
  // Each valid oddity gets a series of its own: nodes that need time order (anomaly-detect) reject an
  // oddity that is older than the previous one on the same series, as they should.
  const oddTopic = `${ODD_TOPIC}-${gen.int(0, 1e9)}`;
  const error = (label: string, field: string, msg: Msg): FuzzCase => ({ msg, expect: { error: field }, label });
  const accept = (label: string, msg: Msg): FuzzCase => ({ msg, expect: { accept: true }, label });
  const base = (): Msg => ({ ...good, payload: typeof good.payload === "object" && good.payload !== null ? { ...(good.payload as Msg) } : good.payload });
  const value = typeof good.payload === "object" && good.payload !== null ? (good.payload as { value: number }).value : (good.payload as number);
  const choice = gen.int(0, options.numericPayload ? 19 : 15);
  switch (choice) {
    case 0: {
      const msg = base();
      msg.timestamp = notATimestamp(gen);
      return error("msg.timestamp-malformed", "msg.timestamp", msg);
    }
    case 1: {
      const msg = base();
      delete msg.timestamp;
      msg.payload = { value, timestamp: notATimestamp(gen) };
      return error("payload.timestamp-malformed", "timestamp", msg);
    }
    case 2: {
      // Epoch ms beyond the Date range (±8.64e15): no date, no calendar day. The payload's own timestamp
      // goes, since it wins over msg.timestamp where both are given (the shared contract).
      const msg = base();
      msg.topic = `${ODD_TOPIC}-unrepresentable`;
      if (typeof msg.payload === "object" && msg.payload !== null) delete (msg.payload as Msg).timestamp;
      msg.timestamp = unrepresentableTimestamp(gen);
      return error("timestamp-unrepresentable", "timestamp", msg);
    }
    case 3: {
      const msg = base();
      msg.quality = notAQuality(gen);
      return error("msg.quality-bad", "quality", msg);
    }
    case 4: {
      const msg = base();
      msg.topic = notATopic(gen);
      return error("msg.topic-bad", "msg.topic", msg);
    }
    case 5: {
      // A valid reading on an awkward but valid tag name: processed on a series of its own.
      const msg = base();
      msg.topic = awkwardTopic(gen);
      if (msg.topic === good.topic) msg.topic = `${ODD_TOPIC}-${String(msg.topic)}`;
      return accept("topic-awkward-valid", msg);
    }
    case 6: {
      const msg = base();
      msg.topic = oddTopic;
      msg.timestamp = oddButValidTimestamp(gen);
      if (typeof msg.payload === "object") delete (msg.payload as Msg).timestamp;
      return accept("timestamp-odd-valid", msg);
    }
    case 7: {
      // Hostile properties beside a valid reading: Symbols, BigInt, functions, cycles, prototype keys.
      const msg = base();
      msg.topic = oddTopic;
      const extra = gen.int(0, 5);
      if (extra === 0) msg.meta = circular();
      else if (extra === 1) msg.big = 10n ** 40n;
      else if (extra === 2) msg.fn = () => undefined;
      else if (extra === 3) (msg as Record<symbol, unknown>)[Symbol("hidden")] = Symbol("value");
      else if (extra === 4) msg.meta = pollutingObject(gen);
      else msg.blob = sharedBigValues().longString;
      return accept("extra-properties-valid", msg);
    }
    case 8: {
      // Prototype keys inside a reading that is otherwise valid.
      const msg = base();
      msg.topic = oddTopic;
      delete msg.timestamp;
      msg.payload = pollutingObject(gen, { value, timestamp: 1795435200000 + gen.int(0, 1000) });
      return accept("payload-prototype-keys-valid", msg);
    }
    case 9: {
      const msg = base();
      msg.reset = pollutingObject(gen);
      msg.topic = gen.pick(["__proto__", "constructor", "prototype", ODD_TOPIC]);
      return accept("reset-prototype-topic", msg);
    }
    case 10: {
      const msg = base();
      msg.topic = notATopic(gen);
      msg.reset = true;
      return error("reset-topic-bad", "msg.topic", msg);
    }
    case 11: {
      if (!options.commands) {
        // A node without commands leaves msg.command to the nodes after it and processes the reading.
        const msg = base();
        msg.topic = oddTopic;
        msg.command = notANumber(gen);
        return accept("command-ignored", msg);
      }
      const msg = base();
      msg.command = gen.pick<unknown>(["RELEARN", "relearn ", "", "train", "__proto__", 1, true, Symbol("relearn"), 10n, circular(), pollutingObject(gen), () => "relearn"]);
      return error("command-bad", "msg.command", msg);
    }
    case 12: {
      // A batch with one bad element somewhere: rejected as a whole, naming the element.
      const msg = base();
      const length = gen.chance(0.02) ? 100_000 : gen.pick([1, 10, 100, 1000]);
      const items: unknown[] = hugeArray(length, value);
      const at = gen.int(0, length - 1);
      items[at] = options.numericPayload ? notABatchNumber(gen) : { value, timestamp: notATimestamp(gen) };
      msg.payload = items;
      return error("batch-element-bad", `msg.payload[${at}]`, msg);
    }
    case 13: {
      const msg = base();
      msg.payload = { value, timestamp: 1795435200000, quality: notAQuality(gen) };
      delete msg.timestamp;
      return error("payload.quality-bad", "quality", msg);
    }
    case 14: {
      // Nested 10 000 deep: rare, a deep clone of it costs milliseconds.
      const msg = base();
      if (gen.chance(0.9) || !deepNesting.enabled) return base14(gen, msg, good, options);
      if (options.numericPayload && gen.chance(0.5)) {
        msg.payload = gen.chance(0.5) ? sharedBigValues().deepArray : sharedBigValues().deepObject;
        return error("deep-nesting-payload", "msg.payload", msg);
      }
      msg.timestamp = sharedBigValues().deepObject;
      return error("deep-nesting-timestamp", "msg.timestamp", msg);
    }
    case 15: {
      const msg = base();
      msg.timestamp = gen.pick<unknown>([{ toISOString: () => "2026-11-23T12:00:00Z" }, { valueOf: () => 1795435200000 }, [1795435200000]]);
      return error("timestamp-object-like", "msg.timestamp", msg);
    }
    case 16: {
      const msg = base();
      msg.payload = notANumber(gen);
      if (Array.isArray(msg.payload)) return error("payload-bad-array", "msg.payload[0]", msg);
      return error("payload-not-a-number", "msg.payload", msg);
    }
    case 17: {
      const msg = base();
      msg.payload = { value: notANumber(gen), timestamp: msg.timestamp ?? 1795435200000 };
      return error("payload.value-not-a-number", "msg.payload.value", msg);
    }
    case 18: {
      const msg = base();
      msg.payload = { timestamp: msg.timestamp ?? 1795435200000 };
      return error("payload.value-missing", "msg.payload", msg);
    }
    default: {
      const msg = base();
      delete msg.payload;
      return error("payload-missing", "msg.payload", msg);
    }
  }
}

/** A second draw for the rare deep case's slot: a plain wrong type for the payload. */
function base14(gen: Gen, msg: Msg, good: Msg, options: ContractOptions): FuzzCase {
  if (!options.numericPayload) {
    msg.payload = { value: 1, timestamp: notATimestamp(gen) };
    return { msg, expect: { error: "timestamp" }, label: "payload.timestamp-malformed" };
  }
  void good;
  msg.payload = gen.pick<unknown>(["12", "", true, null, Symbol("p"), 7n, () => 1, new Date(0), gen.bytes(3)]);
  return { msg, expect: { error: "msg.payload" }, label: "payload-wrong-type" };
}

/** An element no batch accepts (not a number, not a {value: number}); arrays are excluded (no nesting of batches). */
function notABatchNumber(gen: Gen): unknown {
  for (;;) {
    const value = notANumber(gen);
    if (!Array.isArray(value)) return value;
  }
}
