package mamba

import (
	"math"

	"github.com/ssmlab/ssmlab/models/internal/kern"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// scanRef is the specification: the plain loops of selective_scan_ref over
// a full (B, E, N) state, written independently of the scan kernels.
func scanRef(pol precision.Policy, in *scanIn, out *scanOut) {
	newScanOut(in, out)
	E, N, L := in.E, in.N, in.L
	h := make([]float32, in.B*E*N)
	copy(h, in.H0)
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
				z := in.Z[bt*in.zs()+e]
				out.Delta[i], out.YPre[i] = delta, y
				out.Y[i] = pol.Compute.Round(y * (z / (1 + float32(math.Exp(float64(-z))))))
			}
		}
	}
	// the final states, laid out as the fused scan leaves them (FinalState reads them)
	out.h = tensor.Grow(out.h, in.B*numGroups(E)*N*kern.Lanes)
	clear(out.h)
	toGroups(out.h, h, in.B, E, N, true)
}

// refBlocks is the number of channel blocks scanBackwardRef splits E into.
// It depends on nothing but E, so the reductions over blocks run in a fixed
// order and results do not depend on GOMAXPROCS.
const refBlocks = 16

func blockWidth(E int) int { return (E + refBlocks - 1) / refBlocks }

// scanBackwardRef is the first hand-written backward of scan (plain Go,
// parallel over channel blocks), kept as the reference the vectorised
// scanBackward is tested against for the upstream
// gradient dY (B, L, E). Per (channel block, batch) it recomputes the states
// h_0..h_L from the stored Δ (bit-identical to the forward), then runs the
// reverse-time recurrence
//
//	dh_t = C_t·g_t + exp(Δ_{t+1}A) ⊙ dh_{t+1},   g_t = dY_t·SiLU(z_t)
//
// and collects dC_t = g_t h_t, dB_t = Σ_e dh_t Δ_t u_t,
// du_t = D g_t + Σ_n dh_t Δ_t B_t, dΔ_t = Σ_n dh_t (B_t u_t + A exp(Δ_t A) h_{t−1}),
// dA = Σ dh_t Δ_t exp(Δ_t A) h_{t−1}, dD = Σ g_t u_t, and through the
// softplus ddt = dΔ·σ(dt + bias) = d dt_bias. dB and dC sum over channels:
// each block writes its own partial sums, reduced afterwards in block order.
func scanBackwardRef(pol precision.Policy, in *scanIn, out *scanOut, dY []float32, g *scanGrads) {
	Bn, L, E, N := in.B, in.L, in.E, in.N
	eb := blockWidth(E)
	nblk := (E + eb - 1) / eb
	partB := make([]float32, nblk*Bn*L*N) // (block, B, L, N)
	partC := make([]float32, nblk*Bn*L*N)
	dALog := make([]float32, E*N)
	dD, dBias := make([]float32, E), make([]float32, E)
	tensor.Parallel(nblk, 1, func(lo, hi int) {
		hs := make([]float32, (L+1)*eb*N) // h_0..h_L of one block
		dAs := make([]float32, L*eb*N)    // exp(Δ_t A)
		dh := make([]float32, eb*N)
		dA := make([]float32, eb*N)
		for blk := lo; blk < hi; blk++ {
			e0 := blk * eb
			e1 := min(e0+eb, E)
			w := e1 - e0
			clear(dA)
			for b := 0; b < Bn; b++ {
				recomputeStates(in, out, b, e0, e1, eb, hs, dAs)
				clear(dh)
				pB := partB[(blk*Bn+b)*L*N : (blk*Bn+b+1)*L*N]
				pC := partC[(blk*Bn+b)*L*N : (blk*Bn+b+1)*L*N]
				for t := L - 1; t >= 0; t-- {
					bt := b*L + t
					Bt, Ct := in.Bm[bt*N:(bt+1)*N], in.Cm[bt*N:(bt+1)*N]
					for j := 0; j < w; j++ {
						e, i := e0+j, bt*E+e0+j
						zi := bt*in.zs() + e
						z, u, delta := in.Z[zi], in.U[i], out.Delta[i]
						sz := nn.Sigmoid(z)
						gy := dY[i] * z * sz // d y_pre
						g.Z[zi] = pol.Compute.Round(dY[i] * out.YPre[i] * sz * (1 + z*(1-sz)))
						dD[e] += gy * u
						du, dDelta := in.Dskip[e]*gy, float32(0)
						ht := hs[((t+1)*eb+j)*N : ((t+1)*eb+j+1)*N]
						hp := hs[(t*eb+j)*N : (t*eb+j+1)*N]
						da := dAs[(t*eb+j)*N : (t*eb+j+1)*N]
						A := in.A[e*N : (e+1)*N]
						dhj, dAj := dh[j*N:(j+1)*N], dA[j*N:(j+1)*N]
						for n := 0; n < N; n++ {
							dhj[n] += gy * Ct[n]
							pC[t*N+n] += gy * ht[n]
							pB[t*N+n] += dhj[n] * delta * u
							du += dhj[n] * delta * Bt[n]
							dDelta += dhj[n] * (Bt[n]*u + A[n]*da[n]*hp[n])
							dAj[n] += dhj[n] * delta * da[n] * hp[n]
							dhj[n] *= da[n]
						}
						ddt := dDelta * nn.SoftplusGrad(in.Dt[i]+in.Bias[e])
						dBias[e] += ddt
						g.U[i] = pol.Compute.Round(du)
						g.Dt[i] = pol.Compute.Round(ddt)
					}
				}
			}
			for j := 0; j < w; j++ {
				for n := 0; n < N; n++ {
					e := e0 + j
					dALog[e*N+n] = dA[j*N+n] * in.A[e*N+n] // A = −exp(A_log), so dA/dA_log = A
				}
			}
		}
	})
	reduceBlocks(pol, g.Bm, partB, nblk)
	reduceBlocks(pol, g.Cm, partC, nblk)
	accumulate(g.ALog, dALog)
	accumulate(g.Dskip, dD)
	accumulate(g.Bias, dBias)
}

// recomputeStates fills hs (L+1, eb, N) with h_0 = 0 .. h_L and dAs (L, eb, N)
// with exp(Δ_t A) for batch b and channels [e0, e1), using the stored Δ.
func recomputeStates(in *scanIn, out *scanOut, b, e0, e1, eb int, hs, dAs []float32) {
	E, N, L := in.E, in.N, in.L
	clear(hs[:eb*N])
	for t := 0; t < L; t++ {
		bt := b*L + t
		Bt := in.Bm[bt*N : (bt+1)*N]
		for e := e0; e < e1; e++ {
			j, i := e-e0, bt*E+e
			delta, u := out.Delta[i], in.U[i]
			hp, h := hs[(t*eb+j)*N:(t*eb+j+1)*N], hs[((t+1)*eb+j)*N:((t+1)*eb+j+1)*N]
			da := dAs[(t*eb+j)*N : (t*eb+j+1)*N]
			for n := 0; n < N; n++ {
				da[n] = kern.Exp(delta * in.A[e*N+n])
				h[n] = da[n]*hp[n] + delta*Bt[n]*u
			}
		}
	}
}
