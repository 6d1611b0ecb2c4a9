/**
 * What the Dashboard 1 browser test feeds: a small flow that stands in for the flow templates (an HTTP
 * endpoint whose messages leave through link out nodes to the dashboards' link in ids, both the `-d1`
 * ids and Dashboard 2's, as a template's link outs list both), and realistic messages in the shapes the
 * analytic nodes send (see each node's help text).
 */
import sharp from "sharp";
import type { FlowNode } from "../support/node-red-process";

export const FEED_TAB = "fr-test-feed-tab";
export const LINKS = ["measurement", "event", "thermal", "quality", "report"] as const;
export type LinkName = (typeof LINKS)[number];

/** The feeder flow: POST /fr-test/feed/<link> with {messages: [...]} sends each message to that link. */
export function feederFlow(withDashboard2: boolean): FlowNode[] {
  const flow: FlowNode[] = [
    { id: FEED_TAB, type: "tab", label: "test feeder", disabled: false, info: "" },
    { id: "fr-test-http-feed", type: "http in", z: FEED_TAB, name: "", url: "/fr-test/feed/:link", method: "post", upload: false, swaggerDoc: "", x: 120, y: 40, wires: [["fr-test-split"]] },
    {
      id: "fr-test-split",
      type: "function",
      z: FEED_TAB,
      name: "split by link",
      // Buffers travel as {base64}: JSON has no binary.
      func: `const links = ${JSON.stringify(LINKS)};
const index = links.indexOf(msg.req.params.link);
if (index < 0) { msg.statusCode = 404; msg.payload = 'unknown link'; return [null, null, null, null, null, msg]; }
const outs = [null, null, null, null, null, null];
outs[index] = (msg.payload.messages || []).map((m) => {
    if (m.payload && typeof m.payload === 'object' && typeof m.payload.base64 === 'string') m.payload = Buffer.from(m.payload.base64, 'base64');
    return m;
});
outs[5] = { req: msg.req, res: msg.res, payload: { sent: outs[index].length } };
return outs;`,
      outputs: 6,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      x: 320,
      y: 40,
      wires: LINKS.map((link) => [`fr-test-out-${link}`]).concat([["fr-test-http-response"]]),
    },
    ...LINKS.map((link, i) => ({
      id: `fr-test-out-${link}`,
      type: "link out",
      z: FEED_TAB,
      name: `to fr-ui-${link}`,
      mode: "link",
      links: withDashboard2 ? [`fr-ui-${link}-d1`, `fr-ui-${link}`] : [`fr-ui-${link}-d1`],
      x: 560,
      y: 40 + 40 * i,
      wires: [],
    })),
    { id: "fr-test-http-response", type: "http response", z: FEED_TAB, name: "", statusCode: "", headers: {}, x: 560, y: 280, wires: [] },
    // What the dashboard sends back to the templates: kept for the test to read.
    { id: "fr-flow-anh-command", type: "link in", z: FEED_TAB, name: "fr-flow-anh-command", links: [], x: 120, y: 340, wires: [["fr-test-keep-command"]] },
    {
      id: "fr-test-keep-command",
      type: "function",
      z: FEED_TAB,
      name: "keep command",
      func: "const list = global.get('commands') || [];\nlist.push({ command: msg.command, date: msg.date });\nglobal.set('commands', list);\nreturn null;",
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      x: 320,
      y: 340,
      wires: [[]],
    },
    { id: "fr-test-http-commands", type: "http in", z: FEED_TAB, name: "", url: "/fr-test/commands", method: "get", upload: false, swaggerDoc: "", x: 120, y: 400, wires: [["fr-test-list-commands"]] },
    {
      id: "fr-test-list-commands",
      type: "function",
      z: FEED_TAB,
      name: "list commands",
      func: "msg.payload = global.get('commands') || [];\nreturn msg;",
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      x: 320,
      y: 400,
      wires: [["fr-test-http-response"]],
    },
  ];
  return flow;
}

