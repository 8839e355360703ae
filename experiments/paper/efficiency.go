package paper

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/train"
)

// Efficiency is the kind "efficiency" (Fig. 2): training throughput
// (tokens/s) and peak memory per token of one fine-tuning setting (model
// size x method x precision) on the instruction data, and the model's
// inference throughput. Throughput does not depend on the weights' values,
// so the model is freshly initialised, not pretrained.
//
// Memory is the Go heap's high-water mark of live objects during the
// training steps, sampled after every backward pass, with the collector set
// to GOGC=20 for the measurement so the heap stays close to the live set
// (weights, gradients, optimizer state, activations): the CPU analogue of
// torch.cuda.max_memory_allocated.
//
// With device = "cuda" the trial trains and infers on an NVIDIA GPU
// instead (efficiency_cuda.go): real 16-bit arithmetic, memory from the
// device allocator, the GPU named in the summary and provenance.
type Efficiency struct{}

// EfficiencyParams is [params] of kind efficiency.
type EfficiencyParams struct {
	Steps      int `toml:"steps" json:"steps"`             // timed training steps (the first is warm-up)
	InferIters int `toml:"infer_iters" json:"infer_iters"` // timed forward passes
}

// NewParams implements experiments.ParamsKind.
func (Efficiency) NewParams() any { return &EfficiencyParams{Steps: 8, InferIters: 4} }

// Version implements experiments.Versioned.
// Version 2 adds the median step's rates, 3 the resident bytes per token.
func (Efficiency) Version() string { return "3" }

// Check implements experiments.Checker.
func (Efficiency) Check(t *config.Trial) error {
	if err := CheckModel(t.Model); err != nil {
		return fmt.Errorf("model %s: %v", t.ModelName, err)
	}
	p := t.Params.(*EfficiencyParams)
	if p.Steps < 2 || p.InferIters < 1 {
		return fmt.Errorf("params: steps must be >= 2 (one warm-up) and infer_iters >= 1")
	}
	if t.Model == nil {
		return fmt.Errorf("the experiment names no model")
	}
	d, ok := t.Data[t.Train.Dataset]
	if !ok {
		return fmt.Errorf("train.dataset %q is not a [data] entry", t.Train.Dataset)
	}
	V, err := vocabOf(d)
	if err != nil {
		return err
	}
	if t.Device == "cuda" {
		return checkCUDA(t, V)
	}
	return checkTrainBudget(t.ModelName, t.Model, V, t.Train.BatchSize, t.Train.SeqLen)
}

// Run implements experiments.Kind.
func (Efficiency) Run(ctx *experiments.Context) error {
	t := ctx.Trial
	p := t.Params.(*EfficiencyParams)
	if t.Device == "cuda" {
		return runEfficiencyCUDA(ctx, t, p)
	}
	ex, tok, err := loadInstructions(t.Data[t.Train.Dataset])
	if err != nil {
		return err
	}
	if err := checkTrainBudget(t.ModelName, t.Model, tok.VocabSize(), t.Train.BatchSize, t.Train.SeqLen); err != nil {
		return err
	}
	nn.ReleaseScratch() // earlier trials' work buffers must not count as this one's baseline
	before := liveHeap()
	base, err := BuildModel(t.Model, tok.VocabSize(), uint64(t.Seed))
	if err != nil {
		return err
	}
	m, _, err := attachMethod(base, t.Method, t.Seed)
	if err != nil {
		return err
	}
	data, err := newSFTData(ex, t.Train.BatchSize, t.Train.SeqLen, tok.EOS(), uint64(t.Seed))
	if err != nil {
		return err
	}
	tc := t.Train
	tc.Steps, tc.WarmupSteps, tc.CheckpointEvery = p.Steps, 0, 0
	cfg, err := trainConfig(tc, t.Precision, "efficiency")
	if err != nil {
		return err
	}
	old := debug.SetGCPercent(20)
	defer debug.SetGCPercent(old)
	tr := &train.Trainer{Ctx: ctx, Model: m, Data: data, Config: cfg}
	s, err := tr.Run()
	if err != nil {
		return err
	}
	resident := liveHeap() // the trainer, model and data are still referenced below
	_, trainable := nn.Count(m.Params())
	out := summary.Efficiency{Model: modelInfo(t, base), Method: t.MethodName, Precision: t.Precision.String(),
		Trainable: trainable, Tokens: t.Train.BatchSize * t.Train.SeqLen, TrainTokensPS: s.TokensPerS, TrainTokensPSMedian: s.TokensPerSMedian,
		TrainPeakBytes: s.PeakBytes, BytesPerToken: s.BytesPerToken, Backend: tensor.MatmulPath(t.Precision.Compute),
		HalfNative: tensor.HalfNative(t.Precision.Compute), Steps: p.Steps}
	if resident > before {
		out.ResidentBytesPerToken = float64(resident-before) / float64(out.Tokens)
	}
	ids, _ := data.Batch(0)
	lm.Infer(m, t.Precision, ids, t.Train.BatchSize, t.Train.SeqLen) // warm-up: inference keeps no training tape
	start := time.Now()
	secs := make([]float64, p.InferIters)
	for i := range secs {
		if err := ctx.Err(); err != nil {
			return err
		}
		began := time.Now()
		lm.Infer(m, t.Precision, ids, t.Train.BatchSize, t.Train.SeqLen)
		secs[i] = time.Since(began).Seconds()
	}
	out.InferTokensPS = float64(p.InferIters*len(ids)) / time.Since(start).Seconds()
	out.InferTokensPSMedian = float64(len(ids)) / train.Median(secs)
	runtime.KeepAlive(tr)
	ctx.Progress.Printf("%s %s %s: %.0f train tok/s, %.0f resident bytes/token, %.0f infer tok/s (median steps)",
		t.ModelName, t.MethodName, t.Precision, out.TrainTokensPSMedian, out.ResidentBytesPerToken, out.InferTokensPSMedian)
	return ctx.WriteSummary(out)
}

// liveHeap forces a collection and returns the bytes of live heap objects.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func init() { experiments.RegisterKind("efficiency", Efficiency{}) }
