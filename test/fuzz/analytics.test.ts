/**
 * Fuzz suite, analytic nodes: ≥ 10 000 hostile messages each (FUZZ_MESSAGES), seeded (FUZZ_SEED).
 * See fuzz-runner.ts for the oracles.
 */
import { fuzzTest, seed } from "./suite";
import { anomalyDetectSpec, gapDetectorSpec, reliabilityScoreSpec, sigmaWindowSpec, spcRulesSpec } from "./specs-analytics";
import { thermalSegmentSpec } from "./specs-thermal";

describe(`fuzz: analytic nodes (FUZZ_SEED=${seed})`, () => {
  fuzzTest("sigma-window", sigmaWindowSpec);
  fuzzTest("spc-rules", spcRulesSpec);
  fuzzTest("gap-detector", gapDetectorSpec);
  fuzzTest("anomaly-detect", anomalyDetectSpec);
  fuzzTest("reliability-score", reliabilityScoreSpec);
  fuzzTest("thermal-segment", thermalSegmentSpec);
});
