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
		for it := lo; it < hi; it++ {
			k := d.chunk(it, Q, nc, dt, A, x, y, Bm, Cm, s)
			gemm(false, true, k.q, P, N, 1, k.cm, k.ldbc, states[k.state(k.c0):], N, 0, s.t1, P)
			for i := 0; i < k.q; i++ {
				axpy(s.cum[i], s.t1[i*P:(i+1)*P], k.y[i*k.ldx:i*k.ldx+P])
			}
		}
	})
}

// ChunkScanBackward differentiates ChunkScan. It writes dx, ddt, dA (H),
// dBm and dCm for dy; the initial state receives no gradient. The
// gradient T_c of every chunk-start state runs backwards through step 3
// (over (batch, head)); everything else is per chunk, in parallel, with the
// matrix products of the forward pass transposed. Gradients with respect
// to the log segment decays are gathered in a difference array, so a chunk
// costs what its forward pass does.
func ChunkScanBackward(dx, ddt, dA, dBm, dCm, dy, states, x, dt, A, Bm, Cm []float32, d Dims, Q int) {
	d.check(x, dt, A, Bm, Cm)
	H, P, N, L := d.H, d.P, d.N, d.L
	nc, PN := NumChunks(L, Q), P*N
	T := make([]float32, len(states))               // d loss / d states
	tensor.Parallel(d.B*nc*H, 1, func(lo, hi int) { // from step 4: T_c = Σ_i w(−1, i) dy_i C_iᵀ
		s := newScratch(min(Q, L), P, N)
		for it := lo; it < hi; it++ {
			k := d.chunk(it, Q, nc, dt, A, x, dy, Bm, Cm, s)
			for i := 0; i < k.q; i++ {
				for p := 0; p < P; p++ {
					s.t1[i*P+p] = s.cum[i] * k.y[i*k.ldx+p]
				}
			}
			gemm(true, false, P, N, k.q, 1, s.t1, P, k.cm, k.ldbc, 0, T[k.state(k.c0):], N)
		}
	})
	dEnd := make([]float32, d.B*H*nc)            // d loss / d w(−1, q−1) of each chunk
	tensor.Parallel(d.B*H, 1, func(lo, hi int) { // step 3 backwards
		dec := make([]float32, min(Q, L))
		for bh := lo; bh < hi; bh++ {
			b, hd := bh/H, bh%H
			base := bh * (nc + 1) * PN
			for c := nc - 1; c >= 0; c-- {
				eL := chunkDecay(dec, dt, A[hd], b*L+c*Q, min(Q, L-c*Q), H, hd)
				next, cur := T[base+(c+1)*PN:base+(c+2)*PN], T[base+c*PN:base+(c+1)*PN]
				dEnd[bh*nc+c] = dot(next, states[base+c*PN:base+(c+1)*PN])
				axpy(eL, next, cur)
			}
		}
	})
	dBh, dCh := make([]float32, d.B*L*H*N), make([]float32, d.B*L*H*N) // per head, summed into groups below
	dAc := make([]float32, d.B*nc*H)
	tensor.Parallel(d.B*nc*H, 1, func(lo, hi int) {
		s := newScratch(min(Q, L), P, N)
		for it := lo; it < hi; it++ {
			k := d.chunk(it, Q, nc, dt, A, x, dy, Bm, Cm, s)
			dAc[it] = k.backward(s, dx, ddt, dBh, dCh, T, states, dEnd[(k.bi*H+k.hd)*nc+k.c0], dt)
		}
	})
	sumHeads(dA, dBm, dCm, dAc, dBh, dCh, d)
}

