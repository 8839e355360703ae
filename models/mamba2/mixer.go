package mamba2

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Mixer is the Mamba-2 mixer of one block (HF Mamba2Mixer, mamba_ssm
// Mamba2 without the optional MLP part d_mlp). Parameter names are HF's
// under prefix (e.g. "backbone.layers.0.mixer").
type Mixer struct {
	cfg     Config
	scan    Scan
	InProj  *nn.Linear // (ProjDim, D): rows [z (E), x (E), B (G·N), C (G·N), dt (H)]
	Conv    *nn.Conv1d // (C, 1, K) over xBC
	DtBias  *nn.Param  // (H)
	ALog    *nn.Param  // (H), A = −exp(A_log)
	Dskip   *nn.Param  // (H), HF "D"
	Norm    *nn.Param  // (E), gated RMSNorm weight
	OutProj *nn.Linear // (D, E)

	// activations of the last Forward, kept for Backward
	b, l   int
	u      []float32 // (B, L, D) the input, owned by the caller
	proj   []float32 // (B, L, ProjDim)
	xbcIn  []float32 // (B, L, C) conv input
	xext   []float32 // (B, K−1+L, C) a continuation's conv input (the state's K−1 rows, then xbcIn), then its output
	conv   []float32 // (B, L, C) conv output before SiLU
	x      []float32 // (B, L, H, P) the scan input x (SiLU output)
	bm, cm []float32 // (B, L, G, N)
	dt     []float32 // (B, L, H) clamp(softplus(dt + dt_bias))
	a      []float32 // (H) A = −exp(A_log)
	states []float32 // (B, H, ⌈L/Q⌉+1, P, N) chunk-start states and the final state
	y      []float32 // (B, L, E) SSD(x) + D·x
	gated  []float32 // (B, L, E) y ⊙ SiLU(z)
	rstd   []float32 // (B·L)
	normed []float32 // (B, L, E) the out_proj input
}

// NewMixer allocates a zero mixer whose parameters are named prefix+".…".
func NewMixer(cfg Config, prefix string) *Mixer {
	E, H, C := cfg.E(), cfg.H(), cfg.ConvDim()
	conv := nn.NewConv1d(prefix+".conv1d", C, cfg.K, cfg.ConvBias)
	conv.InputRounded = true // it reads (a copy of) in_proj's output
	return &Mixer{
		cfg:     cfg,
		InProj:  nn.NewLinear(prefix+".in_proj", cfg.D, cfg.ProjDim(), cfg.Bias),
		Conv:    conv,
		DtBias:  nn.NewParam(prefix+".dt_bias", true, H),
		ALog:    nn.NewParam(prefix+".A_log", true, H),
		Dskip:   nn.NewParam(prefix+".D", true, H),
		Norm:    nn.NewParam(prefix+".norm.weight", true, E),
		OutProj: nn.NewLinear(prefix+".out_proj", E, cfg.D, cfg.Bias),
	}
}

// Params lists the mixer's parameters in HF's order.
func (m *Mixer) Params() []*nn.Param {
	ps := append([]*nn.Param{m.Conv.W}, paramsOf(m.Conv.B)...)
	ps = append(ps, m.InProj.Params()...)
	ps = append(ps, m.DtBias, m.ALog, m.Norm, m.Dskip)
	return append(ps, m.OutProj.Params()...)
}

func paramsOf(p *nn.Param) []*nn.Param {
	if p == nil {
		return nil
	}
	return []*nn.Param{p}
}

func (m *Mixer) dims(b, l int) Dims {
	c := m.cfg
	return Dims{B: b, L: l, H: c.H(), P: c.HeadDim, G: c.Groups, N: c.N}
}

// stepSize returns dt = clamp(softplus(v), limit) for v = dt + dt_bias,
// and d dt / d v. Under the -pure policies v and dt are 16-bit tensors.
func (m *Mixer) stepSize(pol precision.Policy, raw float32, h int) (dt, grad float32) {
	v := raw + m.DtBias.Value.Data[h]
	if pol.PureWeights {
		v = pol.Compute.Round(v)
	}
	dt, grad = nn.Softplus(v), nn.SoftplusGrad(v)
	if pol.PureWeights {
		dt = pol.Compute.Round(dt)
	}
	lo, hi := m.cfg.DtLimit[0], m.cfg.DtLimit[1]
	if float64(dt) < lo || float64(dt) > hi { // torch.clamp passes the gradient inside [lo, hi]
		dt, grad = float32(math.Max(lo, math.Min(hi, float64(dt)))), 0
	}
	return dt, grad
}

// Forward writes out (B, L, D) for the normalised block input u (B, L, D),
// which must stay unchanged until Backward.
func (m *Mixer) Forward(pol precision.Policy, out, u []float32, batch, length int) {
	m.forward(pol, out, u, batch, length, nil, nil)
}

// forward is Forward continuing from a state when conv0 and h0 are not nil
// (a State's Conv and SSM of one layer): the conv reads conv0's K−1 rows
// before t = 0 instead of zeros and the scan starts from h0. Backward
// cannot follow such a pass.
func (m *Mixer) forward(pol precision.Policy, out, u []float32, batch, length int, conv0, h0 []float32) {
	c := m.cfg
	E, H, C, Pj, GN := c.E(), c.H(), c.ConvDim(), c.ProjDim(), c.Groups*c.N
	n := batch * length
	d := m.dims(batch, length)
	m.b, m.l, m.u = batch, length, u
	m.proj = tensor.Grow(m.proj, n*Pj)
	m.xbcIn, m.conv = tensor.Grow(m.xbcIn, n*C), tensor.Grow(m.conv, n*C)
	m.x, m.bm, m.cm = tensor.Grow(m.x, n*E), tensor.Grow(m.bm, n*GN), tensor.Grow(m.cm, n*GN)
	m.dt, m.a = tensor.Grow(m.dt, n*H), tensor.Grow(m.a, H)
	m.states = tensor.Grow(m.states, batch*H*(NumChunks(length, c.ChunkSize)+1)*c.HeadDim*c.N)
	m.y, m.gated, m.normed = tensor.Grow(m.y, n*E), tensor.Grow(m.gated, n*E), tensor.Grow(m.normed, n*E)
	m.rstd = tensor.Grow(m.rstd, n)

	m.InProj.Forward(pol, m.proj, u, n)
	for r := 0; r < n; r++ {
		copy(m.xbcIn[r*C:(r+1)*C], m.proj[r*Pj+E:r*Pj+E+C])
	}
	if conv0 == nil {
		m.Conv.Forward(pol, m.conv, m.xbcIn, batch, length)
	} else {
		m.convFrom(pol, conv0, batch, length)
	}
	tensor.Parallel(n, 8, func(lo, hi int) {
		act := make([]float32, C)
		for r := lo; r < hi; r++ {
			kern.SiLU(act, m.conv[r*C:(r+1)*C]) // one row, inside the rows' parallel loop
			pol.Act(act)
			copy(m.x[r*E:(r+1)*E], act[:E])
			copy(m.bm[r*GN:(r+1)*GN], act[E:E+GN])
			copy(m.cm[r*GN:(r+1)*GN], act[E+GN:])
			for h := 0; h < H; h++ {
				m.dt[r*H+h], _ = m.stepSize(pol, m.proj[r*Pj+E+C+h], h)
			}
		}
	})
	negExp(m.a, m.ALog.Value.Data)
	if m.scan == Recurrent {
		RecScan(m.y, m.states, m.x, m.dt, m.a, m.bm, m.cm, h0, d, c.ChunkSize)
	} else {
		ChunkScan(m.y, m.states, m.x, m.dt, m.a, m.bm, m.cm, h0, d, c.ChunkSize)
	}
	m.addSkip(m.y, m.x, n)
	bb := mixerBufList.Get()
	defer mixerBufList.Put(bb)
	z := m.zView(&bb.z, n)
	gatedNormForward(m.normed, m.gated, m.rstd, m.y, z, m.Norm.Value.Data, n, E, c.Eps)
	m.OutProj.Forward(pol, out, m.normed, n)
}

// convFrom is Forward's conv after the K−1 rows prev (B, K−1, C): the
// same kernel over those rows followed by xbcIn, so each output sums the
// same products in the same order as a Forward over the whole sequence;
// the first K−1 outputs are dropped.
func (m *Mixer) convFrom(pol precision.Policy, prev []float32, B, L int) {
	C, P := m.cfg.ConvDim(), m.cfg.K-1
	Lx := P + L
	m.xext = tensor.Grow(m.xext, 2*B*Lx*C) // the inputs, then the outputs
	for b := 0; b < B; b++ {
		copy(m.xext[b*Lx*C:], prev[b*P*C:(b+1)*P*C])
		copy(m.xext[(b*Lx+P)*C:(b+1)*Lx*C], m.xbcIn[b*L*C:(b+1)*L*C])
	}
	yx := m.xext[B*Lx*C:]
	m.Conv.Forward(pol, yx, m.xext[:B*Lx*C], B, Lx)
	for b := 0; b < B; b++ {
		copy(m.conv[b*L*C:(b+1)*L*C], yx[(b*Lx+P)*C:(b+1)*Lx*C])
	}
}

// addSkip adds the D skip y += D_h·x in float32.
func (m *Mixer) addSkip(y, x []float32, n int) {
	P, H, Dv := m.cfg.HeadDim, m.cfg.H(), m.Dskip.Value.Data
	tensor.Parallel(n, 64, func(lo, hi int) {
		for i := lo * H * P; i < hi*H*P; i += P {
			d := Dv[(i/P)%H]
			yr, xr := y[i:i+P], x[i:i+P]
			for p, v := range xr {
				yr[p] += d * v
			}
		}
	})
}

// zView returns the gate z (n, E) as a contiguous copy of in_proj's first E
// columns.
func (m *Mixer) zView(buf *[]float32, n int) []float32 {
	E, Pj := m.cfg.E(), m.cfg.ProjDim()
	z := zeroed(buf, n*E)
	for r := 0; r < n; r++ {
		copy(z[r*E:(r+1)*E], m.proj[r*Pj:r*Pj+E])
	}
	return z
}

// Backward writes du (B, L, D) and accumulates the parameter gradients for
// dout (B, L, D), the gradient of the last Forward's output.
func (m *Mixer) Backward(pol precision.Policy, du, dout []float32) {
	c := m.cfg
	batch, length := m.b, m.l
	if batch == 0 {
		panic("mamba2: Mixer.Backward without Forward")
	}
	E, H, C, Pj, GN, P := c.E(), c.H(), c.ConvDim(), c.ProjDim(), c.Groups*c.N, c.HeadDim
	n := batch * length
	d := m.dims(batch, length)

	bb := mixerBufList.Get()
	defer mixerBufList.Put(bb)
	dnormed := zeroed(&bb.dnormed, n*E)
	m.OutProj.Backward(pol, dnormed, dout, m.normed, n)
	z := m.zView(&bb.z, n)
	dy, dz := zeroed(&bb.dy, n*E), zeroed(&bb.dz, n*E)
	gatedNormBackward(dy, dz, m.Norm.G(), dnormed, m.gated, m.rstd, m.y, z, m.Norm.Value.Data, n, E)

	// D skip: y += D_h·x
	dx := zeroed(&bb.dx, n*E)
	if gD := m.Dskip.G(); gD != nil {
		acc := make([]float64, H)
		for i := 0; i < n*E; i += P { // serial, in index order: a deterministic sum
			a, dr, xr := acc[(i/P)%H], dy[i:i+P], m.x[i:i+P]
			for p, g := range dr {
				a += float64(g) * float64(xr[p])
			}
			acc[(i/P)%H] = a
		}
		for h, v := range acc {
			gD[h] += float32(v)
		}
	}
	ddt, dA := zeroed(&bb.ddt, n*H), make([]float32, H)
	dbm, dcm := zeroed(&bb.dbm, n*GN), zeroed(&bb.dcm, n*GN)
	if m.scan == Recurrent {
		RecScanBackward(dx, ddt, dA, dbm, dcm, dy, m.states, m.x, m.dt, m.a, m.bm, m.cm, d, c.ChunkSize)
	} else {
		ChunkScanBackward(dx, ddt, dA, dbm, dcm, dy, m.states, m.x, m.dt, m.a, m.bm, m.cm, d, c.ChunkSize)
	}
	Dv := m.Dskip.Value.Data
	tensor.Parallel(n, 64, func(lo, hi int) {
		for i := lo * E; i < hi*E; i += P {
			d, dr, xr := Dv[(i/P)%H], dy[i:i+P], dx[i:i+P]
			for p, g := range dr {
				xr[p] += d * g
			}
		}
	})
	if gA := m.ALog.G(); gA != nil { // A = −exp(A_log): dA_log = dA·A
		for h, v := range dA {
			gA[h] += v * m.a[h]
		}
	}

	// back through SiLU and the conv into the xBC columns of in_proj
	dproj := zeroed(&bb.dproj, n*Pj)
	dconv := zeroed(&bb.dconv, n*C)
	tensor.Parallel(n, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			da := dconv[r*C : (r+1)*C]
			copy(da[:E], dx[r*E:(r+1)*E])
			copy(da[E:E+GN], dbm[r*GN:(r+1)*GN])
			copy(da[E+GN:], dcm[r*GN:(r+1)*GN])
			pol.Act(da) // the gradient of a 16-bit tensor is 16-bit
			kern.SiLUBackward(da, da, m.conv[r*C:(r+1)*C])
			pol.Act(da)
		}
	})
	dxbcIn := zeroed(&bb.dxbcIn, n*C)
	m.Conv.Backward(pol, dxbcIn, dconv, m.xbcIn, batch, length)
	gBias := m.DtBias.G()
	for r := 0; r < n; r++ {
		row := dproj[r*Pj : (r+1)*Pj]
		copy(row[:E], dz[r*E:(r+1)*E])
		copy(row[E:E+C], dxbcIn[r*C:(r+1)*C])
		for h := 0; h < H; h++ {
			_, g := m.stepSize(pol, m.proj[r*Pj+E+C+h], h)
			v := ddt[r*H+h] * g
			row[E+C+h] = v
			if gBias != nil {
				gBias[h] += v
			}
		}
	}
	pol.Act(dproj)
	m.InProj.Backward(pol, du, dproj, m.u, n)
}

