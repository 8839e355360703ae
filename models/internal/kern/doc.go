// Package kern holds the vectorised float32 inner loops of the model layers:
// the selective scan of Mamba over groups of 8 channels (forward with the
// softplus step size and the SiLU gate fused in; backward over cache-sized
// time chunks from checkpointed states) and elementwise exp, sigmoid, SiLU
// and softplus over slices. Each has a plain Go version that defines it; on
// amd64 CPUs with AVX2 and FMA (checked at run time) assembly runs instead
// and agrees with the Go version within a few float32 ulps (the tests check
// both). Where the CPU also has AVX-512, the scan takes two adjacent groups
// a call (GroupLanes) in 16-lane kernels whose every lane does the 8-lane
// kernel's operations in its order: bit-identical results. It imports
// nothing from ssmlab; the layer packages call it.
package kern
