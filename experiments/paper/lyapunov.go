package paper

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"sync"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/metrics/perturb"
)

// Lyapunov is the kind "lyapunov" (configs/lyapunov.toml): Theorem 1 of
// arXiv 2406.00209 and its empirical check. A trial studies its model spec
// (the sweep axis "model"): params.draws fresh initialisations of a
// from-scratch spec, or one checkpoint (a spec with path, or a pretrained
// base, see resolveModel). What it measures of a model comes from the
// model's registry entry (models.Arch's Dynamics or Sequence), so any
// registered architecture with those hooks is studied. Along a random
// token sequence it measures
//   - for every SSM layer (a "layer" unit: Mamba's, Mamba-2's, a hybrid's
//     SSM mixers): the exact spectrum from the step sizes, Theorem 1's
//     perturbation of the layer's state (conv and SSM) and input by ε at
//     t0 with the bound C·ε·e^{Nζ}, the fitted decay rates, and (first
//     params.qr_units layers) Benettin/QR against the exact spectrum;
//   - for a whole model (a "model" unit): the stacked recurrence of an SSM
//     model with more than one layer or of the tanh RNN control (QR, DNS,
//     perturbation of all states and the input embedding, logit deviation),
//     or a Transformer's logit deviation after perturbing one input
//     embedding, the comparable statistic of a model without a fixed-size
//     state to perturb; docs/metrics.md);
//   - with params.every_eps, the same units under rounding-like noise at
//     every token from t0 on (the input moved by fresh ±ε each step).
//
// summary.json is a summary.Lyapunov. Everything runs in fp32 and is
// deterministic in the trial seed; draws run in parallel (GOMAXPROCS) and
// are checkpointed every params.checkpoint_every draws.
type Lyapunov struct{}

// LyapunovParams is [params] of kind lyapunov.
type LyapunovParams struct {
	// Draws is the number of fresh initialisations of a from-scratch spec
	// (a checkpoint is one draw); DrawsFor overrides it per model name,
	// e.g. 100 draws of a one-layer spec are 100 random layers.
	Draws    int            `toml:"draws" json:"draws"`
	DrawsFor map[string]int `toml:"draws_for" json:"draws_for"`
	SeqLen   int            `toml:"seq_len" json:"seq_len"` // T, tokens of the input sequence
	At       int            `toml:"at" json:"at"`           // t0, where state and input are perturbed
	// Eps are the perturbation sizes: presets fp16 (2^-11, one fp16
	// rounding of a value near 1), bf16 (2^-8), 1e-2, 1e-1, or numbers.
	Eps []string `toml:"eps" json:"eps"`
	// EveryEps are the sizes of the every-step perturbation (rounding-like
	// noise: the input moved by fresh ±ε at every token from t0 on), as Eps.
	EveryEps []string `toml:"every_eps" json:"every_eps"`
	Vocab    int      `toml:"vocab" json:"vocab"` // vocabulary of from-scratch specs that leave vocab at 0

	QRUnits int   `toml:"qr_units" json:"qr_units"` // layer units (in draw order) that also get QR; recurrent model units always do
	QRK     int   `toml:"qr_k" json:"qr_k"`         // leading exponents QR computes
	QRSteps []int `toml:"qr_steps" json:"qr_steps"` // sequence lengths of the QR runs (<= seq_len); empty: seq_len
	QRSkip  int   `toml:"qr_skip" json:"qr_skip"`   // state transient, and the start of Q's transient (see runQR)

	// Fits and the bound. A deviation at or below Floor times the
	// reference run's largest |value| is float32 rounding noise and ends a
	// fit; above Ceiling (absolute; the RNN's deviations only) it has
	// saturated. The bound holds on a run when C <= CMax and the ratio
	// dev/(ε e^{Nζ}) grows no faster than RateTol·|ζ| per token. RateTol
	// allows for ζ being the mean over the whole window while a fast layer
	// (a Mamba-2 head with ζ near −0.1) reaches the noise floor within 100
	// steps, over which its exponent differs from ζ by up to 15%.
	Floor   float64 `toml:"floor" json:"floor"`
	Ceiling float64 `toml:"ceiling" json:"ceiling"`
	CMax    float64 `toml:"c_max" json:"c_max"`
	RateTol float64 `toml:"rate_tol" json:"rate_tol"`

	Points          int `toml:"points" json:"points"`                     // deviation-curve points kept in summary.json
	CheckpointEvery int `toml:"checkpoint_every" json:"checkpoint_every"` // draws between checkpoints

	// Pretrained lists models studied after pretraining (the shared
	// pretrain artifact; see pretrainedBase) rather than at initialisation.
	Pretrained []string `toml:"pretrained" json:"pretrained"`
}

