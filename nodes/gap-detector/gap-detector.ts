import type { Node, NodeAPI } from "node-red";
import { InputError } from "../../lib/common/errors";
import { analyzeGaps, timestampsFromPayload } from "../../lib/gaps/batch";
import { CompletenessTracker, dayBounds, localDate } from "../../lib/gaps/completeness";
import { GapDetector, type GapDetectorJSON } from "../../lib/gaps/detector";
import { eventSeverity, type Gap } from "../../lib/gaps/gap";
import { StaleWatchdog, type StaleEvent } from "../../lib/gaps/stale-watchdog";
import { eventMessage, type EventMessage } from "../shared/events";
import type { Send } from "../shared/input";
import { emptySample, readTimeAndQuality, seriesKey } from "../shared/message";
import { StatusReporter } from "../shared/status";
import { handleControlMessage, loadNodeConfig, runStatefulNode } from "../shared/stateful-node";
import { TopicStates } from "../shared/topic-state";
import { parseGapConfig, parseStaleSeconds, type GapDetectorDef, type GapMessage, type GapNodeConfig } from "./gap-detector-config";

/** One tag: its detector, today's completeness grid and its own stale timeout (msg.staleSeconds). */
interface GapSeries {
  detector: GapDetector;
  today: CompletenessTracker | null;
  staleMs: number | null;
}

interface GapSeriesJSON {
  detector: GapDetectorJSON;
  today: ReturnType<CompletenessTracker["toJSON"]> | null;
  staleMs: number | null;
}

const HOUR = 3600_000;

