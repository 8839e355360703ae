package mamba2

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/tensor"
)

// Dims are the shapes of one scan. Tensors are channel last:
//
//	x, y  (B, L, H, P)    dt  (B, L, H)    A  (H)
//	Bm, Cm (B, L, G, N)   a state (B, H, P, N)
type Dims struct{ B, L, H, P, G, N int }

// group returns the group whose B and C head h reads.
func (d Dims) group(h int) int { return h / (d.H / d.G) }

func (d Dims) check(x, dt, A, Bm, Cm []float32) {
	if d.B <= 0 || d.L <= 0 || d.H <= 0 || d.P <= 0 || d.G <= 0 || d.N <= 0 || d.H%d.G != 0 ||
		len(x) != d.B*d.L*d.H*d.P || len(dt) != d.B*d.L*d.H || len(A) != d.H ||
		len(Bm) != d.B*d.L*d.G*d.N || len(Cm) != len(Bm) {
		panic(fmt.Sprintf("mamba2: scan %+v with len(x)=%d len(dt)=%d len(A)=%d len(B)=%d len(C)=%d",
			d, len(x), len(dt), len(A), len(Bm), len(Cm)))
	}
}

// step addresses the inputs of one (batch, time, head) step.
type step struct {
	x, y, b, c []float32 // (P), (P), (N), (N)
	dt, a      float32   // dt and exp(dt·A)
}

// step returns step (b, t, hd); y may be nil.
func (d Dims) step(x, y, dt, A, Bm, Cm []float32, b, t, hd int) step {
	row, g := b*d.L+t, d.group(hd)
	P, N := d.P, d.N
	r, rg := row*d.H+hd, row*d.G+g
	dtv := dt[r]
	s := step{x: x[r*P : (r+1)*P], b: Bm[rg*N : (rg+1)*N], c: Cm[rg*N : (rg+1)*N],
		dt: dtv, a: float32(math.Exp(float64(dtv * A[hd])))}
	if y != nil {
		s.y = y[r*P : (r+1)*P]
	}
	return s
}

// forward advances the state h (P, N): h = a·h + dt·x Bᵀ, and writes
// s.y = h C unless s.y is nil.
func (s step) forward(h []float32) {
	N := len(s.b)
	for p, xp := range s.x {
		hp := h[p*N : (p+1)*N]
		u := s.dt * xp
		var acc float32
		for n := range hp {
			hp[n] = s.a*hp[n] + u*s.b[n]
			acc += hp[n] * s.c[n]
		}
		if s.y != nil {
			s.y[p] = acc
		}
	}
}

// backward differentiates forward at state h (after the step) and prev
// (before it). On entry dh holds d loss / d h from later steps; it adds
// the step's own output gradient dy, writes dx, accumulates dB and dC and
// returns d loss / d dt and d loss / d A; on return dh holds d loss / d prev.
func (s step) backward(dh, h, prev, dy, dx, dB, dC []float32, A float32) (ddt, dA float32) {
	N := len(s.b)
	var dda float32 // d loss / d a
	for p, xp := range s.x {
		dhp, hp, pp := dh[p*N:(p+1)*N], h[p*N:(p+1)*N], prev[p*N:(p+1)*N]
		u := s.dt * xp
		var sb float32 // Σ_n dh[p,n] B[n]
		for n := range dhp {
			dhp[n] += dy[p] * s.c[n] // y = h C
			dC[n] += hp[n] * dy[p]
			sb += dhp[n] * s.b[n]
			dB[n] += dhp[n] * u
			dda += dhp[n] * pp[n]
		}
		dx[p] = s.dt * sb
		ddt += xp * sb
	}
	for i := range dh {
		dh[i] *= s.a
	}
	return ddt + dda*s.a*A, dda * s.a * s.dt // a = exp(dt·A)
}

// SeqScan is the reference SSD recurrence, one step at a time, serially
// (the specification the other scans are tested against; Mamba-2 paper
// eq. (1) with a scalar A per head):
//
//	h_t = exp(dt_t·A_h) h_{t−1} + dt_t x_t B_tᵀ     (P, N)
//	y_t = h_t C_t                                    (P)
//
// It writes y (B, L, H, P) and, when hs is non-nil, the state after every
// step into hs (B, H, L, P, N), which SeqScanBackward needs. h0 (B, H, P, N)
// is the initial state, nil for zero. The D skip is not part of the scan.
func SeqScan(y, hs, x, dt, A, Bm, Cm, h0 []float32, d Dims) {
	d.check(x, dt, A, Bm, Cm)
	PN := d.P * d.N
	h := make([]float32, PN)
	for bh := 0; bh < d.B*d.H; bh++ {
		initState(h, h0, bh, PN)
		for t := 0; t < d.L; t++ {
			d.step(x, y, dt, A, Bm, Cm, bh/d.H, t, bh%d.H).forward(h)
			if hs != nil {
				copy(hs[(bh*d.L+t)*PN:], h)
			}
		}
	}
}

func initState(h, h0 []float32, bh, PN int) {
	if h0 != nil {
		copy(h, h0[bh*PN:(bh+1)*PN])
	} else {
		clear(h)
	}
}

