import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import {
  type IsolationForestModel,
  TrainingWindow,
  averagePathLength,
  isAnomalous,
  retrainIsolationForest,
  rowFromRecord,
  scoreRow,
  scoreRows,
  severityOf,
  trainIsolationForest,
  validateIsolationForestModel,
} from "../../../lib/anomaly/isolation-forest";
import { rocAuc } from "../../../lib/anomaly/isolation-forest-auc";
import { seededRandom } from "../../support/reference";

const XY = ["x", "y"];

function gaussian(random: () => number): number {
  // Box–Muller; 1 − u keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** n standard-normal 2-D points, then `outliers` points on a ring of radius 4–6 (labels 1). */
function gaussianWithOutliers(seed: number, n: number, outliers: number): { rows: number[][]; labels: number[] } {
  const random = seededRandom(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    rows.push([gaussian(random), gaussian(random)]);
    labels.push(0);
  }
  for (let i = 0; i < outliers; i++) {
    const angle = 2 * Math.PI * random();
    const radius = 4 + 2 * random();
    rows.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
    labels.push(1);
  }
  return { rows, labels };
}

function roundTrip(model: IsolationForestModel): IsolationForestModel {
  return validateIsolationForestModel(JSON.parse(JSON.stringify(model)));
}

function maxDepth(tree: IsolationForestModel["trees"][number]): number {
  const depthOf = (node: number): number => (tree.feature[node] < 0 ? 0 : 1 + Math.max(depthOf(node + 1), depthOf(tree.right[node])));
  return depthOf(0);
}

describe("lib/anomaly isolation forest", () => {
  const data = gaussianWithOutliers(7, 1000, 20);
  const model = trainIsolationForest(data.rows, { featureNames: XY, seed: 42, now: Date.UTC(2026, 10, 23) });

  describe("quality", () => {
    it("ranks injected outliers of a 2-D gaussian on top (AUC >= 0.95)", () => {
      const scores = scoreRows(model, data.rows);
      assert.ok(rocAuc(scores, data.labels) >= 0.95, `AUC ${rocAuc(scores, data.labels)}`);
      const top = scores
        .map((score, i) => ({ score, label: data.labels[i] }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 20);
      const outliersInTop = top.filter((r) => r.label === 1).length;
      assert.ok(outliersInTop >= 16, `only ${outliersInTop} of the 20 outliers among the 20 highest scores`);
    });

    it("keeps the AUC over several data and forest seeds", () => {
      for (const seed of [1, 2, 3]) {
        const other = gaussianWithOutliers(seed, 500, 10);
        const forest = trainIsolationForest(other.rows, { featureNames: XY, seed });
        const auc = rocAuc(scoreRows(forest, other.rows), other.labels);
        assert.ok(auc >= 0.95, `seed ${seed}: AUC ${auc}`);
      }
    });

    it("scores are in (0, 1), about 0.5 or less for the bulk and near the top for far points", () => {
      const scores = scoreRows(model, data.rows);
      assert.ok(scores.every((s) => s > 0 && s < 1));
      const sorted = [...scores].sort((a, b) => a - b);
      assert.ok(sorted[Math.floor(sorted.length / 2)] < 0.5, `median ${sorted[Math.floor(sorted.length / 2)]}`);
      assert.ok(scoreRow(model, [40, -40]).score > 0.7);
      assert.ok(scoreRow(model, [0, 0]).score < scoreRow(model, [3, 3]).score);
    });
  });

  describe("training", () => {
    it("trains each tree on its own ψ-subsample with the height limit ⌈log2 ψ⌉", () => {
      assert.equal(model.trees.length, 100);
      assert.equal(model.sampleSize, 256);
      assert.equal(model.rows, 1020);
      for (const tree of model.trees) {
        assert.equal(tree.size[0], 256);
        assert.ok(maxDepth(tree) <= 8);
      }
      // Different subsamples give different trees.
      assert.notDeepEqual(model.trees[0], model.trees[1]);
      const small = trainIsolationForest(data.rows.slice(0, 100), { featureNames: XY, seed: 1, trees: 10 });
      assert.equal(small.sampleSize, 100);
      assert.ok(small.trees.every((tree) => tree.size[0] === 100 && maxDepth(tree) <= 7));
    });

    it("the leaf sizes of every tree add up to its subsample", () => {
      for (const tree of model.trees.slice(0, 10)) {
        const leaves = tree.size.filter((_, i) => tree.feature[i] < 0);
        assert.equal(
          leaves.reduce((a, b) => a + b, 0),
          256,
        );
      }
    });

    it("is reproducible with a seed and differs with another seed", () => {
      const again = trainIsolationForest(data.rows, { featureNames: XY, seed: 42, now: Date.UTC(2026, 10, 23) });
      assert.deepEqual(again, model);
      const other = trainIsolationForest(data.rows, { featureNames: XY, seed: 43, now: Date.UTC(2026, 10, 23) });
      assert.notDeepEqual(scoreRows(other, data.rows), scoreRows(model, data.rows));
    });

    it("without a seed draws one and records it, so the model can be reproduced", () => {
      const drawn = trainIsolationForest(data.rows, { featureNames: XY, trees: 5 });
      const replay = trainIsolationForest(data.rows, { featureNames: XY, trees: 5, seed: drawn.seed, now: Date.parse(drawn.trainedAt) });
      assert.deepEqual(replay, drawn);
    });

    it("records version, training time, feature names, rows and settings as plain JSON", () => {
      assert.equal(model.format, "isolation-forest/1");
      assert.equal(model.version, 1);
      assert.equal(model.trainedAt, "2026-11-23T00:00:00.000Z");
      assert.deepEqual(model.featureNames, XY);
      assert.deepEqual(model.settings, {
        trees: 100,
        sampleSize: 256,
        contamination: 0.01,
        criticalContamination: 0.001,
        infoContamination: 0.05,
        fixedThresholds: {},
      });
      assert.deepEqual(JSON.parse(JSON.stringify(model)), model);
    });

    it("a constant but unused-looking tie does not break training: duplicates and ties are fine", () => {
      const ties = data.rows.map((r, i) => [Math.round(r[0]), i % 3]);
      const forest = trainIsolationForest(ties, { featureNames: XY, seed: 5, trees: 20 });
      assert.ok(scoreRows(forest, ties).every((s) => Number.isFinite(s) && s > 0 && s < 1));
    });
  });

  describe("thresholds and severity", () => {
    it("sets the warning threshold at the contamination quantile of the training scores", () => {
      const scores = scoreRows(model, data.rows);
      const above = (t: number) => scores.filter((s) => s > t).length;
      // numpy's linear percentile sits between order statistics ⌊(n−1)(1−share)⌋ and the next one.
      const expectedAbove = (share: number) => scores.length - 1 - Math.floor((scores.length - 1) * (1 - share));
      assert.equal(above(model.thresholds.warning), expectedAbove(0.01));
      assert.equal(above(model.thresholds.critical), expectedAbove(0.001));
      assert.equal(above(model.thresholds.info), expectedAbove(0.05));
      assert.ok(Math.abs(above(model.thresholds.warning) / scores.length - 0.01) < 0.002);
      assert.ok(model.thresholds.info < model.thresholds.warning && model.thresholds.warning < model.thresholds.critical);
    });

    it("contamination and the critical/info shares move the thresholds; fixed scores override them", () => {
      const loose = trainIsolationForest(data.rows, { featureNames: XY, seed: 42, contamination: 0.05, criticalContamination: 0.02, infoContamination: 0.2 });
      const scores = scoreRows(loose, data.rows);
      const n = scores.length;
      assert.equal(scores.filter((s) => s > loose.thresholds.warning).length, n - 1 - Math.floor((n - 1) * 0.95));
      assert.equal(scores.filter((s) => s > loose.thresholds.critical).length, n - 1 - Math.floor((n - 1) * 0.98));
      assert.equal(scores.filter((s) => s > loose.thresholds.info).length, n - 1 - Math.floor((n - 1) * 0.8));
      const fixed = trainIsolationForest(data.rows, { featureNames: XY, seed: 42, thresholds: { critical: 0.75, info: 0.5 } });
      assert.equal(fixed.thresholds.critical, 0.75);
      assert.equal(fixed.thresholds.info, 0.5);
      assert.equal(fixed.thresholds.warning, model.thresholds.warning);
    });

    it("severity is the highest threshold exceeded; an anomaly is above the warning threshold", () => {
      const t = { info: 0.5, warning: 0.6, critical: 0.7 };
      assert.equal(severityOf(t, 0.4), "normal");
      assert.equal(severityOf(t, 0.5), "normal");
      assert.equal(severityOf(t, 0.55), "info");
      assert.equal(severityOf(t, 0.65), "warning");
      assert.equal(severityOf(t, 0.71), "critical");
      assert.equal(isAnomalous(t, 0.6), false);
      assert.equal(isAnomalous(t, 0.61), true);
      assert.equal(severityOf(model.thresholds, scoreRow(model, [40, -40]).score), "critical");
    });

    it("rejects thresholds out of order and shares out of range, naming the option", () => {
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: XY, seed: 1, thresholds: { info: 0.9, critical: 0.6 } }), /^InputError: thresholds: expected info <= warning <= critical/);
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: XY, contamination: 0.7 }), /^InputError: contamination: expected a number > 0 and <= 0.5, got 0.7$/);
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: XY, contamination: 0.01, criticalContamination: 0.02 }), /^InputError: criticalContamination: must not exceed contamination/);
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: XY, thresholds: { warning: 1.5 } }), /^InputError: thresholds.warning: expected a score > 0 and < 1, got 1.5$/);
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: XY, trees: 0 }), /^InputError: trees: expected a whole number >= 1, got 0$/);
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: XY, sampleSize: 1 }), /^InputError: sampleSize: expected a whole number >= 2, got 1$/);
    });
  });

  describe("score formula", () => {
    it("c(n) is 2H(n−1) − 2(n−1)/n with H(i) ≈ ln i + γ, as in the paper and scikit-learn", () => {
      assert.equal(averagePathLength(1), 0);
      assert.equal(averagePathLength(2), 1);
      for (const n of [3, 10, 256]) {
        let harmonic = 0;
        for (let i = 1; i < n; i++) harmonic += 1 / i;
        const exact = 2 * harmonic - (2 * (n - 1)) / n;
        // ln i + γ undershoots H(i) by about 1/(2i).
        assert.ok(Math.abs(averagePathLength(n) - exact) < 1 / (n - 1), `n=${n}: ${averagePathLength(n)} vs ${exact}`);
        assert.equal(averagePathLength(n), 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n);
      }
    });

    it("s = 2^(−E[h]/c(ψ)) with h = depth + c(leaf size), on a hand-built forest", () => {
      // Tree 1: x < 0 → leaf of 1, else leaf of 3. Tree 2: y < 5 → (x < 2 → leaf 1, else leaf 1), else leaf 2.
      const hand = validateIsolationForestModel({
        ...JSON.parse(JSON.stringify(model)),
        sampleSize: 4,
        trees: [
          { feature: [0, -1, -1], threshold: [0, 0, 0], right: [2, 0, 0], size: [4, 1, 3] },
          { feature: [1, 0, -1, -1, -1], threshold: [5, 2, 0, 0, 0], right: [4, 3, 0, 0, 0], size: [4, 2, 1, 1, 2] },
        ],
      });
      const expected = (h1: number, h2: number) => 2 ** (-((h1 + h2) / 2) / averagePathLength(4));
      assert.equal(scoreRow(hand, [-1, 0]).score, expected(1, 2));
      assert.equal(scoreRow(hand, [1, 9]).score, expected(1 + averagePathLength(3), 1 + averagePathLength(2)));
      assert.deepEqual(scoreRows(hand, [[-1, 0], [1, 9]]), [expected(1, 2), expected(1 + averagePathLength(3), 1 + averagePathLength(2))]);
    });
  });

  describe("contributions", () => {
    it("name the feature that isolates the point and sum to 1", () => {
      const farInX = scoreRow(model, [9, 0.1]);
      assert.ok(farInX.contributions.x > 0.75, JSON.stringify(farInX.contributions));
      const farInY = scoreRow(model, [-0.2, -9]);
      assert.ok(farInY.contributions.y > 0.75, JSON.stringify(farInY.contributions));
      for (const c of [farInX.contributions, farInY.contributions, scoreRow(model, [0, 0]).contributions]) {
        assert.ok(Math.abs(c.x + c.y - 1) < 1e-12);
        assert.deepEqual(Object.keys(c), XY);
      }
    });

    it("a point far in both features shares the credit", () => {
      const both = scoreRow(model, [7, 7]).contributions;
      assert.ok(both.x > 0.3 && both.y > 0.3, JSON.stringify(both));
    });

    it("scoreRow gives the same score as scoreRows", () => {
      const scores = scoreRows(model, data.rows.slice(0, 50));
      data.rows.slice(0, 50).forEach((row, i) => assert.equal(scoreRow(model, row).score, scores[i]));
    });
  });

  describe("model JSON", () => {
    it("a JSON round trip scores identically, contributions included", () => {
      const copy = roundTrip(model);
      assert.notEqual(copy, model);
      assert.deepEqual(scoreRows(copy, data.rows), scoreRows(model, data.rows));
      assert.deepEqual(scoreRow(copy, [3, -2]), scoreRow(model, [3, -2]));
    });

    it("retraining gives the next version, a new training time and different scores", () => {
      const later = gaussianWithOutliers(99, 1000, 0).rows.map(([x, y]) => [x + 1, y * 2]);
      const next = retrainIsolationForest(model, later, { now: Date.UTC(2026, 10, 24) });
      assert.equal(next.version, 2);
      assert.equal(next.trainedAt, "2026-11-24T00:00:00.000Z");
      assert.deepEqual(next.settings, model.settings);
      assert.equal(next.seed, model.seed);
      assert.notDeepEqual(scoreRows(next, data.rows), scoreRows(model, data.rows));
      // Even on the same rows a retraining draws new subsamples (a new version is a new random stream).
      const same = retrainIsolationForest(model, data.rows);
      assert.equal(same.version, 2);
      assert.notDeepEqual(scoreRows(same, data.rows), scoreRows(model, data.rows));
      assert.equal(retrainIsolationForest(next, later).version, 3);
    });

    it("import rejects malformed models with the field named", () => {
      const json = () => JSON.parse(JSON.stringify(model));
      assert.throws(() => validateIsolationForestModel("x"), /^InputError: model: expected an isolation forest model object, got string "x"$/);
      assert.throws(() => validateIsolationForestModel({ ...json(), format: "other" }), /^InputError: model.format: expected "isolation-forest\/1", got string "other"$/);
      assert.throws(() => validateIsolationForestModel({ ...json(), version: 0 }), /^InputError: model.version: /);
      assert.throws(() => validateIsolationForestModel({ ...json(), featureNames: ["x", "x"] }), /^InputError: model.featureNames: feature "x" is listed twice$/);
      assert.throws(() => validateIsolationForestModel({ ...json(), trees: [] }), /^InputError: model.trees: /);
      const loop = json();
      loop.trees[3].right[0] = 0;
      assert.throws(() => validateIsolationForestModel(loop), /^InputError: model.trees\[3\].right: node 0 has children out of pre-order$/);
      const wide = json();
      wide.trees[1].feature[0] = 2;
      assert.throws(() => validateIsolationForestModel(wide), /^InputError: model.trees\[1\].feature: /);
      const sizes = json();
      sizes.trees[2].size[0] += 1;
      assert.throws(() => validateIsolationForestModel(sizes), /^InputError: model.trees\[2\].size: node 0 holds 257 points but its children hold /);
      const badSettings = json();
      badSettings.settings.contamination = 2;
      assert.throws(() => validateIsolationForestModel(badSettings), /^InputError: model.settings.contamination: expected a number > 0 and <= 0.5, got 2$/);
    });
  });

  describe("guards", () => {
    it("a constant column is an InputError naming the feature", () => {
      const rows = data.rows.slice(0, 100).map(([x]) => [x, 3, 1]);
      rows[50][2] = 2;
      assert.throws(() => trainIsolationForest(rows, { featureNames: ["x", "pump", "choke"] }), {
        name: "InputError",
        field: "rows.pump",
        message: /^rows.pump: constant \(3\) in all 100 training rows/,
      });
    });

    it("a single row or an empty batch is an InputError, for training and for scoring", () => {
      assert.throws(() => trainIsolationForest([[1, 2]], { featureNames: XY }), /^InputError: rows: expected at least 2 rows to train an isolation forest, got 1$/);
      assert.throws(() => trainIsolationForest([], { featureNames: XY, field: "msg.payload" }), /^InputError: msg.payload: empty batch: expected at least one row$/);
      assert.throws(() => scoreRows(model, []), /^InputError: rows: empty batch: expected at least one row$/);
      // One row is a valid batch to score.
      assert.equal(scoreRows(model, [[0, 0]]).length, 1);
    });

    it("NaN, infinities, strings and wrong widths are InputErrors naming row and feature", () => {
      const withNaN = data.rows.slice(0, 10).map((r) => [...r]);
      withNaN[3][1] = NaN;
      assert.throws(() => trainIsolationForest(withNaN, { featureNames: XY }), /^InputError: rows\[3\].y: expected a finite number, got NaN$/);
      assert.throws(() => scoreRow(model, [Infinity, 0]), /^InputError: row.x: expected a finite number, got Infinity$/);
      assert.throws(() => scoreRow(model, [1, "2"] as unknown as number[]), /^InputError: row.y: expected a finite number, got string "2"$/);
      assert.throws(() => scoreRow(model, [1]), /^InputError: row: expected an array of 2 numbers \(x, y\), got array of 1$/);
      assert.throws(() => scoreRows(model, [[0, 0], [1, 2, 3]], "msg.payload"), /^InputError: msg.payload\[1\]: expected an array of 2 numbers/);
      assert.throws(() => scoreRows(model, "rows" as unknown as number[][]), /^InputError: rows: expected an array of rows, got string "rows"$/);
    });

    it("feature names must be unique non-empty strings", () => {
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: [] }), /^InputError: featureNames: expected a non-empty list/);
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: ["x", ""] }), /^InputError: featureNames: expected feature names as non-empty strings/);
      assert.throws(() => trainIsolationForest(data.rows, { featureNames: ["x", "x"] }), InputError);
    });
  });

  describe("rows from payloads", () => {
    const names = ["oilRate", "tubingPressure"];

    it("takes the named keys of an object in feature order, or an array as it is", () => {
      assert.deepEqual(rowFromRecord({ tubingPressure: 55, oilRate: 100, extra: "x" }, names), [100, 55]);
      assert.deepEqual(rowFromRecord([100, 55], names), [100, 55]);
    });

    it("a missing or NaN feature is an InputError naming it, unless a fill is configured", () => {
      assert.throws(() => rowFromRecord({ oilRate: 100 }, names), /^InputError: msg.payload.tubingPressure: expected a finite number, got undefined$/);
      assert.throws(() => rowFromRecord([100, NaN], names), /^InputError: msg.payload\[1\] \(tubingPressure\): expected a finite number, got NaN$/);
      assert.throws(() => rowFromRecord([1, 2, 3], names), /^InputError: msg.payload: expected an array of 2 numbers \(oilRate, tubingPressure\), got array of 3$/);
      assert.throws(() => rowFromRecord("12", names, { field: "msg.payload.well" }), /^InputError: msg.payload.well: expected an object with oilRate, tubingPressure or an array of them/);
      assert.deepEqual(rowFromRecord({ oilRate: 100, tubingPressure: null }, names, { fill: [90, 50] }), [100, 50]);
      assert.deepEqual(rowFromRecord([NaN, 40], names, { fill: [90, 50] }), [90, 40]);
      // A string is a wiring mistake, not a gap: still an error with a fill.
      assert.throws(() => rowFromRecord({ oilRate: "100", tubingPressure: 1 }, names, { fill: [90, 50] }), /^InputError: msg.payload.oilRate: expected a finite number, got string "100"$/);
    });

    it("the model keeps each feature's training median as the fill", () => {
      const rows = [
        [1, 10],
        [3, 30],
        [2, 20],
        [9, 25],
      ];
      const small = trainIsolationForest(rows, { featureNames: names, seed: 1, trees: 3 });
      assert.deepEqual(small.medians, [2.5, 22.5]);
      assert.deepEqual(rowFromRecord({ oilRate: 5 }, names, { fill: small.medians }), [5, 22.5]);
    });
  });

  describe("TrainingWindow", () => {
    it("keeps the latest rows in order and counts every row added", () => {
      const window = new TrainingWindow(3, 2);
      for (let i = 0; i < 5; i++) window.add([i, -i]);
      assert.equal(window.total, 5);
      assert.equal(window.length, 3);
      assert.deepEqual(window.rows(), [
        [2, -2],
        [3, -3],
        [4, -4],
      ]);
    });

    it("survives a JSON round trip and keeps sliding after it", () => {
      const window = new TrainingWindow(4, 2);
      for (let i = 0; i < 6; i++) window.add([i, i]);
      const restored = TrainingWindow.fromJSON(JSON.parse(JSON.stringify(window)));
      assert.deepEqual(restored.rows(), window.rows());
      assert.equal(restored.total, 6);
      restored.add([6, 6]);
      assert.deepEqual(
        restored.rows().map((r) => r[0]),
        [3, 4, 5, 6],
      );
    });

    it("feeds a retraining that follows a shifted process", () => {
      const window = new TrainingWindow(500, 2);
      const shifted = gaussianWithOutliers(11, 800, 0).rows.map(([x, y]) => [x + 10, y]);
      for (const row of shifted) window.add(row);
      const next = retrainIsolationForest(model, window.rows());
      assert.ok(scoreRow(next, [10, 0]).score < scoreRow(model, [10, 0]).score);
      assert.ok(severityOf(next.thresholds, scoreRow(next, [10, 0]).score) === "normal");
    });

    it("rejects bad rows and bad state with the field named", () => {
      const window = new TrainingWindow(3, 2);
      assert.throws(() => window.add([1, NaN]), /^InputError: row: expected 2 finite numbers, got array of 2$/);
      assert.throws(() => new TrainingWindow(1, 2), /^InputError: trainSize: expected a whole number >= 2, got 1$/);
      assert.throws(() => TrainingWindow.fromJSON({ capacity: 3, width: 2, rows: "x", total: 0 }), /^InputError: rows: /);
    });
  });

  describe("rocAuc", () => {
    it("equals the share of (anomaly, normal) pairs ranked right, ties counting half", () => {
      const random = seededRandom(3);
      const scores = Array.from({ length: 300 }, () => Math.round(random() * 20));
      const labels = scores.map((s) => (random() < s / 40 ? 1 : 0));
      let wins = 0;
      let pairs = 0;
      scores.forEach((sp, i) => {
        if (labels[i] !== 1) return;
        scores.forEach((sn, j) => {
          if (labels[j] !== 0) return;
          pairs++;
          wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
        });
      });
      assert.ok(Math.abs(rocAuc(scores, labels) - wins / pairs) < 1e-12);
      assert.throws(() => rocAuc([1, 2], [0, 0]), /^InputError: labels: expected both anomalies/);
    });
  });
});
