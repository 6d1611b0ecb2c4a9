/**
 * Runs one node of the package in a real Node-RED runtime against a seeded stream of hostile messages
 * interleaved with a valid series, then runs the valid series alone in a fresh runtime, and checks:
 * 1. no uncaught exception or unhandled rejection during the run, and no exception out of receive();
 * 2. every message the generator broke is answered by a caught error naming the broken field, every
 *    message it kept valid completes without error;
 * 3. the outputs for the valid series are identical in both runs (bad input left no trace in state);
 * 4. the node's status after a valid message is not red;
 * and that nothing was written onto Object.prototype (or Array.prototype).
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { NODE_ID, probe, testFlow, type Harness } from "../support/node-harness";
import { helper, unloadAll, type FlowNode, type NodeModule } from "../support/runtime";
import { POLLUTION_MARKERS, type Gen, type Msg } from "./generators";

/** What the node must do with a message: fail naming a field (a substring of the error text), or accept it. */
export type Expectation = { error: string } | { accept: true };

export interface FuzzCase {
  msg: Msg;
  expect: Expectation;
  /** the category, for the summary and for pending patches */
  label: string;
}

export interface NodeFuzzSpec {
  /** the node type under test */
  type: string;
  nodes: NodeModule[];
  outputs: number;
  /** the node's properties; a function when each run needs its own (a fresh directory, measurement) */
  config: Record<string, unknown> | ((run: number) => Record<string, unknown>);
  /** config nodes and other flow nodes the node needs (servers started by the test) */
  extraFlow?: (run: number) => FlowNode[];
  /** credentials of config nodes, by node id (Node-RED keeps them out of the flow) */
  credentials?: Record<string, Record<string, string>>;
  /** the i-th message of the valid series: the same in both runs */
  good(i: number): Msg;
  /** a message with one field broken (or a valid oddity the contract accepts); i: the next good message's index */
  bad(gen: Gen, i: number): FuzzCase;
  /** bad messages between two good ones (default 10) */
  goodEvery?: number;
  /** messages in flight before the runner waits for their answers (default 250) */
  batch?: number;
  /** the part of an output message compared between the runs (default: all but _msgid) */
  project?(msg: Msg, output: number): unknown;
  /** output messages that belong to the valid series (default: those whose topic is a good message's topic) */
  belongsToGood?(msg: Msg, output: number): boolean;
  /** outputs may come in another order than the inputs (an async node): compare them by message id */
  unordered?: boolean;
  /** state read after the run (an export, a report), compared between the runs */
  finalProbe?(h: Harness, send: (msg: Msg) => Promise<void>, goodCount: number, run: number): Promise<unknown>;
  /** how long the slowest answer may take (default 20 s per batch) */
  answerTimeoutMs?: number;
  /** case labels that fail until a patch to a file this suite may not edit is applied: counted, not asserted */
  pending?: Record<string, string>;
}

export interface FuzzReport {
  type: string;
  seed: number;
  bad: number;
  good: number;
  accepted: number;
  rejected: number;
  pending: number;
  pendingFailures: string[];
  ms: number;
  labels: Record<string, number>;
}

interface Answer {
  error: string | null;
}

class ProcessWatch {
  readonly problems: string[] = [];
  private readonly onRejection = (reason: unknown) => this.problems.push(`unhandledRejection: ${describe(reason)}`);
  private readonly onException = (err: unknown) => this.problems.push(`uncaughtException: ${describe(err)}`);

  start(): void {
    process.on("unhandledRejection", this.onRejection);
    process.on("uncaughtException", this.onException);
  }

  stop(): void {
    process.off("unhandledRejection", this.onRejection);
    process.off("uncaughtException", this.onException);
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message} ${(value.stack ?? "").split("\n").slice(1, 4).map((l) => l.trim()).join(" ")}`;
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/** A short, safe description of a message for a failure report (it may hold Symbols, cycles, megabytes). */
export function sketch(msg: Msg): string {
  const seen = new WeakSet<object>();
  const text = (value: unknown, depth: number): string => {
    if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…(${value.length})` : value);
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "symbol" || typeof value === "function") return String(typeof value);
    if (typeof value !== "object" || value === null) return String(value);
    if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
    if (seen.has(value)) return "[cycle]";
    seen.add(value);
    if (depth > 3) return Array.isArray(value) ? `[…${value.length}]` : "{…}";
    if (Array.isArray(value)) return `[${value.slice(0, 4).map((v) => text(v, depth + 1)).join(", ")}${value.length > 4 ? `, …(${value.length})` : ""}]`;
    const keys = Object.keys(value).slice(0, 8);
    return `{${keys.map((k) => `${k}: ${text((value as Record<string, unknown>)[k], depth + 1)}`).join(", ")}}`;
  };
  return text(msg, 0);
}

