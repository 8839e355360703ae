package kern

import "fmt"

// Lanes is the number of channels a scan group holds: one AVX register of
// float32. States and A of a group are stored n-major, (N, Lanes).
const Lanes = 8

// Log2E scales A for the AL2 fields: AL2 = A·Log2E in float32.
const Log2E = 1.44269504088896341

// The selective scan (Mamba Alg. 2) of one group of up to 8 channels e0..e0+W−1
// of one sequence (ScanFwd also takes two adjacent groups, W up to 16: the
// second group's (N, 8) blocks of H, AT and AL2 follow the first's), for
// every step t:
//
//	Δ_t = softplus(dt_t + bias)          (identity above 20, as PyTorch)
//	h_t = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t·u_t·B_t
//	y_t = C_t·h_t + D·u_t,   out_t = y_t·SiLU(z_t)
//
// Per-(t, e) tensors are (L, E) row-major from the group's first channel
// (row stride E); B and C are (L, N).

// Fwd holds the arguments of ScanFwd. The assembly reads it by field offset:
// keep the order (slices first, then ints); TestLayout checks it.
type Fwd struct {
	H     []float32 // (N, 8) state, advanced in place
	AT    []float32 // (N, 8) A of the group
	AL2   []float32 // (N, 8) A·log2(e) (the assembly's exponential is 2^(Δ·A·log2 e))
	Bm    []float32 // (Len, N)
	Cm    []float32 // (Len, N)
	Dt    []float32 // dt_proj output without its bias
	U     []float32 // scan input
	Z     []float32 // gate
	Bias  []float32 // (8) dt bias
	D     []float32 // (8) skip
	Delta []float32 // out: Δ
	YPre  []float32 // out: y before the gate
	Y     []float32 // out: y·SiLU(z), not rounded
	Len   int       // steps
	N     int       // state size
	E     int       // row stride of the per-(t, e) tensors
	W     int       // channels (1..16; the assembly runs when 8, and when 16 with AVX-512)
	ZS    int       // row stride of Z (0: E), so z may be read in place from in_proj's output
}

// ScanFwd advances the group's state over a.Len steps and writes Δ, y and
// the gated output.
func ScanFwd(a *Fwd) {
	if a.ZS == 0 {
		a.ZS = a.E
	}
	a.check()
	switch {
	case useAsm && a.W == Lanes:
		scanFwdAsm(a)
	case useAsm && hasAVX512 && a.W == 2*Lanes:
		scanFwd16(a)
	default:
		scanFwdGo(a)
	}
}

// blockIndex is the index of state row n, channel j of a group (pair):
// channel j lives in block j/8 of N·8 values, lane j%8.
func blockIndex(N, n, j int) int { return (j/Lanes)*N*Lanes + n*Lanes + j%Lanes }

func (a *Fwd) check() {
	n8, rows := a.N*Lanes*((a.W+Lanes-1)/Lanes), (a.Len-1)*a.E+a.W
	if a.W < 1 || a.W > 2*Lanes || a.Len < 1 || a.N < 1 || a.E < a.W ||
		len(a.H) < n8 || len(a.AT) < n8 || len(a.AL2) < n8 || len(a.Bm) < a.Len*a.N || len(a.Cm) < a.Len*a.N ||
		len(a.Bias) < a.W || len(a.D) < a.W || minLen(a.Dt, a.U, a.Delta, a.YPre, a.Y) < rows ||
		a.ZS < a.W || len(a.Z) < (a.Len-1)*a.ZS+a.W {
		panic(fmt.Sprintf("kern.ScanFwd: bad sizes Len=%d N=%d E=%d W=%d", a.Len, a.N, a.E, a.W))
	}
}

func minLen(xs ...[]float32) int {
	m := len(xs[0])
	for _, x := range xs[1:] {
		m = min(m, len(x))
	}
	return m
}

func scanFwdGo(a *Fwd) {
	N, E := a.N, a.E
	for t := 0; t < a.Len; t++ {
		bt, ct := a.Bm[t*N:(t+1)*N], a.Cm[t*N:(t+1)*N]
		for j := 0; j < a.W; j++ {
			i := t*E + j
			d := Softplus(a.Dt[i] + a.Bias[j])
			du := d * a.U[i]
			var y float32
			for n := 0; n < N; n++ {
				k := blockIndex(N, n, j)
				h := Exp(d*a.AT[k])*a.H[k] + du*bt[n]
				a.H[k] = h
				y += h * ct[n]
			}
			y += a.D[j] * a.U[i]
			a.Delta[i], a.YPre[i] = d, y
			a.Y[i] = y * silu(a.Z[t*a.ZS+j])
		}
	}
}

