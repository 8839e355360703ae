package hybrid

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
)

// lyapunovMixer is a mixer the Lyapunov study measures as a layer unit
// (mamba.Mixer, mamba2.Mixer): its LyapunovUnit captures the step sizes of
// its last Forward.
type lyapunovMixer interface {
	LyapunovUnit(inputs [][]float32) models.LayerUnit
	// ExactSpectrum is the layer's exact spectrum along the B sequences
	// of T tokens of its last Forward (models.Arch.Spectra).
	ExactSpectrum(layer, B, T int) models.Spectrum
}

// ssmMixer returns layer i's mixer as a lyapunovMixer.
func (m *Model) ssmMixer(i int) lyapunovMixer {
	mx, ok := m.Layers[i].Mixer.(lyapunovMixer)
	if !ok {
		panic(fmt.Sprintf("hybrid: layer %d's %T has no Lyapunov unit", i, m.Layers[i].Mixer))
	}
	return mx
}

// lyapunovSpectra is the registry's Spectra hook: a forward pass under
// pol, then the exact spectrum of every SSM layer (attention layers have
// none), each named by its index in the stack.
func lyapunovSpectra(lmm lm.Model, pol precision.Policy, ids []int, B, T int) []models.Spectrum {
	m := lmm.(*Model)
	m.Forward(pol, ids, B, T)
	var out []models.Spectrum
	for _, i := range m.SSMLayers() {
		out = append(out, m.ssmMixer(i).ExactSpectrum(i, B, T))
	}
	return out
}

// lyapunovDynamics is the registry's Dynamics hook: the stack's SSM layers
// (its Mamba and Mamba-2 mixers) along the tokens, each with its inputs
// (the normed residual stream entering it, from the parallel forward) and
// the step sizes of that forward. Attention layers keep no fixed-size
// state, so there is no whole-model recurrence.
func lyapunovDynamics(lmm lm.Model, tokens []int) models.Dynamics {
	m := lmm.(*Model)
	T, D := len(tokens), m.Cfg.D
	m.Forward(precision.FP32Policy, tokens, 1, T)
	var d models.Dynamics
	for _, i := range m.SSMLayers() {
		in := m.LayerInput(i)
		rows := make([][]float32, T)
		for t := range rows {
			rows[t] = append([]float32(nil), in[t*D:(t+1)*D]...)
		}
		d.Layers = append(d.Layers, m.ssmMixer(i).LyapunovUnit(rows))
	}
	return d
}
