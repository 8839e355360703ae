package paper

import (
	"fmt"
	"math"
	"slices"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/stats"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Spectra is the kind "spectra" (configs/paper/spectra.toml): the exact
// Lyapunov spectrum of every SSM layer of a model (Mamba, Mamba-2, the SSM
// layers of a hybrid stack: any architecture whose registry entry has
// Spectra), usually a real checkpoint, along windows of real text, where
// the paper measured random layers only. A forward pass per window gives
// each layer's step sizes Δ; with A = −exp(A_log) (computed as the scan
// does) the exponents are exactly λ_{d,n} = A_{d,n}·mean_t Δ_{t,d} (see
// summary.Spectra). summary.json is a
// summary.Spectra; everything runs in fp32 and is deterministic.
type Spectra struct{}

// SpectraParams is [params] of kind spectra.
type SpectraParams struct {
	// Text is the [data] entry the windows are cut from: a dataset with a
	// text (or input_ids) column and its tokenizer, or the built-in corpus.
	Text      string `toml:"text" json:"text"`
	Sequences int    `toml:"sequences" json:"sequences"` // windows measured (the first ones of the text)
	SeqLen    int    `toml:"seq_len" json:"seq_len"`     // tokens per window
	Batch     int    `toml:"batch" json:"batch"`         // windows per forward pass
}

func init() { experiments.RegisterKind("spectra", Spectra{}) }

// NewParams implements experiments.ParamsKind.
func (Spectra) NewParams() any {
	return &SpectraParams{Sequences: 16, SeqLen: 1024, Batch: 1}
}

// Version implements experiments.Versioned.
func (Spectra) Version() string { return "1" }

// Check implements experiments.Checker.
func (Spectra) Check(t *config.Trial) error {
	p := t.Params.(*SpectraParams)
	switch {
	case t.Model == nil:
		return fmt.Errorf("spectra needs a model: set model (a [models.NAME]) or sweep it")
	case t.Model.Path == "" && !hasSpectra(t.Model.Arch):
		return fmt.Errorf("model %s: spectra measures the layers of %v, not %s", t.ModelName, spectraArchs(), t.Model.Arch)
	case p.Sequences < 1 || p.SeqLen < 2 || p.Batch < 1:
		return fmt.Errorf("params: need sequences >= 1, seq_len >= 2 and batch >= 1")
	}
	if _, ok := t.Data[p.Text]; !ok {
		return fmt.Errorf("params.text %q is not a [data] entry", p.Text)
	}
	return CheckModel(t.Model)
}

// hasSpectra reports whether the architecture's entry has a Spectra hook.
func hasSpectra(arch string) bool {
	a, ok := models.Lookup(arch)
	return ok && a.Spectra != nil
}

// Run implements experiments.Kind.
func (Spectra) Run(c *experiments.Context) error {
	t := c.Trial
	p := t.Params.(*SpectraParams)
	m, err := BuildModel(t.Model, 0, uint64(t.Seed))
	if err != nil {
		return err
	}
	d := t.Data[p.Text]
	text, err := loadCorpus(d, p.SeqLen)
	if err != nil {
		return err
	}
	if len(text.Rows) < p.Sequences {
		return fmt.Errorf("%s: %d windows of %d tokens, params.sequences asks for %d", text.Name, len(text.Rows), p.SeqLen, p.Sequences)
	}
	if text.Vocab > m.VocabSize() {
		return fmt.Errorf("%s: the tokenizer's %d ids exceed model %s's vocabulary of %d", text.Name, text.Vocab, t.ModelName, m.VocabSize())
	}
	s := summary.Spectra{Model: modelInfo(t, m), Text: text.Name, Sequences: p.Sequences, SeqLen: p.SeqLen}
	var all [][]float32 // per layer, every exponent of every window
	for lo := 0; lo < p.Sequences; lo += p.Batch {
		if err := c.Err(); err != nil {
			return err
		}
		hi := min(p.Sequences, lo+p.Batch)
		var ids []int
		for _, r := range text.Rows[lo:hi] {
			ids = append(ids, r...)
		}
		sp, err := LayerSpectra(m, ids, hi-lo, p.SeqLen)
		if err != nil {
			return err
		}
		if all == nil {
			all = make([][]float32, len(sp))
			s.Layers = make([]summary.LayerSpectrum, len(sp))
			s.Exponents = len(sp[0].Exponents) / (hi - lo)
		}
		for l, ls := range sp {
			s.Layers[l].Layer = ls.Layer
			if len(ls.Exponents) != s.Exponents*(hi-lo) {
				s.Exponents = 0 // the layers differ (a hybrid of Mamba and Mamba-2 mixers)
			}
			all[l] = append(all[l], ls.Exponents...)
			for _, z := range ls.Max {
				s.Layers[l].Zeta = append(s.Layers[l].Zeta, summary.Float(z))
			}
		}
		c.Progress.Update(hi, p.Sequences)
	}
	for l := range s.Layers {
		ls := &s.Layers[l]
		zs := make([]float64, len(ls.Zeta))
		for i, z := range ls.Zeta {
			zs[i] = float64(z)
		}
		var sum float64
		for _, z := range zs {
			sum += z
		}
		ls.ZetaMean = summary.Float(sum / float64(len(zs)))
		ls.ZetaMin, ls.ZetaMax = summary.Float(slices.Min(zs)), summary.Float(slices.Max(zs))
		xs := make([]float64, len(all[l]))
		for i, v := range all[l] {
			xs[i] = float64(v)
		}
		ls.Lambda01 = summary.Float(stats.Quantile(xs, 0.01))
		ls.Lambda50 = summary.Float(stats.Quantile(xs, 0.5))
		ls.Lambda99 = summary.Float(stats.Quantile(xs, 0.99))
		if err := c.Log.Write(map[string]any{"layer": l, "zeta_mean": ls.ZetaMean, "zeta_max": ls.ZetaMax}); err != nil {
			return err
		}
	}
	return c.WriteSummary(s)
}

// LayerSpectra runs m in fp32 on ids (B windows of T tokens) and returns
// the exact spectrum of each of its SSM layers along every window (the
// architecture's models.Arch.Spectra: B·d_inner·d_state exponents per
// Mamba layer, B·heads per Mamba-2 layer, window-major, ζ per window). An
// architecture without the hook, or with no SSM layer, is refused.
func LayerSpectra(m lm.Model, ids []int, B, T int) ([]models.Spectrum, error) {
	a, err := models.Of(m)
	if err != nil {
		return nil, err
	}
	var sp []models.Spectrum
	if a.Spectra != nil {
		sp = a.Spectra(m, precision.FP32Policy, ids, B, T)
	}
	if len(sp) == 0 {
		return nil, fmt.Errorf("spectra: a %s model has no state-space layer with an exact spectrum (architectures with one: %v)", m.Arch(), spectraArchs())
	}
	for _, l := range sp {
		for _, z := range l.Max {
			if math.IsNaN(float64(z)) {
				return nil, fmt.Errorf("spectra: layer %d: exponent is NaN", l.Layer)
			}
		}
	}
	return sp, nil
}

// spectraArchs names the registered architectures with exact spectra.
func spectraArchs() []string {
	var ns []string
	for _, a := range models.All() {
		if a.Spectra != nil {
			ns = append(ns, a.Name)
		}
	}
	return ns
}