// backward is one chunk of ChunkScanBackward (k.y holds dy). It writes the
// chunk's rows of dx, ddt and the per-head dBh, dCh, and returns its part
// of dA. dEnd is d loss / d w(−1, q−1) from the inter-chunk recurrence.
func (k *chunk) backward(s *scratch, dx, ddt, dBh, dCh, T, states []float32, dEnd float32, dt []float32) float32 {
	d, q, P, N, H := k.d, k.q, k.d.P, k.d.N, k.d.H
	dxk, ldh := dx[(k.r0*H+k.hd)*P:], H*N
	dbk, dck := dBh[(k.r0*H+k.hd)*N:], dCh[(k.r0*H+k.hd)*N:]
	S, dSl := states[k.state(k.c0):], T[k.state(k.c0+1):] // chunk-start state, d loss / d S_loc
	clear(s.diff[:q+1])
	k.segments(s, dt)
	// 4. Y += diag(w(−1, i)) C S_cᵀ
	gemm(false, true, q, P, N, 1, k.cm, k.ldbc, S, N, 0, s.t1, P)
	for i := 0; i < q; i++ {
		dyi := k.y[i*k.ldx : i*k.ldx+P]
		segGrad(s.diff, -1, i, s.cum[i]*dot(dyi, s.t1[i*P:(i+1)*P]))
		for p := 0; p < P; p++ {
			s.t2[i*P+p] = s.cum[i] * dyi[p]
		}
	}
	gemm(false, false, q, N, P, 1, s.t2, P, S, N, 0, dck, ldh)
	// 3. S_{c+1} = w(−1, q−1) S_c + S_loc
	segGrad(s.diff, -1, q-1, s.cum[q-1]*dEnd)
	// 2. S_loc = Xᵀ diag(coef) B, coef_j = w(j, q−1)·dt_j; R = B dS_locᵀ
	gemm(false, true, q, P, N, 1, k.bm, k.ldbc, dSl, N, 0, s.t1, P)
	for j := 0; j < q; j++ {
		dtj := dt[(k.r0+j)*H+k.hd]
		coef := s.tail[j] * dtj
		xj, rj := k.x[j*k.ldx:j*k.ldx+P], s.t1[j*P:(j+1)*P]
		dcoef := dot(xj, rj)
		s.ddt[j] = s.tail[j] * dcoef
		segGrad(s.diff, j, q-1, coef*dcoef)
		for p := 0; p < P; p++ {
			dxk[j*k.ldx+p] = coef * rj[p]
			s.t2[j*P+p] = coef * xj[p]
		}
	}
	gemm(false, false, q, N, P, 1, s.t2, P, dSl, N, 0, dbk, ldh)
	// 1. Y = M X with M = C Bᵀ ∘ W
	gemm(false, true, q, q, N, 1, k.cm, k.ldbc, k.bm, k.ldbc, 0, s.cb, s.Q)
	k.maskedM(s, dt)
	gemm(true, false, q, P, q, 1, s.m, s.Q, k.y, k.ldx, 1, dxk, k.ldx)
	gemm(false, true, q, q, P, 1, k.y, k.ldx, k.x, k.ldx, 0, s.dm, s.Q) // dM = dY Xᵀ
	for i := 0; i < q; i++ {
		w := float32(1) // w(j, i)
		for j := i; j >= 0; j-- {
			dm, dtj := s.dm[i*s.Q+j], dt[(k.r0+j)*H+k.hd]
			s.ddt[j] += dm * s.cb[i*s.Q+j] * w
			segGrad(s.diff, j, i, dm*s.m[i*s.Q+j])
			s.dm[i*s.Q+j] = dm * w * dtj // d loss / d (C Bᵀ)_ij
			w *= s.dec[j]
		}
		clear(s.dm[i*s.Q+i+1 : i*s.Q+q])
	}
	gemm(false, false, q, N, q, 1, s.dm, s.Q, k.bm, k.ldbc, 1, dck, ldh)
	gemm(true, false, q, N, q, 1, s.dm, s.Q, k.cm, k.ldbc, 1, dbk, ldh)
	// a_k = dt_k·A: d/da_k is the prefix sum of the difference array
	var run, dA float32
	Ah := k.a
	for j := 0; j < q; j++ {
		run += s.diff[j]
		dtj := dt[(k.r0+j)*H+k.hd]
		ddt[(k.r0+j)*H+k.hd] = s.ddt[j] + Ah*run
		dA += dtj * run
	}
	_ = d
	return dA
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
	statesPerHead int
}

func (d Dims) chunk(it, Q, nc int, dt, A, x, y, Bm, Cm []float32, s *scratch) *chunk {
	H, P, G, N := d.H, d.P, d.G, d.N
	b, c0, hd := it/(nc*H), (it/H)%nc, it%H
	g := d.group(hd)
	r0 := b*d.L + c0*Q
	k := &chunk{d: d, bi: b, c0: c0, hd: hd, q: min(Q, d.L-c0*Q), r0: r0, a: A[hd],
		x: x[(r0*H+hd)*P:], y: y[(r0*H+hd)*P:], bm: Bm[(r0*G+g)*N:], cm: Cm[(r0*G+g)*N:],
		ldx: H * P, ldbc: G * N, nc: nc, statesPerHead: (nc + 1) * P * N}
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

func newScratch(Q, P, N int) *scratch {
	f := func(n int) []float32 { return make([]float32, n) }
	return &scratch{Q: Q, dec: f(Q), cum: f(Q), tail: f(Q), ddt: f(Q), diff: f(Q + 1),
		cb: f(Q * Q), m: f(Q * Q), dm: f(Q * Q), t1: f(Q * P), t2: f(Q * P), bs: f(Q * N)}
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
	tensor.Default().Gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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
