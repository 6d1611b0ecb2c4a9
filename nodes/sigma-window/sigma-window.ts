import type { Node, NodeAPI } from "node-red";
import type { InputError } from "../../lib/common/errors";
import { rollingBatch } from "../../lib/stats/rolling-batch";
import { SigmaSeries, type SigmaResult, type SigmaSeriesConfig, type SigmaSeriesJSON } from "../../lib/stats/sigma-series";
import type { VariabilityState } from "../../lib/stats/variability";
import { eventMessage, type EventMessage } from "../shared/events";
import type { Send } from "../shared/input";
import { emptySample, readPayload, seriesKey } from "../shared/message";
import { StatusReporter, formatFigure } from "../shared/status";
import { handleControlMessage, loadNodeConfig, runStatefulNode } from "../shared/stateful-node";
import { TopicStates } from "../shared/topic-state";
import { parseSigmaConfig, type SigmaMessage, type SigmaWindowDef } from "./sigma-window-config";

const SEVERITY: Record<VariabilityState, "info" | "warning"> = { warming: "info", stable: "info", turbulent: "warning" };

export = function register(RED: NodeAPI): void {
  function SigmaWindowNode(this: Node, def: SigmaWindowDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);

    const { config, error: configError } = loadNodeConfig(node, status, () => parseSigmaConfig(def));

    const seriesConfig = config?.series;
    const states = new TopicStates<SigmaSeries>(node, {
      store: def.store ?? "",
      codec: {
        create: () => new SigmaSeries(seriesConfig as SigmaSeriesConfig),
        encode: (series) => series.toJSON(),
        decode: (saved) => SigmaSeries.fromJSON(saved as SigmaSeriesJSON, seriesConfig as SigmaSeriesConfig),
      },
    });
    const sample = emptySample();

    const showResult = (topic: string, result: SigmaResult): void => {
      const label = topic === "" ? "" : `${topic}: `;
      if (result.state === "warming") {
        const size = config?.series.window.kind === "count" ? `/${config.series.window.size}` : "";
        status.learning(() => `${label}warming ${result.n}${size}`);
      } else if (result.state === "turbulent") {
        status.alarm(() => `${label}σ=${formatFigure(result.std)} turbulent`);
      } else {
        status.running(() => `${label}σ=${formatFigure(result.std)} stable`);
      }
    };

    const handle = (msg: SigmaMessage, send: Send): void => {
      if (config === null) throw configError as InputError;
      if (handleControlMessage(msg, states, status)) return;
      const topic = seriesKey(msg);
      const batch = readPayload(msg, true, sample);

      if (batch !== null) {
        const arrays = rollingBatch(batch, config.series.window, config.alignment, config.series.classifier);
        msg.sigma = { ...arrays, timestamps: batch.map((s) => s.timestamp) };
        status.running(`${topic ? `${topic}: ` : ""}batch of ${batch.length}`);
        send(msg);
        return;
      }

      const series = states.get(topic);
      const result = sample.good ? series.push(sample.value, sample.timestamp) : series.exclude();
      let event: EventMessage | null = null;
      if (result.state !== series.previousState) {
        event = eventMessage({
          event: result.state,
          severity: SEVERITY[result.state],
          topic,
          timestamp: sample.timestamp,
          message: `${topic || "series"} is ${result.state} (σ ${formatFigure(result.std)}, limit ${formatFigure(result.limit)})`,
          details: { from: series.previousState, to: result.state, std: result.std, limit: result.limit, mean: result.mean, n: result.n },
        });
      }
      states.changed(topic);
      msg.sigma = result;
      showResult(topic, result);
      send(event === null ? msg : [msg, event]);
    };

    runStatefulNode<SigmaMessage, SigmaSeries>(node, status, states, handle);
  }

  RED.nodes.registerType("sigma-window", SigmaWindowNode);
};
