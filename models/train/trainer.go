package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sort"
	"time"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
)

// Trainer trains Model on Data under Config, writing in Dir checkpoint.bin,
// steps.jsonl (every step), and log.jsonl and scalars.csv (the loss curve,
// every Config.LogEvery steps). Dir may be empty for an in-memory run (no
// files).
type Trainer struct {
	// Ctx, if set, stops the run between steps when cancelled (Ctrl-C):
	// Run returns its error and the last checkpoint stays valid.
	Ctx   context.Context
	Model lm.Model
	Data  Data
	// Val, if set, is validation data: log lines carry the mean loss of
	// its first Config.ValBatches batches (forward only; training is
	// unchanged).
	Val      Data
	Config   Config
	Dir      string
	Progress io.Writer // progress lines (stderr); nil for none
	Label    string    // prefix of progress lines
	// Step, if set, receives every step's progress (step of total, and
	// loss, lr, tokens/s and ETA as text) instead of Progress, which then
	// gets only messages such as "resuming from step N"; the caller
	// rate-limits (a terminal bar, or a line every few seconds).
	Step func(step, total int, detail string)

	// InjectOverflow, if set, is called after each backward with the step
	// number; returning true turns one gradient into +Inf (tests of the fp16
	// loss scaler).
	InjectOverflow func(step int) bool

	Opt      *optim.AdamW
	Scaler   *precision.LossScaler
	params   []*nn.Param
	inMemory []Record // the log of a run without Dir
	crashAt  int      // tests: stop with errCrash after this many steps
	win      window   // training losses since the last log line
}

var errCrash = errors.New("simulated crash")

// Summary is what a finished run reports.
type Summary struct {
	Steps        int     `json:"steps"`
	FinalLoss    float64 `json:"final_loss"`     // mean loss of the last step
	MeanLastLoss float64 `json:"mean_last_loss"` // mean over the last 10% of steps
	Skipped      int     `json:"skipped_steps"`  // fp16 overflow skips
	Tokens       int     `json:"tokens"`         // tokens trained on
	TokensPerS   float64 `json:"tokens_per_s"`   // steady state (first step excluded): mean of the steps' rates
	// TokensPerSMedian is the median step's rate (first step excluded),
	// robust to a few steps slowed by other work on the machine.
	TokensPerSMedian float64 `json:"tokens_per_s_median"`
	PeakBytes        uint64  `json:"peak_bytes"` // Go heap high-water mark during the run
	BytesPerToken    float64 `json:"peak_bytes_per_token"`
	Diverged         bool    `json:"diverged"` // a non-finite loss or weights
}

// CheckpointPath is where Dir's checkpoint lives.
func (t *Trainer) CheckpointPath() string { return filepath.Join(t.Dir, "checkpoint.bin") }

func (t *Trainer) setup() (start int, err error) {
	if err := t.Config.Validate(); err != nil {
		return 0, err
	}
	t.params = t.Model.Params()
	optim.MarkNoDecay(t.params)
	t.Opt = optim.NewAdamW(t.params, t.Config.AdamW)
	if len(t.Opt.Params) == 0 {
		return 0, errors.New("nothing to train: every parameter is frozen")
	}
	t.Scaler = precision.NewLossScaler(t.Config.Policy.NeedsLossScaling())
	if t.Config.Policy.PureWeights {
		for _, p := range t.params {
			t.Config.Policy.Compute.RoundSlice(p.Value.Data)
		}
	}
	if t.Dir == "" {
		return 0, nil
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return 0, err
	}
	if err := migrateStepLog(t.Dir); err != nil {
		return 0, err
	}
	if _, err := os.Stat(t.CheckpointPath()); err == nil {
		start, err = loadCheckpoint(t.CheckpointPath(), t.Model.Arch(), t.params, t.Opt, t.Scaler, t.Config.ConfigJSON)
		if err != nil {
			return 0, err
		}
		if t.Progress != nil && start < t.Config.Steps {
			fmt.Fprintf(t.Progress, "%sresuming from step %d of %d (checkpoint)\n", t.Label, start, t.Config.Steps)
		}
	}
	if err := truncateLog(filepath.Join(t.Dir, StepsFile), start); err != nil {
		return 0, err
	}
	if err := truncateCurve(t.Dir, start); err != nil {
		return 0, err
	}
	return start, t.refillWindow(start)
}

