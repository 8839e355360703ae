// Package optim holds the optimizer side of training: AdamW with decoupled
// weight decay (PyTorch's update, operation for operation), learning-rate
// schedules (HF's warmup then cosine or linear decay), global gradient-norm
// clipping (torch.nn.utils.clip_grad_norm_), and the weight-decay rule that
// exempts biases, norms, A_log, D and embeddings.
//
// Weights and optimizer state are float32 (the fp32 master copy of mixed
// precision). Under a "-pure" policy the weights are rounded back to the
// 16-bit type after every update, so updates smaller than half a 16-bit ulp
// are lost: the instability the mamba_ssm maintainers warn about.
//
// optim imports nn, precision and tensor only.
package optim
