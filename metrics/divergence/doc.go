// Package divergence measures how far a model evaluated in another precision
// (fp16, bf16) lands from its fp32 self (docs/metrics.md): per-task and
// averaged |acc(fp32) - acc(p)| in percentage points, and at the logit level
// the largest |delta logit|, the mean KL(softmax(fp32) || softmax(p)) and the
// fraction of positions whose argmax flips. It works on plain numbers and
// slices and imports no model package.
package divergence