function stripIds(msg: Msg): Msg {
  const { _msgid, ...rest } = msg;
  void _msgid;
  return rest;
}

interface ShownStatus {
  fill: string | null;
  text: string;
}

/** The node's latest status, read through a wrapper on the node instance. */
function statusProbe(node: unknown): () => ShownStatus {
  let shown: ShownStatus = { fill: null, text: "" };
  const target = node as { status(status: unknown): unknown };
  const original = target.status;
  target.status = function (this: unknown, status: unknown) {
    const s = status as { fill?: string; text?: unknown } | undefined;
    shown = { fill: s?.fill ?? null, text: String(s?.text ?? "") };
    return original.call(this, status);
  };
  return () => shown;
}

/** The status an input error leaves (onInput: "bad <field>" or "error", red ring). */
const isErrorStatus = (status: ShownStatus) => status.fill === "red" && /^(bad |error)/.test(status.text);

/**
 * The test helper wraps Node.send/status/error/log… in sinon spies that record every call with its
 * stack: at 20 000 messages that costs more than the nodes themselves. This suite reads none of it
 * (outputs come from helper nodes, answers from the Catch and Complete nodes, the status from its own
 * wrapper), so the spies are taken off once the flow is loaded, and put back exactly as they were before
 * the flow is unloaded: the helper's unload restores them, and the test files that run after this suite
 * listen to them ("call:status").
 */
let putSpiesBack: (() => void) | null = null;

function removeHelperSpies(): void {
  const replaced: Array<{ target: Record<string, unknown>; key: string; value: unknown }> = [];
  const unwrap = (target: Record<string, unknown> | undefined, key: string, original: unknown): void => {
    if (target === undefined || typeof original !== "function") return;
    replaced.push({ target, key, value: target[key] });
    target[key] = original;
  };
  // Log.log too: every message logs a metric event through it (Node.metric).
  const internals = helper as { _log?: Record<string, unknown>; _logSpy?: { wrappedMethod?: unknown } };
  unwrap(internals._log, "log", internals._logSpy?.wrappedMethod);
  const proto = (helper as { _NodePrototype?: Record<string, { wrappedMethod?: unknown }> })._NodePrototype;
  for (const method of ["log", "status", "warn", "error", "debug", "trace", "send"]) {
    unwrap(proto as Record<string, unknown> | undefined, method, proto?.[method]?.wrappedMethod);
  }
  putSpiesBack = () => {
    for (const { target, key, value } of replaced.reverse()) target[key] = value;
    putSpiesBack = null;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Prototype state that must not change: own property names of the shared prototypes. */
function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype]
    .map((proto) => Object.getOwnPropertyNames(proto).sort().join(","))
    .join("|");
}

export function assertNoPollution(before: string): void {
  const probeObject: Record<string, unknown> = {};
  for (const key of POLLUTION_MARKERS) assert.equal(probeObject[key], undefined, `Object.prototype.${key} was polluted`);
  assert.equal(prototypeSnapshot(), before, "a shared prototype gained or lost a property");
}

interface RunResult {
  outputs: unknown[][];
  finalState: unknown;
  /** the status fill once the status after the last good message has been shown */
  finalFill: string | null;
}

/**
 * Unloads the flow and waits for the node contexts to be deleted: the helper starts that deletion
 * without waiting, and the clean run (same node id) must not find the fuzzed run's saved state.
 */
async function unloadFresh(): Promise<void> {
  putSpiesBack?.();
  await unloadAll();
  await (helper as { _context?: { clean?(arg: { allNodes: unknown[] }): Promise<void> } })._context?.clean?.({ allNodes: [] });
}

/** Loads the node's flow with a Complete node (answers without error) next to the harness's Catch node. */
let runs = 0;

