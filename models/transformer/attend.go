package transformer

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/internal/scratch"
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
	tensor.GemmSerial(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc) // called from inside Parallel
}

// qBlock is the number of queries per causal block. A block needs the keys
// up to its last query only, so the products skip part of the masked upper
// triangle (at T = 256 they do 75% of the full square's work, at T = 2048
// 53%); smaller blocks would skip more but make products too small to run
// fast (at head dim 32: 128-row blocks run the whole attention 1.3x faster
// than 32-row ones, BenchmarkAttend).
const qBlock = 128

// attnScratch is one worker's probability and gradient blocks.
type attnScratch struct{ ph, dp, pr, tv, tk, kt, vt []float32 }

var attnBufs scratch.List[attnScratch]

func getScratch(Tk, HD int, half bool) *attnScratch {
	s := attnBufs.Get()
	s.ph, s.dp = tensor.Grow(s.ph, qBlock*Tk), tensor.Grow(s.dp, qBlock*Tk)
	s.kt, s.vt = tensor.Grow(s.kt, HD*Tk), tensor.Grow(s.vt, HD*Tk)
	if half {
		s.pr, s.tv, s.tk = tensor.Grow(s.pr, qBlock*Tk), tensor.Grow(s.tv, Tk*HD), tensor.Grow(s.tk, Tk*HD)
	}
	return s
}

// attend writes out (B, Tq, NH·HD) from q (B, NH, Tq, HD) and k, v (B,
// NKV, S, HD). HF eager_attention_forward: softmax(q·kᵀ·scale + mask,
// fp32)·v, computed by blocks of qBlock queries. The probabilities are not
// kept: attendBackward recomputes them (the same operations, so the same
// values), which keeps the memory of a training step linear in T.
//
// The work items are (sequence, head, query block), taken largest first
// (the last blocks see the most keys) by the workers in turn: 12 heads of
// 4 blocks keep 16 threads busy where one item a head left 4 idle. Each
// item computes its rows of out the same way whichever worker takes it.
func attend(pol precision.Policy, out, q, k, v []float32, sh attnShape, scale float32) {
	HD, Tq, ldo := sh.HD, sh.Tq, sh.NH*sh.HD
	heads, blocks := sh.B*sh.NH, (Tq+qBlock-1)/qBlock
	tensor.ParallelQueue(heads*blocks, func(next func() (int, bool)) {
		s := getScratch(sh.Tk, HD, false)
		defer attnBufs.Put(s)
		for it, ok := next(); ok; it, ok = next() {
			bh, i0 := it%heads, (blocks-1-it/heads)*qBlock
			b, h := bh/sh.NH, bh%sh.NH
			kv := sh.kvBlock(b, h)
			rows, nk := sh.block(i0)
			keys, ldk := sh.keys(s.kt, k[kv:], nk)
			p := s.ph[:rows*nk]
			probs(pol, p, q[(bh*Tq+i0)*HD:], keys, ldk, sh, scale, i0, nk)
			pol.Act(p) // the 16-bit operand of p·v (HF: softmax(...).to(query.dtype), then a half matmul)
			o := out[(b*Tq+i0)*ldo+h*HD:]
			gemm(false, false, rows, HD, nk, p, nk, v[kv:], HD, 0, o, ldo)
			for r := range rows { // p·v is a 16-bit tensor
				pol.Act(o[r*ldo : r*ldo+HD])
			}
		}
	})
}

// block returns the queries of the block starting at query i0 and the
// number of keys its last query sees.
func (sh attnShape) block(i0 int) (rows, nk int) {
	rows = min(qBlock, sh.Tq-i0)
	return rows, sh.Tk - sh.Tq + i0 + rows
}

// kvBlock is the offset of the K/V block that query head h of batch b reads.
func (sh attnShape) kvBlock(b, h int) int {
	return (b*sh.NKV + h/(sh.NH/sh.NKV)) * sh.S * sh.HD
}

// transposeHead writes the first n rows of one head's keys or values
// (n, HD) transposed into dst (HD, n), so that products with them run as
// plain (NN) matrix products, the backends' fastest form.
// Eight source rows at a time: each destination row gets 8 adjacent
// values per pass (3x faster than one row at a time at n 256, HD 32).
func transposeHead(dst, src []float32, n, HD int) []float32 {
	dst = dst[:HD*n]
	t := 0
	for ; t+8 <= n; t += 8 {
		s := src[t*HD : (t+8)*HD]
		for d := 0; d < HD; d++ {
			o := dst[d*n+t : d*n+t+8]
			o[0], o[1], o[2], o[3] = s[d], s[HD+d], s[2*HD+d], s[3*HD+d]
			o[4], o[5], o[6], o[7] = s[4*HD+d], s[5*HD+d], s[6*HD+d], s[7*HD+d]
		}
	}
	for ; t < n; t++ {
		for d, v := range src[t*HD : (t+1)*HD] {
			dst[d*n+t] = v
		}
	}
	return dst
}

// keys returns the first n keys of one head as probs takes them, and
// their leading dimension: transposed into kt (HD, n) when there are
// enough queries to amortise the copy, else kb itself (n, HD).
func (sh attnShape) keys(kt, kb []float32, n int) ([]float32, int) {
	if sh.Tq < minTransposeQ {
		return kb, sh.HD
	}
	return transposeHead(kt, kb, n, sh.HD), n
}

// minTransposeQ is the number of queries from which the keys are transposed
// (decoding a few tokens reads them in place).
const minTransposeQ = 16