// refillWindow restores the training losses of the steps after the last
// log line and before start, which a resumed run logs with its own.
func (t *Trainer) refillWindow(start int) error {
	t.win = window{}
	if start == 0 {
		return nil
	}
	logged := 0
	if lines, err := ReadCurve(filepath.Join(t.Dir, LogFile)); err == nil && len(lines) > 0 {
		logged = lines[len(lines)-1].Step
	}
	recs, err := ReadLog(filepath.Join(t.Dir, StepsFile))
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r.Step >= logged && r.Step < start {
			t.win.add(float64(r.Loss))
		}
	}
	return nil
}

// Run trains from the last checkpoint in Dir (or from scratch) to
// Config.Steps and returns the summary of the whole run.
func (t *Trainer) Run() (Summary, error) {
	start, err := t.setup()
	if err != nil {
		return Summary{}, err
	}
	B, T := t.Data.Shape()
	cfg := t.Config
	pol := cfg.Policy
	mem := newPeakTracker()
	prog := newProgress(t.Progress, t.Label, cfg.Steps, cfg.ProgressSec)
	prog.step = t.Step
	for step := start; step < cfg.Steps; step++ {
		if t.Ctx != nil {
			if err := t.Ctx.Err(); err != nil {
				return Summary{}, err
			}
		}
		began := time.Now()
		nn.ZeroGrads(t.Opt.Params)
		scale := t.Scaler.LossScale()
		var loss float64
		for m := 0; m < cfg.Accum; m++ {
			ids, targets := t.Data.Batch(step*cfg.Accum + m)
			if err := lm.CheckIDs("training data", ids, B, T, t.Model.VocabSize()); err != nil {
				return Summary{}, err
			}
			loss += lm.Loss(t.Model, pol, ids, targets, B, T, true, scale/float32(cfg.Accum)) / float64(cfg.Accum)
			mem.sample()
		}
		if t.InjectOverflow != nil && t.InjectOverflow(step) {
			t.Opt.Params[0].Grad.Data[0] = float32(math.Inf(1))
		}
		grads := make([][]float32, len(t.Opt.Params))
		for i, p := range t.Opt.Params {
			grads[i] = p.Grad.Data
		}
		found := t.Scaler.Unscale(grads)
		norm := math.Inf(1)
		skip := t.Scaler.Update(found)
		lr := cfg.Schedule.LR(step)
		if !skip {
			norm = optim.ClipGradNorm(t.Opt.Params, cfg.ClipNorm)
			t.Opt.Update(lr, pol)
		}
		rec := Record{Step: step, Loss: Num(loss), LR: lr, GradNorm: Num(norm), LossScale: float64(scale), Skipped: skip,
			SkipTotal: t.Scaler.Skipped, Tokens: (step + 1) * cfg.Accum * B * T,
			TokensPerS: float64(cfg.Accum*B*T) / time.Since(began).Seconds(), PeakBytes: mem.peak}
		if err := t.record(rec, step, cfg); err != nil {
			return Summary{}, err
		}
		prog.update(step+1, loss, lr, rec.TokensPerS)
		if t.crashAt > 0 && step+1 == t.crashAt {
			return Summary{}, errCrash
		}
	}
	prog.done()
	return t.summarize(mem.peak)
}

