// Package score computes the log-likelihood of continuations given
// contexts, as lm-evaluation-harness's loglikelihood requests ask of a
// causal language model: the summed log-probability of the continuation
// tokens and whether each is the greedy (argmax) choice.
//
// Requests that share a context (a multiple-choice document's choices) are
// scored without recomputing it: a Mamba or Mamba-2 runs the context once
// and continues every choice from a copy of its recurrent state (one
// matrix-product pass over the right-padded choices of several documents:
// Continue), a Transformer from a copy of its key/value cache. Other requests run whole,
// batched by length. Both give the plain full-sequence log-likelihoods
// (TestSharedEqualsFull). It imports the model packages and nothing above
// them.
package score
