package mamba2

import (
	"math"

	"github.com/ssmlab/ssmlab/models/tensor"
)

// NumChunks returns ⌈L/Q⌉, the chunks of a sequence of length L.
func NumChunks(L, Q int) int { return (L + Q - 1) / Q }

// ChunkScan computes SeqScan's y with the chunked SSD algorithm
// (Mamba-2 paper section 6; ssd_minimal_discrete). Within a chunk of Q
// steps, with per-step log-decays a_k = dt_k·A_h and segment decays
// w(j, i) = exp(a_{j+1} + … + a_i):
//
//  1. intra-chunk (diagonal blocks):  y_i  = Σ_{j≤i} w(j, i) (C_i·B_j) dt_j x_j
//  2. state to output:                y_i += w(−1, i) S C_i, S the state at the chunk start
//  3. chunk-end state:                S'   = w(−1, Q−1) S + Σ_j w(j, Q−1) dt_j x_j B_jᵀ
//  4. inter-chunk recurrence:         S ← S' for the next chunk.
//
// The last chunk may be shorter than Q (see the package comment). states
// (B, H, ⌈L/Q⌉+1, P, N) receives the state at the start of every chunk and,
// last, the final state; ChunkScanBackward needs it. h0 (B, H, P, N) is the
// initial state, nil for zero. Heads run in parallel.
func ChunkScan(y, states, x, dt, A, Bm, Cm, h0 []float32, d Dims, Q int) {
	d.check(x, dt, A, Bm, Cm)
	H, P, G, N, L := d.H, d.P, d.G, d.N, d.L
	nc := NumChunks(L, Q)
	PN := P * N
	if len(y) != len(x) || len(states) != d.B*H*(nc+1)*PN {
		panic("mamba2: ChunkScan output sizes")
	}
	tensor.Parallel(d.B*H, 1, func(lo, hi int) {
		dec, cum := make([]float32, Q), make([]float32, Q)
		for bh := lo; bh < hi; bh++ {
			b, hd := bh/H, bh%H
			g := d.group(hd)
			st := states[bh*(nc+1)*PN : (bh+1)*(nc+1)*PN]
			if h0 != nil {
				copy(st[:PN], h0[bh*PN:(bh+1)*PN])
			} else {
				clear(st[:PN])
			}
			for c := 0; c < nc; c++ {
				t0, q := c*Q, min(Q, L-c*Q)
				S, next := st[c*PN:(c+1)*PN], st[(c+1)*PN:(c+2)*PN]
				decays(dec, cum, dt, A[hd], b*L+t0, q, H, hd)
				xs := func(j int) []float32 { r := (b*L+t0+j)*H + hd; return x[r*P : (r+1)*P] }
				bs := func(j int) []float32 { r := (b*L+t0+j)*G + g; return Bm[r*N : (r+1)*N] }
				cs := func(j int) []float32 { r := (b*L+t0+j)*G + g; return Cm[r*N : (r+1)*N] }
				dts := func(j int) float32 { return dt[(b*L+t0+j)*H+hd] }
				for i := 0; i < q; i++ {
					r := (b*L+t0+i)*H + hd
					yi, ci := y[r*P:(r+1)*P], cs(i)
					for p := range P { // state to output
						yi[p] = cum[i] * dot(S[p*N:(p+1)*N], ci)
					}
					w := float32(1) // w(j, i), j from i down
					for j := i; j >= 0; j-- {
						axpy(w*dot(ci, bs(j))*dts(j), xs(j), yi)
						w *= dec[j]
					}
				}
				for k := range next {
					next[k] = cum[q-1] * S[k]
				}
				w := float32(1) // w(j, q−1)
				for j := q - 1; j >= 0; j-- {
					xj, bj, coef := xs(j), bs(j), w*dts(j)
					for p := range P {
						axpy(coef*xj[p], bj, next[p*N:(p+1)*N])
					}
					w *= dec[j]
				}
			}
		}
	})
}

// decays fills dec[k] = exp(dt_k·A) and cum[i] = Π_{k≤i} dec[k] for the q
// steps of a chunk starting at row r0 (= b·L + t0).
func decays(dec, cum, dt []float32, A float32, r0, q, H, hd int) {
	p := float32(1)
	for k := 0; k < q; k++ {
		dec[k] = float32(math.Exp(float64(dt[(r0+k)*H+hd] * A)))
		p *= dec[k]
		cum[k] = p
	}
}

