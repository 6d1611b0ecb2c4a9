import type { Node, NodeAPI } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import {
  TrainingWindow,
  isAnomalous,
  retrainIsolationForest,
  scoreRow,
  scoreRows,
  severityOf,
  trainIsolationForest,
  validateIsolationForestModel,
  type IsolationForestModel,
  type Severity,
} from "../../lib/anomaly/isolation-forest";
import { StreamingDetector, type StreamingDetectorJSON } from "../../lib/anomaly/streaming";
import { isGoodQuality, parseTimestamp } from "../../lib/common/sample";
import { audit } from "../shared/audit";
import { eventMessage, type EventMessage } from "../shared/events";
import type { Send } from "../shared/input";
import { emptySample, readPayload, seriesKey } from "../shared/message";
import { handleControlMessage, loadNodeConfig, runStatefulNode } from "../shared/stateful-node";
import { StatusReporter, formatFigure } from "../shared/status";
import { TopicStates } from "../shared/topic-state";
import { parseAnomalyConfig, type AnomalyConfig, type AnomalyDetectDef, type AnomalyMessage, type ForestConfig, type StreamingConfig } from "./anomaly-detect-config";

/** One topic: a streaming detector, or a forest with its training window; and the severity last reported. */
interface AnomalySeries {
  streaming: StreamingDetector | null;
  window: TrainingWindow | null;
  model: IsolationForestModel | null;
  /** rows since the last training, for retrainEvery */
  sinceTraining: number;
  /** last good value per feature, for impute "last" */
  lastRow: (number | null)[] | null;
  severity: Severity;
}

interface AnomalySeriesJSON {
  streaming: StreamingDetectorJSON | null;
  window: ReturnType<TrainingWindow["toJSON"]> | null;
  model: IsolationForestModel | null;
  sinceTraining: number;
  lastRow: (number | null)[] | null;
  severity: Severity;
}

const SEVERITY_RANK: Record<Severity, number> = { normal: 0, info: 1, warning: 2, critical: 3 };
const EVENT_SEVERITY: Record<Severity, "info" | "warning" | "critical"> = { normal: "info", info: "info", warning: "warning", critical: "critical" };

