// Package benchmarks defines the lm-evaluation-harness tasks the paper
// scores (arc_easy, arc_challenge, hellaswag, piqa, winogrande,
// lambada_openai, openbookqa and the 57 mmlu_<subject> tasks) with
// lm-eval's own templates, splits and samplers, reading each from the
// schema the Hugging Face Hub serves it in (Parquet shards, an HF datasets
// cache file or a save_to_disk folder). It turns rows into lmeval docs;
// prompts, requests and metrics are package lmeval's. It imports
// datasets/arrowio and datasets/lmeval only.
//
// The templates follow lm-eval's task YAMLs and utils as of commit
// 4e7e0d4 (lm_eval/tasks/{arc,hellaswag,piqa,winogrande,lambada,
// openbookqa,mmlu}); each converter's comment quotes the template it
// implements.
package benchmarks
