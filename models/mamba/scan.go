package mamba

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// The selective scan (Mamba Alg. 2; mamba_ssm selective_scan_ref and the
// CUDA selective_scan_fwd kernel), for every batch b and channel e:
//
//	Δ_t = softplus(dt_t + dt_bias)                 step size, fp32
//	h_t = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t·B_t·u_t       ZOH on A, Euler on B; h_0 = 0
//	y_t = C_t·h_t + D·u_t
//	out_t = y_t · SiLU(z_t)
//
// Everything inside runs in float32 whatever the policy (A, D and the dt
// bias are fp32 parameters, as the CUDA kernel requires); only the output
// is rounded to the compute type, as selective_scan returns its output in
// the input dtype (docs/precision.md).

// scanIn holds the inputs of a scan over (B, L) tokens.
type scanIn struct {
	B, L, E, N int
	U          []float32 // (B, L, E) u = SiLU(conv(x))
	Dt         []float32 // (B, L, E) dt_proj(dt) without its bias
	Z          []float32 // (B, L, E) gate, rows ZS apart
	ZS         int       // Z's row stride (0: E; the mixer reads z in place from in_proj's output)
	Bm, Cm     []float32 // (B, L, N) input-dependent B and C
	A          []float32 // (E, N) A = −exp(A_log)
	Dskip      []float32 // (E) D
	Bias       []float32 // (E) dt_proj.bias, mamba_ssm's delta_bias
	H0         []float32 // (B, E, N) the states before t = 0 (nil: zeros), as LayerState.SSM
}

// scanOut holds what the forward produces and the backward reuses.
type scanOut struct {
	Y     []float32 // (B, L, E) gated output, on the compute grid
	Delta []float32 // (B, L, E) Δ, kept for Backward and for the Lyapunov metrics
	YPre  []float32 // (B, L, E) y before the gate, for dz

	// The vectorised scan works on groups of kern.Lanes channels (G of
	// them, the last one possibly partial) and keeps states n-major.
	at   []float32 // (G, N, 8) A by groups, zero in unused lanes
	al2  []float32 // (G, N, 8) A·log2(e), as the vector exponential takes it
	h    []float32 // (B, G, N, 8) running states
	ckpt []float32 // (B, chunks, G, N, 8) the states before each backward chunk
	bw   scanPartials
}

func newScanOut(in *scanIn, o *scanOut) {
	n := in.B * in.L * in.E
	o.Y, o.Delta, o.YPre = tensor.Grow(o.Y, n), tensor.Grow(o.Delta, n), tensor.Grow(o.YPre, n)
}

func silu(z float32) float32 { return z / (1 + kern.Exp(-z)) }

// scanChunk is the number of steps of a backward chunk. The backward
// recomputes a chunk's states from the checkpoint the forward left before
// it, so its working set (states, decays and per-lane dB, dC of 64 steps:
// 4·64·N·8 floats, 128 KiB at N = 16) stays in L2 whatever the length.
const scanChunk = 64

// zs is Z's row stride.
func (in *scanIn) zs() int {
	if in.ZS == 0 {
		return in.E
	}
	return in.ZS
}

// pairGroups reports whether the forward scan hands two groups to one
// kern.ScanFwd call (where its 16-lane kernel runs); tests replace it.
var pairGroups = func() bool { return kern.GroupLanes() == 2*kern.Lanes }

func numGroups(E int) int { return (E + kern.Lanes - 1) / kern.Lanes }

func numChunks(L int) int { return (L + scanChunk - 1) / scanChunk }

// scan is the fused forward (kern.ScanFwd): Δ, the state recurrence, the
// D skip and the SiLU(z) gate in one pass, parallel over (batch, group of
// 8 channels), each worker carrying its group's (N, 8) state through time
// and saving it before every backward chunk.
func scan(pol precision.Policy, in *scanIn, out *scanOut) {
	newScanOut(in, out)
	Bn, L, E, N := in.B, in.L, in.E, in.N
	G, C, s, zs := numGroups(E), numChunks(L), N*kern.Lanes, in.zs()
	out.at = groupA(out.at, in.A, E, N)
	out.al2 = tensor.Grow(out.al2, len(out.at))
	for i, v := range out.at {
		out.al2[i] = v * kern.Log2E
	}
	out.h = tensor.Grow(out.h, Bn*G*s)
	if in.H0 != nil {
		clear(out.h)
		toGroups(out.h, in.H0, Bn, E, N, true)
	}
	out.ckpt = tensor.Grow(out.ckpt, Bn*C*G*s)
	pairs := pairGroups()
	tensor.Parallel(Bn*G, 1, func(lo, hi int) {
		for w, ng := lo, 1; w < hi; w += ng {
			b, g := w/G, w%G
			e0 := g * kern.Lanes
			// two full groups of one sequence in one call where the 16-lane
			// kernel runs (their blocks of h, A and the checkpoints are adjacent)
			ng = 1
			if pairs && w+1 < hi && g+1 < G && E-e0 >= 2*kern.Lanes {
				ng = 2
			}
			h := out.h[w*s : (w+ng)*s]
			if in.H0 == nil {
				clear(h)
			}
			f := kern.Fwd{H: h, AT: out.at[g*s:], AL2: out.al2[g*s:], Bias: in.Bias[e0:], D: in.Dskip[e0:], N: N, E: E, W: min(ng*kern.Lanes, E-e0), ZS: zs}
			for c := 0; c < C; c++ {
				t0 := c * scanChunk
				copy(out.ckpt[((b*C+c)*G+g)*s:], h)
				bt, o := b*L+t0, (b*L+t0)*E+e0
				f.Len, f.Bm, f.Cm = min(scanChunk, L-t0), in.Bm[bt*N:], in.Cm[bt*N:]
				f.Dt, f.U, f.Z = in.Dt[o:], in.U[o:], in.Z[bt*zs+e0:]
				f.Delta, f.YPre, f.Y = out.Delta[o:], out.YPre[o:], out.Y[o:]
				kern.ScanFwd(&f)
			}
		}
	})
	actParallel(pol, out.Y) // selective_scan returns its output in the input dtype
}

// groupA lays A (E, N) out by groups of 8 channels, n-major: (G, N, 8).
func groupA(dst, A []float32, E, N int) []float32 {
	s := N * kern.Lanes
	dst = tensor.Grow(dst, numGroups(E)*s)
	clear(dst)
	for e := 0; e < E; e++ {
		g, j := e/kern.Lanes, e%kern.Lanes
		for n := 0; n < N; n++ {
			dst[g*s+n*kern.Lanes+j] = A[e*N+n]
		}
	}
	return dst
}

// actParallel rounds x to the policy's compute type (Policy.Act), in
// parallel; a no-op under fp32.
func actParallel(pol precision.Policy, x []float32) {
	if !pol.Half() {
		return
	}
	tensor.Parallel(len(x), 1<<14, func(lo, hi int) { pol.Act(x[lo:hi]) })
}
