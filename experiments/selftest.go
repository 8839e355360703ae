package experiments

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/precision"
)

// SelfTest is the built-in kind "selftest": a tiny deterministic linear
// regression trained by SGD, starting from a shared "selftest-base"
// artifact. It exercises everything a real kind uses (params, artifacts,
// checkpoints and resume, log, progress, summary) in milliseconds, for the
// runner's tests and for checking a cluster setup
// (experiments/testdata/selftest.toml).
type SelfTest struct{}

// SelfTestParams is [params] of kind selftest.
type SelfTestParams struct {
	Dim             int     `toml:"dim" json:"dim"`                           // weights to fit
	Steps           int     `toml:"steps" json:"steps"`                       // SGD steps of the trial
	LR              float64 `toml:"lr" json:"lr"`                             // SGD step size
	BaseSteps       int     `toml:"base_steps" json:"base_steps"`             // steps of the shared base; 0: start from zeros
	CheckpointEvery int     `toml:"checkpoint_every" json:"checkpoint_every"` // steps between checkpoints
	StepMillis      int     `toml:"step_ms" json:"step_ms"`                   // sleep per step, to watch progress or kill a run
}

// NewParams implements ParamsKind.
func (SelfTest) NewParams() any {
	return &SelfTestParams{Dim: 8, Steps: 40, LR: 0.05, BaseSteps: 20, CheckpointEvery: 10}
}

// Version implements Versioned.
func (SelfTest) Version() string { return "1" }

// selftestBase is the spec of a selftest-base artifact.
type selftestBase struct {
	Dim   int   `json:"dim"`
	Steps int   `json:"steps"`
	Seed  int64 `json:"seed"`
}

func (b selftestBase) Label() string { return fmt.Sprintf("dim=%d_seed=%d", b.Dim, b.Seed) }

func baseSpec(t *config.Trial) (selftestBase, bool) {
	p := t.Params.(*SelfTestParams)
	return selftestBase{Dim: p.Dim, Steps: p.BaseSteps, Seed: t.Seed}, p.BaseSteps > 0
}

// Needs implements Planner.
func (SelfTest) Needs(t *config.Trial) ([]Need, error) {
	if spec, ok := baseSpec(t); ok {
		return []Need{{Artifact: "selftest-base", Spec: spec}}, nil
	}
	return nil, nil
}

// Check implements Checker.
func (SelfTest) Check(t *config.Trial) error {
	p := t.Params.(*SelfTestParams)
	if p.Dim <= 0 || p.Steps < 0 || p.CheckpointEvery <= 0 {
		return fmt.Errorf("params: dim and checkpoint_every must be positive, steps >= 0")
	}
	return nil
}

// selftestAbort lets tests simulate a crash after a step; nil in production.
var selftestAbort func(c *Context, step int) error

// Run implements Kind.
func (SelfTest) Run(c *Context) error {
	p := c.Trial.Params.(*SelfTestParams)
	w := make([]float64, p.Dim)
	if spec, ok := baseSpec(c.Trial); ok {
		dir, err := c.Artifact("selftest-base", spec)
		if err != nil {
			return err
		}
		if err := readJSON(filepath.Join(dir, "base.json"), &w); err != nil {
			return err
		}
	}
	start := 0
	if path, step, ok := c.Checkpoints.Latest(); ok {
		if err := readJSON(path, &w); err != nil {
			return err
		}
		start = step
	}
	want := targetWeights(c.Rand("target"), p.Dim)
	loss := 0.0
	for step := start + 1; step <= p.Steps; step++ {
		if err := c.Err(); err != nil {
			return err
		}
		loss = sgdStep(w, want, c.Seed, step, p.LR, c.Trial.Precision)
		if err := c.Log.Write(map[string]any{"step": step, "loss": loss}); err != nil {
			return err
		}
		if step%p.CheckpointEvery == 0 || step == p.Steps {
			if err := c.Checkpoints.SaveFile(step, jsonWriter(w)); err != nil {
				return err
			}
		}
		c.Progress.Update(step, p.Steps)
		if selftestAbort != nil {
			if err := selftestAbort(c, step); err != nil {
				return err
			}
		}
		time.Sleep(time.Duration(p.StepMillis) * time.Millisecond)
	}
	norm := 0.0
	for _, x := range w {
		norm += x * x
	}
	return c.WriteSummary(map[string]any{"final_loss": loss, "w_norm": math.Sqrt(norm), "w": w})
}

// targetWeights draws the weights a regression should find.
func targetWeights(r *rand.Rand, dim int) []float64 {
	want := make([]float64, dim)
	for i := range want {
		want[i] = r.NormFloat64()
	}
	return want
}

// sgdStep does one SGD step of least squares towards want on a batch drawn
// from (seed, step), so a resumed run draws the same batches, with weights
// rounded to the policy's compute type in the forward pass.
func sgdStep(w, want []float64, seed int64, step int, lr float64, pol precision.Policy) float64 {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(step)))
	grad := make([]float64, len(w))
	loss := 0.0
	const batch = 8
	for range batch {
		var pred, y float64
		x := make([]float64, len(w))
		for i := range x {
			x[i] = r.NormFloat64()
			pred += float64(pol.Compute.Round(float32(w[i]))) * x[i]
			y += want[i] * x[i]
		}
		d := pred - y
		loss += d * d / batch
		for i := range grad {
			grad[i] += 2 * d * x[i] / batch
		}
	}
	for i := range w {
		w[i] -= lr * grad[i]
	}
	return loss
}

// selftestBuilder builds "selftest-base": the weights after Steps SGD steps
// from zeros.
type selftestBuilder struct{}

func (selftestBuilder) Version() string { return "1" }

func (selftestBuilder) Build(c *Context) error {
	var spec selftestBase
	if err := json.Unmarshal(c.Spec, &spec); err != nil {
		return err
	}
	w := make([]float64, spec.Dim)
	want := targetWeights(rand.New(rand.NewPCG(uint64(spec.Seed), 1)), spec.Dim)
	for step := 1; step <= spec.Steps; step++ {
		loss := sgdStep(w, want, spec.Seed+1000, step, 0.05, precision.FP32Policy)
		if err := c.Log.Write(map[string]any{"step": step, "loss": loss}); err != nil {
			return err
		}
		c.Progress.Update(step, spec.Steps)
	}
	return c.WriteFile("base.json", jsonWriter(w))
}

func jsonWriter(v any) func(io.Writer) error {
	return func(w io.Writer) error { return json.NewEncoder(w).Encode(v) }
}

func readJSON(path string, v any) error {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func init() {
	RegisterKind("selftest", SelfTest{})
	RegisterArtifact("selftest-base", selftestBuilder{})
}
