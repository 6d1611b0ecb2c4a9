import type { NodeDef, NodeMessageInFlow } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { validateChartConfig, type ChartConfig, type LimitsMode } from "../../lib/spc/chart";
import type { SigmaMethod } from "../../lib/spc/imr";
import { RULE_IDS, RULE_PRESETS, type RuleId, type RuleInput } from "../../lib/spc/rules";
import type { Severity } from "../shared/events";
import { numberSetting } from "../../lib/common/settings";

export interface SpcRulesDef extends NodeDef {
  limits: LimitsMode;
  center: number | string;
  sigma: number | string;
  baselineSize: number | string;
  window: number | string;
  sigmaMethod: SigmaMethod;
  sigmaMultiplier: number | string;
  /** rule ids, or {id, k} with Minitab's K */
  rules: RuleInput[] | string;
  /** severity per rule id; unlisted rules: nelson-1 / we-1 critical, the others warning */
  severities: Partial<Record<RuleId, Severity>> | string;
  store: string;
}

export interface SpcMessage extends NodeMessageInFlow {
  reset?: unknown;
  command?: unknown;
  spc?: unknown;
}

export interface SpcNodeConfig {
  chart: ChartConfig;
  severities: Record<RuleId, Severity>;
}

/** An editor number that may be left empty (undefined: the chart's default or "not fixed"). */
function optionalNumber(value: unknown): number | undefined {
  return value === undefined || value === null || value === "" ? undefined : numberSetting(value, NaN);
}

function parseJsonField<T>(value: T | string, field: string): T {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new InputError(field, `expected JSON, got ${describeValue(value)}`);
  }
}

export function defaultSeverity(rule: RuleId): Severity {
  return rule === "nelson-1" || rule === "we-1" ? "critical" : "warning";
}

/** Reads and checks the node's editor properties; errors name the property to fix. */
export function parseSpcConfig(def: Partial<SpcRulesDef>): SpcNodeConfig {
  const chart: ChartConfig = {
    limits: def.limits ?? "baseline",
    center: optionalNumber(def.center),
    sigma: optionalNumber(def.sigma),
    baselineSize: optionalNumber(def.baselineSize) ?? 25,
    window: optionalNumber(def.window) ?? 20,
    sigmaMethod: def.sigmaMethod ?? "moving-range",
    sigmaMultiplier: optionalNumber(def.sigmaMultiplier) ?? 3,
    rules: def.rules === undefined || def.rules === "" ? RULE_PRESETS.nelson : parseJsonField(def.rules, "rules"),
  };
  if (chart.limits === "fixed" && chart.sigma !== undefined && !(chart.sigma > 0)) {
    throw new InputError("sigma", `fixed limits need a sigma > 0, got ${describeValue(chart.sigma)}`);
  }
  validateChartConfig(chart);

  const given = def.severities === undefined || def.severities === "" ? {} : parseJsonField(def.severities, "severities");
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw new InputError("severities", `expected an object {ruleId: "info"|"warning"|"critical"}, got ${describeValue(given)}`);
  }
  const severities = {} as Record<RuleId, Severity>;
  for (const rule of RULE_IDS) {
    const severity = (given as Record<string, unknown>)[rule] ?? defaultSeverity(rule);
    if (severity !== "info" && severity !== "warning" && severity !== "critical") {
      throw new InputError(`severities.${rule}`, `expected "info", "warning" or "critical", got ${describeValue(severity)}`);
    }
    severities[rule] = severity;
  }
  for (const key of Object.keys(given)) {
    if (!(RULE_IDS as readonly string[]).includes(key)) throw new InputError("severities", `unknown rule id "${key}"`);
  }
  return { chart, severities };
}
