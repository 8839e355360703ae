package paper

import (
	"fmt"
	"math"
	"time"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/summary"
	"github.com/ssmlab/ssmlab/internal/membudget"
	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/train"
)

// Fig. 2 on an NVIDIA GPU (device = "cuda"): the same setting (model,
// method, precision, batch) trained through models/cuda's Trainer (full
// fine-tuning, or LoRA when the method is; fp32 master weights and AdamW
// state, 16-bit activations and tensor-core matmuls under fp16/bf16) and its
// inference through cuda.Upload. Every step is timed with the device
// synchronised; memory is the caching allocator's high-water mark
// (torch.cuda.max_memory_allocated).

// gpuDevice is what the efficiency kind uses of a GPU: cuda.Device behind
// a seam, so the kind's GPU path is tested without one (openGPU).
type gpuDevice interface {
	Name() string     // the GPU's name, for progress lines
	Describe() string // the GPU, driver and library versions, in one line
	Sync() error      // wait for the queued work, report its first error
	EmptyCache()      // give the allocator's cached blocks back
	NewTrainer(m lm.Model, o cuda.TrainOptions) (cuda.Trainer, error)
	Upload(m lm.Model, pol precision.Policy) (cuda.LM, error)
}

// cudaGPU is the real gpuDevice.
type cudaGPU struct{ d *cuda.Device }

func (g cudaGPU) Name() string     { return g.d.Name }
func (g cudaGPU) Describe() string { return "cuda: " + g.d.String() }
func (g cudaGPU) Sync() error      { return g.d.Sync() }
func (g cudaGPU) EmptyCache()      { g.d.Alloc.EmptyCache() }
func (g cudaGPU) NewTrainer(m lm.Model, o cuda.TrainOptions) (cuda.Trainer, error) {
	return cuda.NewTrainer(g.d, m, o)
}
func (g cudaGPU) Upload(m lm.Model, pol precision.Policy) (cuda.LM, error) {
	return cuda.Upload(g.d, m, pol)
}

// openGPU opens the process's GPU (cuda.Open; tests replace it).
var openGPU = func() (gpuDevice, error) {
	d, err := cuda.Open()
	if err != nil {
		return nil, err
	}
	return cudaGPU{d}, nil
}

// Devices implements experiments.DeviceKind: efficiency trials also run
// on an NVIDIA GPU.
func (Efficiency) Devices() []string { return []string{"cuda"} }

// OpenDevice implements experiments.DeviceKind.
func (Efficiency) OpenDevice(device string) (string, error) {
	if device != "cuda" {
		return "", fmt.Errorf("efficiency runs on cpu or cuda, not %s", device)
	}
	d, err := openGPU()
	if err != nil {
		return "", err
	}
	return d.Describe(), nil
}

// checkCUDA is Check for a cuda trial: the GPU backend's architectures and
// policies, and the host memory the model is built in before it is
// uploaded (the GPU's own memory is known only once the device is open).
func checkCUDA(t *config.Trial, vocab int) error {
	if !cuda.Supported(t.Model.Arch) {
		return fmt.Errorf("model %s: arch %s does not run on the GPU (mamba and gpt_neox do)", t.ModelName, t.Model.Arch)
	}
	if t.Precision.PureWeights {
		return fmt.Errorf("precision %s: pure 16-bit weights are CPU-only; on the GPU use fp32, fp16 or bf16 (autocast, fp32 master weights)", t.Precision)
	}
	f, err := footprint(t.Model, vocab)
	if err != nil {
		return fmt.Errorf("model %s: %v", t.ModelName, err)
	}
	return membudget.Check(2*f.ParamBytes(), fmt.Sprintf("building model %s (%.3g parameters) on the host to upload it", t.ModelName, f.Params), "use a smaller model")
}

// gpuMatmulPath says how the GPU runs a policy's matmuls.
func gpuMatmulPath(pol precision.Policy) string {
	if pol.Half() {
		return "cublasGemmEx " + pol.String() + " tensor cores, fp32 accumulation"
	}
	return "cublasSgemm fp32"
}

