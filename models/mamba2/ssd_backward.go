package mamba2

import "github.com/ssmlab/ssmlab/models/tensor"

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
	sb := ssdBufList.Get()
	defer ssdBufList.Put(sb)
	T := zeroed(&sb.t, len(states))                 // d loss / d states
	tensor.Parallel(d.B*nc*H, 1, func(lo, hi int) { // from step 4: T_c = Σ_i w(−1, i) dy_i C_iᵀ
		s := newScratch(min(Q, L), P, N)
		defer scratchList.Put(s)
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
	dBh, dCh := zeroed(&sb.dBh, d.B*L*H*N), zeroed(&sb.dCh, d.B*L*H*N) // per head, summed into groups below
	dAc := make([]float32, d.B*nc*H)
	tensor.Parallel(d.B*nc*H, 1, func(lo, hi int) {
		s := newScratch(min(Q, L), P, N)
		defer scratchList.Put(s)
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
	q, P, N, H := k.q, k.d.P, k.d.N, k.d.H
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
	for j := 0; j < q; j++ {
		run += s.diff[j]
		r := (k.r0+j)*H + k.hd
		ddt[r] = s.ddt[j] + k.a*run
		dA += dt[r] * run
	}
	return dA
}
