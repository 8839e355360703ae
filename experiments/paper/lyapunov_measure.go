package paper

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/lyapunov"
	"github.com/ssmlab/ssmlab/metrics/perturb"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// measurer holds what every unit of a trial shares.
type measurer struct {
	p          *LyapunovParams
	eps        []float64
	every      []float64 // sizes of the every-step perturbation
	everyNames []string
	tokens     []int
	stride     int // curve points kept
}

func newMeasurer(p *LyapunovParams, eps []float64, tokens []int) *measurer {
	n := p.SeqLen - p.At + 1 // state deviations N = 0..T-at
	return &measurer{p: p, eps: eps, tokens: tokens, stride: max(1, (n+p.Points-1)/p.Points)}
}

// unitResult is a unit with its deviation curves (strided max|δ| per ε),
// which the summary aggregates over units.
type unitResult struct {
	Unit   summary.LyapunovUnit `json:"unit"`
	State  [][]summary.Float    `json:"state,omitempty"` // per ε
	Output [][]summary.Float    `json:"output"`          // per ε
	// EveryOutput is the output deviation under noise at every token, per
	// every-step ε.
	EveryOutput [][]summary.Float `json:"every_output,omitempty"`
}

func (u unitResult) logLine() map[string]any {
	line := map[string]any{"kind": u.Unit.Kind, "draw": u.Unit.Draw, "layer": u.Unit.Layer, "zeta": u.Unit.Zeta}
	var c, rate []summary.Float
	for _, e := range u.Unit.Eps {
		c, rate = append(c, e.C), append(rate, e.StateRate)
	}
	line["c"], line["state_rate"] = c, rate
	if n := len(u.Unit.QR); n > 0 {
		line["qr"], line["qr_err"] = u.Unit.QR[n-1].Exponents[0], u.Unit.QR[n-1].MaxErr
	}
	return line
}

// measureDraw measures every unit of one draw through its registry
// entry: an architecture with Dynamics as its layer units (in parallel over
// workers) and then the whole model; one with Sequence as a sequence map.
func (ms *measurer) measureDraw(c context.Context, subj subject, draw, layerBase, workers int) ([]unitResult, error) {
	m, err := subj.build(draw)
	if err != nil {
		return nil, err
	}
	a, err := models.Of(m)
	if err != nil {
		return nil, err
	}
	switch {
	case a.Dynamics != nil:
		return ms.measureDynamics(c, a.Dynamics(m, ms.tokens), func() [][]float32 { return embed(m, ms.tokens) }, draw, layerBase, workers)
	case a.Sequence != nil:
		u, err := ms.measureSequence(m, a, draw)
		return []unitResult{u}, err
	}
	return nil, fmt.Errorf("lyapunov: no measurement for architecture %q (its registry entry has neither Dynamics nor Sequence)", m.Arch())
}

// measureDynamics measures a draw's layer units, then its whole-model
// recurrence (driven by the token embeddings emb returns) when it has one:
// with the union of the layers' exact spectra when it has more than one
// layer (a model of one layer is that layer), or without an exact spectrum
// when it has none (the RNN control).
func (ms *measurer) measureDynamics(c context.Context, d models.Dynamics, emb func() [][]float32, draw, layerBase, workers int) ([]unitResult, error) {
	L := len(d.Layers)
	out := make([]unitResult, L)
	errs := make([]error, L)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, workers))
	for l, unit := range d.Layers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[l], errs[l] = ms.measureRecurrent(c, unit.System, jacobian(unit.System), unit.Inputs, unit.Spectrum, layerBase+l < ms.p.QRUnits, false)
			out[l].Unit.Kind, out[l].Unit.Draw, out[l].Unit.Layer = summary.UnitLayer, draw, l
		}()
	}
	wg.Wait()
	for l, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", l, err)
		}
	}
	if d.Model == nil || L == 1 {
		return out, nil
	}
	var spec func(from, to, k int) []float64
	if L > 1 {
		spec = func(from, to, k int) []float64 {
			var all []float64
			for _, unit := range d.Layers {
				all = append(all, unit.Spectrum(from, to, k)...)
			}
			return sortedDesc(all)[:k]
		}
	}
	u, err := ms.measureRecurrent(c, d.Model, jacobian(d.Model), emb(), spec, true, true)
	if err != nil {
		if L == 0 {
			return nil, err
		}
		return nil, fmt.Errorf("stack: %w", err)
	}
	u.Unit.Kind, u.Unit.Draw, u.Unit.Layer = summary.UnitModel, draw, -1
	return append(out, u), nil
}

