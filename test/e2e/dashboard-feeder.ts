/**
 * Feeds the operator dashboard with realistic contract messages (docs/integration-contract.md) while the
 * simulator and the flow templates are not running: a small seeded plant (3 wells × 9 tags at 1 Hz, tank T1,
 * a thermal camera) whose readings go through the package's real cores (ControlChart, SigmaSeries,
 * StreamingDetector, segmentFrame, scoreReliability), and ANH report days with their status machines.
 *
 * The messages reach the dashboard's link in nodes (fr-ui-*) through a test-only flow (feederFlow) that
 * Node-RED runs next to the dashboard: POST /fr-test/feed [{target, msg}] → link out to the target id.
 * The same flow records what the dashboard sends to fr-flow-anh-command (GET /fr-test/commands).
 *
 * Development: `node .tmp/<dist>/test/e2e/dashboard-feeder.js http://127.0.0.1:1881` against a Node-RED
 * that runs operator-dashboard.json plus feederFlow() keeps the dashboard live until Ctrl-C.
 */
import type { FlowNode } from "../support/runtime";
import { seededRandom } from "../../lib/common/random";
import { ControlChart } from "../../lib/spc/chart";
import { SigmaSeries } from "../../lib/stats/sigma-series";
import { DEFAULT_CLASSIFIER } from "../../lib/stats/variability";
import { StreamingDetector } from "../../lib/anomaly/streaming";
import { generateTankFrame, encodeSyntheticFrame } from "../../lib/thermal/synthetic";
import { segmentFrame } from "../../lib/thermal/segment";
import { DEFAULT_THERMAL_OPTIONS } from "../../lib/thermal/config";
import { ReferenceProfiles, learnableFeatures, scoreReliability } from "../../lib/reliability";

export const UI_LINK_IDS = ["fr-ui-measurement", "fr-ui-event", "fr-ui-thermal", "fr-ui-quality", "fr-ui-report"] as const;
export type UiLinkId = (typeof UI_LINK_IDS)[number];

/** One message for one dashboard link in. A Buffer payload travels as payloadBase64 (JSON over HTTP). */
export interface FeedItem {
  target: UiLinkId;
  msg: Record<string, unknown>;
}

const WELL_TAGS: Record<string, { base: number; noise: number }> = {
  OilRate: { base: 820, noise: 6 },
  WaterRate: { base: 310, noise: 4 },
  GasRate: { base: 455, noise: 5 },
  TubingPressure: { base: 152, noise: 1.2 },
  CasingPressure: { base: 61, noise: 0.6 },
  Temperature: { base: 74, noise: 0.3 },
  Choke: { base: 42, noise: 0.2 },
  PumpSpeed: { base: 50, noise: 0.15 },
  PumpCurrent: { base: 36, noise: 0.4 },
};
const TANK_TAGS: Record<string, { base: number; noise: number }> = {
  "T1.Level": { base: 6.4, noise: 0.02 },
  "T1.Inflow": { base: 41, noise: 0.6 },
  "T1.Outflow": { base: 39, noise: 0.6 },
  "T1.TempTop": { base: 41, noise: 0.2 },
  "T1.TempMiddle": { base: 52, noise: 0.2 },
  "T1.TempBottom": { base: 46, noise: 0.2 },
  "T1.WaterInterface": { base: 1.8, noise: 0.01 },
  "T1.EmulsionInterface": { base: 3.1, noise: 0.01 },
};
const STALE_AFTER_S = 10;

interface TagModel {
  topic: string;
  base: number;
  noise: number;
  drift: number;
  chart: ControlChart;
  sigma: SigmaSeries;
  detector: StreamingDetector;
  outOfControl: boolean;
  /** the rules flagging at the latest point */
  flagging: Set<string>;
  sigmaState: string;
  anomalous: boolean;
  lastSent: number | null;
  silentUntil: number;
  staleRaised: boolean;
  spikeNext: boolean;
}

export interface PlantFeederOptions {
  seed?: number;
  wells?: number;
}

