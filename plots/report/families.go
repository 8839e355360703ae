package report

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/ssmlab/ssmlab/models"
	_ "github.com/ssmlab/ssmlab/models/all" // architecture labels and kinds

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/metrics/bootstrap"
)

// What the paper-experiment builders (Table 1, Fig. 1-4) share: model
// families in a fixed order and colour, summaries decoded from results,
// statistics over seeds, and number formats.

// familyOrder is the order of model families in every figure and table;
// familyColors their palette index (plots.Palette), the same in every
// figure: Mamba blue, Mamba-2 green, GPT-NeoX vermillion, Llama purple.
var (
	familyOrder  = []string{"Mamba", "Mamba-2", "GPT-NeoX (Pythia)", "Llama"}
	familyColors = map[string]int{"Mamba": 0, "Mamba-2": 2, "GPT-NeoX (Pythia)": 1, "Llama": 3}
)

// familyOf is a model's family label: the summary's, else its arch's
// (the registry's label).
func familyOf(m summary.Model) string {
	switch {
	case m.Family != "":
		return m.Family
	case m.Arch != "":
		return archLabel(m.Arch)
	}
	return m.Name
}

func familyRank(f string) int {
	for i, g := range familyOrder {
		if g == f {
			return i
		}
	}
	return len(familyOrder)
}

// compareFamilies orders families as familyOrder, unknown ones after, by
// name.
func compareFamilies(a, b string) int {
	if ra, rb := familyRank(a), familyRank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

// sortFamilies puts families in familyOrder, unknown ones after, by name.
func sortFamilies(fs []string) {
	sort.SliceStable(fs, func(i, j int) bool { return compareFamilies(fs[i], fs[j]) < 0 })
}

// familyColor is a family's palette index; a family not in familyOrder
// gets orange, sky blue or black by a hash of its name, so it keeps its
// colour from figure to figure.
func familyColor(f string) int {
	if c, ok := familyColors[f]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(f))
	return []int{4, 5, 6}[h.Sum32()%3]
}

func isTransformer(arch string) bool { return models.IsKind(arch, models.Attention) }

// sides returns what a Mamba-vs-Transformers claim compares: the first
// family of arch mamba ("" if none) and every Transformer family.
func sides(families []string, arch map[string]string) (mamba string, transformers []string) {
	for _, f := range families {
		if arch[f] == "mamba" && mamba == "" {
			mamba = f
		}
		if isTransformer(arch[f]) {
			transformers = append(transformers, f)
		}
	}
	return mamba, transformers
}

// decodeSummaries decodes every result's summary.json into T.
func decodeSummaries[T any](rs []store.Result) ([]T, error) {
	out := make([]T, len(rs))
	for i, r := range rs {
		if err := json.Unmarshal(r.Summary, &out[i]); err != nil {
			return nil, fmt.Errorf("%s: %v", filepath.Join(r.Dir, store.SummaryFile), err)
		}
	}
	return out, nil
}

// bootOptions are the bootstrap settings of the report's intervals: the
// resamples the experiment's config asks for (eval.bootstrap, else 1000),
// 95% level, a fixed seed so the report is reproducible.
func bootOptions(rs []store.Result) bootstrap.Options {
	opt := bootstrap.Options{B: 1000, Level: 0.95, Seed: 2406}
	for _, r := range rs {
		var c struct {
			Eval struct {
				Bootstrap int `json:"bootstrap"`
			} `json:"eval"`
		}
		if json.Unmarshal(r.Config, &c) == nil && c.Eval.Bootstrap > 0 {
			opt.B = c.Eval.Bootstrap
			break
		}
	}
	return opt
}

// spread is a quantity over seeds: mean and sample standard deviation (NaN
// with fewer than two seeds) of its finite values.
type spread struct {
	Mean, SD float64
	N        int
}

func spreadOf(xs []float64) spread {
	s := spread{Mean: math.NaN(), SD: math.NaN()}
	var sum float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			sum += x
			s.N++
		}
	}
	if s.N == 0 {
		return s
	}
	s.Mean = sum / float64(s.N)
	if s.N > 1 {
		var ss float64
		for _, x := range xs {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				ss += (x - s.Mean) * (x - s.Mean)
			}
		}
		s.SD = math.Sqrt(ss / float64(s.N-1))
	}
	return s
}

// mean is the mean, NaN when there is no value (also for the zero spread
// that a missing map entry gives).
func (s spread) mean() float64 {
	if s.N == 0 {
		return math.NaN()
	}
	return s.Mean
}

// bar returns the mean and the mean ± sd error bar (NaN without a spread).
func (s spread) bar() (v, lo, hi float64) {
	if s.N < 2 || math.IsNaN(s.SD) {
		return s.mean(), math.NaN(), math.NaN()
	}
	return s.Mean, s.Mean - s.SD, s.Mean + s.SD
}

// format writes "mean ± sd", "mean" with one seed, "—" with none.
func (s spread) format(f func(float64) string) string {
	switch {
	case s.N == 0:
		return "—"
	case s.N == 1:
		return f(s.Mean)
	}
	return f(s.Mean) + " ± " + f(s.SD)
}

// seedMeans collects values per seed; its spread is over the per-seed means
// (a family's models averaged within each seed, then spread over seeds).
type seedMeans map[int64][]float64

func (m seedMeans) add(seed int64, x float64) { m[seed] = append(m[seed], x) }