// SeqScanBackward differentiates SeqScan. Given dy (B, L, H, P) and the
// states hs of the forward pass it writes dx, ddt, dA (H), dBm and dCm;
// the initial state receives no gradient.
func SeqScanBackward(dx, ddt, dA, dBm, dCm, dy, hs, x, dt, A, Bm, Cm, h0 []float32, d Dims) {
	d.check(x, dt, A, Bm, Cm)
	H, PN, L := d.H, d.P*d.N, d.L
	clear(dA)
	clear(dBm)
	clear(dCm)
	dh, prev := make([]float32, PN), make([]float32, PN)
	for bh := 0; bh < d.B*H; bh++ {
		b, hd := bh/H, bh%H
		clear(dh)
		for t := L - 1; t >= 0; t-- {
			s := d.step(x, dy, dt, A, Bm, Cm, b, t, hd) // s.y is dy
			if t > 0 {
				copy(prev, hs[(bh*L+t-1)*PN:])
			} else {
				initState(prev, h0, bh, PN)
			}
			r, rg := b*L+t, (b*L+t)*d.G+d.group(hd)
			ddtv, dAv := s.backward(dh, hs[(bh*L+t)*PN:(bh*L+t+1)*PN], prev, s.y, dx[(r*H+hd)*d.P:(r*H+hd+1)*d.P],
				dBm[rg*d.N:(rg+1)*d.N], dCm[rg*d.N:(rg+1)*d.N], A[hd])
			ddt[r*H+hd] = ddtv
			dA[hd] += dAv
		}
	}
}

// RecScan is the recurrence of SeqScan run in parallel over (batch, head)
// that keeps only the state at every Q-th step: it writes y and states
// (B, H, ⌈L/Q⌉+1, P, N) exactly as ChunkScan does, so the two are
// interchangeable. It does the least arithmetic of the scans (4·P·N per
// step and head) and is the fastest on CPUs without a fast BLAS.
func RecScan(y, states, x, dt, A, Bm, Cm, h0 []float32, d Dims, Q int) {
	d.check(x, dt, A, Bm, Cm)
	nc, PN := NumChunks(d.L, Q), d.P*d.N
	if len(y) != len(x) || len(states) != d.B*d.H*(nc+1)*PN {
		panic("mamba2: RecScan output sizes")
	}
	tensor.Parallel(d.B*d.H, 1, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			st := states[bh*(nc+1)*PN : (bh+1)*(nc+1)*PN]
			h := st[:PN]
			initState(h, h0, bh, PN)
			for c := 0; c < nc; c++ {
				next := st[(c+1)*PN : (c+2)*PN]
				copy(next, st[c*PN:(c+1)*PN])
				for t := c * Q; t < min((c+1)*Q, d.L); t++ {
					d.step(x, y, dt, A, Bm, Cm, bh/d.H, t, bh%d.H).forward(next)
				}
			}
		}
	})
}

// RecScanBackward differentiates RecScan (and ChunkScan: the states are
// the same). Going backwards chunk by chunk it recomputes the Q states of
// a chunk from its start state, then runs SeqScanBackward's step.
func RecScanBackward(dx, ddt, dA, dBm, dCm, dy, states, x, dt, A, Bm, Cm []float32, d Dims, Q int) {
	d.check(x, dt, A, Bm, Cm)
	H, N, L := d.H, d.N, d.L
	nc, PN := NumChunks(L, Q), d.P*d.N
	dBh, dCh := make([]float32, d.B*L*H*N), make([]float32, d.B*L*H*N) // per head, summed into groups below
	dAh := make([]float32, d.B*H)
	tensor.Parallel(d.B*H, 1, func(lo, hi int) {
		qe := min(Q, L)
		hs, dh := make([]float32, qe*PN), make([]float32, PN)
		for bh := lo; bh < hi; bh++ {
			b, hd := bh/H, bh%H
			clear(dh)
			for c := nc - 1; c >= 0; c-- {
				t0, q := c*Q, min(Q, L-c*Q)
				start := states[(bh*(nc+1)+c)*PN : (bh*(nc+1)+c+1)*PN]
				for i := 0; i < q; i++ { // recompute the chunk's states
					prev := start
					if i > 0 {
						prev = hs[(i-1)*PN : i*PN]
					}
					copy(hs[i*PN:(i+1)*PN], prev)
					d.step(x, nil, dt, A, Bm, Cm, b, t0+i, hd).forward(hs[i*PN : (i+1)*PN])
				}
				for i := q - 1; i >= 0; i-- {
					t := t0 + i
					prev := start
					if i > 0 {
						prev = hs[(i-1)*PN : i*PN]
					}
					s := d.step(x, dy, dt, A, Bm, Cm, b, t, hd)
					r := (b*L+t)*H + hd
					dbr, dcr := dBh[r*N:(r+1)*N], dCh[r*N:(r+1)*N]
					clear(dbr)
					clear(dcr)
					ddtv, dAv := s.backward(dh, hs[i*PN:(i+1)*PN], prev, s.y, dx[r*d.P:(r+1)*d.P], dbr, dcr, A[hd])
					ddt[r] = ddtv
					dAh[bh] += dAv
				}
			}
		}
	})
	sumHeads(dA, dBm, dCm, dAh, dBh, dCh, d)
}

// sumHeads reduces per-(batch, head) dA and per-head dB, dC into dA (H)
// and the groups' dBm, dCm, in a fixed order (deterministic).
func sumHeads(dA, dBm, dCm, dAh, dBh, dCh []float32, d Dims) {
	H, G, N := d.H, d.G, d.N
	clear(dA)
	for i, v := range dAh {
		dA[i%H] += v
	}
	hpg := H / G
	for r := 0; r < d.B*d.L; r++ {
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