function event(topic: string, name: string, severity: "info" | "warning" | "critical", t: number, message: string, details: Record<string, unknown>): FeedItem {
  return { target: "fr-ui-event", msg: { topic, payload: { event: name, severity, topic, timestamp: t, message, details } } };
}

/** A seeded plant: every call of tick(t) is one second of readings, analysed as the templates do. */
export class PlantFeeder {
  readonly tags: TagModel[] = [];
  private readonly random: () => number;
  private readonly profiles = new ReferenceProfiles(5);
  private frameCount = 0;

  constructor(options: PlantFeederOptions = {}) {
    this.random = seededRandom(options.seed ?? 20261123);
    const wells = options.wells ?? 3;
    const add = (topic: string, spec: { base: number; noise: number }) =>
      this.tags.push({
        topic,
        base: spec.base,
        noise: spec.noise,
        drift: 0,
        chart: new ControlChart({ limits: "baseline", baselineSize: 25 }),
        sigma: new SigmaSeries({ window: { kind: "count", size: 20 }, classifier: { ...DEFAULT_CLASSIFIER, factor: 1.6, referenceSize: 60, hysteresis: 0.1 } }),
        detector: new StreamingDetector({ learningPoints: 60 }),
        outOfControl: false,
        flagging: new Set(),
        sigmaState: "warming",
        anomalous: false,
        lastSent: null,
        silentUntil: 0,
        staleRaised: false,
        spikeNext: false,
      });
    for (let w = 1; w <= wells; w++) for (const [tag, spec] of Object.entries(WELL_TAGS)) add(`W${String(w).padStart(2, "0")}.${tag}`, spec);
    for (const [topic, spec] of Object.entries(TANK_TAGS)) add(topic, spec);
  }

