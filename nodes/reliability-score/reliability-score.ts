import type { Node, NodeAPI } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { analyzeHypotheses } from "../../lib/reliability/hypothesis";
import { ReferenceProfiles } from "../../lib/reliability/profiles";
import { learnableFeatures, resolveWeights, scoreReliability, type ThermalFeatures } from "../../lib/reliability/score";
import type { Send } from "../shared/input";
import { seriesKey } from "../shared/message";
import { StatusReporter } from "../shared/status";
import { handleControlMessage, loadNodeConfig, runStatefulNode } from "../shared/stateful-node";
import { TopicStates } from "../shared/topic-state";
import { parseReliabilityConfig, type ReliabilityMessage, type ReliabilityNodeConfig, type ReliabilityScoreDef } from "./reliability-score-config";

function thermalFeatures(value: unknown): ThermalFeatures {
  const t = value as Partial<ThermalFeatures> | null;
  const ratios = t?.ratios as Partial<ThermalFeatures["ratios"]> | undefined;
  const ok = typeof t === "object" && t !== null && typeof t.detected === "boolean" && Number.isFinite(t.confidence) && Number.isFinite(t.gradientMax) &&
    ratios !== undefined && Number.isFinite(ratios.emulsion) && Number.isFinite(ratios.water) && Number.isFinite(ratios.crude);
  if (!ok) throw new InputError("msg.thermal", `expected thermal-segment's result {detected, confidence, gradientMax, ratios: {emulsion, water, crude}}, got ${describeValue(value)}`);
  return t as ThermalFeatures;
}

/** Operational variables: msg.operational {name: number}, sigma-window's msg.sigma.std, the flow context. */
function operationalOf(msg: ReliabilityMessage, fromContext: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const take = (source: unknown, field: string) => {
    if (source === undefined || source === null) return;
    if (typeof source !== "object" || Array.isArray(source)) throw new InputError(field, `expected {variable: number}, got ${describeValue(source)}`);
    for (const [name, v] of Object.entries(source as Record<string, unknown>)) {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new InputError(`${field}.${name}`, `expected a finite number, got ${describeValue(v)}`);
      out[name] = v;
    }
  };
  take(fromContext, "flow context");
  take(msg.operational, "msg.operational");
  const sigma = msg.sigma as { std?: unknown } | undefined;
  if (sigma && typeof sigma.std === "number" && Number.isFinite(sigma.std)) out[`${seriesKey(msg) || "sigma"} σ`] = sigma.std;
  return out;
}

/** A record is stable when msg.stable is true or sigma-window classified it "stable". */
function isStable(msg: ReliabilityMessage): boolean {
  if (msg.stable !== undefined) return msg.stable === true;
  return (msg.sigma as { state?: unknown } | undefined)?.state === "stable";
}

/**
 * reliability-score: how far to trust one thermal measurement (msg.thermal → msg.reliability), the
 * stable reference profiles it is scored against (learned per topic, persisted, exported with
 * msg.export, imported with msg.reference), and the hypothesis analysis of a batch of records
 * (array payload → msg.analysis).
 */
export = function register(RED: NodeAPI): void {
  function ReliabilityScoreNode(this: Node, def: ReliabilityScoreDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);
    const { config, error: configError } = loadNodeConfig<ReliabilityNodeConfig>(node, status, () => parseReliabilityConfig(def));
    const minSamples = config?.minSamples ?? 5;

    const states = new TopicStates<ReferenceProfiles>(node, {
      store: def.store ?? "",
      key: "referenceProfiles",
      codec: {
        create: () => new ReferenceProfiles(minSamples),
        encode: (profiles) => profiles.toJSON(),
        decode: (saved) => ReferenceProfiles.fromJSON(saved, minSamples),
      },
    });

    const handle = (msg: ReliabilityMessage, send: Send): void => {
      if (configError || !config) throw configError ?? new InputError("config", "not loaded");
      if (handleControlMessage(msg, states, status)) return;
      const topic = seriesKey(msg);
      if (msg.reference !== undefined) {
        states.get(topic).replaceWith(ReferenceProfiles.fromJSON(msg.reference, minSamples, "msg.reference"));
        states.changed(topic);
        status.running(`reference imported${topic ? ` for ${topic}` : ""}`);
        return;
      }
      if (msg.export === true) {
        msg.payload = states.get(topic).toJSON();
        send(msg);
        return;
      }
      if (Array.isArray(msg.payload)) {
        const analysis = analyzeHypotheses(msg.payload, config.hypothesis);
        msg.analysis = analysis;
        status.running(`analysis of ${analysis.n} records`);
        send(msg);
        return;
      }
      if (msg.thermal === undefined) throw new InputError("msg.thermal", "expected thermal-segment's msg.thermal (or an array of records in msg.payload for the hypothesis analysis)");
      const thermal = thermalFeatures(msg.thermal);
      const fromContext = config.operationalContext ? node.context().flow.get(config.operationalContext) : undefined;
      const operational = operationalOf(msg, fromContext);
      const weights = (msg as { weights?: unknown }).weights === undefined ? config.weights : resolveWeights((msg as { weights?: unknown }).weights, "msg.weights");
      const profiles = states.get(topic);
      const result = scoreReliability(thermal, operational, profiles, weights);
      const stable = isStable(msg);
      // Learned after scoring: a record must not be measured against a reference that already holds it.
      if (stable) {
        profiles.learn(learnableFeatures(thermal, operational));
        states.changed(topic);
      }
      msg.reliability = { ...result, learned: stable };
      const text = () => `${result.score.toFixed(0)} ${result.band}`;
      if (result.band === "low") status.alarm(text);
      else status.running(text);
      send(msg);
    };
    runStatefulNode<ReliabilityMessage, ReferenceProfiles>(node, status, states, handle);
  }
  RED.nodes.registerType("reliability-score", ReliabilityScoreNode);
};
