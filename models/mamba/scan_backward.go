package mamba

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// scanGrads receives the scan's gradients. The activation gradients are
// written (and rounded to the compute type, as the CUDA backward returns
// du, dΔ, dz, dB, dC in the input dtypes); the parameter gradients are
// accumulated in fp32 and may be nil when their parameter is frozen.
type scanGrads struct {
	U, Dt, Z []float32 // (B, L, E) written (Z with the scan input's row stride ZS)
	Bm, Cm   []float32 // (B, L, N) written
	ALog     []float32 // (E, N) accumulated, d/dA_log = d/dA · A
	Dskip    []float32 // (E) accumulated
	Bias     []float32 // (E) accumulated
}

// scanPartials are the backward's per-block and per-batch partial sums,
// reduced in a fixed order after the parallel part.
type scanPartials struct {
	pB, pC    []float32 // (blocks, B, L, N) dB, dC of each channel block
	dA        []float32 // (B, G, N, 8) d/dA of each batch
	dD, dBias []float32 // (B, G, 8)
}

// scanScratch is one worker's backward scratch (kern.Bwd's HS, DAs, lanes
// and the dh carries of its block's groups).
type scanScratch struct{ hs, das, laneB, laneC, dh []float32 }

var scratchList scratch.List[scanScratch]

// backwardBlocks is the number of channel blocks the backward splits the
// groups into: enough (batch, block) work units to keep 16 workers busy.
// It depends only on B and G, so the block sums reduce in a fixed order
// and results do not depend on GOMAXPROCS.
func backwardBlocks(B, G int) int { return min(G, max(1, (16+B-1)/B)) }

// scanBackward is the hand-written, fused backward of scan for the upstream
// gradient dY (B, L, E) (kern.ScanBwd): per (batch, channel block) and per
// time chunk from the last, it recomputes the chunk's states h_t from the
// forward's checkpoint (bit-identical to the forward) and runs the
// reverse-time recurrence
//
//	dh_t = C_t·g_t + exp(Δ_{t+1}A) ⊙ dh_{t+1},   g_t = dY_t·SiLU'(z_t) part: dY_t·z_t·σ(z_t)
//
// collecting dC_t = Σ_e g_t h_t, dB_t = Σ_e dh_t Δ_t u_t,
// du_t = D g_t + Σ_n dh_t Δ_t B_t, dΔ_t = Σ_n dh_t (B_t u_t + A exp(Δ_t A) h_{t−1}),
// dA = Σ dh_t Δ_t exp(Δ_t A) h_{t−1}, dD = Σ g_t u_t, and through the
// softplus ddt = dΔ·σ(dt + bias) = d dt_bias. dB and dC sum over channels
// (per lane, then per block, in a fixed order), dA, dD, d bias over batches.
func scanBackward(pol precision.Policy, in *scanIn, out *scanOut, dY []float32, g *scanGrads) {
	Bn, L, E, N := in.B, in.L, in.E, in.N
	G, C, s, zs := numGroups(E), numChunks(L), N*kern.Lanes, in.zs()
	nb := backwardBlocks(Bn, G)
	gpb := (G + nb - 1) / nb
	p := &out.bw
	p.pB, p.pC = tensor.Grow(p.pB, nb*Bn*L*N), tensor.Grow(p.pC, nb*Bn*L*N)
	p.dA, p.dD, p.dBias = tensor.Grow(p.dA, Bn*G*s), tensor.Grow(p.dD, Bn*G*kern.Lanes), tensor.Grow(p.dBias, Bn*G*kern.Lanes)
	clear(p.dA)
	clear(p.dD)
	clear(p.dBias)
	pairs := pairGroups()
	tensor.Parallel(Bn*nb, 1, func(lo, hi int) {
		sc := scratchList.Get()
		defer scratchList.Put(sc)
		n, ns := scanChunk*s, kern.BwdScratch(scanChunk, N)
		sc.hs, sc.das, sc.laneB, sc.laneC = tensor.Grow(sc.hs, ns), tensor.Grow(sc.das, ns), tensor.Grow(sc.laneB, n), tensor.Grow(sc.laneC, n)
		sc.dh = tensor.Grow(sc.dh, gpb*s)
		for w := lo; w < hi; w++ {
			b, blk := w/nb, w%nb
			g0, g1 := blk*gpb, min(G, (blk+1)*gpb)
			clear(sc.dh)
			for c := C - 1; c >= 0; c-- {
				t0 := c * scanChunk
				steps := min(scanChunk, L-t0)
				clear(sc.laneB[:steps*s])
				clear(sc.laneC[:steps*s])
				for gi, ng := g0, 1; gi < g1; gi += ng {
					e0 := gi * kern.Lanes
					ng = 1 // two full groups a call where the 16-lane kernel runs, as the forward
					if pairs && gi+1 < g1 && E-e0 >= 2*kern.Lanes {
						ng = 2
					}
					bt, o, k := b*L+t0, (b*L+t0)*E+e0, b*G+gi
					a := kern.Bwd{H0: out.ckpt[((b*C+c)*G+gi)*s:], DH: sc.dh[(gi-g0)*s:], AT: out.at[gi*s:], AL2: out.al2[gi*s:], DA: p.dA[k*s:],
						Bm: in.Bm[bt*N:], Cm: in.Cm[bt*N:], Dt: in.Dt[o:], U: in.U[o:], Z: in.Z[bt*zs+e0:], DY: dY[o:],
						Delta: out.Delta[o:], YPre: out.YPre[o:], Bias: in.Bias[e0:], D: in.Dskip[e0:],
						DU: g.U[o:], DDt: g.Dt[o:], DZ: g.Z[bt*zs+e0:], DD: p.dD[k*kern.Lanes:], DBias: p.dBias[k*kern.Lanes:],
						LaneB: sc.laneB, LaneC: sc.laneC, HS: sc.hs, DAs: sc.das, Len: steps, N: N, E: E, W: min(ng*kern.Lanes, E-e0), ZS: zs}
					kern.ScanBwd(&a)
				}
				o := ((blk*Bn+b)*L + t0) * N
				sumLanes(p.pB[o:o+steps*N], sc.laneB)
				sumLanes(p.pC[o:o+steps*N], sc.laneC)
			}
		}
	})
	reduceBlocks(pol, g.Bm, p.pB, nb)
	reduceBlocks(pol, g.Cm, p.pC, nb)
	reduceParams(in, p, g, G)
	actParallel(pol, g.U) // the CUDA backward returns du, dΔ, dz in the input dtype
	actParallel(pol, g.Dt)
	actParallel(pol, g.Z)
}