func (m *Mixer) String() string {
	c := m.cfg
	return fmt.Sprintf("Mamba2Mixer(D=%d, E=%d, H=%d, P=%d, G=%d, N=%d, K=%d, Q=%d)",
		c.D, c.E(), c.H(), c.HeadDim, c.Groups, c.N, c.K, c.ChunkSize)
}

// A returns the per-head A = −exp(A_log) (H), computed now into a new
// slice (Forward keeps its own copy).
func (m *Mixer) A() []float32 {
	a := make([]float32, len(m.ALog.Value.Data))
	negExp(a, m.ALog.Value.Data)
	return a
}

// negExp writes a[h] = −exp(aLog[h]) (exp in float64, rounded once): the
// one place Mamba-2 turns its stored A_log into A, as mamba_ssm's
// A = -torch.exp(self.A_log.float()) does.
func negExp(a, aLog []float32) {
	for h, v := range aLog {
		a[h] = -float32(math.Exp(float64(v)))
	}
}

// Linears returns the mixer's linear layers by module path.
func (m *Mixer) Linears() map[string]*nn.Linear {
	return map[string]*nn.Linear{m.InProj.Name: m.InProj, m.OutProj.Name: m.OutProj}
}

var _ lm.Mixer = (*Mixer)(nil)

// DT returns the step sizes dt (B, L, H) of the last Forward (after
// softplus, dt_bias and the time-step limit); the slice is the mixer's.
func (m *Mixer) DT() []float32 { return m.dt }

// Config returns the mixer's configuration.
func (m *Mixer) Config() Config { return m.cfg }