// record logs the step, a log line when one is due and then a checkpoint
// when one is due (so a checkpoint always follows the lines it covers).
func (t *Trainer) record(rec Record, step int, cfg Config) error {
	if t.Dir == "" {
		t.inMemory = append(t.inMemory, rec)
		return nil
	}
	if err := appendRecord(filepath.Join(t.Dir, StepsFile), rec); err != nil {
		return err
	}
	t.win.add(float64(rec.Loss))
	if every := max(cfg.LogEvery, 1); (step+1)%every == 0 || step+1 == cfg.Steps {
		line := LogLine{Step: step + 1, TrainLoss: Num(t.win.mean()), LR: rec.LR, GradNorm: rec.GradNorm, Tokens: rec.Tokens, SkipTotal: rec.SkipTotal}
		if t.Val != nil {
			v := Num(t.valLoss())
			line.ValLoss = &v
		}
		if err := appendLogLine(t.Dir, line); err != nil {
			return err
		}
		t.win = window{}
	}
	if (cfg.CkptEvery > 0 && (step+1)%cfg.CkptEvery == 0) || step+1 == cfg.Steps {
		return saveCheckpoint(t.CheckpointPath(), t.Model.Arch(), step+1, t.params, t.Opt, t.Scaler, cfg.ConfigJSON)
	}
	return nil
}

// valLoss is the mean loss of the first ValBatches batches of Val under
// the training precision, forward only.
func (t *Trainer) valLoss() float64 {
	B, T := t.Val.Shape()
	var sum float64
	n := max(t.Config.ValBatches, 1)
	for i := 0; i < n; i++ {
		ids, targets := t.Val.Batch(i)
		sum += lm.Loss(t.Model, t.Config.Policy, ids, targets, B, T, false, 1)
	}
	return sum / float64(n)
}

// peakTracker samples the Go heap's live bytes and keeps the maximum.
type peakTracker struct {
	s    []metrics.Sample
	peak uint64
}

func newPeakTracker() *peakTracker {
	p := &peakTracker{s: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
	p.sample()
	return p
}

func (p *peakTracker) sample() {
	metrics.Read(p.s)
	if v := p.s[0].Value.Uint64(); v > p.peak {
		p.peak = v
	}
}

// summarize reads the whole run's log (earlier processes' steps included).
func (t *Trainer) summarize(peak uint64) (Summary, error) {
	recs := t.inMemory
	if t.Dir != "" {
		var err error
		if recs, err = ReadLog(filepath.Join(t.Dir, StepsFile)); err != nil {
			return Summary{}, err
		}
	}
	if len(recs) == 0 {
		return Summary{}, fmt.Errorf("training finished with an empty log")
	}
	last := recs[len(recs)-1]
	s := Summary{Steps: len(recs), FinalLoss: float64(last.Loss), Skipped: last.SkipTotal, Tokens: last.Tokens, PeakBytes: peak}
	tail := max(1, len(recs)/10)
	var tps float64
	var rates []float64
	for i, r := range recs {
		if i >= len(recs)-tail {
			s.MeanLastLoss += float64(r.Loss) / float64(tail)
		}
		if i > 0 || len(recs) == 1 {
			tps += r.TokensPerS
			rates = append(rates, r.TokensPerS)
		}
		if l := float64(r.Loss); math.IsNaN(l) || math.IsInf(l, 0) {
			s.Diverged = true
		}
		if r.PeakBytes > s.PeakBytes {
			s.PeakBytes = r.PeakBytes
		}
	}
	s.TokensPerS = tps / float64(max(1, len(recs)-1))
	s.TokensPerSMedian = Median(rates)
	for _, p := range t.params {
		if !precisionFinite(p.Value.Data) {
			s.Diverged = true
			break
		}
	}
	B, T := t.Data.Shape()
	s.BytesPerToken = float64(s.PeakBytes) / float64(t.Config.Accum*B*T)
	return s, nil
}

func precisionFinite(x []float32) bool { return precision.AllFinite(x) }

// Median returns the median of x (the mean of the middle two for an even
// count; 0 for none), leaving x as it was.
func Median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