  private gaussian(): number {
    // Box-Muller on the seeded generator
    const u = Math.max(this.random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  private tag(topic: string): TagModel {
    const model = this.tags.find((t) => t.topic === topic);
    if (!model) throw new Error(`unknown tag ${topic}; known: ${this.tags.map((t) => t.topic).join(", ")}`);
    return model;
  }

  /** The next reading of `topic` is an outlier of 10 σ (a spike: SPC rule 1 and an anomaly). */
  spike(topic: string): void {
    this.tag(topic).spikeNext = true;
  }

  /** `topic` stops reporting for `seconds` (a communication gap: stale, then gap and recovered). */
  silence(topic: string, seconds: number, now: number): void {
    this.tag(topic).silentUntil = now + seconds * 1000;
  }

  /** One second of the plant at time t (epoch ms): a reading per tag plus the events it raises or clears. */
  tick(t: number): FeedItem[] {
    return this.tags.flatMap((model) => this.readingOf(model, t));
  }

  /** One reading of one tag at t, as the analytics chain would send it, and its events. */
  tickTag(topic: string, t: number): FeedItem[] {
    return this.readingOf(this.tag(topic), t);
  }

  private readingOf(model: TagModel, t: number): FeedItem[] {
    const items: FeedItem[] = [];
    const phase = Math.floor(t / 1000) % 120;
    if (t < model.silentUntil) {
      if (!model.staleRaised && model.lastSent !== null && t - model.lastSent >= STALE_AFTER_S * 1000) {
        model.staleRaised = true;
        items.push(event(model.topic, "stale", "warning", t, `${model.topic} silent for ${STALE_AFTER_S} s`, { lastTimestamp: model.lastSent, staleSeconds: STALE_AFTER_S }));
      }
      return items;
    }
    const turbulent = phase >= 80 && phase < 110 && model.topic.endsWith("Rate");
    model.drift = 0.98 * model.drift + 0.06 * model.noise * this.gaussian();
    let value = model.base + model.drift + model.noise * (turbulent ? 3 : 1) * this.gaussian();
    if (model.spikeNext) {
      value = model.base + 10 * model.noise * 3;
      model.spikeNext = false;
    }
    const point = model.chart.push(value);
    const sigma = model.sigma.push(value, t);
    const anomaly = model.detector.update(value, t);
    const threshold = model.detector.options.threshold;
    // Only a silence() makes a gap: a late timer on a busy machine is jitter, not lost data.
    if (model.lastSent !== null && model.silentUntil > 0) {
      model.silentUntil = 0;
      const durationMs = t - model.lastSent;
      const missing = Math.round(durationMs / 1000) - 1;
      const gap = { start: model.lastSent, end: t, durationMs, missing, severity: "minor", alert: false };
      items.push(event(model.topic, "gap", "info", t, `${model.topic}: ${missing} readings missing`, gap));
      items.push({ target: "fr-ui-quality", msg: { topic: model.topic, payload: { topic: model.topic, start: gap.start, end: gap.end, startISO: new Date(gap.start).toISOString(), endISO: new Date(gap.end).toISOString(), missing } } });
      if (model.staleRaised) items.push(event(model.topic, "recovered", "info", t, `${model.topic} reports again`, {}));
      model.staleRaised = false;
    }
    model.lastSent = t;
    const violating = point.violations.length > 0;
    // as spc-rules does: one violation event when a rule starts flagging, even while another one flags
    for (const rule of point.violations) {
      if (model.flagging.has(rule)) continue;
      items.push(event(model.topic, "violation", rule === "nelson-1" ? "critical" : "warning", t, `${model.topic} ${value.toFixed(2)}: ${rule}`, { rule, value, center: point.center, ucl: point.ucl, lcl: point.lcl }));
    }
    model.flagging = new Set(point.violations);
    if (!violating && model.outOfControl && point.state !== "out-of-control") {
      items.push(event(model.topic, "in-control", "info", t, `${model.topic} back in control`, { value }));
    }
    model.outOfControl = violating || (model.outOfControl && point.state === "out-of-control");
    if (sigma.state !== model.sigmaState) {
      items.push(event(model.topic, sigma.state, sigma.state === "turbulent" ? "warning" : "info", t, `${model.topic} is ${sigma.state}`, { from: model.sigmaState, to: sigma.state, std: sigma.std, limit: sigma.limit, mean: sigma.mean, n: sigma.n }));
      model.sigmaState = sigma.state;
    }
    if (anomaly.isAnomaly !== model.anomalous) {
      items.push(
        anomaly.isAnomaly
          ? event(model.topic, "anomaly", "warning", t, `${model.topic} anomaly score ${anomaly.score.toFixed(2)}`, { score: anomaly.score, value })
          : event(model.topic, "anomaly-cleared", "info", t, `${model.topic} back to normal`, { score: anomaly.score }),
      );
      model.anomalous = anomaly.isAnomaly;
    }
    items.push({
      target: "fr-ui-measurement",
      msg: {
        topic: model.topic,
        payload: { value, timestamp: t, quality: 192 },
        timestamp: t,
        quality: 192,
        spc: { value, center: point.center, sigma: point.sigma, ucl: point.ucl, lcl: point.lcl, zone: point.zone, violations: [...point.violations], state: point.state, n: point.n },
        sigma: { mean: sigma.mean, std: sigma.std, min: sigma.min, max: sigma.max, n: sigma.n, state: sigma.state, limit: sigma.limit, excluded: sigma.excluded, used: sigma.used },
        anomaly: { score: anomaly.score, isAnomaly: anomaly.isAnomaly, severity: anomaly.isAnomaly ? "warning" : null, expected: anomaly.expected, residual: anomaly.residual, threshold, state: anomaly.state },
        gap: { lastTimestamp: t, intervalMs: 1000, inGap: false, stale: false, completenessToday: 99.2 + (model.topic.charCodeAt(model.topic.length - 1) % 8) / 10, outcome: "regular", gaps: [] },
      },
    });
    return items;
  }

  /** One frame of tank T1 through the real thermal-segment and reliability-score cores. */
  async thermal(t: number): Promise<FeedItem> {
    this.frameCount += 1;
    const synthetic = generateTankFrame("noise", 1000 + this.frameCount);
    const png = await encodeSyntheticFrame(synthetic);
    const thermal = segmentFrame(synthetic.frame, { ...DEFAULT_THERMAL_OPTIONS, roi: synthetic.roi });
    const flow = 410 + 25 * this.gaussian();
    const operational = { flow, level: 6.4 + 0.05 * this.gaussian() };
    const features = { detected: thermal.detected, confidence: thermal.confidence, gradientMax: thermal.gradientMax, ratios: { emulsion: thermal.ratios.emulsion ?? 0, water: thermal.ratios.water ?? 0, crude: thermal.ratios.crude ?? 0 } };
    const reliability = scoreReliability(features, operational, this.profiles);
    if (this.frameCount % 2 === 1) this.profiles.learn(learnableFeatures(features, operational));
    return {
      target: "fr-ui-thermal",
      msg: { topic: "T1", timestamp: t, payloadBase64: png.toString("base64"), thermal, reliability, operational },
    };
  }

  /** gap-detector output 1 and batch completeness of the past days, a few old gaps and their backfill. */
  quality(t: number, days = 6): FeedItem[] {
    const items: FeedItem[] = [];
    const dayMs = 86_400_000;
    for (const model of this.tags) {
      for (let d = days; d >= 1; d--) {
        const first = t - d * dayMs;
        const percent = Math.min(100, 97 + 3 * this.random() - (model.topic.startsWith("W02") && d === 2 ? 8 : 0));
        items.push({ target: "fr-ui-quality", msg: { topic: model.topic, gap: { intervalMs: 1000, learned: true, first, last: first + dayMs - 1000, gaps: [], completeness: { percent: Math.round(percent * 10) / 10 } } } });
      }
    }
    const oldGap = (topic: string, hoursAgo: number, minutes: number, severity: string, status: "done" | "failed" | "pending") => {
      const start = t - hoursAgo * 3_600_000;
      const end = start + minutes * 60_000;
      const missing = minutes * 60 - 1;
      items.push({ target: "fr-ui-quality", msg: { topic, gap: { lastTimestamp: end, intervalMs: 1000, inGap: false, stale: false, outcome: "gap", gaps: [{ start, end, durationMs: end - start, missing, severity, alert: severity === "critical" }] } } });
      items.push({ target: "fr-ui-quality", msg: { topic, payload: { topic, start, end, startISO: new Date(start).toISOString(), endISO: new Date(end).toISOString(), missing } } });
      // template 3's summary of the source's answer
      if (status !== "pending") items.push({ target: "fr-ui-quality", msg: { topic, payload: { event: "backfilled", topic, start, end, missing, received: status === "done" ? missing : 0 } } });
    };
    oldGap("W02.GasRate", 30, 150, "moderate", "done");
    oldGap("T1.Level", 9, 20, "minor", "failed");
    oldGap("W03.TubingPressure", 3, 45, "minor", "pending");
    return items;
  }

  /** Report days: D-5…D-2 uploaded, D-1 failed (FTP refused) with its per-variable figures and attempts. */
  reports(t: number): FeedItem[] {
    const items: FeedItem[] = [];
    const bogota = (ms: number) => new Date(ms - 5 * 3_600_000).toISOString().slice(0, 10);
    const variables = this.tags
      .filter((m) => m.topic.startsWith("W01."))
      .map((m, i) => ({ code: m.topic.split(".")[1].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase(), tag: m.topic, missingSlots: i === 3 ? 12 : i % 3, qualityScore: i === 3 ? 93.4 : 99 + (i % 2) * 0.5, compliant: i !== 3 }));
    for (let d = 5; d >= 1; d--) {
      const date = bogota(t - d * 86_400_000);
      const fileName = `ANH_REPORT_${date.replace(/-/g, "")}.json`;
      const failed = d === 1;
      const statuses = failed ? ["pending", "generating", "validating", "ready", "uploading", "failed"] : ["pending", "generating", "validating", "ready", "uploading", "uploaded"];
      const base = t - (d - 1) * 86_400_000 - 3_600_000;
      statuses.forEach((status, i) =>
        items.push({
          target: "fr-ui-report",
          msg: { topic: date, payload: { event: "status", severity: status === "failed" ? "critical" : "info", topic: date, timestamp: base + i * 60_000, message: `${fileName} ${status}`, details: { status, previous: statuses[i - 1] ?? null, fileName, sha256: "9f2c…", reasons: status === "failed" ? ["FTP 530 login incorrect after 6 attempts"] : [] } } },
        }),
      );
      const report = { date, status: failed ? "failed" : "uploaded", variables: failed ? variables : variables.map((v) => ({ ...v, missingSlots: 0, qualityScore: 99.8, compliant: true })), missingSlots: failed ? 19 : 0, qualityScore: failed ? 97.9 : 99.8, compliant: !failed, violations: failed ? ["TUBING_PRESSURE: 12 missing slots (max 10)"] : [], flagged: false, sha256: "9f2c…", bytes: 51234 };
      const delivery = failed
        ? { status: "failed", remotePath: `/anh/${fileName}`, bytes: 51234, attempts: 6, sha256: "9f2c…", deliveredAt: null, alreadyPresent: false, error: "530 Login incorrect" }
        : { status: "delivered", remotePath: `/anh/${fileName}`, bytes: 51234, attempts: 1, sha256: "9f2c…", deliveredAt: new Date(base + 300_000).toISOString(), alreadyPresent: false };
      items.push({ target: "fr-ui-report", msg: { topic: date, filename: fileName, report, delivery } });
      if (failed) {
        items.push(event(fileName, "failed", "critical", base + 400_000, `${fileName}: delivery failed (530 Login incorrect)`, { fileName, attempts: 6, error: "530 Login incorrect" }));
        items.push({ target: "fr-ui-event", msg: { topic: date, payload: { event: "status", severity: "critical", topic: date, timestamp: base + 300_000, message: `${fileName} failed`, details: { status: "failed", previous: "uploading", fileName, reasons: ["FTP 530 login incorrect after 6 attempts"] } } } });
      }
    }
    return items;
  }
}

/**
 * The test-only flow: POST <path> with [{target, msg}] sends each msg to the link in `target`; the
 * dashboard's commands to fr-flow-anh-command are kept and served by GET /fr-test/commands.
 */
export function feederFlow(tabId = "fr-test-feeder-tab", path = "/fr-test/feed"): FlowNode[] {
  const at = (i: number) => ({ x: 600, y: 60 + i * 40 });
  const outs: FlowNode[] = UI_LINK_IDS.map((id, i) => ({ id: `fr-test-out-${id}`, type: "link out", z: tabId, name: `to ${id}`, mode: "link", links: [id], ...at(i), wires: [] }));
  const route = `const items = Array.isArray(msg.payload) ? msg.payload : [];
const targets = ${JSON.stringify(UI_LINK_IDS)};
for (const item of items) {
    const index = targets.indexOf(item.target);
    if (index < 0 || !item.msg) continue;
    const out = item.msg;
    if (typeof out.payloadBase64 === 'string') { out.payload = Buffer.from(out.payloadBase64, 'base64'); delete out.payloadBase64; }
    const ports = targets.map(() => null);
    ports[index] = out;
    node.send(ports.concat([null]));
}
msg.payload = { accepted: items.length };
return targets.map(() => null).concat([msg]);`;
  const record = `const list = global.get('frTestCommands') || [];
list.push({ command: msg.command, date: msg.date, payload: msg.payload, requestedBy: msg.requestedBy, at: Date.now() });
global.set('frTestCommands', list);
return null;`;
  return [
    { id: tabId, type: "tab", label: "Dashboard feeder (tests only)", disabled: false, info: "" } as FlowNode,
    { id: "fr-test-feed-in", type: "http in", z: tabId, name: "", url: path, method: "post", upload: false, swaggerDoc: "", x: 120, y: 60, wires: [["fr-test-route"]] },
    { id: "fr-test-route", type: "function", z: tabId, name: "route to link", func: route, outputs: UI_LINK_IDS.length + 1, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], x: 330, y: 60, wires: [...outs.map((o) => [o.id]), ["fr-test-feed-response"]] },
    { id: "fr-test-feed-response", type: "http response", z: tabId, name: "", statusCode: "", headers: {}, x: 600, y: 280, wires: [] },
    ...outs,
    { id: "fr-flow-anh-command", type: "link in", z: tabId, name: "fr-flow-anh-command (test recorder)", links: [], x: 160, y: 360, wires: [["fr-test-record"]] },
    { id: "fr-test-record", type: "function", z: tabId, name: "record command", func: record, outputs: 1, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], x: 420, y: 360, wires: [[]] },
    { id: "fr-test-commands-in", type: "http in", z: tabId, name: "", url: "/fr-test/commands", method: "get", upload: false, swaggerDoc: "", x: 140, y: 420, wires: [["fr-test-commands"]] },
    { id: "fr-test-commands", type: "function", z: tabId, name: "list commands", func: "msg.payload = global.get('frTestCommands') || [];\nreturn msg;", outputs: 1, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], x: 400, y: 420, wires: [["fr-test-commands-response"]] },
    { id: "fr-test-commands-response", type: "http response", z: tabId, name: "", statusCode: "", headers: {}, x: 620, y: 420, wires: [] },
  ];
}