func (m seedMeans) spread() spread {
	seeds := make([]int64, 0, len(m))
	for s := range m {
		seeds = append(seeds, s)
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	var means []float64
	for _, s := range seeds {
		means = append(means, spreadOf(m[s]).Mean)
	}
	return spreadOf(means)
}

// fmtPP formats percentage points (or percent) with two decimals.
func fmtPP(v float64) string { return fmtFixed(v, 2) }

func fmtFixed(v float64, dec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// fmtSci formats a small positive quantity (KL, logit differences) in two
// significant digits.
func fmtSci(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// humanCount formats a parameter count: 28.4K, 1.3M, 2.8B.
func humanCount(n float64) string {
	switch {
	case math.IsNaN(n):
		return "—"
	case n >= 1e9:
		return fmtFixed(n/1e9, 1) + "B"
	case n >= 1e6:
		return fmtFixed(n/1e6, 1) + "M"
	case n >= 1e3:
		return fmtFixed(n/1e3, 1) + "K"
	}
	return fmtFixed(n, 0)
}

// precisionOrder sorts 16-bit precision names: fp16, bf16, then the rest
// by name (fp16-pure, bf16-pure, ...), fp32 last.
func sortPrecisions(ps []string) {
	rank := func(p string) int {
		switch p {
		case "fp16":
			return 0
		case "bf16":
			return 1
		case "fp32":
			return 3
		}
		return 2
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if rank(ps[i]) != rank(ps[j]) {
			return rank(ps[i]) < rank(ps[j])
		}
		return ps[i] < ps[j]
	})
}

// dropNaN returns nil when xs holds no number (no error bars to draw), else
// xs.
func dropNaN(xs []float64) []float64 {
	for _, x := range xs {
		if !math.IsNaN(x) {
			return xs
		}
	}
	return nil
}

// intSet formats shot counts as {0, 1, 3}.
func intSet(ks []int) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = strconv.Itoa(k)
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// uniqStrings returns the distinct strings of xs in first-seen order.
func uniqStrings(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// values are the per-seed means in seed order.
func (m seedMeans) values() []float64 {
	seeds := make([]int64, 0, len(m))
	for s := range m {
		seeds = append(seeds, s)
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	out := make([]float64, len(seeds))
	for i, s := range seeds {
		out[i] = spreadOf(m[s]).Mean
	}
	return out
}

// seedDiffCI is mean(a) − mean over the families bs of mean(b), a's and
// each b's values one per seed, with a bootstrap interval that resamples
// every family's seeds independently. The interval is NaN when a family has
// fewer than two seeds: one seed says nothing of the seed-to-seed spread.
func seedDiffCI(a []float64, bs [][]float64, opt bootstrap.Options) bootstrap.Interval {
	mean := func(x []float64, idx []int) float64 {
		t := 0.0
		for _, i := range idx {
			t += x[i]
		}
		return t / float64(len(idx))
	}
	groups := [][]float64{a}
	for _, b := range bs {
		if len(b) > 0 {
			groups = append(groups, b)
		}
	}
	if len(a) == 0 || len(groups) < 2 {
		return nanInterval()
	}
	d := bootstrap.Design{Items: 1}
	few := false
	for _, g := range groups {
		d.Seeds = append(d.Seeds, len(g))
		few = few || len(g) < 2
	}
	iv, err := bootstrap.Run(d, opt, func(dr bootstrap.Draw) float64 {
		t := 0.0
		for j, g := range groups[1:] {
			t += mean(g, dr.Seeds[j+1])
		}
		return mean(a, dr.Seeds[0]) - t/float64(len(groups)-1)
	})
	if err != nil {
		return nanInterval()
	}
	if few {
		iv.Lo, iv.Hi = math.NaN(), math.NaN()
	}
	return iv
}

// Outcomes of one setting under marginVerdict.
const (
	settingPass = iota
	settingFail
	settingInconclusive
)

// marginVerdict judges "the SSM diverges no more than the Transformers"
// from the interval of SSM − Transformers' mean and a margin (what counts
// as more): passes when the whole interval lies at or below the margin,
// fails when it lies wholly above, and is inconclusive when it straddles
// the margin or is undefined (one seed).
func marginVerdict(diff bootstrap.Interval, margin float64) int {
	switch {
	case math.IsNaN(diff.Lo) || math.IsNaN(diff.Hi) || math.IsNaN(margin):
		return settingInconclusive
	case diff.Hi <= margin:
		return settingPass
	case diff.Lo > margin:
		return settingFail
	}
	return settingInconclusive
}

// outcomeWord names a setting's outcome in the report.
var outcomeWord = [3]string{"passes", "fails", "inconclusive"}

// tallyOutcomes turns per-setting outcomes into a verdict: reproduces when
// every setting passes, partly when some do, does not when none does and
// some fail, inconclusive when every setting is inconclusive, not run when
// there is none.
func tallyOutcomes(outcomes []int) string {
	var n [3]int
	for _, o := range outcomes {
		n[o]++
	}
	switch {
	case len(outcomes) == 0:
		return NotRun
	case n[settingPass] == len(outcomes):
		return Reproduces
	case n[settingPass] > 0:
		return Partly
	case n[settingFail] > 0:
		return DoesNot
	}
	return Inconclusive
}

// ciText formats an interval of points: "0.12 [−0.05, 0.30]", or
// "0.12 [no CI: one seed]".
func ciText(iv bootstrap.Interval) string {
	if math.IsNaN(iv.Lo) {
		return fmtPP(iv.Estimate) + " [no CI: fewer than 2 seeds]"
	}
	return fmt.Sprintf("%s [%s, %s]", fmtPP(iv.Estimate), fmtPP(iv.Lo), fmtPP(iv.Hi))
}

// tally turns per-setting passes into a verdict: every setting passes,
// some do, none does, or nothing to compare.
func tally(pass, n int) string {
	switch {
	case n == 0:
		return NotRun
	case pass == n:
		return Reproduces
	case pass > 0:
		return Partly
	}
	return DoesNot
}

// archLabel is an architecture's label in the models registry.
func archLabel(arch string) string { return models.Label(arch) }