// probs writes the causal softmax probabilities (rows, nk) of the queries
// i0.. of one head (qh starts at query i0) from its keys and their leading
// dimension as sh.keys returned them (at least nk keys).
func probs(pol precision.Policy, p, qh, keys []float32, ldk int, sh attnShape, scale float32, i0, nk int) {
	rows, off := len(p)/nk, sh.Tk-sh.Tq
	if sh.Tq < minTransposeQ {
		gemm(false, true, rows, nk, sh.HD, qh, sh.HD, keys, ldk, 0, p, nk)
	} else {
		gemm(false, false, rows, nk, sh.HD, qh, sh.HD, keys, ldk, 0, p, nk)
	}
	if pol.Half() {
		// the product and the scaled scores are 16-bit tensors:
		// round(round(s)·scale), two passes over the whole block (the
		// masked scores too, which are finite and cleared below) rather than
		// three calls a row
		pol.Act(p)
		pol.Compute.ScaleTo(p, p, scale)
		scale = 1
	}
	for i := 0; i < rows; i++ {
		row := p[i*nk : (i+1)*nk]
		n := off + i0 + i + 1
		softmaxScores(row[:n], scale)
		clear(row[n:])
	}
}

// softmaxScores scales the raw scores q·k of one query and replaces them by
// their softmax in fp32 (float32 exponentials within 2 ulp, kern).
func softmaxScores(row []float32, scale float32) {
	m := kern.Max(row) * scale // scale > 0: the max of the scaled scores
	sum := kern.ExpScaleShift(row, row, scale, m)
	kern.Scale(row, float32(1/sum))
}

// attendBackward writes dq (B, NH, Tq, HD) and dk, dv (B, NKV, Tk, HD; S =
// Tk) from dout (B, Tq, NH·HD). With P the probabilities and dP = dO·vᵀ:
// dv = Pᵀ·dO, dS = P⊙(dP − rowsum(dP⊙P))·scale, dq = dS·k, dk = dSᵀ·q, by
// blocks of queries. Work is split over (batch, kv head) so the heads
// sharing k and v add into them in a fixed order.
func attendBackward(pol precision.Policy, dq, dk, dv, dout, q, k, v []float32, sh attnShape, scale float32) {
	HD, Tq, Tk, ldo := sh.HD, sh.Tq, sh.Tk, sh.NH*sh.HD
	group := sh.NH / sh.NKV
	half := pol.Half()
	tensor.Parallel(sh.B*sh.NKV, 1, func(lo, hi int) {
		s := getScratch(Tk, HD, half)
		defer attnBufs.Put(s)
		for bj := lo; bj < hi; bj++ {
			b, kv := bj/sh.NKV, bj*sh.S*HD
			dkb, dvb := dk[kv:kv+Tk*HD], dv[kv:kv+Tk*HD]
			keys, ldk := sh.keys(s.kt, k[kv:], Tk)
			vt := transposeHead(s.vt, v[kv:], Tk, HD)
			clear(dkb)
			clear(dvb)
			for h := (bj % sh.NKV) * group; h < (bj%sh.NKV+1)*group; h++ {
				bh := b*sh.NH + h
				// per-head sums: under 16 bits each head's term is rounded once
				accV, accK := dvb, dkb
				if half {
					accV, accK = s.tv, s.tk
					clear(accV)
					clear(accK)
				}
				for i0 := 0; i0 < Tq; i0 += qBlock {
					rows, nk := sh.block(i0)
					ph, dp := s.ph[:rows*nk], s.dp[:rows*nk]
					qb, do := q[(bh*Tq+i0)*HD:], dout[(b*Tq+i0)*ldo+h*HD:]
					probs(pol, ph, qb, keys, ldk, sh, scale, i0, nk)
					gemm(false, false, rows, nk, HD, do, ldo, vt, Tk, 0, dp, nk)
					pol.Act(dp)
					pv := ph
					if half {
						pv = s.pr[:rows*nk]
						pol.ActTo(pv, ph)
					}
					gemm(true, false, nk, HD, rows, pv, nk, do, ldo, 1, accV, HD)
					scoreGrads(pol, ph, dp, nk, sh.Tk-sh.Tq+i0, scale)
					dqb := dq[(bh*Tq+i0)*HD : (bh*Tq+i0+rows)*HD]
					gemm(false, false, rows, HD, nk, dp, nk, k[kv:], HD, 0, dqb, HD)
					pol.Act(dqb)
					gemm(true, false, nk, HD, rows, dp, nk, qb, HD, 1, accK, HD)
				}
				if half {
					pol.Compute.AddRounded(dvb, s.tv[:Tk*HD])
					pol.Compute.AddRounded(dkb, s.tk[:Tk*HD])
				}
			}
			pol.Act(dkb)
			pol.Act(dvb)
		}
	})
}

// scoreGrads turns dp (rows, nk), the gradient of the probabilities p of
// queries at positions first.., into the gradient of the raw scores,
// dS = p⊙(dp − Σ p·dp)·scale, zero where masked.
func scoreGrads(pol precision.Policy, p, dp []float32, nk, first int, scale float32) {
	rowScale := scale
	if pol.Half() {
		rowScale = 1 // scaled below, after the rounding
	}
	for i := 0; i < len(p)/nk; i++ {
		n := first + i + 1
		pi, di := p[i*nk:i*nk+n], dp[i*nk:(i+1)*nk]
		dot := kern.Dot(pi, di[:n])
		kern.SoftmaxBackward(di[:n], pi, di[:n], dot, rowScale)
		clear(di[n:])
	}
	if pol.Half() { // round(round(p·(dp − dot))·scale), two passes over the block (masked zeros stay 0)
		pol.Act(dp)
		pol.Compute.ScaleTo(dp, dp, scale)
	}
}
