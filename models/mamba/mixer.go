package mamba

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/lm"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Mixer is mamba_ssm's Mamba module (HF MambaMixer), one layer's
// sequence mixer: in_proj → causal conv → SiLU → x_proj → dt_proj →
// selective scan (with D skip and SiLU(z) gate) → out_proj.
type Mixer struct {
	Name    string     // module path, "backbone.layers.<i>.mixer"
	InProj  *nn.Linear // (2E, D): rows 0..E−1 give x, rows E..2E−1 give z
	Conv    *nn.Conv1d // (E, 1, K) depthwise, causal
	XProj   *nn.Linear // (R+2N, E): rows dt (R), then B (N), then C (N)
	DtProj  *nn.Linear // (E, R), weight only: its bias is DtBias
	DtBias  *nn.Param  // (E) "dt_proj.bias", added in fp32 inside the scan
	ALog    *nn.Param  // (E, N) A = −exp(A_log)
	Dskip   *nn.Param  // (E) "D", the skip connection
	OutProj *nn.Linear // (D, E)

	D, E, N, R, K int

	// activations of the last Forward, reused by Backward
	batch, length int
	in            []float32 // (B, L, D) the caller's normed input
	xz            []float32 // (B, L, 2E) in_proj output x | z, read in place (row stride 2E)
	xext          []float32 // (B, K−1+L, E) a continuation's conv input: the state's K−1 inputs, then x
	xc            []float32 // (B, L, E) conv output
	u             []float32 // (B, L, E) SiLU(xc), the scan input
	dbl           []float32 // (B, L, R+2N) x_proj output
	dt            []float32 // (B, L, R)
	bm, cm        []float32 // (B, L, N)
	dtr           []float32 // (B, L, E) dt_proj(dt), no bias
	a             []float32 // (E, N) A = −exp(A_log)
	sc            scanIn
	so            scanOut
	step          stepScratch // the recurrent Step's activations
	scan          Scan        // which selective-scan kernels Forward and Backward run
}

// NewMixer allocates a zero mixer with HF parameter names under name
// (InitMixer draws mamba_ssm's initialisation).
func NewMixer(c Config, name string) *Mixer {
	D, E, N, R, K := c.D, c.E(), c.N, c.R(), c.K
	m := &Mixer{
		Name:    name,
		InProj:  nn.NewLinear(name+".in_proj", D, 2*E, c.Bias),
		Conv:    nn.NewConv1d(name+".conv1d", E, K, c.ConvBias),
		XProj:   nn.NewLinear(name+".x_proj", E, R+2*N, false),
		DtProj:  nn.NewLinear(name+".dt_proj", R, E, false),
		DtBias:  nn.NewParam(name+".dt_proj.bias", true, E),
		ALog:    nn.NewParam(name+".A_log", true, E, N),
		Dskip:   nn.NewParam(name+".D", true, E),
		OutProj: nn.NewLinear(name+".out_proj", E, D, c.Bias),
		D:       D, E: E, N: N, R: R, K: K,
	}
	m.Conv.InputRounded = true // it reads in_proj's output
	return m
}

// Params lists the mixer's parameters in a fixed order (that of HF's files).
func (m *Mixer) Params() []*nn.Param {
	ps := []*nn.Param{m.ALog, m.Dskip}
	ps = append(ps, m.Conv.W)
	if m.Conv.B != nil {
		ps = append(ps, m.Conv.B)
	}
	ps = append(ps, m.DtProj.W, m.DtBias)
	ps = append(ps, m.InProj.Params()...)
	ps = append(ps, m.OutProj.Params()...)
	return append(ps, m.XProj.W)
}

// A returns A = −exp(A_log) (E, N) in fp32, as every path computes it.
func (m *Mixer) A() []float32 {
	m.a = tensor.Grow(m.a, m.E*m.N)
	for i, v := range m.ALog.Value.Data {
		m.a[i] = -kern.Exp(v)
	}
	return m.a
}

// Delta returns the step sizes Δ (B, L, E) of the last Forward.
func (m *Mixer) Delta() []float32 { return m.so.Delta }

// Forward writes the mixer output out (B, L, D) for the normed input in
// (B, L, D), which must stay unchanged until Backward.
func (m *Mixer) Forward(pol precision.Policy, out, in []float32, B, L int) {
	m.forward(pol, out, in, B, L, nil)
}

