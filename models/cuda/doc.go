// Package cuda is ssmlab's GPU backend: the CUDA driver, NVRTC and cuBLAS
// loaded at run time through a small cgo shim that dlopens them (no CUDA
// headers or link-time dependency; without cgo every entry point reports
// that), kernels as CUDA C sources in kernels/ compiled by NVRTC for the GPU
// present and cached on disk, a caching device allocator whose high-water
// mark is the memory figure, and GPU twins of the CPU models (Mamba,
// GPT-NeoX) built from their weights: inference in fp32 and bf16 autocast
// for both, fp16 for GPT-NeoX.
//
// Training (train.go, llm.c style): NewTrainer uploads a model as a
// ParamSet (fp32 master weights, gradients, AdamW moments and the 16-bit
// copies a bf16/fp16 autocast policy's matmuls read) and drives an
// architecture's Trainable (forward keeping its activations, backward from
// dlogits) with a fused cross-entropy, AdamW and, for fp16, the dynamic
// loss scaler. TLinear is a linear layer with an optional LoRA adapter.
// Mamba trains on the GPU (mamba_train.go): every backward by hand,
// the selective scan's backward fused and recomputing the states per chunk
// from the states the forward kept at chunk starts. GPT-NeoX
// (neox.go, neox_train.go, neox_trainable.go) runs forward and backward
// in fp32 and under bf16/fp16 autocast, full or with LoRA, its attention
// fused flash-style forward and backward.
//
// The CPU models in models/mamba and models/transformer are the
// specification: every GPU model is tested against them and against the
// HF fixtures. The package imports the CPU models and must not be
// imported by them.
//
// Why cgo and not purego: cublasGemmEx, which the 16-bit tensor-core path
// needs, takes 19 arguments and purego passes at most 15; a C shim calling
// through dlsym'd pointers has no such limit and no build-time CUDA.
package cuda
