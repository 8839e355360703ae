package mamba

import (
	"math"

	"github.com/ssmlab/ssmlab/models/nn"
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
// the input dtype (anchors C.1).

// scanIn holds the inputs of a scan over (B, L) tokens.
type scanIn struct {
	B, L, E, N int
	U          []float32 // (B, L, E) u = SiLU(conv(x))
	Dt         []float32 // (B, L, E) dt_proj(dt) without its bias
	Z          []float32 // (B, L, E) gate
	Bm, Cm     []float32 // (B, L, N) input-dependent B and C
	A          []float32 // (E, N) A = −exp(A_log)
	Dskip      []float32 // (E) D
	Bias       []float32 // (E) dt_proj.bias, mamba_ssm's delta_bias
}

// scanOut holds what the forward produces and the backward reuses.
type scanOut struct {
	Y     []float32 // (B, L, E) gated output, on the compute grid
	Delta []float32 // (B, L, E) Δ, kept for Backward and for the Lyapunov metrics
	YPre  []float32 // (B, L, E) y before the gate, for dz
}

func newScanOut(in *scanIn, o *scanOut) {
	n := in.B * in.L * in.E
	o.Y, o.Delta, o.YPre = tensor.Grow(o.Y, n), tensor.Grow(o.Delta, n), tensor.Grow(o.YPre, n)
}

func silu(z float32) float32 { return z / (1 + expf(-z)) }

// stepChannel advances the state h (N) of one channel by one token and
// returns y_t before the gate and Δ_t. The fused scan, the recurrent Step
// and the backward's recomputation all use it, so they agree bit for bit.
func stepChannel(h, A, Bt, Ct []float32, u, dt, bias, d float32) (y, delta float32) {
	delta = nn.Softplus(dt + bias)
	for n := range h {
		h[n] = expf(delta*A[n])*h[n] + delta*Bt[n]*u
		y += h[n] * Ct[n]
	}
	return y + d*u, delta
}

// scanBlocks is the number of channel blocks the fused kernels split E
// into. It depends on nothing but E, so the backward's reductions over
// blocks run in a fixed order and results do not depend on GOMAXPROCS.
const scanBlocks = 16

func blockWidth(E int) int { return (E + scanBlocks - 1) / scanBlocks }

// scan is the fused forward: parallel over (batch, channel block), each
// worker carrying the (block, N) states through time.
func scan(pol precision.Policy, in *scanIn, out *scanOut) {
	newScanOut(in, out)
	E, N, L := in.E, in.N, in.L
	eb := blockWidth(E)
	nblk := (E + eb - 1) / eb
	tensor.Parallel(in.B*nblk, 1, func(lo, hi int) {
		h := make([]float32, eb*N)
		for w := lo; w < hi; w++ {
			b, e0 := w/nblk, (w%nblk)*eb
			e1 := min(e0+eb, E)
			clear(h)
			for t := 0; t < L; t++ {
				bt := b*L + t
				Bt, Ct := in.Bm[bt*N:(bt+1)*N], in.Cm[bt*N:(bt+1)*N]
				for e := e0; e < e1; e++ {
					i := bt*E + e
					y, delta := stepChannel(h[(e-e0)*N:(e-e0+1)*N], in.A[e*N:(e+1)*N], Bt, Ct,
						in.U[i], in.Dt[i], in.Bias[e], in.Dskip[e])
					out.Delta[i], out.YPre[i] = delta, y
					out.Y[i] = pol.Compute.Round(y * silu(in.Z[i]))
				}
			}
		}
	})
}

// scanRef is the specification: the plain loops of selective_scan_ref over
// a full (B, E, N) state, written independently of stepChannel.
func scanRef(pol precision.Policy, in *scanIn, out *scanOut) {
	newScanOut(in, out)
	E, N, L := in.E, in.N, in.L
	h := make([]float32, in.B*E*N)
	for b := 0; b < in.B; b++ {
		for t := 0; t < L; t++ {
			bt := b*L + t
			for e := 0; e < E; e++ {
				i := bt*E + e
				delta := float32(math.Log1p(math.Exp(float64(in.Dt[i] + in.Bias[e]))))
				if in.Dt[i]+in.Bias[e] > nn.SoftplusThreshold {
					delta = in.Dt[i] + in.Bias[e]
				}
				var y float32
				for n := 0; n < N; n++ {
					dA := float32(math.Exp(float64(delta * in.A[e*N+n])))
					dBu := delta * in.Bm[bt*N+n] * in.U[i]
					s := &h[(b*E+e)*N+n]
					*s = dA**s + dBu
					y += *s * in.Cm[bt*N+n]
				}
				y += in.Dskip[e] * in.U[i]
				z := in.Z[i]
				out.Delta[i], out.YPre[i] = delta, y
				out.Y[i] = pol.Compute.Round(y * (z / (1 + float32(math.Exp(float64(-z))))))
			}
		}
	}
}