async function loadFlow(spec: NodeFuzzSpec) {
  const run = runs++;
  const flow = testFlow(spec.type, spec.outputs, typeof spec.config === "function" ? spec.config(run) : spec.config);
  flow.push({ id: "n-complete", z: "f1", type: "complete", scope: [NODE_ID], uncaught: false, wires: [["n-completed"]] }, { id: "n-completed", z: "f1", type: "helper" });
  if (spec.extraFlow) flow.push(...spec.extraFlow(run));
  await helper.load(spec.nodes, flow, spec.credentials ?? {});
  removeHelperSpies();
  const h = probe(spec.outputs);
  const answers = new Map<string, Answer>();
  const strays: string[] = [];
  const completed = helper.getNode("n-completed");
  completed.on("input", (msg: Msg) => answers.set(String(msg._msgid), { error: null }));
  h.caught.length = 0;
  helper.getNode("n-caught").on("input", (msg: Msg) => {
    const error = msg.error as { message: string; source?: { id?: string } };
    if (error.source?.id !== NODE_ID) {
      strays.push(`${error.source?.id}: ${error.message}`);
      return;
    }
    const id = String(msg._msgid);
    if (answers.has(id)) strays.push(`second answer for ${id}: ${error.message}`);
    answers.set(id, { error: error.message });
  });
  const status = statusProbe(helper.getNode(NODE_ID));
  return { h, answers, strays, status, run };
}

async function waitForAnswers(answers: Map<string, Answer>, ids: string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let missing = ids.filter((id) => !answers.has(id));
  while (missing.length > 0 && Date.now() < deadline) {
    await sleep(2);
    missing = missing.filter((id) => !answers.has(id));
  }
  return missing;
}

function goodOutputs(spec: NodeFuzzSpec, h: Harness, goodTopics: Set<unknown>): unknown[][] {
  const belongs = spec.belongsToGood ?? ((msg: Msg) => goodTopics.has(msg.topic));
  const project = spec.project ?? ((msg: Msg) => stripIds(msg));
  const goodIndex = (m: Msg) => Number(/^good-(\d+)$/.exec(String(m._msgid))?.[1] ?? -1);
  return h.outputs.map((messages, output) => {
    const kept = messages.filter((m) => belongs(m, output));
    if (spec.unordered) kept.sort((a, b) => goodIndex(a) - goodIndex(b));
    return kept.map((m) => project(m, output));
  });
}

/** The valid series alone, in a fresh runtime: the reference the fuzzed run is compared with. */
async function cleanRun(spec: NodeFuzzSpec, goodCount: number): Promise<RunResult> {
  const { h, answers, strays, status, run } = await loadFlow(spec);
  const goodTopics = new Set<unknown>();
  const batch = spec.batch ?? 250;
  const send = sender(h, answers, spec.answerTimeoutMs ?? 20_000);
  for (let start = 0; start < goodCount; start += batch) {
    const ids: string[] = [];
    for (let i = start; i < Math.min(goodCount, start + batch); i++) {
      const msg: Msg = { ...spec.good(i), _msgid: `good-${i}` };
      goodTopics.add(msg.topic);
      ids.push(msg._msgid as string);
      h.input.receive(msg);
    }
    const missing = await waitForAnswers(answers, ids, spec.answerTimeoutMs ?? 20_000);
    assert.deepEqual(missing, [], "the clean run left messages unanswered");
  }
  const errors = [...answers.entries()].filter(([, a]) => a.error !== null).map(([id, a]) => `${id}: ${a.error}`);
  assert.deepEqual(errors, [], "the valid series itself was rejected: the spec's good messages are wrong");
  assert.deepEqual(strays, []);
  const finalFill = await settledFill(status);
  const finalState = spec.finalProbe ? await spec.finalProbe(h, send, goodCount, run) : null;
  const outputs = goodOutputs(spec, h, goodTopics);
  await unloadFresh();
  return { outputs, finalState, finalFill };
}

function sender(h: Harness, answers: Map<string, Answer>, timeoutMs: number) {
  let n = 0;
  return async (msg: Msg): Promise<void> => {
    const id = `probe-${n++}`;
    h.input.receive({ ...msg, _msgid: id });
    const missing = await waitForAnswers(answers, [id], timeoutMs);
    assert.deepEqual(missing, [], "a probe message was not answered");
  };
}

/**
 * The fuzzed run and the clean run of one node; returns the figures for the summary. Fails with the
 * seed, the case label and a sketch of the message for every broken oracle.
 */