// NewParams implements experiments.ParamsKind.
func (Lyapunov) NewParams() any {
	return &LyapunovParams{
		Draws: 8, SeqLen: 512, At: 32, Eps: []string{"fp16", "bf16", "1e-2", "1e-1"}, EveryEps: []string{"fp16", "bf16"}, Vocab: 256,
		QRUnits: 10, QRK: 8, QRSkip: 32,
		Floor: 1e-5, Ceiling: 0.1, CMax: 10, RateTol: 0.25,
		Points: 400, CheckpointEvery: 25,
	}
}

// Version implements experiments.Versioned.
func (Lyapunov) Version() string { return "2" }

// Check implements experiments.Checker.
func (Lyapunov) Check(t *config.Trial) error {
	p := t.Params.(*LyapunovParams)
	if t.Model == nil {
		return fmt.Errorf("lyapunov needs a model: set model (a [models.NAME]) or sweep it")
	}
	if _, _, err := p.epsValues(); err != nil {
		return err
	}
	if _, _, err := parseEps("every_eps", p.EveryEps, true); err != nil {
		return err
	}
	switch {
	case p.draws(t.ModelName) < 1:
		return fmt.Errorf("params.draws (or draws_for.%s) = %d: need at least 1", t.ModelName, p.draws(t.ModelName))
	case p.SeqLen < 4 || p.At < 0 || p.At > p.SeqLen-4:
		return fmt.Errorf("params: need seq_len >= 4 and 0 <= at <= seq_len-4, have seq_len %d, at %d", p.SeqLen, p.At)
	case p.QRK < 1 || p.QRUnits < 0 || p.QRSkip < 0:
		return fmt.Errorf("params: need qr_k >= 1, qr_units >= 0 and qr_skip >= 0")
	case !(p.Floor >= 0) || !(p.Ceiling > 0) || !(p.CMax > 0) || !(p.RateTol >= 0):
		return fmt.Errorf("params: need floor >= 0, ceiling > 0, c_max > 0 and rate_tol >= 0")
	case p.Points < 2 || p.CheckpointEvery < 1:
		return fmt.Errorf("params: need points >= 2 and checkpoint_every >= 1")
	case p.Vocab < 1 && t.Model.Vocab == 0 && t.Model.Path == "":
		return fmt.Errorf("params.vocab must be positive for a model without vocab")
	}
	for _, n := range p.qrSteps() {
		if n > p.SeqLen || n-2*p.QRSkip < 4 {
			return fmt.Errorf("params.qr_steps: %d must be <= seq_len (%d) and leave 4 steps after the transients (2 x qr_skip = %d)", n, p.SeqLen, 2*p.QRSkip)
		}
	}
	for _, name := range p.Pretrained {
		if name == t.ModelName && t.Model.Path != "" {
			return fmt.Errorf("params.pretrained lists %q, which already has a path", name)
		}
	}
	// the model and one forward pass of seq_len tokens, from the config alone
	return checkEvalBudget(t.ModelName, t.Model, p.Vocab, 1, p.SeqLen, "params.seq_len")
}

// epsValues parses Eps: preset names or numbers.
func (p *LyapunovParams) epsValues() ([]float64, []string, error) {
	return parseEps("eps", p.Eps, false)
}

