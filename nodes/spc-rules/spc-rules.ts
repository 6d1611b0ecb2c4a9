import type { Node, NodeAPI } from "node-red";
import { InputError } from "../../lib/common/errors";
import { ControlChart, runChart, type ChartPoint, type ControlChartJSON } from "../../lib/spc/chart";
import type { RuleId } from "../../lib/spc/rules";
import { audit } from "../shared/audit";
import { eventMessage, type EventMessage } from "../shared/events";
import type { Send } from "../shared/input";
import { emptySample, readPayload, seriesKey } from "../shared/message";
import { StatusReporter, formatFigure } from "../shared/status";
import { handleControlMessage, loadNodeConfig, runStatefulNode } from "../shared/stateful-node";
import { TopicStates } from "../shared/topic-state";
import { parseSpcConfig, type SpcMessage, type SpcNodeConfig, type SpcRulesDef } from "./spc-rules-config";

/** One tag: its chart, the rules that flagged the previous point (to raise each rule once), and a count. */
interface SpcSeries {
  chart: ControlChart;
  flagging: readonly RuleId[];
  excluded: number;
}

interface SpcSeriesJSON {
  chart: ControlChartJSON;
  flagging: RuleId[];
  excluded: number;
}

const NO_RULES: readonly RuleId[] = Object.freeze([]);

export = function register(RED: NodeAPI): void {
  function SpcRulesNode(this: Node, def: SpcRulesDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);

    const { config, error: configError } = loadNodeConfig(node, status, () => parseSpcConfig(def));

    const states = new TopicStates<SpcSeries>(node, {
      store: def.store ?? "",
      codec: {
        create: () => ({ chart: new ControlChart((config as SpcNodeConfig).chart), flagging: NO_RULES, excluded: 0 }),
        encode: (series): SpcSeriesJSON => ({ chart: series.chart.toJSON(), flagging: [...series.flagging], excluded: series.excluded }),
        decode: (saved) => {
          const json = saved as SpcSeriesJSON;
          const chart = ControlChart.fromJSON(json?.chart, (config as SpcNodeConfig).chart);
          if (chart === null) throw new Error("the saved chart does not fit the configured limits");
          return { chart, flagging: Array.isArray(json.flagging) ? json.flagging : NO_RULES, excluded: Number(json.excluded) || 0 };
        },
      },
    });
    const sample = emptySample();
    /**
     * Whether each series' last point was still learning, for the audit entry when limits are (re)learned.
     * Cached: chart.learning recomputes the rolling limits (a pass over the window) on every call.
     */
    const learningOf = new WeakMap<SpcSeries, boolean>();

    const showPoint = (topic: string, point: ChartPoint): void => {
      const label = topic === "" ? "" : `${topic}: `;
      if (point.state === "learning") status.learning(() => `${label}learning ${point.n}`);
      else if (point.state === "out-of-control") status.alarm(() => `${label}${formatFigure(point.value)} ${point.violations.join(" ")}`);
      else status.running(() => `${label}${formatFigure(point.value)} ${point.zone}`);
    };

    /** Events for rules that start flagging at this point, and one "in-control" when all have stopped. */
    const eventsFor = (topic: string, series: SpcSeries, point: ChartPoint, timestamp: number): EventMessage[] => {
      const events: EventMessage[] = [];
      const severities = (config as SpcNodeConfig).severities;
      for (const rule of point.violations) {
        if (series.flagging.includes(rule)) continue;
        events.push(
          eventMessage({
            event: "violation",
            severity: severities[rule],
            topic,
            timestamp,
            message: `${topic || "series"}: ${rule} at ${formatFigure(point.value)} (centre ${formatFigure(point.center)}, UCL ${formatFigure(point.ucl)}, LCL ${formatFigure(point.lcl)})`,
            details: { rule, value: point.value, zone: point.zone, center: point.center, sigma: point.sigma, ucl: point.ucl, lcl: point.lcl, n: point.n },
          }),
        );
      }
      if (point.violations.length === 0 && series.flagging.length > 0) {
        events.push(
          eventMessage({
            event: "in-control",
            severity: "info",
            topic,
            timestamp,
            message: `${topic || "series"} is back in control`,
            details: { cleared: [...series.flagging], value: point.value, n: point.n },
          }),
        );
      }
      series.flagging = point.violations;
      return events;
    };

    const controls = {
      relearn: (topic: string): void => {
        const series = states.get(topic);
        series.chart.relearn();
        series.flagging = NO_RULES;
        learningOf.set(series, true);
      },
    };

    const handle = (msg: SpcMessage, send: Send): void => {
      if (config === null) throw configError as InputError;
      if (handleControlMessage(msg, states, status, controls)) return;
      const topic = seriesKey(msg);
      const batch = readPayload(msg, true, sample);

      if (batch !== null) {
        const good = batch.filter((s) => s.good);
        const result = runChart(
          good.map((s) => s.value),
          config.chart,
          "msg.payload",
        );
        msg.spc = {
          center: result.limits?.center ?? null,
          sigma: result.limits?.sigma ?? null,
          ucl: result.limits?.ucl ?? null,
          lcl: result.limits?.lcl ?? null,
          points: result.points,
          excluded: batch.length - good.length,
        };
        status.running(`${topic ? `${topic}: ` : ""}batch of ${batch.length}`);
        send(msg);
        return;
      }

      const series = states.get(topic);
      if (!sample.good) {
        series.excluded++;
        states.changed(topic);
        msg.spc = { value: sample.value, excluded: series.excluded, used: false, state: series.chart.learning ? "learning" : series.flagging.length > 0 ? "out-of-control" : "in-control" };
        send(msg);
        return;
      }
      const wasLearning = learningOf.get(series) ?? series.chart.learning;
      const point = series.chart.push(sample.value, "msg.payload");
      learningOf.set(series, point.state === "learning");
      if (wasLearning && point.state !== "learning") {
        audit(RED, node, "limits-relearned", { topic, mode: config.chart.limits, center: point.center, sigma: point.sigma, ucl: point.ucl, lcl: point.lcl, n: point.n });
      }
      const events = eventsFor(topic, series, point, sample.timestamp);
      states.changed(topic);
      msg.spc = point;
      showPoint(topic, point);
      send(events.length === 0 ? msg : [msg, events]);
    };

    runStatefulNode<SpcMessage, SpcSeries>(node, status, states, handle);
  }

  RED.nodes.registerType("spc-rules", SpcRulesNode);
};