// measureRecurrent measures one recurrence driven by inputs: the exact
// ζ (spec non-nil), the paired perturbation runs with fits and bound, and
// with qr the QR runs. A model unit (a stack or the RNN) also gets DNS.
func (ms *measurer) measureRecurrent(ctx context.Context, sys stepper, jac lyapunov.Differentiable, inputs [][]float32,
	spec func(from, to, k int) []float64, qr, model bool) (unitResult, error) {
	p, T := ms.p, len(inputs)
	u := unitResult{Unit: summary.LyapunovUnit{StateDim: sys.StateDim(), Zeta: summary.NaN(), ZetaSeq: summary.NaN()}}
	zeta := math.NaN()
	if spec != nil {
		zeta = spec(p.At, T, 1)[0]
		u.Unit.Zeta, u.Unit.ZetaSeq = summary.Float(zeta), summary.Float(spec(0, T, 1)[0])
	}
	pr, err := pairRun(ctx, sys, inputs, ms.eps, p.At, false)
	if err != nil {
		return u, err
	}
	u.Unit.ConvFlush = pr.convFlush
	u.Unit.StateScale, u.Unit.OutputScale = summary.Float(pr.stateScale), summary.Float(pr.outputScale)
	floorS, floorO := p.Floor*pr.stateScale, p.Floor*pr.outputScale
	for e, eps := range ms.eps {
		st, out := pr.state[e].Max, pr.output[e].Max
		ue := summary.UnitEps{Eps: summary.Float(eps), C: summary.NaN(), Excess: summary.NaN(),
			StateFinal: summary.Float(st[len(st)-1]), OutputFinal: summary.Float(out[len(out)-1]),
			OutputPower: summary.Float(powerLaw(out, floorO))}
		if spec != nil { // SSM: Theorem 1's bound; the asymptotic rates
			b := perturb.CheckBound(st, eps, zeta, floorS)
			ue.C, ue.Excess = summary.Float(b.C), summary.Float(b.Excess.Rate)
			ue.Held = b.Holds(p.CMax, p.RateTol*math.Abs(zeta))
			if model {
				ue.Held = b.Holds(math.Inf(1), p.RateTol*math.Abs(zeta))
			}
			ue.StateRate, ue.OutputRate = summary.Float(fitLaterHalf(st, floorS)), summary.Float(fitLaterHalf(out, floorO))
		} else { // the RNN control: from the perturbation to the floor or saturation
			f := perturb.FitRate(st, perturb.FitOptions{Floor: floorS, Ceiling: p.Ceiling})
			ue.StateRate, ue.OutputRate = summary.Float(f.Rate), summary.Float(fitRange(out, f.From, f.To))
		}
		u.Unit.Eps = append(u.Unit.Eps, ue)
		u.State = append(u.State, summary.Floats(strided(st, ms.stride)))
		u.Output = append(u.Output, summary.Floats(strided(out, ms.stride)))
	}
	if len(ms.every) > 0 {
		pe, err := pairRun(ctx, sys, inputs, ms.every, p.At, true)
		if err != nil {
			return u, err
		}
		for e, eps := range ms.every {
			u.Unit.Every = append(u.Unit.Every, everyOf(eps, zeta, pe.state[e].Max, pe.output[e].Max))
			u.EveryOutput = append(u.EveryOutput, summary.Floats(strided(pe.output[e].Max, ms.stride)))
		}
	}
	if qr && jac != nil {
		if u.Unit.QR, err = ms.runQR(ctx, jac, inputs, spec, model); err != nil {
			return u, err
		}
	}
	return u, nil
}

// runQR runs Benettin/QR from the zero state over the longest length of
// params.qr_steps, after qr_skip state steps, re-orthonormalising every
// step. The estimate for a length L averages the growth over the second
// half of the steps after another qr_skip: the first half is Q's
// transient, while it turns from its random start towards the leading
// directions (with mamba_ssm's dense spectrum that takes hundreds of
// steps; averaging from the start instead leaves an error near
// log(L)/L). Shorter lengths reuse the run's per-step growth: what a run
// on that prefix computes. Each estimate is compared with the exact
// spectrum over the same steps; a model unit also gets λ_max by direct
// simulation (DNS) along QR's leading direction over the whole run.
func (ms *measurer) runQR(ctx context.Context, jac lyapunov.Differentiable, inputs [][]float32,
	spec func(from, to, k int) []float64, dns bool) ([]summary.QRRun, error) {
	p, n := ms.p, jac.StateDim()
	lengths := p.qrSteps()
	T := slices.Max(lengths)
	in := widen64(inputs[:T])
	k := min(p.QRK, n)
	res, err := lyapunov.Benettin(jac, in, make([]float64, n),
		lyapunov.Options{K: k, StateTransient: p.QRSkip, QTransient: p.QRSkip, Seed: 1, Local: true})
	if err != nil {
		return nil, err
	}
	var runs []summary.QRRun
	for _, L := range lengths {
		from, to := (L-2*p.QRSkip)/2, L-2*p.QRSkip // Local[i] is step 2·qr_skip+i
		steps := to - from
		sum := make([]float64, k)
		for _, l := range res.Local[from:to] {
			floats.Add(sum, l)
		}
		floats.Scale(1/float64(steps), sum)
		exps := sortedDesc(sum)
		run := summary.QRRun{Steps: steps, Exponents: summary.Floats(exps), MaxErr: summary.NaN(), DNS: summary.NaN()}
		if spec != nil {
			exact := spec(2*p.QRSkip+from, L, k)
			run.Exact = summary.Floats(exact)
			e := 0.0
			for j := range exact {
				e = math.Max(e, math.Abs(exps[j]-exact[j]))
			}
			run.MaxErr = summary.Float(e)
		}
		runs = append(runs, run)
	}
	if dns {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := lyapunov.MaxExponentDNS(jac, in, make([]float64, n),
			lyapunov.DNSOptions{Eps: 1e-3, StateTransient: p.QRSkip, Transient: p.QRSkip, Direction: res.Q[:n]})
		if err != nil {
			return nil, err
		}
		runs[len(runs)-1].DNS = summary.Float(d)
	}
	return runs, nil
}

