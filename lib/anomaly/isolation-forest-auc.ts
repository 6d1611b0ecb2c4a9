import { InputError, describeValue } from "../common/errors";

/**
 * Area under the ROC curve of `scores` for binary `labels` (1 = anomaly), by the Mann–Whitney rank
 * sum with tied scores sharing their mean rank — the figure scikit-learn's roc_auc_score gives, used to
 * compare detectors in the tests and the benchmark. Hand-written: the installed statistics packages
 * (simple-statistics, jstat) have no ROC AUC.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (scores.length !== labels.length) {
    throw new InputError("labels", `expected ${scores.length} labels, one per score, got ${labels.length}`);
  }
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const meanRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      const label = labels[order[k]];
      if (label !== 0 && label !== 1) throw new InputError(`labels[${order[k]}]`, `expected 0 or 1, got ${describeValue(label)}`);
      if (label === 1) {
        positives++;
        positiveRankSum += meanRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) throw new InputError("labels", "expected both anomalies (1) and normal rows (0)");
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