export = function register(RED: NodeAPI): void {
  function AnomalyDetectNode(this: Node, def: AnomalyDetectDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);
    const { config, error: configError } = loadNodeConfig<AnomalyConfig>(node, status, () => parseAnomalyConfig(def));

    const fresh = (): AnomalySeries => {
      const c = config as AnomalyConfig;
      return c.method === "streaming"
        ? { streaming: new StreamingDetector(c.detector), window: null, model: null, sinceTraining: 0, lastRow: null, severity: "normal" }
        : { streaming: null, window: new TrainingWindow(c.trainSize, c.features.length), model: null, sinceTraining: 0, lastRow: null, severity: "normal" };
    };
    const states = new TopicStates<AnomalySeries>(node, {
      store: def.store ?? "",
      codec: {
        create: fresh,
        // The model is already plain JSON: saved by reference, not copied.
        encode: (s): AnomalySeriesJSON => ({
          streaming: s.streaming?.toJSON() ?? null,
          window: s.window?.toJSON() ?? null,
          model: s.model,
          sinceTraining: s.sinceTraining,
          lastRow: s.lastRow,
          severity: s.severity,
        }),
        decode: (saved) => {
          const json = saved as AnomalySeriesJSON;
          const series = fresh();
          if (series.streaming) {
            const restored = StreamingDetector.fromJSON(json?.streaming, (config as StreamingConfig).detector);
            if (restored === null) throw new Error("the saved detector does not fit the configuration");
            series.streaming = restored;
          } else {
            const forest = config as ForestConfig;
            if (json?.model) {
              const model = validateIsolationForestModel(json.model);
              if (model.featureNames.join("\u0000") !== forest.features.join("\u0000")) throw new Error("the saved model has other features");
              series.model = model;
            }
            if (json?.window) {
              const window = TrainingWindow.fromJSON(json.window);
              // A changed trainSize or feature count starts a new window; the model (if any) is kept.
              if (window.length <= forest.trainSize && json.window.width === forest.features.length) series.window = window;
            }
            series.sinceTraining = Number(json?.sinceTraining) || 0;
            series.lastRow = Array.isArray(json?.lastRow) && json.lastRow.length === forest.features.length ? json.lastRow : null;
          }
          series.severity = json?.severity in SEVERITY_RANK ? json.severity : "normal";
          return series;
        },
      },
    });
    const sample = emptySample();

    /** An event when the severity changes: raised, escalated, lowered, or cleared back to normal. */
    const severityEvent = (topic: string, series: AnomalySeries, severity: Severity, score: number, timestamp: number, details: Record<string, unknown>): EventMessage | null => {
      const previous = series.severity;
      if (severity === previous) return null;
      series.severity = severity;
      const cleared = severity === "normal";
      return eventMessage({
        event: cleared ? "anomaly-cleared" : "anomaly",
        severity: EVENT_SEVERITY[severity],
        topic,
        timestamp,
        message: cleared
          ? `${topic || "series"} is back to normal (score ${formatFigure(score)})`
          : `${topic || "series"}: ${severity} anomaly, score ${formatFigure(score)}${SEVERITY_RANK[severity] > SEVERITY_RANK[previous] ? "" : " (lowered)"}`,
        details: { score, severity, previous, ...details },
      });
    };

    const showScore = (topic: string, state: string, score: number, severity: Severity): void => {
      const label = topic === "" ? "" : `${topic}: `;
      if (state === "learning") status.learning(() => `${label}learning`);
      else if (severity === "warning" || severity === "critical") status.alarm(() => `${label}${severity} ${formatFigure(score)}`);
      else status.running(() => `${label}score ${formatFigure(score)}`);
    };

    // ---- streaming (one series per topic) ----
    const handleStreaming = (c: StreamingConfig, msg: AnomalyMessage, send: Send, topic: string): void => {
      const batch = readPayload(msg, true, sample);
      if (batch !== null) {
        // History: a fresh detector over the array, the live one untouched.
        const detector = new StreamingDetector(c.detector);
        const results = batch.filter((s) => s.good).map((s) => detector.update(s.value, s.timestamp));
        msg.anomaly = { scores: results.map((r) => r.score), isAnomaly: results.map((r) => r.isAnomaly), threshold: c.detector.threshold, excluded: batch.length - results.length };
        send(msg);
        return;
      }
      const series = states.get(topic);
      if (!sample.good) {
        msg.anomaly = { score: null, isAnomaly: false, severity: series.severity, state: "excluded", used: false };
        send(msg);
        return;
      }
      const result = (series.streaming as StreamingDetector).update(sample.value, sample.timestamp);
      const severity: Severity = result.state === "learning" ? "normal" : result.score >= c.criticalThreshold ? "critical" : result.isAnomaly ? "warning" : "normal";
      const event = severityEvent(topic, series, severity, result.score, sample.timestamp, { expected: result.expected, residual: result.residual, threshold: c.detector.threshold });
      states.changed(topic);
      msg.anomaly = { score: result.score, isAnomaly: result.isAnomaly, severity, expected: result.expected, residual: result.residual, threshold: c.detector.threshold, state: result.state };
      showScore(topic, result.state, result.score, severity);
      send(event === null ? msg : [msg, event]);
    };

    // ---- isolation forest (one multivariate row per message) ----
    const rowOf = (c: ForestConfig, item: unknown, field: string, series: AnomalySeries | null): number[] => {
      const values: unknown[] = Array.isArray(item)
        ? item
        : item !== null && typeof item === "object"
          ? c.features.map((name) => (item as Record<string, unknown>)[name])
          : [];
      if (!Array.isArray(item) && (item === null || typeof item !== "object")) {
        throw new InputError(field, `expected an object with the features ${c.features.join(", ")} or an array of ${c.features.length} numbers, got ${describeValue(item)}`);
      }
      if (Array.isArray(item) && item.length !== c.features.length) {
        throw new InputError(field, `expected ${c.features.length} numbers (${c.features.join(", ")}), got ${item.length}`);
      }
      return c.features.map((name, i) => {
        const value = values[i];
        if (typeof value === "number" && Number.isFinite(value)) return value;
        const last = series?.lastRow?.[i];
        if (c.impute === "last" && typeof last === "number") return last;
        const where = Array.isArray(item) ? `${field}[${i}]` : `${field}.${name}`;
        throw new InputError(where, `expected a finite number for feature "${name}"${c.impute === "last" ? " (no earlier value to impute)" : ""}, got ${describeValue(value)}`);
      });
    };

    const train = (c: ForestConfig, series: AnomalySeries, rows: number[][], topic: string): IsolationForestModel => {
      const options = { trees: c.trees, sampleSize: c.sampleSize, contamination: c.contamination, field: "msg.payload" };
      const retrained = series.model !== null;
      series.model = series.model
        ? retrainIsolationForest(series.model, rows, options)
        : trainIsolationForest(rows, { ...options, featureNames: c.features, seed: c.seed });
      series.sinceTraining = 0;
      audit(RED, node, "model-retrained", { topic, retrained, version: series.model.version, rows: rows.length, trees: c.trees, sampleSize: c.sampleSize, features: c.features, thresholds: series.model.thresholds });
      return series.model;
    };

    const handleForest = (c: ForestConfig, msg: AnomalyMessage, send: Send, topic: string): void => {
      const series = states.get(topic);
      if (Array.isArray(msg.payload) && (msg.payload.length === 0 || typeof msg.payload[0] === "object")) {
        const rows = msg.payload.map((item, i) => rowOf(c, item, `msg.payload[${i}]`, null));
        if (rows.length === 0) throw new InputError("msg.payload", "expected at least one row, got an empty array");
        if (series.model === null || msg.command === "train") train(c, series, rows, topic);
        const model = series.model as IsolationForestModel;
        const scores = scoreRows(model, rows, "msg.payload");
        states.changed(topic);
        msg.anomaly = { scores, isAnomaly: scores.map((s) => isAnomalous(model.thresholds, s)), threshold: model.thresholds.warning, thresholds: model.thresholds, modelVersion: model.version };
        send(msg);
        return;
      }
      const good = msg.quality === undefined ? true : isGoodQuality(msg.quality, "msg.quality");
      const timestamp = msg.timestamp === undefined ? Date.now() : parseTimestamp(msg.timestamp, "msg.timestamp");
      const row = rowOf(c, msg.payload, "msg.payload", series);
      if (!good) {
        msg.anomaly = { score: null, isAnomaly: false, severity: series.severity, state: "excluded", modelVersion: series.model?.version ?? null };
        send(msg);
        return;
      }
      series.lastRow = row;
      const window = series.window as TrainingWindow;
      window.add(row);
      series.sinceTraining++;
      if (series.model === null && window.length >= c.trainSize) train(c, series, window.rows(), topic);
      else if (series.model !== null && c.retrainEvery > 0 && series.sinceTraining >= c.retrainEvery) train(c, series, window.rows(), topic);
      states.changed(topic);

      const model = series.model;
      if (model === null) {
        msg.anomaly = { score: null, isAnomaly: false, severity: "normal", threshold: null, contributions: null, modelVersion: null, state: "learning", rows: window.length, trainSize: c.trainSize };
        status.learning(() => `${topic ? `${topic}: ` : ""}learning ${window.length}/${c.trainSize}`);
        send(msg);
        return;
      }
      const { score, contributions } = scoreRow(model, row, "msg.payload");
      const severity = severityOf(model.thresholds, score);
      const event = severityEvent(topic, series, severity, score, timestamp, { contributions, thresholds: model.thresholds, modelVersion: model.version });
      msg.anomaly = { score, isAnomaly: isAnomalous(model.thresholds, score), severity, threshold: model.thresholds.warning, contributions, modelVersion: model.version, state: "scoring" };
      showScore(topic, "scoring", score, severity);
      send(event === null ? msg : [msg, event]);
    };

    const controls = {
      relearn: (topic: string): void => {
        const series = states.get(topic);
        const replacement = fresh();
        series.streaming = replacement.streaming;
        series.window = replacement.window;
        series.model = null;
        series.sinceTraining = 0;
        series.severity = "normal";
      },
    };

    /** train / export / import: the forest's model (or the streaming detector's state) moves between instances. */
    const handleModelCommand = (c: AnomalyConfig, msg: AnomalyMessage, send: Send, topic: string): boolean => {
      const command = msg.command;
      if (command !== "train" && command !== "export" && command !== "import") return false;
      const series = states.get(topic);
      if (command === "export") {
        msg.payload = c.method === "streaming" ? series.streaming?.toJSON() : series.model;
        if (msg.payload === null || msg.payload === undefined) throw new InputError("msg.command", `"export": topic "${topic}" has no model yet`);
        send(msg);
        return true;
      }
      if (command === "import") {
        if (c.method === "streaming") {
          const detector = StreamingDetector.fromJSON(msg.payload, c.detector);
          if (detector === null) throw new InputError("msg.payload", "expected an exported streaming detector state");
          series.streaming = detector;
        } else {
          const model = validateIsolationForestModel(msg.payload, "msg.payload");
          if (model.featureNames.join("\u0000") !== c.features.join("\u0000")) {
            throw new InputError("msg.payload.featureNames", `expected the features ${c.features.join(", ")}, got ${model.featureNames.join(", ")}`);
          }
          series.model = model;
          series.sinceTraining = 0;
          audit(RED, node, "model-retrained", { topic, imported: true, version: model.version, rows: model.rows, features: model.featureNames, thresholds: model.thresholds });
        }
        states.changed(topic);
        status.running(`${topic ? `${topic}: ` : ""}model imported`);
        return true;
      }
      if (c.method === "streaming") throw new InputError("msg.command", `"train" is for the isolation-forest method; the streaming detector learns by itself`);
      const window = series.window as TrainingWindow;
      if (window.length < 2) throw new InputError("msg.command", `"train" needs at least 2 rows, topic "${topic}" has ${window.length}`);
      const model = train(c, series, window.rows(), topic);
      states.changed(topic);
      status.running(`${topic ? `${topic}: ` : ""}trained v${model.version} on ${model.rows} rows`);
      return true;
    };

    const handle = (msg: AnomalyMessage, send: Send): void => {
      if (config === null) throw configError as InputError;
      const topic = seriesKey(msg);
      // A batch with command "train" is a training batch, answered with its scores.
      if (config.method === "isolation-forest" && msg.command === "train" && Array.isArray(msg.payload)) return handleForest(config, msg, send, topic);
      if (msg.command !== undefined && msg.command !== "relearn" && handleModelCommand(config, msg, send, topic)) return;
      if (handleControlMessage(msg, states, status, controls)) return;
      if (config.method === "streaming") handleStreaming(config, msg, send, topic);
      else handleForest(config, msg, send, topic);
    };

    runStatefulNode<AnomalyMessage, AnomalySeries>(node, status, states, handle);
  }

  RED.nodes.registerType("anomaly-detect", AnomalyDetectNode);
};
