import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { AuditTrail } from "../../../lib/observability/audit-trail";
import { repoRoot } from "../../support/repo";
import { makeTempDir } from "../../support/runtime";

/** scripts/verify-audit.js on the audit-trail module compiled beside this test (dist/ in CI). */
function verify(file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(repoRoot(), "scripts", "verify-audit.js"), file], {
    env: { ...process.env, FR_AUDIT_TRAIL_JS: path.resolve(__dirname, "../../../lib/observability/audit-trail.js") },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("scripts/verify-audit.js", () => {
  let dir: string;
  let file: string;
  let lastHash: string;
  before(async () => {
    dir = makeTempDir("fr-verify-");
    file = path.join(dir, "field-reliability-audit.jsonl");
    const trail = AuditTrail.open(file);
    trail.append({ kind: "config-changed", actor: "admin", details: { trigger: "deploy" } });
    trail.append({ kind: "report-generated", node: { id: "n1", type: "anh-json" }, details: { date: "2026-11-22" } });
    trail.append({ kind: "file-delivered", node: { id: "n2", type: "ftp-deliver" }, details: { file: "ANH_REPORT_20261122.json" } });
    await trail.flush();
    lastHash = trail.lastHash;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("exits 0 and prints the entry count and the last hash when the chain holds", () => {
    const result = verify(file);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`chain intact, 3 entries, last hash ${lastHash}`));
  });

  it("exits 1 naming the first broken line when a line was edited", () => {
    const edited = path.join(dir, "edited.jsonl");
    fs.writeFileSync(edited, fs.readFileSync(file, "utf8").replace("2026-11-22", "2026-11-23"));
    const result = verify(edited);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /chain broken at line 2: hash does not match the entry \(the line was edited\)/);
  });

  it("exits 1 when a line was deleted", () => {
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    const cut = path.join(dir, "deleted.jsonl");
    fs.writeFileSync(cut, `${[lines[0], lines[2]].join("\n")}\n`);
    const result = verify(cut);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /line 2: seq 3 where 2 was expected \(a line deleted here\)/);
  });

  it("exits 2 when the file cannot be read", () => {
    const result = verify(path.join(dir, "missing.jsonl"));
    assert.equal(result.status, 2);
    assert.match(result.stderr, /cannot read/);
  });
});