// sumLanes writes dst[k] = Σ_j lanes[8k + j], lanes in order.
func sumLanes(dst, lanes []float32) {
	for k := range dst {
		l := lanes[k*kern.Lanes : (k+1)*kern.Lanes]
		dst[k] = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
	}
}

// reduceParams sums the per-batch dA, dD and d bias in batch order into the
// parameter gradients that are not frozen. A = −exp(A_log), so dA_log = dA·A.
func reduceParams(in *scanIn, p *scanPartials, g *scanGrads, G int) {
	Bn, E, N, s := in.B, in.E, in.N, in.N*kern.Lanes
	for e := 0; e < E; e++ {
		gi, j := e/kern.Lanes, e%kern.Lanes
		if g.ALog != nil {
			for n := 0; n < N; n++ {
				var sum float32
				for b := 0; b < Bn; b++ {
					sum += p.dA[(b*G+gi)*s+n*kern.Lanes+j]
				}
				g.ALog[e*N+n] += sum * in.A[e*N+n]
			}
		}
		var dd, db float32
		for b := 0; b < Bn; b++ {
			dd += p.dD[(b*G+gi)*kern.Lanes+j]
			db += p.dBias[(b*G+gi)*kern.Lanes+j]
		}
		if g.Dskip != nil {
			g.Dskip[e] += dd
		}
		if g.Bias != nil {
			g.Bias[e] += db
		}
	}
}

// reduceBlocks writes dst[i] = Σ_blk part[blk, i] in block order, rounded.
func reduceBlocks(pol precision.Policy, dst, part []float32, nblk int) {
	n := len(dst)
	tensor.Parallel(n, 256, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var s float32
			for blk := 0; blk < nblk; blk++ {
				s += part[blk*n+i]
			}
			dst[i] = pol.Compute.Round(s)
		}
	})
}

// accumulate adds src to a parameter gradient dst unless it is frozen (nil).
func accumulate(dst, src []float32) {
	if dst != nil {
		tensor.AddTo(dst, src)
	}
}
