// Package tensor holds ssmlab's float32 tensors and numeric kernels: matrix
// multiplication through a selectable Backend (a plain reference loop, gonum's
// pure-Go blas32, and OpenBLAS or oneDNN through cgo when built with the
// openblas or onednn tag), elementwise ops, reductions, softmax and
// log-softmax. Every fast kernel is checked against its plain reference by
// one conformance suite that runs on every backend.
//
// Matrices are row-major. Layers call kernels on raw []float32 slices with
// explicit dimensions (llm.c style); Tensor is the owning container with a
// shape. tensor imports only precision from ssmlab.
package tensor
