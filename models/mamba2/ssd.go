package mamba2

import (
	"math"

	"github.com/ssmlab/ssmlab/models/tensor"
)

// NumChunks returns ⌈L/Q⌉, the chunks of a sequence of length L.
func NumChunks(L, Q int) int { return (L + Q - 1) / Q }

// ChunkScan computes SeqScan's y with the chunked SSD algorithm (Mamba-2
// paper section 6, ssd_minimal_discrete). Within a chunk of q ≤ Q steps,
// with per-step decays exp(a_k), a_k = dt_k·A_h, and segment decays
// w(j, i) = exp(a_{j+1} + … + a_i) (w(−1, i) from the chunk start):
//
//  1. intra-chunk (diagonal blocks):  Y  = (C Bᵀ ∘ W) X,  W_ij = w(j, i)·dt_j for j ≤ i, else 0
//  2. chunk state:                    S_loc = Xᵀ diag(w(j, q−1)·dt_j) B
//  3. inter-chunk recurrence:         S_{c+1} = w(−1, q−1) S_c + S_loc
//  4. state to output:                Y += diag(w(−1, i)) C S_cᵀ
//
// Steps 1, 2 and 4 are matrix products (tensor's Gemm backend) and run in
// parallel over (batch, chunk, head); step 3 runs over (batch, head).
// The last chunk may be shorter than Q (see the package comment). states
// (B, H, ⌈L/Q⌉+1, P, N) receives the state at the start of every chunk and,
// last, the final state; ChunkScanBackward needs it. h0 (B, H, P, N) is the
// initial state, nil for zero.
func ChunkScan(y, states, x, dt, A, Bm, Cm, h0 []float32, d Dims, Q int) {
	d.check(x, dt, A, Bm, Cm)
	H, P, N := d.H, d.P, d.N
	nc, PN := NumChunks(d.L, Q), P*N
	if len(y) != len(x) || len(states) != d.B*H*(nc+1)*PN {
		panic("mamba2: ChunkScan output sizes")
	}
	tensor.Parallel(d.B*nc*H, 1, func(lo, hi int) { // 1 and 2
		s := newScratch(min(Q, d.L), P, N)
		defer scratchList.Put(s)
		for it := lo; it < hi; it++ {
			k := d.chunk(it, Q, nc, dt, A, x, y, Bm, Cm, s)
			k.segments(s, dt)
			gemm(false, true, k.q, k.q, N, 1, k.cm, k.ldbc, k.bm, k.ldbc, 0, s.cb, s.Q)
			k.maskedM(s, dt)
			gemm(false, false, k.q, P, k.q, 1, s.m, s.Q, k.x, k.ldx, 0, k.y, k.ldx)
			for j := 0; j < k.q; j++ { // B rows scaled by w(j, q−1)·dt_j
				coef := s.tail[j] * dt[(k.r0+j)*H+k.hd]
				for n := 0; n < N; n++ {
					s.bs[j*N+n] = coef * k.bm[j*k.ldbc+n]
				}
			}
			gemm(true, false, P, N, k.q, 1, k.x, k.ldx, s.bs, N, 0, states[k.state(k.c0+1):], N)
		}
	})
	tensor.Parallel(d.B*H, 1, func(lo, hi int) { // 3
		dec := make([]float32, min(Q, d.L))
		for bh := lo; bh < hi; bh++ {
			b, hd := bh/H, bh%H
			st := states[bh*(nc+1)*PN : (bh+1)*(nc+1)*PN]
			if h0 != nil {
				copy(st[:PN], h0[bh*PN:(bh+1)*PN])
			} else {
				clear(st[:PN])
			}
			for c := 0; c < nc; c++ {
				eL := chunkDecay(dec, dt, A[hd], b*d.L+c*Q, min(Q, d.L-c*Q), H, hd)
				axpy(eL, st[c*PN:(c+1)*PN], st[(c+1)*PN:(c+2)*PN])
			}
		}
	})
	tensor.Parallel(d.B*nc*H, 1, func(lo, hi int) { // 4
		s := newScratch(min(Q, d.L), P, N)
		defer scratchList.Put(s)
		for it := lo; it < hi; it++ {
			k := d.chunk(it, Q, nc, dt, A, x, y, Bm, Cm, s)
			gemm(false, true, k.q, P, N, 1, k.cm, k.ldbc, states[k.state(k.c0):], N, 0, s.t1, P)
			for i := 0; i < k.q; i++ {
				axpy(s.cum[i], s.t1[i*P:(i+1)*P], k.y[i*k.ldx:i*k.ldx+P])
			}
		}
	})
}