// runEfficiencyCUDA is Run for a cuda trial.
func runEfficiencyCUDA(ctx *experiments.Context, t *config.Trial, p *EfficiencyParams) error {
	d, err := openGPU()
	if err != nil {
		return fmt.Errorf("device cuda: %v", err)
	}
	ex, tok, err := loadInstructions(t.Data[t.Train.Dataset])
	if err != nil {
		return err
	}
	if err := checkCUDA(t, tok.VocabSize()); err != nil {
		return err
	}
	base, err := BuildModel(t.Model, tok.VocabSize(), uint64(t.Seed))
	if err != nil {
		return err
	}
	m, adapters, err := attachMethod(base, t.Method, t.Seed)
	if err != nil {
		return err
	}
	B, T := t.Train.BatchSize, t.Train.SeqLen
	data, err := newSFTData(ex, B, T, tok.EOS(), uint64(t.Seed))
	if err != nil {
		return err
	}
	tc := t.Train
	out := summary.Efficiency{Model: modelInfo(t, base), Method: t.MethodName, Precision: t.Precision.String(),
		Tokens: B * T, Backend: gpuMatmulPath(t.Precision), HalfNative: t.Precision.Half(), Steps: p.Steps,
		Device: d.Describe()}
	_, out.Trainable = nn.Count(m.Params())

	d.EmptyCache() // earlier trials' cached blocks are not this one's
	tr, err := d.NewTrainer(m, cuda.TrainOptions{Policy: t.Precision, LR: tc.LearningRate,
		AdamW: optim.AdamWConfig{Beta1: tc.Beta1, Beta2: tc.Beta2, Eps: tc.Eps, WeightDecay: tc.WeightDecay}})
	if err != nil {
		return fmt.Errorf("device cuda: %v", err)
	}
	freed := false
	free := func() {
		if !freed {
			freed = true
			tr.Free()
		}
	}
	defer free()
	// Step 0 is the warm-up (kernel compilation, the allocator's first
	// blocks); the rates are those of steps 1..Steps-1.
	rates := make([]float64, 0, p.Steps-1)
	var loss float64
	for i := range p.Steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		ids, tg := data.Batch(i)
		began := time.Now()
		l, _, err := tr.Step(ids, tg, B, T)
		if err == nil {
			err = d.Sync()
		}
		if err != nil {
			return fmt.Errorf("device cuda: training step %d: %v", i, err)
		}
		secs := time.Since(began).Seconds()
		if i > 0 {
			rates = append(rates, float64(B*T)/secs)
		}
		loss = l
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fmt.Errorf("device cuda: the training loss became %v: the measurement is not meaningful", loss)
	}
	out.TrainTokensPS, out.TrainTokensPSMedian = mean(rates), train.Median(rates)
	out.TrainPeakBytes = tr.Peak()
	out.BytesPerToken = float64(out.TrainPeakBytes) / float64(out.Tokens)
	free() // inference gets the device to itself

	if err := inferCUDA(ctx, d, base, adapters, t.Precision, data, p, &out); err != nil {
		return err
	}
	ctx.Progress.Printf("%s %s %s on %s: %.0f train tok/s, %.0f peak bytes/token, %.0f infer tok/s (median steps)",
		t.ModelName, t.MethodName, t.Precision, d.Name(), out.TrainTokensPSMedian, out.BytesPerToken, out.InferTokensPSMedian)
	return ctx.WriteSummary(out)
}

// inferCUDA times forward passes of the model on the GPU. A LoRA model is
// timed as deployed, its adapters merged into the base weights (the
// base's shape and cost). A policy the GPU backend does not run for
// inference yet is recorded in the summary (InferSkipped), not run on the
// CPU.
func inferCUDA(ctx *experiments.Context, d gpuDevice, base lm.Model, adapters *lora.Adapters, pol precision.Policy, data *sftData, p *EfficiencyParams, out *summary.Efficiency) error {
	if adapters != nil {
		adapters.Merge()
	}
	g, err := d.Upload(base, pol)
	if err != nil {
		out.InferSkipped = err.Error()
		return nil
	}
	defer g.Free()
	ids, _ := data.Batch(0)
	B, T := data.Shape()
	forward := func() (float64, error) {
		began := time.Now()
		err := g.Forward(ids, B, T)
		if err == nil {
			err = d.Sync()
		}
		return time.Since(began).Seconds(), err
	}
	if _, err := forward(); err != nil { // warm-up
		return fmt.Errorf("device cuda: inference: %v", err)
	}
	secs := make([]float64, p.InferIters)
	total := 0.0
	for i := range secs {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, err := forward()
		if err != nil {
			return fmt.Errorf("device cuda: inference: %v", err)
		}
		secs[i], total = s, total+s
	}
	out.InferTokensPS = float64(p.InferIters*len(ids)) / total
	out.InferTokensPSMedian = float64(len(ids)) / train.Median(secs)
	return nil
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(max(len(x), 1))
}