/** Posts a PlantFeeder's messages to a Node-RED that runs the dashboard and feederFlow(). */
export class DashboardFeeder {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private lastThermal = 0;
  readonly errors: Error[] = [];

  constructor(
    readonly nodeRedUrl: string,
    readonly plant = new PlantFeeder(),
    private readonly headers: Record<string, string> = {},
  ) {}

  async post(items: FeedItem[]): Promise<void> {
    const body = JSON.stringify(items);
    const send = () => fetch(`${this.nodeRedUrl}/fr-test/feed`, { method: "POST", headers: { "content-type": "application/json", ...this.headers }, body });
    let response: Response;
    try {
      response = await send();
    } catch {
      // A kept-alive connection the server closed while idle fails once ("other side closed"): send again.
      response = await send();
    }
    if (!response.ok) throw new Error(`feed: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  }

  /** Sends `warmupSeconds` of history at once (charts are full at once), the past days, then one second at a time. */
  async start(warmupSeconds = 120): Promise<void> {
    const now = Date.now();
    const history: FeedItem[] = [];
    for (let s = warmupSeconds; s >= 1; s--) history.push(...this.plant.tick(now - s * 1000));
    // small posts: the http in node parses at most 5 MB (apiMaxLength) per request
    for (let i = 0; i < history.length; i += 400) await this.post(history.slice(i, i + 400));
    await this.post([...this.plant.quality(now), ...this.plant.reports(now), await this.plant.thermal(now)]);
    this.lastThermal = now;
    this.timer = setInterval(() => void this.step(), 1000);
  }

  private async step(): Promise<void> {
    if (this.busy) return; // a slow Node-RED skips a second rather than piling up requests
    this.busy = true;
    try {
      const now = Date.now();
      const items = this.plant.tick(now);
      if (now - this.lastThermal >= 5000) {
        items.push(await this.plant.thermal(now));
        this.lastThermal = now;
      }
      await this.post(items);
    } catch (error) {
      this.errors.push(error as Error);
    } finally {
      this.busy = false;
    }
  }

  /** A spike on `topic` now (sent at once, not at the next second). */
  async injectSpike(topic: string): Promise<void> {
    this.plant.spike(topic);
    await this.post(this.plant.tickTag(topic, Date.now()));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

if (require.main === module) {
  const url = process.argv[2] ?? "http://127.0.0.1:1881";
  const feeder = new DashboardFeeder(url);
  feeder
    .start()
    .then(() => console.log(`feeding ${url} (Ctrl-C to stop)`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