// Bwd holds the arguments of ScanBwd, one group (or, W up to 16, two
// adjacent groups, laid out as for Fwd) over one time chunk. The assembly
// reads it by field offset: keep the order.
type Bwd struct {
	H0    []float32 // (N, 8) state before the chunk's first step
	DH    []float32 // (N, 8) in: exp(Δ_{t+1}A)·dL/dh_{t+1} from after the chunk; out: the same before it
	AT    []float32 // (N, 8)
	AL2   []float32 // (N, 8) A·log2(e)
	DA    []float32 // (N, 8) += Σ dL/dh_t·Δ_t·exp(Δ_t A)·h_{t−1}, the gradient of A
	Bm    []float32 // (Len, N) from the chunk's first step
	Cm    []float32 // (Len, N)
	Dt    []float32 // per-(t, e) inputs, from [t0, e0]
	U     []float32
	Z     []float32
	DY    []float32 // gradient of the gated output
	Delta []float32 // Δ of the forward
	YPre  []float32 // y before the gate of the forward
	Bias  []float32 // (8)
	D     []float32 // (8)
	DU    []float32 // out: D·g + Σ_n dL/dh·Δ·B, g = dY·z·σ(z) the gradient of y
	DDt   []float32 // out: d dt (= d dt_bias per position)
	DZ    []float32 // out: d z, not rounded
	DD    []float32 // (8) += Σ_t g·u
	DBias []float32 // (8) += Σ_t d dt
	LaneB []float32 // (Len, N, 8) += dL/dh·Δ·u per lane (dB before summing the channels)
	LaneC []float32 // (Len, N, 8) += g·h_t per lane (dC before summing the channels)
	HS    []float32 // scratch (BwdScratch values): the recomputed states
	DAs   []float32 // scratch (BwdScratch values): exp(Δ_t A)
	Len   int
	N     int
	E     int
	W     int
	ZS    int // row stride of Z and DZ (0: E)
}

// ScanBwd recomputes the chunk's states from H0 (bit-identical to ScanFwd
// on the same machine) and runs the reverse-time recurrence over it.
func ScanBwd(a *Bwd) {
	if a.ZS == 0 {
		a.ZS = a.E
	}
	a.check()
	switch {
	case useAsm && a.W == Lanes:
		scanBwdAsm(a)
	case useAsm && hasAVX512 && a.W == 2*Lanes:
		scanBwd16(a)
	default:
		scanBwdGo(a)
	}
}

// BwdScratch is the length Bwd.HS and Bwd.DAs need for a chunk of Len
// steps at state size N, whatever the width (the 16-lane kernel keeps
// Len+1 rows of 16).
func BwdScratch(Len, N int) int { return (Len + 1) * N * 2 * Lanes }

func (a *Bwd) check() {
	n8, rows, lane := a.N*Lanes*((a.W+Lanes-1)/Lanes), (a.Len-1)*a.E+a.W, a.Len*a.N*Lanes
	if a.W < 1 || a.W > 2*Lanes || a.Len < 1 || a.N < 1 || a.E < a.W ||
		minLen(a.H0, a.DH, a.AT, a.AL2, a.DA) < n8 || len(a.Bm) < a.Len*a.N || len(a.Cm) < a.Len*a.N ||
		minLen(a.Bias, a.D, a.DD, a.DBias) < a.W || minLen(a.LaneB, a.LaneC) < lane ||
		(a.W <= Lanes && minLen(a.HS, a.DAs) < lane) || (a.W > Lanes && minLen(a.HS, a.DAs) < BwdScratch(a.Len, a.N)) ||
		minLen(a.Dt, a.U, a.DY, a.Delta, a.YPre, a.DU, a.DDt) < rows ||
		a.ZS < a.W || minLen(a.Z, a.DZ) < (a.Len-1)*a.ZS+a.W {
		panic(fmt.Sprintf("kern.ScanBwd: bad sizes Len=%d N=%d E=%d W=%d", a.Len, a.N, a.E, a.W))
	}
}

func scanBwdGo(a *Bwd) {
	N, E, L := a.N, a.E, a.Len
	w := Lanes * ((a.W + Lanes - 1) / Lanes) // scratch row width: 8, or 16 for a pair
	for t := 0; t < L; t++ {                 // recompute h_t and exp(Δ_t A)
		hs, das, bt := a.HS[t*N*w:], a.DAs[t*N*w:], a.Bm[t*N:(t+1)*N]
		for j := 0; j < a.W; j++ {
			i := t*E + j
			d := a.Delta[i]
			du := d * a.U[i]
			for n := 0; n < N; n++ {
				k, b := n*w+j, blockIndex(N, n, j)
				hp := a.H0[b]
				if t > 0 {
					hp = a.HS[(t-1)*N*w+k]
				}
				das[k] = Exp(d * a.AT[b])
				hs[k] = das[k]*hp + du*bt[n]
			}
		}
	}
	for t := L - 1; t >= 0; t-- {
		hs, das := a.HS[t*N*w:], a.DAs[t*N*w:]
		lb, lc := a.LaneB[t*N*Lanes:], a.LaneC[t*N*Lanes:]
		bt, ct := a.Bm[t*N:(t+1)*N], a.Cm[t*N:(t+1)*N]
		for j := 0; j < a.W; j++ {
			i := t*E + j
			z, dy := a.Z[t*a.ZS+j], a.DY[i]
			s := Sigmoid(z)
			gy := dy * z * s
			a.DZ[t*a.ZS+j] = dy * a.YPre[i] * s * (1 + z*(1-s))
			d, u := a.Delta[i], a.U[i]
			du := d * u
			var accB, accA float32
			for n := 0; n < N; n++ {
				k, b, l := n*w+j, blockIndex(N, n, j), n*Lanes+j%Lanes
				hp := a.H0[b]
				if t > 0 {
					hp = a.HS[(t-1)*N*w+k]
				}
				dh := a.DH[b] + gy*ct[n]
				lc[l] += gy * hs[k]
				lb[l] += dh * du
				accB += dh * bt[n]
				q := dh * das[k]
				a.DH[b] = q
				q *= hp
				accA += a.AT[b] * q
				a.DA[b] += d * q
			}
			a.DU[i] = a.D[j]*gy + d*accB
			ddt := (u*accB + accA) * Sigmoid(a.Dt[i]+a.Bias[j])
			a.DDt[i] = ddt
			a.DD[j] += gy * u
			a.DBias[j] += ddt
		}
	}
}