export async function fuzzNode(spec: NodeFuzzSpec, seed: number, gen: Gen, badCount: number): Promise<FuzzReport> {
  const started = Date.now();
  const prototypes = prototypeSnapshot();
  const watch = new ProcessWatch();
  watch.start();
  const failures: string[] = [];
  const pendingFailures: string[] = [];
  const labels: Record<string, number> = {};
  let accepted = 0;
  let rejected = 0;
  let pending = 0;
  const goodEvery = spec.goodEvery ?? 10;
  const batch = spec.batch ?? 250;
  const timeoutMs = spec.answerTimeoutMs ?? 20_000;
  let goodCount = 0;
  const goodTopics = new Set<unknown>();
  let result: RunResult;
  try {
    const { h, answers, strays, status, run } = await loadFlow(spec);
    const send = sender(h, answers, timeoutMs);
    const statusChecks: string[] = [];
    let badSent = 0;
    const midpoint = Math.floor(badCount / 2);
    let checkedMidpoint = false;
    /**
     * One good message alone, once every earlier message is answered (an async node may answer a bad
     * message after a later good one), then its status: it must not be the error status.
     */
    const goodAlone = async (id: string, when: string): Promise<void> => {
      const msg: Msg = { ...spec.good(goodCount), _msgid: id };
      goodTopics.add(msg.topic);
      goodCount++;
      h.input.receive(msg);
      const missing = await waitForAnswers(answers, [id], timeoutMs);
      if (missing.length > 0) failures.push(`${id} (a valid message) never answered`);
      else if (answers.get(id)?.error) failures.push(`${id} (a valid message) was rejected: ${answers.get(id)?.error}`);
      await settledStatus(status, statusChecks, `after good message ${id} ${when}`);
    };
    while (badSent < badCount) {
      const cases = new Map<string, FuzzCase>();
      const ids: string[] = [];
      let lastWasGood = false;
      for (let k = 0; k < batch && badSent < badCount; k++) {
        let msg: Msg;
        if (badSent > 0 && badSent % goodEvery === 0 && !lastWasGood) {
          msg = { ...spec.good(goodCount), _msgid: `good-${goodCount}` };
          goodTopics.add(msg.topic);
          goodCount++;
          lastWasGood = true;
        } else {
          const fuzzCase = spec.bad(gen, goodCount);
          msg = fuzzCase.msg;
          msg._msgid = `bad-${badSent}`;
          cases.set(msg._msgid as string, fuzzCase);
          labels[fuzzCase.label] = (labels[fuzzCase.label] ?? 0) + 1;
          badSent++;
          lastWasGood = false;
        }
        ids.push(msg._msgid as string);
        try {
          h.input.receive(msg);
        } catch (err) {
          // In a flow, delivery runs in setImmediate: this exception would stop Node-RED.
          answers.set(msg._msgid as string, { error: `THROWN OUT OF receive(): ${describe(err)}` });
          const fuzzCase = cases.get(msg._msgid as string);
          const line = `${msg._msgid} [${fuzzCase?.label ?? "good"}] threw out of receive(): ${describe(err)}`;
          if (fuzzCase && spec.pending?.[fuzzCase.label]) pendingFailures.push(line);
          else failures.push(line);
        }
      }
      // A good message closes the batch, so the status can be checked after it.
      const closing: Msg = { ...spec.good(goodCount), _msgid: `good-${goodCount}` };
      goodTopics.add(closing.topic);
      goodCount++;
      ids.push(closing._msgid as string);
      h.input.receive(closing);

      if (process.env.FUZZ_TRACE) console.log(`      … ${spec.type}: batch up to bad-${badSent - 1} sent at ${new Date().toISOString()}`);
      const missing = await waitForAnswers(answers, ids, timeoutMs);
      for (const id of missing) {
        const fuzzCase = cases.get(id);
        const line = `${id} [${fuzzCase?.label ?? "good"}] never answered (no output completion, no caught error): ${fuzzCase ? sketch(fuzzCase.msg) : ""}`;
        if (fuzzCase && spec.pending?.[fuzzCase.label]) pendingFailures.push(line);
        else failures.push(line);
        answers.set(id, { error: "unanswered" });
      }
      for (const id of ids) {
        const answer = answers.get(id) as Answer;
        const fuzzCase = cases.get(id);
        if (fuzzCase === undefined) {
          if (answer.error !== null && answer.error !== "unanswered") failures.push(`${id} (a valid message after bad ones) was rejected: ${answer.error}`);
          continue;
        }
        let problem: string | null = null;
        if ("error" in fuzzCase.expect) {
          if (answer.error === null) problem = `accepted, expected an error naming ${fuzzCase.expect.error}`;
          else if (answer.error !== "unanswered" && !answer.error.includes(fuzzCase.expect.error)) problem = `error does not name ${fuzzCase.expect.error}: ${answer.error}`;
          else rejected++;
        } else if (answer.error !== null) {
          if (answer.error !== "unanswered") problem = `rejected a message the contract accepts: ${answer.error}`;
        } else {
          accepted++;
        }
        if (problem !== null) {
          const line = `${id} [${fuzzCase.label}] ${problem}; message ${sketch(fuzzCase.msg)}`;
          if (spec.pending?.[fuzzCase.label]) pendingFailures.push(line);
          else failures.push(line);
        }
        if (spec.pending?.[fuzzCase.label]) pending++;
      }
      if (!checkedMidpoint && badSent >= midpoint) {
        checkedMidpoint = true;
        await goodAlone(`good-${goodCount}`, "(mid-run)");
      }
    }
    await goodAlone(`good-${goodCount}`, "(the last)");
    const finalFill = await settledFill(status);
    failures.push(...statusChecks);
    failures.push(...strays.map((s) => `a stray error: ${s}`));
    const finalState = spec.finalProbe ? await spec.finalProbe(h, send, goodCount, run) : null;
    result = { outputs: goodOutputs(spec, h, goodTopics), finalState, finalFill };
    await unloadFresh();
    // The fuzzed run is over: anything later is the clean run's.
    failures.push(...watch.problems.splice(0));
  } catch (err) {
    // A broken run must not leave its flow loaded for the next node's test.
    await unloadFresh().catch(() => undefined);
    throw err;
  } finally {
    watch.stop();
  }
  assertNoPollution(prototypes);
  let clean: RunResult;
  try {
    clean = await cleanRun(spec, goodCount);
  } catch (err) {
    await unloadFresh().catch(() => undefined);
    throw err;
  }
  const context = `seed ${seed} (FUZZ_SEED=${seed} reproduces it)`;
  assert.deepEqual(failures.slice(0, 12).map((line) => line.slice(0, 600)), [], `${spec.type}: ${failures.length} oracle failures, ${context}`);
  for (let output = 0; output < spec.outputs; output++) {
    assertSameSeries(result.outputs[output], clean.outputs[output], `${spec.type}: output ${output + 1} for the valid series differs from the clean run, ${context}`);
  }
  assert.equal(result.finalFill, clean.finalFill, `${spec.type}: the status after the last valid message differs from the clean run's, ${context}`);
  assert.ok(isDeepStrictEqual(result.finalState, clean.finalState), `${spec.type}: the state after the run differs from the clean run, ${context}: ${sketch({ fuzzed: result.finalState, clean: clean.finalState })}`);
  assert.ok(result.outputs.some((o) => o.length > 0) || result.finalState !== null, `${spec.type}: the valid series produced nothing to compare`);
  return { type: spec.type, seed, bad: badCount, good: goodCount, accepted, rejected, pending, pendingFailures, ms: Date.now() - started, labels };
}

/** Compares two output series; on a difference names the first differing message (assert's own diff of thousands of messages takes minutes). */
function assertSameSeries(fuzzed: unknown[], clean: unknown[], message: string): void {
  const length = Math.max(fuzzed.length, clean.length);
  for (let i = 0; i < length; i++) {
    if (!isDeepStrictEqual(fuzzed[i], clean[i])) {
      assert.fail(`${message}: message ${i} of ${fuzzed.length} (clean run: ${clean.length}) is ${sketch({ fuzzed: fuzzed[i] })}, the clean run's ${sketch({ clean: clean[i] })}`);
    }
  }
}

/**
 * Waits for the status the rate limiter holds back (≤ 500 ms) to replace the error status of the bad
 * message before, and records it when it does not.
 */
async function settledStatus(status: () => ShownStatus, checks: string[], when: string): Promise<void> {
  const deadline = Date.now() + 1500;
  while (isErrorStatus(status()) && Date.now() < deadline) await sleep(20);
  if (isErrorStatus(status())) checks.push(`status still "${status().text}" (red) ${when}`);
}

/** The status fill after the rate limiter has shown the latest status. */
async function settledFill(status: () => ShownStatus): Promise<string | null> {
  await sleep(600);
  return status().fill;
}
