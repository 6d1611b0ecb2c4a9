/**
 * The Prometheus text exposition format, version 0.0.4 (what every Prometheus, VictoriaMetrics, Grafana
 * Agent or Telegraf scraper reads). Hand-written because no Prometheus client is installed and this
 * package only needs the output side of it: prom-client would bring its own process-wide registry and
 * default collectors (heap, event loop, GC), which we do not want to set up behind Node-RED's back.
 * The format is small: `# HELP`, `# TYPE`, then `name{label="value"} number` lines, families apart.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge";

export interface Sample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value between double quotes: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text: only backslash and line feed are escaped there (a quote is literal). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Go's strconv formatting as Prometheus parses it: NaN, +Inf, -Inf, else the shortest decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>>, metric: string): string {
  const names = Object.keys(labels);
  if (names.length === 0) return "";
  const parts = names.map((name) => {
    // A label name starting with "__" is reserved for Prometheus itself.
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`${metric}: invalid label name ${JSON.stringify(name)}`);
    return `${name}="${escapeLabelValue(labels[name])}"`;
  });
  return `{${parts.join(",")}}`;
}

/**
 * The exposition text of `families`, in the given order. A family without samples still gets its HELP and
 * TYPE lines, so a scraper learns the metric exists before the first event. Throws on an invalid metric or
 * label name (a programming error, never caused by data: label values may hold anything).
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new Error(`metric ${family.name} listed twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${family.name}${formatLabels(sample.labels, family.name)} ${formatValue(sample.value)}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
