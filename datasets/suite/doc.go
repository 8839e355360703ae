// Package suite generates the built-in data of ssmlab's default (embedded,
// CPU) experiments, deterministically from a seed: a pretraining corpus of
// in-context demonstrations drawn from many task families, multiple-choice
// evaluation tasks whose functions are held out from pretraining (zero
// shots score chance, shots reveal the function), Zoology's MQAR, in-context
// linear regression, and an instruction mixture (the Alpaca analogue).
// SUITE.md documents each family, its parameters and its chance level; the
// tests check those levels.
//
// Glossary: a family is a class of functions on short strings (Caesar
// shifts, substitution ciphers, ...); a demonstration is "in -> out"; a
// training function appears in the corpus and instructions, a held-out
// function only in evaluation; a task is one held-out function with its
// few-shot (train) and test items; the oracle is the ideal in-context
// learner that knows the class but not the function.
// It imports datasets, datasets/arrowio, datasets/lmeval, datasets/tokenizer.
package suite