// parseEps parses the perturbation sizes of params.<key>: preset names or
// numbers; empty is an error unless allowEmpty.
func parseEps(key string, list []string, allowEmpty bool) ([]float64, []string, error) {
	if len(list) == 0 && !allowEmpty {
		return nil, nil, fmt.Errorf("params.%s is empty: name at least one size (fp16, bf16, 1e-2, 1e-1 or a number)", key)
	}
	var vals []float64
	var names []string
	for _, s := range list {
		v, ok := math.NaN(), false
		for _, pr := range perturb.Presets {
			if pr.Name == s {
				v, ok = pr.Eps, true
			}
		}
		if !ok {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || !(f > 0) || math.IsInf(f, 1) {
				return nil, nil, fmt.Errorf("params.%s: %q is neither a preset (fp16, bf16, 1e-2, 1e-1) nor a positive number", key, s)
			}
			v = f
		}
		vals, names = append(vals, v), append(names, s)
	}
	return vals, names, nil
}

// draws returns the draws of model name.
func (p *LyapunovParams) draws(name string) int {
	if n, ok := p.DrawsFor[name]; ok {
		return n
	}
	return p.Draws
}

func (p *LyapunovParams) qrSteps() []int {
	if len(p.QRSteps) == 0 {
		return []int{p.SeqLen}
	}
	return p.QRSteps
}

// lyapCheckpoint is what a checkpoint holds: the units of the draws done.
type lyapCheckpoint struct {
	Draws int          `json:"draws"`
	Units []unitResult `json:"units"`
}

// Run implements experiments.Kind.
func (Lyapunov) Run(c *experiments.Context) error {
	p := c.Trial.Params.(*LyapunovParams)
	subj, err := resolveModel(c, c.Trial, p)
	if err != nil {
		return err
	}
	eps, names, err := p.epsValues()
	if err != nil {
		return err
	}
	first, err := subj.build(0)
	if err != nil {
		return err
	}
	tokens := randomTokens(c.Rand("tokens"), first.VocabSize(), p.SeqLen)
	every, everyNames, err := parseEps("every_eps", p.EveryEps, true)
	if err != nil {
		return err
	}
	ms := newMeasurer(p, eps, tokens)
	ms.every, ms.everyNames = every, everyNames
	var done lyapCheckpoint
	if path, _, ok := c.Checkpoints.Latest(); ok {
		if err := readCheckpoint(path, &done); err != nil {
			return err
		}
	}
	for done.Draws < subj.draws {
		if err := c.Err(); err != nil {
			return err
		}
		hi := min(subj.draws, done.Draws+p.CheckpointEvery)
		units, err := measureDraws(c, subj, ms, done.Draws, hi)
		if err != nil {
			return err
		}
		for _, u := range units {
			if err := c.Log.Write(u.logLine()); err != nil {
				return err
			}
		}
		done.Units, done.Draws = append(done.Units, units...), hi
		if err := c.Checkpoints.SaveFile(hi, func(w io.Writer) error { return json.NewEncoder(w).Encode(&done) }); err != nil {
			return err
		}
		c.Progress.Update(hi, subj.draws)
	}
	return c.WriteSummary(ms.summarize(subj, ParamCount(first), names, done.Units))
}

// measureDraws measures draws lo..hi-1: in parallel over draws when there
// are several, else over the one draw's layers.
func measureDraws(c *experiments.Context, subj subject, ms *measurer, lo, hi int) ([]unitResult, error) {
	perDraw := make([][]unitResult, hi-lo)
	errs := make([]error, hi-lo)
	workers := runtime.GOMAXPROCS(0)
	layerBase := func(d int) int { return d * subj.layersPerDraw } // layer units before draw d
	if hi-lo == 1 {
		perDraw[0], errs[0] = ms.measureDraw(c, subj, lo, layerBase(lo), workers)
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(workers, hi-lo) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for d := range next {
					perDraw[d-lo], errs[d-lo] = ms.measureDraw(c, subj, d, layerBase(d), 1)
				}
			}()
		}
		for d := lo; d < hi; d++ {
			next <- d
		}
		close(next)
		wg.Wait()
	}
	var out []unitResult
	for i, us := range perDraw {
		if errs[i] != nil {
			return nil, fmt.Errorf("draw %d: %w", lo+i, errs[i])
		}
		out = append(out, us...)
	}
	return out, nil
}

func readCheckpoint(path string, v any) error {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v (delete the checkpoint or rerun with --force)", path, err)
	}
	return nil
}

func init() { experiments.RegisterKind("lyapunov", Lyapunov{}) }
