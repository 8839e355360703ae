// Package cuda is ssmlab's GPU backend: the CUDA driver, NVRTC and cuBLAS
// loaded at run time through a small cgo shim that dlopens them (no CUDA
// headers or link-time dependency; without cgo every entry point reports
// that), kernels as CUDA C sources in kernels/ compiled by NVRTC for the GPU
// present and cached on disk, a caching device allocator whose high-water
// mark is the memory figure, and GPU twins of the CPU models (Mamba,
// GPT-NeoX) built from their weights. GPT-NeoX (neox.go, neox_train.go)
// runs forward and backward in fp32 and under bf16/fp16 autocast, full or
// with LoRA, and trains through the generic Trainer (neox_trainable.go).
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
