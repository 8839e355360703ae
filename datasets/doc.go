// Package datasets reads and writes the data ssmlab trains and evaluates on:
// Arrow IPC (stream and file) and Parquet, HF datasets folders found by path,
// tokenizers (byte-level and HF byte-level BPE), lm-eval style k-shot prompt
// construction and scoring requests, and the built-in generated task suite.
// It imports no model package.
package datasets