/** Sends messages into a dashboard link through the feeder flow. */
export async function feed(url: string, link: LinkName, messages: Array<Record<string, unknown>>): Promise<void> {
  const response = await fetch(`${url}/fr-test/feed/${link}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages }) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`feed ${link} failed: ${response.status} ${text}`);
}

/** Deploy answers before the nodes have started: waits until the feeder's endpoint answers. */
export async function waitForFeeder(url: string, logs: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/fr-test/commands`).catch(() => null);
    await response?.arrayBuffer();
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`the feeder flow did not start within ${timeoutMs} ms:\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function commands(url: string): Promise<Array<{ command: string; date: string }>> {
  const response = await fetch(`${url}/fr-test/commands`);
  return (await response.json()) as Array<{ command: string; date: string }>;
}

const SECOND = 1000;

/**
 * Readings of four tags over the last `count` seconds with what sigma-window, spc-rules, anomaly-detect
 * and gap-detector add; the last W01.TubingPressure point breaks nelson-1, W02.GasRate has bad quality.
 */
export function measurements(now: number, count = 30): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const tags: Array<{ tag: string; base: number; last: number; quality: number }> = [
    { tag: "W01.OilRate", base: 810, last: 812.4, quality: 192 },
    { tag: "W01.TubingPressure", base: 140, last: 152.7, quality: 192 },
    { tag: "W02.GasRate", base: 320, last: 318.5, quality: 0 },
    { tag: "T1.Level", base: 6.2, last: 6.21, quality: 192 },
  ];
  for (let i = count - 1; i >= 0; i -= 1) {
    const timestamp = now - i * SECOND;
    for (const t of tags) {
      const value = i === 0 ? t.last : t.base + Math.sin(i + t.base) * t.base * 0.002;
      const sigmaStd = t.base * (i < 10 ? 0.004 : 0.001);
      const lastTubing = i === 0 && t.tag === "W01.TubingPressure";
      out.push({
        topic: t.tag,
        payload: { value, timestamp, quality: t.quality },
        timestamp,
        quality: t.quality,
        sigma: { mean: t.base, std: sigmaStd, populationStd: sigmaStd * 0.98, cv: sigmaStd / t.base, min: t.base * 0.99, max: t.base * 1.01, n: 20, state: i < 10 ? "turbulent" : "stable", limit: t.base * 0.002, excluded: 0, used: true },
        spc: {
          value,
          center: t.base,
          sigma: t.base * 0.02,
          ucl: t.base * 1.06,
          lcl: t.base * 0.94,
          zone: lastTubing ? "above-ucl" : "center",
          violations: lastTubing ? ["nelson-1"] : [],
          state: lastTubing ? "out-of-control" : "in-control",
          n: 31,
        },
        anomaly: { score: lastTubing ? 0.87 : 0.05, isAnomaly: lastTubing, severity: lastTubing ? "warning" : null, expected: t.base, residual: value - t.base, threshold: 0.5, state: "ready" },
        gap: { lastTimestamp: timestamp, intervalMs: 1000, inGap: false, stale: false, completenessToday: t.tag === "W01.OilRate" ? 97.2 : 99.9, outcome: "regular", gaps: [] },
      });
    }
  }
  return out;
}

export function event(event: string, severity: "info" | "warning" | "critical", topic: string, message: string, details: Record<string, unknown> = {}): Record<string, unknown> {
  return { topic, payload: { event, severity, topic, timestamp: Date.now(), message, details } };
}

/** A 640×480 grey frame with the seed's bands: air over crude over emulsion over water (pixel values). */
export async function thermalFrame(): Promise<Buffer> {
  const width = 640;
  const height = 480;
  const pixels = Buffer.alloc(width * height);
  for (let row = 0; row < height; row += 1) {
    const value = row < 107 ? 40 : row < 330 ? 210 : row < 396 ? 155 : 100;
    pixels.fill(value, row * width, (row + 1) * width);
  }
  return sharp(pixels, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

export function thermalMessage(frame: Buffer, score: number, band: string, reasons: string[]): Record<string, unknown> {
  return {
    topic: "T1",
    timestamp: Date.now(),
    payload: { base64: frame.toString("base64") },
    thermal: {
      detected: true,
      confidence: 0.92,
      gradientMax: 3.1,
      interfaces: [
        { name: "air/crude", row: 107.2, levelPct: 77.6, strength: 47.4 },
        { name: "crude/emulsion", row: 330.1, levelPct: 31.3, strength: 15.3 },
        { name: "emulsion/water", row: 396.4, levelPct: 17.4, strength: 15.3 },
      ],
      bands: [
        { name: "air", topRow: 0, bottomRow: 107, thicknessPct: 22.4, meanTemperatureC: 0 },
        { name: "crude", topRow: 107, bottomRow: 330, thicknessPct: 46.3, meanTemperatureC: 47.4 },
        { name: "emulsion", topRow: 330, bottomRow: 396, thicknessPct: 13.9, meanTemperatureC: 32.1 },
        { name: "water", topRow: 396, bottomRow: 480, thicknessPct: 17.4, meanTemperatureC: 16.7 },
      ],
      ratios: { air: 0.224, crude: 0.463, emulsion: 0.139, water: 0.174 },
    },
    reliability: { score, band, components: {}, operational: {}, thermalScore: score, operationalFactor: 1, reasons, learned: false },
  };
}

export function qualityMessages(now: number): Array<Record<string, unknown>> {
  const start = now - 2 * 3600 * SECOND;
  const end = start + 40 * 60 * SECOND;
  return [
    {
      topic: "W01.OilRate",
      payload: { value: 812.4, timestamp: end },
      gap: { lastTimestamp: end, intervalMs: 60000, inGap: false, stale: false, completenessToday: 97.2, outcome: "gap", gaps: [{ start, end, durationMs: end - start, missing: 39, severity: "minor", alert: false }] },
    },
    { topic: "W01.OilRate", payload: { topic: "W01.OilRate", start, end, startISO: new Date(start).toISOString(), endISO: new Date(end).toISOString(), missing: 39 } },
    { topic: "W02.GasRate", payload: { topic: "W02.GasRate", start: start + 1000, end: end + 1000, startISO: "", endISO: "", missing: 12 } },
    { topic: "W02.GasRate", backfill: { topic: "W02.GasRate", start: start + 1000, end: end + 1000, status: "failed", received: 0 } },
  ];
}

/** 2026-11-21 uploaded at the first attempt; 2026-11-22 failed after three attempts with its per-variable figures. */
export function reportMessages(): Array<Record<string, unknown>> {
  const status = (date: string, to: string, previous: string, reasons: string[] = []) => ({
    topic: date,
    payload: { event: "status", severity: to === "failed" ? "critical" : "info", topic: date, timestamp: Date.now(), message: `${date} ${to}`, details: { status: to, previous, fileName: `ANH_REPORT_${date.replace(/-/g, "")}.json`, reasons } },
  });
  const variables = [
    { code: "OIL_RATE", tag: "W01.OilRate", missingSlots: 4, qualityScore: 99.1, compliant: true },
    { code: "GAS_RATE", tag: "W02.GasRate", missingSlots: 14, qualityScore: 93.5, compliant: false },
  ];
  return [
    status("2026-11-21", "ready", "validating"),
    {
      topic: "ANH_REPORT_20261121.json",
      filename: "ANH_REPORT_20261121.json",
      report: { date: "2026-11-21", status: "ready", variables: variables.map((v) => ({ ...v, missingSlots: 0, qualityScore: 100, compliant: true })), missingSlots: 0, qualityScore: 100 },
      delivery: { status: "delivered", remotePath: "/anh/ANH_REPORT_20261121.json", bytes: 51234, attempts: 1, sha256: "ab", deliveredAt: new Date().toISOString(), alreadyPresent: false },
    },
    status("2026-11-22", "generating", "pending"),
    status("2026-11-22", "validating", "generating"),
    status("2026-11-22", "ready", "validating"),
    status("2026-11-22", "uploading", "ready"),
    {
      topic: "ANH_REPORT_20261122.json",
      filename: "ANH_REPORT_20261122.json",
      report: { date: "2026-11-22", status: "ready", variables, missingSlots: 18, qualityScore: 96.3 },
      delivery: { status: "failed", remotePath: "/anh/ANH_REPORT_20261122.json", bytes: 50110, attempts: 3, sha256: "cd", deliveredAt: null, alreadyPresent: false, error: "530 Login incorrect" },
    },
    status("2026-11-22", "failed", "uploading", ["530 Login incorrect"]),
  ];
}
