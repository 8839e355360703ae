package paper

import (
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// fdStep is the finite-difference step of the Mamba-2 JVPs: a float32
// state moved by 1e-2 keeps the rounding of the difference near 1e-5
// relative (lyapunov.FiniteDifference), and the SSM block, which carries
// the leading exponents, is linear in its state, so the step adds no
// truncation error there.
const fdStep = 1e-2

// mambaDraw is a Mamba model stepped along the tokens: each layer's inputs
// (the normed residual stream that enters its mixer) and step sizes Δ.
type mambaDraw struct {
	m      *mamba.Model
	emb    [][]float32   // (T, D)
	in     [][][]float32 // per layer (T, D)
	deltas [][]float32   // per layer (T, E)
	a      [][]float32   // per layer A (E, N)
}

func newMambaDraw(m *mamba.Model, tokens []int) *mambaDraw {
	T, D, L := len(tokens), m.Cfg.D, len(m.Layers)
	d := &mambaDraw{m: m, emb: embed(m, tokens), in: make([][][]float32, L)}
	m.Forward(fp32, tokens, 1, T)
	for l, delta := range m.Deltas() {
		d.deltas = append(d.deltas, append([]float32(nil), delta...))
		d.a = append(d.a, append([]float32(nil), m.Layers[l].Mixer.A()...))
	}
	st := m.NewState(1)
	res, normed, out, rstd := make([]float32, D), make([]float32, D), make([]float32, D), make([]float32, 1)
	for t := range T {
		copy(res, d.emb[t])
		for l, b := range m.Layers { // Block.Step, keeping the mixer's input
			b.Norm.Forward(normed, rstd, res, 1)
			d.in[l] = append(d.in[l], append([]float32(nil), normed...))
			b.Mixer.Step(fp32, out, normed, st.Layers[l], 1)
			tensor.AddTo(res, out)
		}
	}
	return d
}

func (d *mambaDraw) layers() int { return len(d.m.Layers) }

func (d *mambaDraw) inputs(l int) [][]float32 {
	if l < 0 {
		return d.emb
	}
	return d.in[l]
}

func (d *mambaDraw) spectrum(l, from, to, k int) []float64 {
	mx := d.m.Layers[l].Mixer
	return mambaSpectrum(d.a[l], mx.E, mx.N, d.deltas[l], from, to, k)
}

// mambaSpectrum returns the k largest exact exponents of a Mamba layer with
// A (E, N) along the step sizes delta (T, E) over steps [from, to).
func mambaSpectrum(a []float32, E, N int, delta []float32, from, to, k int) []float64 {
	lam, _ := lyapunov.ExactSpectrum(a, E, N, delta[from*E:to*E], to-from)
	out := make([]float64, len(lam))
	for i, v := range lam {
		out[i] = float64(v)
	}
	return sortedDesc(out)[:min(k, len(out))]
}

func (d *mambaDraw) layer(l int) (stepper, lyapunov.Differentiable) {
	s := newMambaLayer(d.m.Layers[l].Mixer)
	return s, lyapunov.Widen(s).(lyapunov.Differentiable)
}

func (d *mambaDraw) stack() (stepper, lyapunov.Differentiable) {
	s := newMambaStack(d.m)
	return s, lyapunov.Widen(s).(lyapunov.Differentiable)
}

// mamba2Draw is mambaDraw for Mamba-2: per-head step sizes dt (T, H).
type mamba2Draw struct {
	m   *mamba2.Model
	emb [][]float32
	in  [][][]float32
	dt  [][]float32 // per layer (T, H)
	a   [][]float32 // per layer (H)
}

func newMamba2Draw(m *mamba2.Model, tokens []int) *mamba2Draw {
	T, c, L := len(tokens), m.Config(), len(m.Layers)
	d := &mamba2Draw{m: m, emb: embed(m, tokens), in: make([][][]float32, L)}
	m.Forward(fp32, tokens, 1, T)
	for l := range L {
		d.dt = append(d.dt, append([]float32(nil), m.DT(l)...))
		d.a = append(d.a, m.A(l))
	}
	st := m.NewState(1)
	D := c.D
	res, normed, out, rstd := make([]float32, D), make([]float32, D), make([]float32, D), make([]float32, 1)
	for t := range T {
		copy(res, d.emb[t])
		for l, b := range m.Layers { // StepEmbedded in fp32, keeping the mixer's input
			b.Norm.Forward(normed, rstd, res, 1)
			d.in[l] = append(d.in[l], append([]float32(nil), normed...))
			b.Mixer.Step(fp32, out, normed, st.Conv[l], st.SSM[l], 1)
			tensor.AddTo(res, out)
		}
	}
	return d
}

func (d *mamba2Draw) layers() int { return len(d.m.Layers) }

func (d *mamba2Draw) inputs(l int) [][]float32 {
	if l < 0 {
		return d.emb
	}
	return d.in[l]
}

// spectrum: every one of head h's P·N state entries has exponent
// A_h·mean dt_h (lyapunov.ScalarSpectrum); they are listed up to k times each.
func (d *mamba2Draw) spectrum(l, from, to, k int) []float64 {
	return mamba2Spectrum(d.m.Config(), d.dt[l], d.a[l], from, to, k)
}

// mamba2Spectrum returns the k largest exact exponents of a Mamba-2 layer
// with per-head A along the step sizes dt (T, H) over steps [from, to).
func mamba2Spectrum(c mamba2.Config, dt, a []float32, from, to, k int) []float64 {
	H := c.H()
	lam, _ := lyapunov.ScalarSpectrum(dt[from*H:to*H], a, 1, to-from, H)
	var out []float64
	for _, v := range lam {
		for range min(k, c.HeadDim*c.N) {
			out = append(out, float64(v))
		}
	}
	return sortedDesc(out)[:min(k, len(out))]
}

func (d *mamba2Draw) layer(l int) (stepper, lyapunov.Differentiable) {
	s := newMamba2Layer(d.m, l)
	return s, lyapunov.FiniteDifference(lyapunov.Widen(s), fdStep)
}

func (d *mamba2Draw) stack() (stepper, lyapunov.Differentiable) {
	s := newMamba2Stack(d.m)
	return s, lyapunov.FiniteDifference(lyapunov.Widen(s), fdStep)
}

// embed returns the token embeddings (T, D) of a model (its registry
// entry's Embedding).
func embed(m lm.Model, tokens []int) [][]float32 {
	a, err := models.Of(m)
	if err != nil {
		panic("lyapunov: embed: " + err.Error())
	}
	e := a.Embedding(m)
	out := make([][]float32, len(tokens))
	for t, id := range tokens {
		out[t] = make([]float32, e.D)
		e.Forward(out[t], []int{id})
	}
	return out
}

// sequenceModel adapts a Transformer to perturb.SequenceModel: input
// embeddings in, logits out.
type sequenceModel struct {
	fwd  func(x []float32, T int) []float32
	d, v int
}

func asSequenceModel(m lm.Model) (*sequenceModel, bool) {
	switch mm := m.(type) {
	case *transformer.GPTNeoX:
		return &sequenceModel{func(x []float32, T int) []float32 { return mm.ForwardEmbedded(fp32, x, 1, T) }, mm.Cfg.D, mm.Cfg.Vocab}, true
	case *transformer.Llama:
		return &sequenceModel{func(x []float32, T int) []float32 { return mm.ForwardEmbedded(fp32, x, 1, T) }, mm.Cfg.D, mm.Cfg.Vocab}, true
	}
	return nil, false
}

func (s *sequenceModel) InputDim() int  { return s.d }
func (s *sequenceModel) OutputDim() int { return s.v }

func (s *sequenceModel) Outputs(dst, inputs [][]float64) {
	x := make([]float32, 0, len(inputs)*s.d)
	for _, u := range inputs {
		for _, v := range u {
			x = append(x, float32(v))
		}
	}
	logits := s.fwd(x, len(inputs))
	for t := range dst {
		for j := range dst[t] {
			dst[t][j] = float64(logits[t*s.v+j])
		}
	}
}
