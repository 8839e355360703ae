package paper

import (
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/models/hybrid"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
)

// hybridDraw is a hybrid stack's SSM layers (its Mamba and Mamba-2
// mixers) along the tokens: each one's inputs (the normed residual stream
// entering it, from the parallel forward) and step sizes. The study
// measures them layer by layer like Mamba's and Mamba-2's; attention
// layers keep no fixed-size state, so there is no stacked unit.
type hybridDraw struct {
	m     *hybrid.Model
	idx   []int         // the model layer of each SSM layer
	emb   [][]float32   // (T, D)
	in    [][][]float32 // per SSM layer (T, D)
	steps [][]float32   // per SSM layer: Δ (T, E) for Mamba, dt (T, H) for Mamba-2
	a     [][]float32   // per SSM layer: A (E, N) or (H)
}

func newHybridDraw(m *hybrid.Model, tokens []int) *hybridDraw {
	T, D := len(tokens), m.Cfg.D
	d := &hybridDraw{m: m, idx: m.SSMLayers(), emb: embed(m, tokens)}
	m.Forward(fp32, tokens, 1, T)
	for _, i := range d.idx {
		in := m.LayerInput(i)
		rows := make([][]float32, T)
		for t := range rows {
			rows[t] = append([]float32(nil), in[t*D:(t+1)*D]...)
		}
		d.in = append(d.in, rows)
		switch mx := m.Layers[i].Mixer.(type) {
		case *mamba.Mixer:
			d.steps = append(d.steps, append([]float32(nil), mx.Delta()...))
			d.a = append(d.a, append([]float32(nil), mx.A()...))
		case *mamba2.Mixer:
			d.steps = append(d.steps, append([]float32(nil), mx.DT()...))
			d.a = append(d.a, mx.A())
		}
	}
	return d
}

func (d *hybridDraw) layers() int { return len(d.idx) }

func (d *hybridDraw) inputs(l int) [][]float32 {
	if l < 0 {
		return d.emb
	}
	return d.in[l]
}

func (d *hybridDraw) spectrum(l, from, to, k int) []float64 {
	switch mx := d.m.Layers[d.idx[l]].Mixer.(type) {
	case *mamba.Mixer:
		return mambaSpectrum(d.a[l], mx.E, mx.N, d.steps[l], from, to, k)
	case *mamba2.Mixer:
		return mamba2Spectrum(mx.Config(), d.steps[l], d.a[l], from, to, k)
	}
	panic("lyapunov: hybrid layer without SSM state")
}

func (d *hybridDraw) layer(l int) (stepper, lyapunov.Differentiable) {
	switch mx := d.m.Layers[d.idx[l]].Mixer.(type) {
	case *mamba.Mixer:
		s := newMambaLayer(mx)
		return s, lyapunov.Widen(s).(lyapunov.Differentiable)
	case *mamba2.Mixer:
		s := newMamba2MixerLayer(mx)
		return s, lyapunov.FiniteDifference(lyapunov.Widen(s), fdStep)
	}
	panic("lyapunov: hybrid layer without SSM state")
}

func (d *hybridDraw) stack() (stepper, lyapunov.Differentiable) { return nil, nil }
