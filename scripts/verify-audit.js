#!/usr/bin/env node
"use strict";
/**
 * Checks the audit trail's SHA-256 chain: `node scripts/verify-audit.js [file]` (or `npm run audit:verify -- file`).
 * File: the argument, else $FR_AUDIT_FILE, else $NODE_RED_USER_DIR/field-reliability-audit.jsonl.
 * Exit 0 and the entry count and last hash when every line holds; exit 1 naming the first line that was
 * edited, deleted, reordered or inserted (or a line cut by a crash); exit 2 when the file cannot be read.
 * Keep the printed count and last hash somewhere else: a chain cannot show lines cut from its end.
 * Uses the compiled core (dist/lib/observability/audit-trail.js; $FR_AUDIT_TRAIL_JS points at another build).
 */
const fs = require("fs");
const path = require("path");

const modulePath = process.env.FR_AUDIT_TRAIL_JS || path.join(__dirname, "..", "dist", "lib", "observability", "audit-trail.js");
const { verifyAuditText } = require(path.resolve(modulePath));

const file =
  process.argv[2] ||
  process.env.FR_AUDIT_FILE ||
  (process.env.NODE_RED_USER_DIR ? path.join(process.env.NODE_RED_USER_DIR, "field-reliability-audit.jsonl") : "");
if (!file) {
  console.error("usage: node scripts/verify-audit.js <audit file> (or set FR_AUDIT_FILE or NODE_RED_USER_DIR)");
  process.exit(2);
}

let text;
try {
  text = fs.readFileSync(file, "utf8");
} catch (err) {
  console.error(`cannot read ${file}: ${err.message}`);
  process.exit(2);
}

const result = verifyAuditText(text);
if (result.ok) {
  console.log(`${file}: chain intact, ${result.count} entries, last hash ${result.lastHash}`);
  process.exit(0);
}
console.error(`${file}: chain broken at line ${result.line}: ${result.reason}`);
console.error(`the ${result.count} entries before it hold (last good hash ${result.lastHash})`);
process.exit(1);