// measureSequence measures a model without a fixed-size state (a
// Transformer): the logit deviation at positions at.. after perturbing the
// input embedding at position at by ±ε in every coordinate (random signs,
// as perturb.OutputDeviation with perturb.RandomSign does it, but with one
// reference forward for all ε).
func (ms *measurer) measureSequence(m lm.Model, a *models.Arch, draw int) (unitResult, error) {
	sm := asSequenceModel(m, a)
	at := ms.p.At
	in := widen64(embed(m, ms.tokens))
	u := unitResult{Unit: summary.LyapunovUnit{Kind: summary.UnitModel, Draw: draw, Layer: -1, Zeta: summary.NaN(), ZetaSeq: summary.NaN(), StateScale: summary.NaN()}}
	outputs := func() [][]float64 {
		o := make([][]float64, len(in))
		for t := range o {
			o[t] = make([]float64, sm.OutputDim())
		}
		return o
	}
	ref := outputs()
	sm.Outputs(ref, in)
	scale := 0.0
	for _, y := range ref[at:] {
		for _, v := range y {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	u.Unit.OutputScale = summary.Float(scale)
	floor := ms.p.Floor * scale
	ps := make([]perturb.Perturbation, len(ms.eps))
	for e, eps := range ms.eps {
		ps[e] = perturbation(eps, at, false)
		ps[e].StateEps = 0 // no fixed-size state
	}
	for _, eps := range ms.every {
		p := perturbation(eps, at, true)
		p.StateEps = 0
		ps = append(ps, p)
	}
	devs, err := perturb.OutputDeviations(sm, in, ps)
	if err != nil {
		return u, err
	}
	for e, eps := range ms.every {
		d := devs[len(ms.eps)+e].Max
		u.Unit.Every = append(u.Unit.Every, everyOf(eps, math.NaN(), nil, d))
		u.EveryOutput = append(u.EveryOutput, summary.Floats(strided(d, ms.stride)))
	}
	for e, eps := range ms.eps {
		d := devs[e].Max
		u.Unit.Eps = append(u.Unit.Eps, summary.UnitEps{Eps: summary.Float(eps), StateRate: summary.NaN(), C: summary.NaN(), Excess: summary.NaN(),
			OutputRate:  summary.Float(perturb.FitRate(d, perturb.FitOptions{From: 1, Floor: floor}).Rate),
			OutputPower: summary.Float(powerLaw(d, floor)), StateFinal: summary.NaN(), OutputFinal: summary.Float(d[len(d)-1])})
		u.Output = append(u.Output, summary.Floats(strided(d, ms.stride)))
	}
	return u, nil
}

// everyOf summarises an every-step perturbation run of size eps: final and
// peak deviations, the accumulated bound's constant C (with ζ; state may be
// nil for a model without a state) and the late slope of the output
// deviation against log N.
func everyOf(eps, zeta float64, state, output []float64) summary.UnitEvery {
	ev := summary.UnitEvery{Eps: summary.Float(eps), StateFinal: summary.NaN(), StatePeak: summary.NaN(), C: summary.NaN(),
		OutputFinal: summary.Float(output[len(output)-1]), OutputPeak: summary.Float(slices.Max(output)),
		OutputSlope: summary.Float(lateSlope(output))}
	if len(state) > 0 {
		ev.StateFinal, ev.StatePeak = summary.Float(state[len(state)-1]), summary.Float(slices.Max(state))
		if !math.IsNaN(zeta) {
			b, c := perturb.AccumulatedBound(eps, zeta, len(state)), 0.0
			for n, d := range state {
				c = math.Max(c, d/b[n])
			}
			ev.C = summary.Float(c)
		}
	}
	return ev
}

// lateSlope fits log d[N] against log N over the later half of N = 1..:
// about 0 for a deviation that has levelled off, 1 for linear growth. NaN
// when a deviation there is 0 or not finite.
func lateSlope(d []float64) float64 {
	var xs, ys []float64
	for n := max(1, len(d)/2); n < len(d); n++ {
		if !(d[n] > 0) || math.IsInf(d[n], 0) {
			return math.NaN()
		}
		xs, ys = append(xs, math.Log(float64(n))), append(ys, math.Log(d[n]))
	}
	if len(xs) < 2 {
		return math.NaN()
	}
	_, slope := stat.LinearRegression(xs, ys, nil, false)
	return slope
}
