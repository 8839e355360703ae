package mamba2

import (
	"fmt"
	"math"
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

// SeqScan is the reference SSD recurrence, one step at a time (the
// specification ChunkScan is tested against; Mamba-2 paper eq. (1) with a
// scalar A per head):
//
//	h_t = exp(dt_t·A_h) h_{t−1} + dt_t x_t B_tᵀ     (P, N)
//	y_t = h_t C_t                                    (P)
//
// It writes y (B, L, H, P) and, when hs is non-nil, the state after every
// step into hs (B, H, L, P, N), which SeqScanBackward needs. h0 (B, H, P, N)
// is the initial state, nil for zero. The D skip is not part of the scan.
func SeqScan(y, hs, x, dt, A, Bm, Cm, h0 []float32, d Dims) {
	d.check(x, dt, A, Bm, Cm)
	H, P, G, N, L := d.H, d.P, d.G, d.N, d.L
	h := make([]float32, P*N)
	for bh := 0; bh < d.B*H; bh++ {
		b, hd := bh/H, bh%H
		g := d.group(hd)
		if h0 != nil {
			copy(h, h0[bh*P*N:(bh+1)*P*N])
		} else {
			clear(h)
		}
		for t := 0; t < L; t++ {
			row := b*L + t
			dtv := dt[row*H+hd]
			a := float32(math.Exp(float64(dtv * A[hd])))
			xt := x[(row*H+hd)*P : (row*H+hd+1)*P]
			bt := Bm[(row*G+g)*N : (row*G+g+1)*N]
			ct := Cm[(row*G+g)*N : (row*G+g+1)*N]
			yt := y[(row*H+hd)*P : (row*H+hd+1)*P]
			for p := range P {
				hp := h[p*N : (p+1)*N]
				u := dtv * xt[p]
				var s float32
				for n := range N {
					hp[n] = a*hp[n] + u*bt[n]
					s += hp[n] * ct[n]
				}
				yt[p] = s
			}
			if hs != nil {
				copy(hs[(bh*L+t)*P*N:], h)
			}
		}
	}
}

// SeqScanBackward differentiates SeqScan. Given dy (B, L, H, P) and the
// states hs of the forward pass it writes dx, ddt, dA (H), dBm and dCm;
// the initial state receives no gradient.
func SeqScanBackward(dx, ddt, dA, dBm, dCm, dy, hs, x, dt, A, Bm, Cm, h0 []float32, d Dims) {
	d.check(x, dt, A, Bm, Cm)
	H, P, G, N, L := d.H, d.P, d.G, d.N, d.L
	clear(dA)
	clear(dBm)
	clear(dCm)
	dh := make([]float32, P*N)
	zero := make([]float32, P*N)
	for bh := 0; bh < d.B*H; bh++ {
		b, hd := bh/H, bh%H
		g := d.group(hd)
		clear(dh)
		for t := L - 1; t >= 0; t-- {
			row := b*L + t
			dtv := dt[row*H+hd]
			a := float32(math.Exp(float64(dtv * A[hd])))
			xt := x[(row*H+hd)*P : (row*H+hd+1)*P]
			dyt := dy[(row*H+hd)*P : (row*H+hd+1)*P]
			dxt := dx[(row*H+hd)*P : (row*H+hd+1)*P]
			bt, dbt := Bm[(row*G+g)*N:(row*G+g+1)*N], dBm[(row*G+g)*N:(row*G+g+1)*N]
			ct, dct := Cm[(row*G+g)*N:(row*G+g+1)*N], dCm[(row*G+g)*N:(row*G+g+1)*N]
			ht := hs[(bh*L+t)*P*N : (bh*L+t+1)*P*N]
			prev := zero
			if t > 0 {
				prev = hs[(bh*L+t-1)*P*N : (bh*L+t)*P*N]
			} else if h0 != nil {
				prev = h0[bh*P*N : (bh+1)*P*N]
			}
			var dda, ddtv float32 // d/da and the direct d/d dt through u = dt·x
			for p := range P {
				dhp, hp, pp := dh[p*N:(p+1)*N], ht[p*N:(p+1)*N], prev[p*N:(p+1)*N]
				u := dtv * xt[p]
				var sb float32 // Σ_n dh[p,n] B[n]
				for n := range N {
					dhp[n] += dyt[p] * ct[n] // y_t = h_t C_t
					dct[n] += hp[n] * dyt[p]
					sb += dhp[n] * bt[n]
					dbt[n] += dhp[n] * u
					dda += dhp[n] * pp[n]
				}
				dxt[p] = dtv * sb
				ddtv += xt[p] * sb
			}
			ddt[row*H+hd] = ddtv + dda*a*A[hd] // a = exp(dt·A)
			dA[hd] += dda * a * dtv
			for i := range dh {
				dh[i] *= a
			}
		}
	}
}
