// Package tensor holds ssmlab's float32 tensors and numeric kernels: matrix
// multiplication through a selectable Backend, elementwise ops, reductions,
// softmax and log-softmax. Every fast kernel is checked against its plain
// reference by one conformance suite that runs on every backend.
//
// Backends, best first (SSMLAB_BLAS=name or Use picks another): "onednn"
// (cgo, onednn tag; native bf16/fp16 GEMM on CPUs with those instructions),
// "openblas" (cgo, openblas tag), "go" (pure Go, packed and blocked, AVX2+FMA
// assembly micro-kernel chosen at run time; internal/sgemm), "gonum"
// (gonum blas32), "go-generic" (the "go" GEMM on its plain-Go kernel) and
// "reference" (the triple loop that defines Gemm). GemmAs runs the autocast
// policy's 16-bit matmuls natively where the backend can, else as fp32 GEMM
// on rounded operands; MatmulPath says which, for provenance.
//
// Matrices are row-major. Layers call kernels on raw []float32 slices with
// explicit dimensions (llm.c style); Tensor is the owning container with a
// shape. tensor imports only precision from ssmlab.
package tensor