// ChunkScanBackward differentiates ChunkScan chunk by chunk, last chunk
// first, carrying dS = d loss / d (chunk-end state) backwards through the
// inter-chunk recurrence. It writes dx, ddt, dA (H), dBm and dCm for dy;
// the initial state receives no gradient. Gradients with respect to the
// segment log-decays are gathered in a difference array, so each chunk
// costs O(Q²(N+P) + Q·P·N) like the forward pass.
func ChunkScanBackward(dx, ddt, dA, dBm, dCm, dy, states, x, dt, A, Bm, Cm []float32, d Dims, Q int) {
	d.check(x, dt, A, Bm, Cm)
	H, P, G, N, L := d.H, d.P, d.G, d.N, d.L
	nc := NumChunks(L, Q)
	PN := P * N
	dBh, dCh := make([]float32, d.B*L*H*N), make([]float32, d.B*L*H*N) // per head, summed into groups below
	dAh := make([]float32, d.B*H)
	tensor.Parallel(d.B*H, 1, func(lo, hi int) {
		dec, cum, diff := make([]float32, Q), make([]float32, Q), make([]float32, Q+1)
		du := make([]float32, Q*P)
		dS, dSp := make([]float32, PN), make([]float32, PN) // d/d chunk end, d/d chunk start
		for bh := lo; bh < hi; bh++ {
			b, hd := bh/H, bh%H
			g := d.group(hd)
			Ah := A[hd]
			st := states[bh*(nc+1)*PN : (bh+1)*(nc+1)*PN]
			clear(dS)
			var dAacc float32
			for c := nc - 1; c >= 0; c-- {
				t0, q := c*Q, min(Q, L-c*Q)
				S := st[c*PN : (c+1)*PN]
				decays(dec, cum, dt, Ah, b*L+t0, q, H, hd)
				row := func(j int) int { return b*L + t0 + j }
				xs := func(j int) []float32 { r := row(j)*H + hd; return x[r*P : (r+1)*P] }
				bs := func(j int) []float32 { r := row(j)*G + g; return Bm[r*N : (r+1)*N] }
				cs := func(j int) []float32 { r := row(j)*G + g; return Cm[r*N : (r+1)*N] }
				dbs := func(j int) []float32 { r := row(j)*H + hd; return dBh[r*N : (r+1)*N] }
				dcs := func(j int) []float32 { r := row(j)*H + hd; return dCh[r*N : (r+1)*N] }
				dts := func(j int) float32 { return dt[row(j)*H+hd] }
				clear(diff[:q+1])
				clear(du[:q*P])
				for j := 0; j < q; j++ {
					clear(dbs(j))
					clear(dcs(j))
				}
				// 3. S' = w(−1, q−1) S + Σ_j w(j, q−1) u_j B_jᵀ, u_j = dt_j x_j
				eL := cum[q-1]
				for k := range dSp {
					dSp[k] = eL * dS[k]
				}
				segGrad(diff, -1, q-1, eL*dot(dS, S))
				w := float32(1)
				for j := q - 1; j >= 0; j-- {
					xj, bj, dbj, duj, dtj := xs(j), bs(j), dbs(j), du[j*P:(j+1)*P], dts(j)
					var uSB float32 // u_jᵀ dS B_j
					for p := range P {
						r := dot(dS[p*N:(p+1)*N], bj)
						duj[p] += w * r
						uSB += dtj * xj[p] * r
						axpy(w*dtj*xj[p], dS[p*N:(p+1)*N], dbj)
					}
					segGrad(diff, j, q-1, w*uSB)
					w *= dec[j]
				}
				for i := 0; i < q; i++ {
					r := (row(i))*H + hd
					dyi, ci, dci := dy[r*P:(r+1)*P], cs(i), dcs(i)
					// 2. y_i += w(−1, i) S C_i
					e := cum[i]
					var dcum float32
					for p := range P {
						sp := S[p*N : (p+1)*N]
						dcum += dyi[p] * dot(sp, ci)
						axpy(e*dyi[p], ci, dSp[p*N:(p+1)*N])
						axpy(e*dyi[p], sp, dci)
					}
					segGrad(diff, -1, i, e*dcum)
					// 1. y_i += Σ_{j≤i} w(j, i) (C_i·B_j) u_j
					w := float32(1)
					for j := i; j >= 0; j-- {
						bj, dtj := bs(j), dts(j)
						gij := dot(ci, bj)
						s := dtj * dot(dyi, xs(j)) // dy_i·u_j
						axpy(w*gij, dyi, du[j*P:(j+1)*P])
						axpy(w*s, bj, dci)
						axpy(w*s, ci, dbs(j))
						segGrad(diff, j, i, w*gij*s)
						w *= dec[j]
					}
				}
				// a_k = dt_k·A and u_k = dt_k x_k
				var run float32
				for k := 0; k < q; k++ {
					run += diff[k] // d loss / d a_k
					r := row(k)*H + hd
					xk, duk, dtk := xs(k), du[k*P:(k+1)*P], dts(k)
					ddt[r] = Ah*run + dot(xk, duk)
					dAacc += dtk * run
					dxk := dx[r*P : (r+1)*P]
					for p := range P {
						dxk[p] = dtk * duk[p]
					}
				}
				dS, dSp = dSp, dS
			}
			dAh[bh] = dAacc
		}
	})
	clear(dA)
	for bh, v := range dAh {
		dA[bh%H] += v
	}
	hpg := H / G
	for r := 0; r < d.B*L; r++ { // sum the heads of each group
		for g := 0; g < G; g++ {
			db, dc := dBm[(r*G+g)*N:(r*G+g+1)*N], dCm[(r*G+g)*N:(r*G+g+1)*N]
			clear(db)
			clear(dc)
			for hd := g * hpg; hd < (g+1)*hpg; hd++ {
				tensor.AddTo(db, dBh[(r*H+hd)*N:(r*H+hd+1)*N])
				tensor.AddTo(dc, dCh[(r*H+hd)*N:(r*H+hd+1)*N])
			}
		}
	}
}

// segGrad adds v, a gradient with respect to the log of w(j, i) =
// exp(a_{j+1} + … + a_i), to every a_k with j < k ≤ i through the
// difference array diff (j = −1 means from the chunk start).
func segGrad(diff []float32, j, i int, v float32) {
	diff[j+1] += v
	diff[i+1] -= v
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