// forward is Forward from the state st (B sequences) when st is not nil:
// the conv reads st's K−1 inputs before t = 0 instead of zeros and the
// scan starts from st's h instead of 0. Backward cannot follow such a pass.
func (m *Mixer) forward(pol precision.Policy, out, in []float32, B, L int, st *LayerState) {
	n, E, N, R := B*L, m.E, m.N, m.R
	m.batch, m.length, m.in = B, L, in
	m.xz = tensor.Grow(m.xz, n*2*E)
	m.xc, m.u = tensor.Grow(m.xc, n*E), tensor.Grow(m.u, n*E)
	m.dbl = tensor.Grow(m.dbl, n*(R+2*N))
	m.dt, m.bm, m.cm = tensor.Grow(m.dt, n*R), tensor.Grow(m.bm, n*N), tensor.Grow(m.cm, n*N)
	m.dtr = tensor.Grow(m.dtr, n*E)

	m.InProj.Forward(pol, m.xz, in, n) // autocast linear: x | z on the compute grid
	if st == nil {
		m.Conv.ForwardStrided(pol, m.xc, m.xz, 2*E, B, L) // autocast conv on x in place, last tap = current token
	} else {
		m.convFrom(pol, st.Conv, B, L)
	}
	nn.SiLU(m.u, m.xc) // half elementwise op: fp32 compute, rounded
	pol.Act(m.u)
	m.XProj.Forward(pol, m.dbl, m.u, n)
	splitCols(m.dbl, n, part{m.dt, R}, part{m.bm, N}, part{m.cm, N})
	m.DtProj.Forward(pol, m.dtr, m.dt, n) // dt_proj.weight @ dt; the bias goes into the scan
	m.sc = scanIn{B: B, L: L, E: E, N: N, U: m.u, Dt: m.dtr, Z: m.xz[E:], ZS: 2 * E, Bm: m.bm, Cm: m.cm,
		A: m.A(), Dskip: m.Dskip.Value.Data, Bias: m.DtBias.Value.Data}
	if st != nil {
		m.sc.H0 = st.SSM
	}
	if m.scan == Reference {
		scanRef(pol, &m.sc, &m.so)
	} else {
		scan(pol, &m.sc, &m.so)
	}
	m.OutProj.Forward(pol, out, m.so.Y, n)
}

// convFrom is the conv of Forward after the state's last K−1 inputs prev
// (B, K−1, E): it runs the same kernel over those rows followed by x, so
// each output sums the same products in the same order as a Forward over
// the whole sequence, and drops the first K−1 outputs.
func (m *Mixer) convFrom(pol precision.Policy, prev []float32, B, L int) {
	E, P := m.E, m.K-1
	Lx := P + L
	m.xext = tensor.Grow(m.xext, 2*B*Lx*E) // the inputs, then the outputs
	for b := 0; b < B; b++ {
		copy(m.xext[b*Lx*E:], prev[b*P*E:(b+1)*P*E])
		for t := 0; t < L; t++ {
			copy(m.xext[(b*Lx+P+t)*E:(b*Lx+P+t+1)*E], m.xz[(b*L+t)*2*E:(b*L+t)*2*E+E])
		}
	}
	yx := m.xext[B*Lx*E:]
	m.Conv.Forward(pol, yx, m.xext[:B*Lx*E], B, Lx)
	for b := 0; b < B; b++ {
		copy(m.xc[b*L*E:(b+1)*L*E], yx[(b*Lx+P)*E:(b+1)*Lx*E])
	}
}

// part is one column range of a row-major matrix: width columns, stored
// contiguously in buf.
type part struct {
	buf   []float32
	width int
}

// splitCols copies consecutive column ranges of src (rows x Σ widths) into
// the contiguous parts.
func splitCols(src []float32, rows int, parts ...part) {
	walkCols(rows, parts, func(r, off int, p part) {
		copy(p.buf[r*p.width:(r+1)*p.width], src[off:off+p.width])
	})
}

// joinCols is the inverse of splitCols: it writes the parts side by side.
func joinCols(dst []float32, rows int, parts ...part) {
	walkCols(rows, parts, func(r, off int, p part) {
		copy(dst[off:off+p.width], p.buf[r*p.width:(r+1)*p.width])
	})
}

func walkCols(rows int, parts []part, fn func(r, off int, p part)) {
	width := 0
	for _, p := range parts {
		width += p.width
	}
	for r := 0; r < rows; r++ {
		off := r * width
		for _, p := range parts {
			fn(r, off, p)
			off += p.width
		}
	}
}

func grow4(a, b, c, d []float32, n int) ([]float32, []float32, []float32, []float32) {
	return tensor.Grow(a, n), tensor.Grow(b, n), tensor.Grow(c, n), tensor.Grow(d, n)
}

func (m *Mixer) String() string {
	return fmt.Sprintf("Mixer(%s D=%d E=%d N=%d R=%d K=%d)", m.Name, m.D, m.E, m.N, m.R, m.K)
}

// Linears returns the mixer's linear layers by module path.
func (m *Mixer) Linears() map[string]*nn.Linear {
	out := map[string]*nn.Linear{}
	for _, l := range []*nn.Linear{m.InProj, m.XProj, m.DtProj, m.OutProj} {
		out[l.Name] = l
	}
	return out
}

var _ lm.Mixer = (*Mixer)(nil)