// chunk addresses one (batch, chunk, head) of a scan: strided views of its
// rows of x, y (or dy), B and C.
type chunk struct {
	d             Dims
	bi, c0, hd, q int // batch, chunk index, head, steps
	r0            int // first row, b·L + c0·Q
	a             float32
	x, y, bm, cm  []float32
	ldx, ldbc     int
	nc            int
}

// chunk returns work item it = (b·nc + c)·H + h and fills s.dec with the
// chunk's step decays and s.cum[i] with w(−1, i). y may be dy.
func (d Dims) chunk(it, Q, nc int, dt, A, x, y, Bm, Cm []float32, s *scratch) *chunk {
	H, P, G, N := d.H, d.P, d.G, d.N
	b, c0, hd := it/(nc*H), (it/H)%nc, it%H
	g := d.group(hd)
	r0 := b*d.L + c0*Q
	k := &chunk{d: d, bi: b, c0: c0, hd: hd, q: min(Q, d.L-c0*Q), r0: r0, a: A[hd],
		x: x[(r0*H+hd)*P:], y: y[(r0*H+hd)*P:], bm: Bm[(r0*G+g)*N:], cm: Cm[(r0*G+g)*N:],
		ldx: H * P, ldbc: G * N, nc: nc}
	chunkDecay(s.dec, dt, k.a, r0, k.q, H, hd)
	p := float32(1)
	for i := 0; i < k.q; i++ {
		p *= s.dec[i]
		s.cum[i] = p
	}
	return k
}

// state returns the offset of chunk-start state c of this (batch, head).
func (k *chunk) state(c int) int {
	return ((k.bi*k.d.H+k.hd)*(k.nc+1) + c) * k.d.P * k.d.N
}

// segments fills s.tail[j] = w(j, q−1).
func (k *chunk) segments(s *scratch, dt []float32) {
	w := float32(1)
	for j := k.q - 1; j >= 0; j-- {
		s.tail[j] = w
		w *= s.dec[j]
	}
}

// maskedM fills s.m with M_ij = (C Bᵀ)_ij·w(j, i)·dt_j for j ≤ i, else 0.
func (k *chunk) maskedM(s *scratch, dt []float32) {
	Q, H := s.Q, k.d.H
	for i := 0; i < k.q; i++ {
		w := float32(1)
		for j := i; j >= 0; j-- {
			s.m[i*Q+j] = s.cb[i*Q+j] * w * dt[(k.r0+j)*H+k.hd]
			w *= s.dec[j]
		}
		clear(s.m[i*Q+i+1 : i*Q+k.q])
	}
}

// chunkDecay fills dec[k] = exp(dt_k·A) for the q steps from row r0 and
// returns their product w(−1, q−1).
func chunkDecay(dec, dt []float32, A float32, r0, q, H, hd int) float32 {
	p := float32(1)
	for k := 0; k < q; k++ {
		dec[k] = float32(math.Exp(float64(dt[(r0+k)*H+hd] * A)))
		p *= dec[k]
	}
	return p
}

// scratch holds one worker's chunk buffers (Q = min(chunk size, L)).
type scratch struct {
	Q                         int
	dec, cum, tail, ddt, diff []float32 // (Q), diff (Q+1)
	cb, m, dm                 []float32 // (Q, Q)
	t1, t2                    []float32 // (Q, P)
	bs                        []float32 // (Q, N)
}

// newScratch returns a worker's buffers, all zero, from a free list (give
// them back with scratchList.Put).
func newScratch(Q, P, N int) *scratch {
	s := scratchList.Get()
	s.Q = Q
	for _, f := range []struct {
		buf *[]float32
		n   int
	}{{&s.dec, Q}, {&s.cum, Q}, {&s.tail, Q}, {&s.ddt, Q}, {&s.diff, Q + 1},
		{&s.cb, Q * Q}, {&s.m, Q * Q}, {&s.dm, Q * Q}, {&s.t1, Q * P}, {&s.t2, Q * P}, {&s.bs, Q * N}} {
		zeroed(f.buf, f.n)
	}
	return s
}

// segGrad adds v, a gradient with respect to the log of w(j, i) =
// exp(a_{j+1} + … + a_i), to every a_k with j < k ≤ i through the
// difference array diff (j = −1 means from the chunk start).
func segGrad(diff []float32, j, i int, v float32) {
	diff[j+1] += v
	diff[i+1] -= v
}

// gemm is C = alpha·op(A)·op(B) + beta·C with explicit leading dimensions
// on tensor's default backend (strided views of (B, L, H, P) tensors).
func gemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	tensor.GemmSerial(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) // called from inside Parallel
}

func dot(a, b []float32) float32 {
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// axpy sets y += alpha·x.
func axpy(alpha float32, x, y []float32) {
	for i, v := range x {
		y[i] += alpha * v
	}
}