function formatDuration(ms: number): string {
  if (ms >= HOUR) return `${(ms / HOUR).toFixed(1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export = function register(RED: NodeAPI): void {
  function GapDetectorNode(this: Node, def: GapDetectorDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node);

    const { config, error: configError } = loadNodeConfig<GapNodeConfig>(node, status, () => parseGapConfig(def));
    const gapOptions = config?.gaps;

    const states = new TopicStates<GapSeries>(node, {
      store: def.store ?? "",
      codec: {
        create: () => ({ detector: new GapDetector(gapOptions), today: null, staleMs: null }),
        encode: (series): GapSeriesJSON => ({ detector: series.detector.toJSON(), today: series.today?.toJSON() ?? null, staleMs: series.staleMs }),
        decode: (saved) => {
          const json = saved as GapSeriesJSON;
          const detector = GapDetector.fromJSON(json?.detector, gapOptions);
          if (detector === null) throw new Error("the saved detector does not fit the configuration");
          return { detector, today: json.today ? CompletenessTracker.fromJSON(json.today) : null, staleMs: typeof json.staleMs === "number" ? json.staleMs : null };
        },
      },
    });

    const staleEvent = (event: StaleEvent<string>): EventMessage =>
      eventMessage({
        event: "stale",
        severity: "warning",
        topic: event.key,
        timestamp: event.detectedAt,
        message: `${event.key || "series"}: no data for ${formatDuration(event.detectedAt - event.lastSeen)} (limit ${formatDuration(event.staleMs)})`,
        details: { lastSeen: event.lastSeen, staleSeconds: event.staleMs / 1000 },
      });
    const watchdog = new StaleWatchdog<string>((event) => {
      status.alarm(() => `${event.key}: stale (${watchdog.staleCount} stale)`);
      node.send([null, staleEvent(event), null]);
    });
    const staleMsOf = (series: GapSeries): number => series.staleMs ?? config?.staleMs ?? 0;

    // After a restart every known tag is watched again from now: a tag that never comes back is reported.
    states.ready.then(() => {
      const now = Date.now();
      for (const topic of states.topics()) {
        const staleMs = staleMsOf(states.get(topic));
        if (staleMs > 0) watchdog.touch(topic, now, staleMs);
      }
    });
    const sample = emptySample();

    /** Today's grid in the configured zone, rolled over at local midnight; null until the interval is known. */
    const todayFor = (series: GapSeries, timestamp: number): CompletenessTracker | null => {
      const intervalMs = series.detector.interval;
      if (intervalMs === null || config === null) return null;
      const today = series.today;
      if (today !== null && timestamp >= today.start && timestamp < today.end && today.intervalMs === intervalMs) return today;
      // A late reading from an earlier day does not replace today's grid (that would reset today to zero).
      if (today !== null && timestamp < today.start && today.intervalMs === intervalMs) return null;
      const date = localDate(timestamp, config.timeZone) as string | null;
      // A clock far off (before year 1, after 9999, beyond the Date range) has no calendar day to grade:
      // its reading still goes through the gap logic, it is only left out of today's completeness.
      if (date === null || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
      const bounds = dayBounds(date, config.timeZone);
      series.today = new CompletenessTracker(bounds.start, bounds.end, intervalMs);
      return series.today;
    };

    const gapEvent = (topic: string, gap: Gap): EventMessage =>
      eventMessage({
        event: "gap",
        severity: eventSeverity(gap.severity),
        topic,
        timestamp: gap.end,
        message: `${topic || "series"}: ${gap.severity} gap of ${formatDuration(gap.durationMs)}, ${gap.missing} samples missing`,
        details: { ...gap, startISO: new Date(gap.start).toISOString(), endISO: new Date(gap.end).toISOString() },
      });

    const backfillRequest = (topic: string, gap: Pick<Gap, "start" | "end" | "missing">): Record<string, unknown> => ({
      topic,
      payload: { topic, start: gap.start, end: gap.end, startISO: new Date(gap.start).toISOString(), endISO: new Date(gap.end).toISOString(), missing: gap.missing },
    });

    const controls = { relearn: (topic: string) => states.get(topic).detector.relearn(), forget: (topic: string) => watchdog.remove(topic) };

    const handle = (msg: GapMessage, send: Send): void => {
      if (config === null) throw configError as InputError;
      if (handleControlMessage(msg, states, status, controls)) return;
      const topic = seriesKey(msg);

      if (Array.isArray(msg.payload)) {
        const { timestamps, badQuality } = timestampsFromPayload(msg.payload, "msg.payload");
        const analysis = analyzeGaps(timestamps, config.gaps);
        msg.gap = { ...analysis, excluded: badQuality };
        status.running(() => `${topic ? `${topic}: ` : ""}${analysis.gaps.length} gaps in ${analysis.received} samples`);
        send([msg, null, analysis.gaps.map((gap) => backfillRequest(topic, gap))]);
        return;
      }

      readTimeAndQuality(msg, sample);
      const series = states.get(topic);
      const now = Date.now();
      if (msg.staleSeconds !== undefined) {
        const seconds = parseStaleSeconds(msg.staleSeconds, "msg.staleSeconds");
        series.staleMs = seconds * 1000;
      }
      const events: EventMessage[] = [];
      const staleMs = staleMsOf(series);
      if (staleMs > 0) {
        const lastSeen = series.detector.lastTimestamp;
        if (watchdog.touch(topic, now, staleMs)) {
          events.push(
            eventMessage({
              event: "recovered",
              severity: "info",
              topic,
              timestamp: now,
              message: `${topic || "series"}: data is back`,
              details: { lastTimestamp: lastSeen },
            }),
          );
        }
      } else {
        watchdog.remove(topic);
      }

      let gaps: readonly Gap[] = [];
      if (sample.good) {
        gaps = series.detector.push(sample.timestamp);
        todayFor(series, sample.timestamp)?.add(sample.timestamp);
      }
      for (const gap of gaps) events.push(gapEvent(topic, gap));
      states.changed(topic);

      const today = series.today;
      msg.gap = {
        lastTimestamp: series.detector.lastTimestamp,
        intervalMs: series.detector.interval,
        inGap: series.detector.inGapAt(now),
        stale: watchdog.isStale(topic),
        // "So far" is judged at the data's own time, so replayed history reads the same as live data.
        completenessToday: today === null ? null : today.percentUntil(Math.max(series.detector.lastTimestamp ?? sample.timestamp, sample.timestamp) + 1),
        outcome: sample.good ? series.detector.lastOutcome : "bad-quality",
        gaps: gaps.length === 0 ? [] : [...gaps],
      };
      if (gaps.length > 0) {
        const worst = gaps[gaps.length - 1];
        status.alarm(() => `${topic}: ${worst.severity} gap ${formatDuration(worst.durationMs)}`);
      } else if (series.detector.isLearning) {
        status.learning(() => `${topic}: learning interval`);
      } else if (watchdog.staleCount > 0) {
        status.alarm(() => `${watchdog.staleCount} stale`);
      } else {
        status.running(() => `${topic}: every ${formatDuration(series.detector.interval ?? 0)}`);
      }
      if (events.length === 0) send(msg);
      else send([msg, events, gaps.length > 0 ? gaps.map((gap) => backfillRequest(topic, gap)) : null]);
    };

    runStatefulNode<GapMessage, GapSeries>(node, status, states, handle, () => watchdog.close());
  }

  RED.nodes.registerType("gap-detector", GapDetectorNode);
};
