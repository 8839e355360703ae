package paper

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/stats"
)

// summarize builds summary.json from the units: settings, units, the
// deviation curves per unit kind, quantity and ε, and the aggregates.
func (ms *measurer) summarize(subj subject, params int, epsNames []string, units []unitResult) summary.Lyapunov {
	p := ms.p
	s := summary.Lyapunov{
		Model: subj.name, Arch: subj.arch, Label: subj.label, Trained: subj.trained, Source: subj.source,
		Radius: subj.radius, ParamCount: params, LayersPerDraw: subj.layersPerDraw,
		Settings: summary.LyapunovSettings{
			SeqLen: p.SeqLen, At: p.At, Eps: summary.Floats(ms.eps), EpsNames: epsNames, EveryEps: summary.Floats(ms.every), Draws: subj.draws,
			Tokens: fmt.Sprintf("%d ids drawn uniformly from the model's vocabulary (trial seed, stream \"tokens\")", p.SeqLen),
			Floor:  summary.Float(p.Floor), Ceiling: summary.Float(p.Ceiling), Pattern: "±ε in every coordinate, random signs (seeded)",
			CMax: summary.Float(p.CMax), RateTol: summary.Float(p.RateTol),
			QRUnits: p.QRUnits, QRK: p.QRK, QRSteps: p.qrSteps(), QRSkip: p.QRSkip, Stride: ms.stride,
		},
	}
	for _, u := range units {
		s.Units = append(s.Units, u.Unit)
	}
	for _, kind := range []string{summary.UnitLayer, summary.UnitModel} {
		for _, q := range []string{summary.QuantityState, summary.QuantityOutput} {
			for e := range ms.eps {
				if c, ok := ms.curve(units, kind, q, e, epsNames[e]); ok {
					s.Curves = append(s.Curves, c)
				}
			}
		}
		for e := range ms.every {
			if c, ok := ms.curve(units, kind, summary.QuantityEveryOutput, e, ms.everyNames[e]); ok {
				s.Curves = append(s.Curves, c)
			}
		}
	}
	s.Stats = s.Aggregate()
	return s
}

// curve aggregates the units of one kind: median and 10-90% band of
// max|δ| at each kept N, and the bound's ζ and C over the units.
func (ms *measurer) curve(units []unitResult, kind, quantity string, e int, name string) (summary.DeviationCurve, bool) {
	var series [][]summary.Float
	var floors []float64
	eps := ms.eps
	if quantity == summary.QuantityEveryOutput {
		eps = ms.every
	}
	c := summary.DeviationCurve{Kind: kind, Quantity: quantity, Eps: summary.Float(eps[e]), EpsName: name,
		ZetaMax: summary.NaN(), CMax: summary.NaN()}
	for _, u := range units {
		if u.Unit.Kind != kind {
			continue
		}
		sr := u.Output
		switch quantity {
		case summary.QuantityState:
			sr = u.State
		case summary.QuantityEveryOutput:
			sr = u.EveryOutput
		}
		if len(sr) == 0 {
			continue
		}
		series = append(series, sr[e])
		scale := u.Unit.OutputScale
		if quantity == summary.QuantityState {
			scale = u.Unit.StateScale
		}
		floors = append(floors, ms.p.Floor*float64(scale))
		if quantity != summary.QuantityState {
			continue
		}
		if z := u.Unit.Zeta; !math.IsNaN(float64(z)) && (math.IsNaN(float64(c.ZetaMax)) || z > c.ZetaMax) {
			c.ZetaMax = z
		}
		if cc := u.Unit.Eps[e].C; !math.IsNaN(float64(cc)) && (math.IsNaN(float64(c.CMax)) || cc > c.CMax) {
			c.CMax = cc
		}
	}
	if len(series) == 0 {
		return c, false
	}
	n := len(series[0])
	full := ms.p.SeqLen - ms.p.At + 1 // state N = 0..T-at
	if quantity != summary.QuantityState {
		full-- // outputs j = 0..T-at-1
	}
	c.Units, c.N, c.Floor = len(series), stridedN(full, ms.stride), summary.Float(stats.Quantile(floors, 0.5))
	vals := make([]float64, len(series))
	for i := range n {
		for j, s := range series {
			vals[j] = float64(s[i])
		}
		c.Median = append(c.Median, summary.Float(stats.Quantile(vals, 0.5)))
		c.P10 = append(c.P10, summary.Float(stats.Quantile(vals, 0.1)))
		c.P90 = append(c.P90, summary.Float(stats.Quantile(vals, 0.9)))
	}
	return c, true
}
