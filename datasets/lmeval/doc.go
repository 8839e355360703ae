// Package lmeval builds multiple-choice evaluation requests the way
// EleutherAI's lm-evaluation-harness does (docs/metrics.md): k-shot prompts
// (description, shots joined by the few-shot delimiter "\n\n", question and
// answer by the target delimiter " "), shots drawn by the default seeded
// sampler or first_n, one log-likelihood request per choice with the
// context/continuation token split of lm-eval's HF model, and the acc and
// acc_norm metrics with their standard errors.
//
// The default sampler reproduces CPython's random.Random(seed).sample
// (Mersenne Twister, the same set/pool algorithm), so shot selection
// matches lm-eval draw for draw. It imports datasets/tokenizer only.
//
// Glossary: a doc is one evaluation item (text, choices, gold index); k is
// the number of shots; the context is the prompt up to the question, the
// continuation the delimiter plus one choice; ll is a log-likelihood.
package lmeval
