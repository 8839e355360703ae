// Package train runs training loops for any lm.Model: gradient accumulation,
// autocast policies with fp16 dynamic loss scaling, global-norm clipping,
// AdamW on the trainable parameters only (LoRA leaves the base untouched and
// allocates nothing for it), checkpoints and exact resume, and the run's
// records in its folder: steps.jsonl (every optimizer step: Record),
// log.jsonl and scalars.csv (the loss curve every log_every steps, with
// validation loss when the run has validation data: LogLine; steps counted
// from 1 as the progress line counts them) and a progress line.
//
// Determinism. Micro-batch i is a pure function of i (the Data interface),
// so a checkpoint needs only the step, the weights, the optimizer and loss
// scaler state: a run killed at any moment and restarted from its last
// checkpoint ends bit-identical to one never interrupted (same GOMAXPROCS).
//
// It sits above models (imports lm, optim, nn, precision, safetensors) and
// below experiments. docs/design.md puts the optimizer in models/optim; the
// loop and checkpoint format live here because both experiments and the
// benchmark command drive them.
package train
