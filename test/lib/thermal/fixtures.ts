import fs from "fs";
import path from "path";
import { repoRoot } from "../../support/repo";

export { repoRoot };

export function thermalFixture(name: string): Buffer {
  return fs.readFileSync(path.join(repoRoot(), "test", "fixtures", "thermal", name));
}

export interface FixtureTruth {
  roi: { x: number; y: number; width: number; height: number };
  interfaces: { name: string; row: number; levelPct: number }[];
}

export function thermalTruth(): Record<string, FixtureTruth> {
  return JSON.parse(thermalFixture("truth.json").toString("utf8"));
}
