package transformer

import (
	"math"

	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// attnShape describes one attention call. Query i of Tq sits at position
// Tk−Tq+i and sees keys 0..Tk−Tq+i (causal). Query head h reads K/V head
// h/(NH/NKV), as HF's repeat_kv repeats each K/V head NH/NKV times.
type attnShape struct {
	B, NH, NKV, HD int
	Tq, Tk         int // queries, visible keys
	S              int // rows per (batch, kv head) block of k and v, ≥ Tk
}

func gemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	tensor.Default().Gemm(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

// attend writes out (B, Tq, NH·HD) from q (B, NH, Tq, HD) and k, v (B,
// NKV, S, HD). HF eager_attention_forward: softmax(q·kᵀ·scale + mask,
// fp32)·v. The probabilities are not kept: attendBackward recomputes them
// (the same operations, so the same values), which keeps the memory of a
// training step linear in T.
func attend(pol precision.Policy, out, q, k, v []float32, sh attnShape, scale float32) {
	HD, Tq, Tk, ldo := sh.HD, sh.Tq, sh.Tk, sh.NH*sh.HD
	tensor.Parallel(sh.B*sh.NH, 1, func(lo, hi int) {
		ph := make([]float32, Tq*Tk)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/sh.NH, bh%sh.NH
			kv := sh.kvBlock(b, h)
			probs(pol, ph, q[bh*Tq*HD:], k[kv:], sh, scale)
			pol.Act(ph) // the 16-bit operand of p·v (HF: softmax(...).to(query.dtype), then a half matmul)
			o := out[b*Tq*ldo+h*HD:]
			gemm(false, false, Tq, HD, Tk, ph, Tk, v[kv:], HD, 0, o, ldo)
			for i := 0; pol.Half() && i < Tq; i++ {
				pol.Act(o[i*ldo : i*ldo+HD])
			}
		}
	})
}

// kvBlock is the offset of the K/V block that query head h of batch b reads.
func (sh attnShape) kvBlock(b, h int) int {
	return (b*sh.NKV + h/(sh.NH/sh.NKV)) * sh.S * sh.HD
}

// probs writes the causal softmax probabilities (Tq, Tk) of one head.
func probs(pol precision.Policy, p, qh, kb []float32, sh attnShape, scale float32) {
	Tq, Tk, off := sh.Tq, sh.Tk, sh.Tk-sh.Tq
	gemm(false, true, Tq, Tk, sh.HD, qh, sh.HD, kb, sh.HD, 0, p, Tk)
	for i := 0; i < Tq; i++ {
		row := p[i*Tk : (i+1)*Tk]
		softmaxScores(pol, row[:off+i+1], scale)
		clear(row[off+i+1:])
	}
}

// softmaxScores scales the raw scores q·k of one query and replaces them by
// their softmax. Under a 16-bit policy the product and the scaled score are
// 16-bit tensors (rounded); the softmax is fp32 (float64 sum).
func softmaxScores(pol precision.Policy, row []float32, scale float32) {
	m := float32(math.Inf(-1))
	for j, s := range row {
		if pol.Half() {
			s = pol.Compute.Round(pol.Compute.Round(s) * scale)
		} else {
			s *= scale
		}
		row[j] = s
		m = max(m, s)
	}
	var sum float64
	for j, s := range row {
		e := math.Exp(float64(s - m))
		row[j] = float32(e)
		sum += e
	}
	inv := 1 / sum
	for j := range row {
		row[j] = float32(float64(row[j]) * inv)
	}
}

// attendBackward writes dq (B, NH, Tq, HD) and dk, dv (B, NKV, Tk, HD; S =
// Tk) from dout (B, Tq, NH·HD). With P the probabilities and dP = dO·vᵀ:
// dv = Pᵀ·dO, dS = P⊙(dP − rowsum(dP⊙P))·scale, dq = dS·k, dk = dSᵀ·q.
// Work is split over (batch, kv head) so the heads sharing k and v add into
// them in a fixed order.
func attendBackward(pol precision.Policy, dq, dk, dv, dout, q, k, v []float32, sh attnShape, scale float32) {
	HD, Tq, Tk, off, ldo := sh.HD, sh.Tq, sh.Tk, sh.Tk-sh.Tq, sh.NH*sh.HD
	group := sh.NH / sh.NKV
	half := pol.Half()
	tensor.Parallel(sh.B*sh.NKV, 1, func(lo, hi int) {
		dp, ph := make([]float32, Tq*Tk), make([]float32, Tq*Tk)
		var pr, tmp []float32
		if half {
			pr, tmp = make([]float32, Tq*Tk), make([]float32, Tk*HD)
		}
		// acc adds op(a)ᵀ·b into c, rounding the per-head term under 16 bits
		acc := func(a []float32, lda int, b []float32, ldb int, c []float32) {
			if !half {
				gemm(true, false, Tk, HD, Tq, a, lda, b, ldb, 1, c, HD)
				return
			}
			gemm(true, false, Tk, HD, Tq, a, lda, b, ldb, 0, tmp, HD)
			pol.Act(tmp)
			tensor.AddTo(c, tmp)
		}
		for bj := lo; bj < hi; bj++ {
			b, kv := bj/sh.NKV, bj*sh.S*HD
			dkb, dvb := dk[kv:kv+Tk*HD], dv[kv:kv+Tk*HD]
			clear(dkb)
			clear(dvb)
			for h := (bj % sh.NKV) * group; h < (bj%sh.NKV+1)*group; h++ {
				bh := b*sh.NH + h
				do := dout[b*Tq*ldo+h*HD:]
				probs(pol, ph, q[bh*Tq*HD:], k[kv:], sh, scale)
				gemm(false, true, Tq, Tk, HD, do, ldo, v[kv:], HD, 0, dp, Tk)
				pol.Act(dp)
				pv := ph
				if half {
					copy(pr, ph)
					pol.Act(pr)
					pv = pr
				}
				acc(pv, Tk, do, ldo, dvb)
				for i := 0; i < Tq; i++ {
					n := off + i + 1
					pi, di := ph[i*Tk:i*Tk+n], dp[i*Tk:(i+1)*Tk]
					var dot float64
					for j, pj := range pi {
						dot += float64(pj) * float64(di[j])
					}
					for j, pj := range pi {
						ds := pol.Compute.Round(pj * (di[j] - float32(dot)))
						di[j] = pol.Compute.Round(ds * scale)
					}
					clear(di[n:])
				}
				dqh := dq[bh*Tq*HD : (bh+1)*Tq*HD]
				gemm(false, false, Tq, HD, Tk, dp, Tk, k[kv:], HD, 0, dqh, HD)
				pol.Act(dqh)
				acc(dp, Tk, q[bh*Tq*HD:], HD, dkb)
			}
			pol.Act(dkb)
			pol.Act(dvb)
		}
	})
}
