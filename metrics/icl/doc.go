// Package icl computes in-context-learning statistics from per-item scores
// (docs/metrics.md): accuracy per number of shots k, the ICL gain
// mean_{k in K, k != 0} (acc_k - acc_0), the ICL ratio 100*gain(A)/gain(B)
// between two model families (the paper's 38% / 82% / 81% / 132%), and
// bootstrap confidence intervals over items and seeds. It imports
// metrics/bootstrap and no model package.
package icl
