package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/bootstrap"
	"github.com/ssmlab/ssmlab/metrics/icl"
)

// What Fig. 3 and Fig. 4 share: kind "icl" summaries regrouped into one
// model per (name, stage) with per-item scores over seeds, and their
// accuracies, ICL gains and ratios with bootstrap intervals over items and
// seeds (metrics/icl).

// iclModel is one model at one stage over its seeds.
type iclModel struct {
	name, family, arch, stage, method, precision string
	params                                       float64
	seeds                                        []int64
	shots                                        []int      // shot counts every seed has, increasing
	scores                                       icl.Scores // [k][seed][item]
	synthItems                                   int
	// Instruction-tuning recipe (stage instruct): per seed, the held-out
	// instruction loss of the chosen recipe and the sweep.
	heldOut []float64
	recipes [][]summary.RecipePoint
	// Statistics (fractions; the figures and tables print points).
	acc     map[int]bootstrap.Interval // per k
	gainAt  map[int]bootstrap.Interval // acc_k − acc_0 per k > 0
	gain    bootstrap.Interval         // mean over the common ks
	gainErr error                      // why there is no gain
}

// collectICL groups summaries by (model, stage). A seed whose shots or item
// count disagree with the model's first seed is left out, with a note.
func collectICL(sums []summary.ICL) (models []*iclModel, notes []string) {
	type key struct{ name, stage string }
	byKey := map[key]*iclModel{}
	perSeed := map[key][]map[int][]float64{}
	for _, s := range sums {
		k := key{s.Model.Name, s.Stage}
		m, ok := byKey[k]
		if !ok {
			m = &iclModel{name: s.Model.Name, family: familyOf(s.Model), arch: s.Model.Arch, stage: s.Stage,
				method: s.Method, precision: s.Precision, params: float64(s.Model.Params)}
			byKey[k] = m
			models = append(models, m)
		}
		byK := map[int][]float64{}
		for i, shot := range s.Shots {
			if i < len(s.Items) {
				byK[shot] = s.Items[i]
			}
		}
		m.seeds = append(m.seeds, s.Model.Seed)
		perSeed[k] = append(perSeed[k], byK)
		if s.HeldOutLoss != nil {
			m.heldOut = append(m.heldOut, float64(*s.HeldOutLoss))
		}
		if len(s.Recipe) > 0 {
			m.recipes = append(m.recipes, s.Recipe)
		}
	}
	for _, m := range models {
		seeds := perSeed[key{m.name, m.stage}]
		// Shots every seed has.
		var shots []int
		for shot := range seeds[0] {
			all := true
			for _, s := range seeds[1:] {
				_, ok := s[shot]
				all = all && ok
			}
			if all {
				shots = append(shots, shot)
			}
		}
		sort.Ints(shots)
		m.shots, m.scores = shots, icl.Scores{}
		if len(shots) == 0 {
			continue
		}
		m.synthItems = len(seeds[0][shots[0]])
		var kept []int64
		for j, s := range seeds {
			ok := true
			for _, shot := range shots {
				ok = ok && len(s[shot]) == m.synthItems && m.synthItems > 0
			}
			if !ok {
				notes = append(notes, fmt.Sprintf("%s (%s), seed %d: item counts differ from the model's other seeds; left out.", m.name, m.stage, m.seeds[j]))
				continue
			}
			kept = append(kept, m.seeds[j])
			for _, shot := range shots {
				m.scores[shot] = append(m.scores[shot], s[shot])
			}
		}
		m.seeds = kept
	}
	sort.SliceStable(models, func(i, j int) bool {
		a, b := models[i], models[j]
		if c := compareFamilies(a.family, b.family); c != 0 {
			return c < 0
		}
		if a.params != b.params {
			return a.params < b.params
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.stage > b.stage // pretrained before instruct
	})
	return models, notes
}

// commonKs are the shot counts k > 0 that every model has: the ks of the
// gain, so that gains and ratios compare like with like.
func commonKs(models []*iclModel) []int {
	n := map[int]int{}
	for _, m := range models {
		for _, k := range m.shots {
			n[k]++
		}
	}
	var ks []int
	for k, c := range n {
		if k > 0 && c == len(models) {
			ks = append(ks, k)
		}
	}
	sort.Ints(ks)
	return ks
}

// computeICL fills every model's accuracy and gain intervals.
func computeICL(models []*iclModel, ks []int, opt bootstrap.Options) {
	for _, m := range models {
		m.acc, m.gainAt = map[int]bootstrap.Interval{}, map[int]bootstrap.Interval{}
		m.gain = nanInterval()
		if len(m.scores) == 0 || len(m.seeds) == 0 {
			m.gainErr = fmt.Errorf("no scores")
			continue
		}
		for _, k := range m.shots {
			if iv, err := icl.AccuracyCI(m.scores, k, nil, opt); err == nil {
				m.acc[k] = iv
			}
			if k > 0 {
				if iv, err := icl.GainCI(m.scores, []int{k}, nil, opt); err == nil {
					m.gainAt[k] = iv
				}
			}
		}
		if len(ks) == 0 {
			m.gainErr = fmt.Errorf("no shot count k > 0 common to every model")
			continue
		}
		iv, err := icl.GainCI(m.scores, ks, nil, opt)
		if err != nil {
			m.gainErr = err
			continue
		}
		m.gain = iv
	}
}

func nanInterval() bootstrap.Interval {
	return bootstrap.Interval{Estimate: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
}

// referenceFor picks the Transformer a model's ICL gain is measured against:
// a GPT-NeoX (the paper's Pythia) at the same stage, the nearest in
// parameter count; a Llama when there is no GPT-NeoX.
func referenceFor(m *iclModel, models []*iclModel) *iclModel {
	var best *iclModel
	for _, arch := range []string{"gpt_neox", "llama", "olmo"} {
		for _, r := range models {
			if r.arch != arch || r.stage != m.stage || r == m {
				continue
			}
			if best == nil || math.Abs(math.Log(r.params/m.params)) < math.Abs(math.Log(best.params/m.params)) {
				best = r
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// iclRatio is a model's ICL ratio to its reference.
type iclRatio struct {
	ref     *iclModel
	iv      bootstrap.Interval // percent
	defined bool               // the reference's gain is > 0
	err     error
}

func ratioTo(m, ref *iclModel, ks []int, opt bootstrap.Options) iclRatio {
	r := iclRatio{ref: ref, iv: nanInterval()}
	switch {
	case ref == nil:
		r.err = fmt.Errorf("no Transformer at stage %s to compare with", m.stage)
	case m.synthItems != ref.synthItems:
		r.err = fmt.Errorf("%s and %s were scored on %d and %d items; a paired ratio needs the same items", m.name, ref.name, m.synthItems, ref.synthItems)
	case len(ks) == 0 || m.gainErr != nil || ref.gainErr != nil:
		r.err = fmt.Errorf("no ICL gain to compare")
	}
	if r.err != nil {
		return r
	}
	iv, ratio, err := icl.RatioCI(m.scores, ref.scores, ks, nil, opt)
	r.iv, r.defined, r.err = iv, ratio.Defined, err
	if !ratio.Defined {
		r.iv = nanInterval()
	}
	return r
}

// ratioRule is the ratio rows' rule as the report prints it.
const ratioRule = "Rule: inconclusive at this scale when neither gain's 95% CI lies above 0 (no ICL learned: nothing to take a ratio of). Reproduces only when the paper's value lies in our ratio's 95% CI and both gains' CIs lie above 0. Otherwise partly when the ordering holds with a CI that excludes the other side of 100% (below 100% for a paper value below 100, above for one above); inconclusive at this scale when the CI is too wide to tell the paper's value from its opposite (it holds both the paper's ratio r and its mirror 10000/r across 100%, or it is undefined because the Transformer's gain is not distinguishable from 0); does not reproduce otherwise. When the Transformer's gain is ≤ 0 the ratio is undefined: when the model's gain CI lies above 0 and the Transformer's at or below 0, partly if the paper's ratio is above 100%, does not if below; inconclusive otherwise."

// ratioVerdict judges a paper ICL ratio (percent) against ours by
// ratioRule:
//   - not run when there is no Transformer to compare with, or the two were
//     not scored on the same items;
//   - inconclusive at this scale when neither gain's 95% interval lies
//     above zero: no ICL was learned, so there is nothing to take a ratio
//     of (one machine's noise can put a gain's interval just above or just
//     below zero, so this is the same verdict as a ratio too noisy to read);
//   - an undefined ratio (the Transformer's gain <= 0): the model out-learns
//     the Transformer, which is the paper's ordering only for a ratio above
//     100, and only when both gains' intervals exclude the other side;
//   - inconclusive when the interval is undefined, or holds both the paper's
//     value and its mirror 100²/paper (a ratio as far on the other side of
//     100% on a log scale);
//   - reproduces when the paper's value lies in our interval and both gains'
//     intervals lie above 0;
//   - partly when the interval lies wholly on the paper's side of 100%;
//   - does not otherwise.
func ratioVerdict(paper float64, gain, refGain bootstrap.Interval, r iclRatio) string {
	in := func(v float64) bool { return r.iv.Lo <= v && v <= r.iv.Hi }
	switch {
	case r.ref == nil || r.err != nil:
		return NotRun
	case noICL(gain, refGain):
		return Inconclusive
	case !r.defined:
		switch {
		case gain.Lo > 0 && refGain.Hi <= 0 && paper > 100:
			return Partly
		case gain.Lo > 0 && refGain.Hi <= 0:
			return DoesNot
		}
		return Inconclusive
	case math.IsNaN(r.iv.Lo) || math.IsNaN(r.iv.Hi):
		return Inconclusive
	case in(paper) && in(1e4/paper):
		return Inconclusive
	case in(paper) && gain.Lo > 0 && refGain.Lo > 0:
		return Reproduces
	case paper < 100 && r.iv.Hi < 100, paper > 100 && r.iv.Lo > 100:
		return Partly
	case in(paper):
		// The paper's value is in the CI but a gain's CI reaches 0: the
		// quotient is too noisy to confirm the value.
		return Inconclusive
	}
	return DoesNot
}

// gainText formats a gain in points with its interval: "2.1 pp [0.5, 3.6]".
func gainText(iv bootstrap.Interval) string {
	if math.IsNaN(iv.Estimate) {
		return "—"
	}
	s := fmtFixed(100*iv.Estimate, 2) + " pp"
	if !math.IsNaN(iv.Lo) {
		s += " [" + fmtFixed(100*iv.Lo, 2) + ", " + fmtFixed(100*iv.Hi, 2) + "]"
	}
	return s
}

// ratioText formats a ratio in percent with its interval, or says why there
// is none.
func ratioText(r iclRatio, refGain bootstrap.Interval) string {
	switch {
	case r.ref == nil:
		return "—"
	case r.err != nil:
		return "— (" + r.err.Error() + ")"
	case !r.defined:
		return fmt.Sprintf("undefined (%s's gain %s pp ≤ 0)", r.ref.family, fmtFixed(100*refGain.Estimate, 2))
	case math.IsNaN(r.iv.Lo):
		// The quotient of two gains near 0 is noise, however large.
		return fmt.Sprintf("undefined (%s's gain is not distinguishable from 0: over 2.5%% of its resamples are ≤ 0)", r.ref.family)
	}
	return fmt.Sprintf("%s%% [%s, %s]", fmtFixed(r.iv.Estimate, 0), fmtFixed(r.iv.Lo, 0), fmtFixed(r.iv.Hi, 0))
}

// itemGains returns g[seed][item], the item's gain over ks (the mean of
// acc_k − acc_0), for paired differences between models.
func itemGains(s icl.Scores, ks []int) [][]float64 {
	g := make([][]float64, len(s[0]))
	for j := range g {
		g[j] = make([]float64, len(s[0][j]))
		for _, k := range ks {
			for i := range g[j] {
				g[j][i] += (s[k][j][i] - s[0][j][i]) / float64(len(ks))
			}
		}
	}
	return g
}

// gainDiffCI is the interval of gain(b) − gain(a) for two models scored on
// the same items: seeds per model, then items within each seed slot, the
// slot's draw shared by both (paired).
func gainDiffCI(a, b *iclModel, ks []int, opt bootstrap.Options) (bootstrap.Interval, error) {
	if a.synthItems != b.synthItems || a.gainErr != nil || b.gainErr != nil {
		return nanInterval(), fmt.Errorf("%s and %s cannot be paired", a.name, b.name)
	}
	ga, gb := itemGains(a.scores, ks), itemGains(b.scores, ks)
	mean := func(g [][]float64, seeds []int, dr bootstrap.Draw) float64 {
		t, n := 0.0, 0
		for j, s := range seeds {
			items := dr.ItemsAt(j)
			for _, i := range items {
				t += g[s][i]
			}
			n += len(items)
		}
		return t / float64(n)
	}
	d := bootstrap.Design{Items: a.synthItems, Seeds: []int{len(ga), len(gb)}, Nested: true}
	return bootstrap.Run(d, opt, func(dr bootstrap.Draw) float64 {
		return mean(gb, dr.Seeds[1], dr) - mean(ga, dr.Seeds[0], dr)
	})
}

// noICL reports that neither gain's 95% interval lies above zero.
func noICL(gain, refGain bootstrap.Interval) bool { return !(gain.Lo > 0) && !(refGain.Lo > 0) }
