// Package datasets reads and writes the data ssmlab trains and evaluates on.
// This package holds the schemas the experiments use, on top of the
// subpackages:
//
//   - arrowio: Arrow IPC (stream and file) and Parquet I/O, HF dataset
//     folders found by path, typed column access with one-line errors;
//   - tokenizer: the byte-level default and HF byte-level BPE
//     (tokenizer.json), matching HF tokenizers exactly;
//   - lmeval: lm-eval k-shot prompts, scoring requests, acc and acc_norm;
//   - suite: the built-in generated task suite (SUITE.md).
//
// Schemas: multiple-choice items (question, choices, answer, optional
// task), instruction rows (instruction, input, output), token sequences
// (input_ids, optional labels), documents (text).
// It imports no model package.
package datasets
