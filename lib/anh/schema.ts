import fs from "fs";
import path from "path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { REPORT_SCHEMA_ID } from "./report";

/**
 * Validation of a report against the published schema (schemas/anh-report.schema.json, draft 2020-12)
 * with ajv, plus the consistency rules a JSON Schema cannot state (every variable has every slot, the
 * counts match the slots). Every report is validated before it leaves the node.
 */

/** The package root: the first folder up from here with a package.json (dist/lib/anh or lib/anh). */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}: cannot find schemas/anh-report.schema.json`);
    dir = parent;
  }
  return dir;
}

export const REPORT_SCHEMA_PATH = path.join(packageRoot(), "schemas", "anh-report.schema.json");

let compiled: ValidateFunction | null = null;

/** The compiled schema, made once per process (compiling costs ~10 ms, validating a report ~1 ms). */
export function reportValidator(): ValidateFunction {
  if (compiled !== null) return compiled;
  const schema = JSON.parse(fs.readFileSync(REPORT_SCHEMA_PATH, "utf8")) as { $id?: string };
  if (schema.$id !== REPORT_SCHEMA_ID) throw new Error(`${REPORT_SCHEMA_PATH} has $id ${schema.$id}, the code writes ${REPORT_SCHEMA_ID}`);
  // allErrors: a rejected report lists every reason at once; multipleOfPrecision: 0.01 steps in floats.
  const ajv = new Ajv2020({ allErrors: true, strict: true, multipleOfPrecision: 6 });
  compiled = ajv.compile(schema);
  return compiled;
}

export interface ValidationResult {
  valid: boolean;
  /** "path: message", at most 20 */
  errors: string[];
}

const MAX_ERRORS = 20;

export function validateReport(report: unknown): ValidationResult {
  const validate = reportValidator();
  const errors: string[] = [];
  if (!validate(report)) {
    for (const error of validate.errors ?? []) errors.push(`${error.instancePath || "/"}: ${error.message ?? "invalid"}`);
  } else {
    const r = report as { slotsPerVariable: number; summary: { missingSlots: number; variables: number }; variables: Array<{ code: string; missingSlots: number; slots: Array<{ value: unknown }> }> };
    let missing = 0;
    r.variables.forEach((variable, i) => {
      const nulls = variable.slots.reduce((n, slot) => n + (slot.value === null ? 1 : 0), 0);
      if (variable.slots.length !== r.slotsPerVariable) errors.push(`/variables/${i}/slots: ${variable.code} has ${variable.slots.length} slots, expected ${r.slotsPerVariable}`);
      if (nulls !== variable.missingSlots) errors.push(`/variables/${i}/missingSlots: ${variable.missingSlots}, but ${nulls} slots are null`);
      missing += variable.missingSlots;
    });
    if (missing !== r.summary.missingSlots) errors.push(`/summary/missingSlots: ${r.summary.missingSlots}, but the variables miss ${missing}`);
    if (r.variables.length !== r.summary.variables) errors.push(`/summary/variables: ${r.summary.variables}, but there are ${r.variables.length}`);
  }
  return { valid: errors.length === 0, errors: errors.slice(0, MAX_ERRORS) };
}
