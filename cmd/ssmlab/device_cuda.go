package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"time"

	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

// The GPU paths of bench and forward (models/cuda). What the GPU backend
// does not run yet is an error naming the missing piece, never a silent
// fall-back to the CPU.

// checkDevice validates a --device value.
func checkDevice(dev string) error {
	if dev != "cpu" && dev != "cuda" {
		return usagef("--device %q: want cpu or cuda", dev)
	}
	return nil
}

// openCUDA opens the GPU or returns the one-line reason it cannot.
func openCUDA() (*cuda.Device, error) {
	d, err := cuda.Open()
	if err != nil {
		return nil, fmt.Errorf("--device cuda: %v", err)
	}
	return d, nil
}

// gpuSupport reports what the GPU backend cannot run for arch, mode and
// policy (nil when it can).
func gpuSupport(arch string, train bool, pol precision.Policy, lora bool) error {
	switch {
	case !cuda.Supported(arch):
		return fmt.Errorf("--device cuda: %s is not on the GPU yet (mamba and gpt_neox are)", arch)
	case train && !cuda.TrainSupported(arch):
		return fmt.Errorf("--device cuda: training %s is not on the GPU yet", arch)
	case train && pol.PureWeights:
		return fmt.Errorf("--device cuda: %s trains on the CPU only (the GPU keeps fp32 master weights: use %s)", pol, pol.Compute)
	case train:
		return nil
	case pol.PureWeights || (pol.Half() && arch == "mamba" && pol.String() != "bf16"):
		return fmt.Errorf("--device cuda: %s %s inference is not on the GPU yet (fp32, bf16 for mamba, bf16 and fp16 for gpt_neox)", arch, pol)
	case lora:
		return fmt.Errorf("--device cuda: LoRA inference is not on the GPU yet (LoRA training is: --mode train)")
	}
	return nil
}

// runBenchCUDA is bench's --device cuda: the same model (built on the CPU,
// then uploaded) and batch, timed with the device synchronised after each
// step; peak_bytes is the device allocator's high-water mark (weights,
// activations and logits, as torch.cuda.max_memory_allocated).
func runBenchCUDA(o *benchOpts, pol precision.Policy) (*BenchResult, error) {
	if err := gpuSupport(o.arch, o.mode == "train", pol, o.lora); err != nil {
		return nil, err
	}
	d, err := openCUDA()
	if err != nil {
		return nil, err
	}
	m, err := buildBenchModel(o)
	if err != nil {
		return nil, err
	}
	fl, err := benchFLOPs(m, o)
	if err != nil {
		return nil, err
	}
	if o.mode == "train" {
		return runBenchTrainCUDA(o, pol, d, m)
	}
	total, trainable := nn.Count(m.Params())
	d.Alloc.ResetPeak()
	g, err := cuda.Upload(d, m, pol)
	if err != nil {
		return nil, fmt.Errorf("--device cuda: %v", err)
	}
	defer g.Free()
	r := rand.New(rand.NewPCG(o.seed, 0x62656e6368))
	B, T := o.batch, o.seq
	ids := make([]int, B*T)
	for i := range ids {
		ids[i] = r.IntN(o.vocab)
	}
	for range o.warmup {
		if err := g.Forward(ids, B, T); err != nil {
			return nil, err
		}
	}
	secs := make([]float64, 0, o.steps)
	t0 := time.Now()
	for range o.steps {
		s := time.Now()
		if err := g.Forward(ids, B, T); err != nil { // ends with a device sync
			return nil, err
		}
		secs = append(secs, time.Since(s).Seconds())
	}
	wall := time.Since(t0).Seconds()
	_, peak, _ := d.Alloc.Stats()
	loss, _, err := g.Loss(nn.ShiftLabels(ids, B, T))
	if err != nil {
		return nil, err
	}
	sort.Float64s(secs)
	perStep := wall / float64(o.steps)
	res := &BenchResult{Arch: o.arch, Mode: o.mode, Precision: pol.String(), Vocab: o.vocab, DModel: o.d, Layers: o.layers,
		Batch: B, Seq: T, Steps: o.steps, Warmup: o.warmup, Params: total, TrainableParams: trainable,
		TokensPerS: float64(B*T) / perStep, TokensPerSMedian: float64(B*T) / secs[len(secs)/2], SecondsPerStep: perStep,
		PeakBytes: peak, PeakBytesPerToken: float64(peak) / float64(B*T),
		GFLOPS: fl.forward * float64(B*T) / perStep / 1e9, FLOPsPerToken: fl.forward,
		Backend: "cublas", MatmulPath: matmulPathCUDA(pol), HalfNative: pol.Half(), Kernels: "cuda (NVRTC " + d.Arch() + ")",
		Device: "cuda: " + d.String(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), Loss: loss}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return nil, fmt.Errorf("bench: the loss became %v: the benchmark is not meaningful", loss)
	}
	return res, nil
}

// runBenchTrainCUDA is bench --mode train --device cuda: AdamW steps of
// cuda.NewTrainer (full, or LoRA rank 8 on every linear with --lora, or on
// the --lora-targets linears, as on the CPU), the same JSON keys as the
// CPU bench; peak_bytes is the device allocator's high-water mark over weights, gradients, optimizer
// state and activations.
func runBenchTrainCUDA(o *benchOpts, pol precision.Policy, d *cuda.Device, m lm.Model) (*BenchResult, error) {
	if o.lora {
		a, err := lora.Apply(m, benchLoRAConfig(o), o.seed)
		if err != nil {
			return nil, err
		}
		m = &lora.Model{Model: m, Adapters: a}
	}
	fl, err := benchFLOPs(m, o)
	if err != nil {
		return nil, err
	}
	total, trainable := nn.Count(m.Params())
	tr, err := cuda.NewTrainer(d, m, cuda.TrainOptions{Policy: pol, LR: 1e-4})
	if err != nil {
		return nil, fmt.Errorf("--device cuda: %v", err)
	}
	defer tr.Free()
	r := rand.New(rand.NewPCG(o.seed, 0x62656e6368))
	B, T := o.batch, o.seq
	ids := make([]int, B*T)
	for i := range ids {
		ids[i] = r.IntN(o.vocab)
	}
	tg := nn.ShiftLabels(ids, B, T)
	var loss float64
	for range o.warmup {
		if loss, _, err = tr.Step(ids, tg, B, T); err != nil {
			return nil, err
		}
	}
	secs := make([]float64, 0, o.steps)
	t0 := time.Now()
	for range o.steps {
		s := time.Now()
		if loss, _, err = tr.Step(ids, tg, B, T); err != nil { // ends with a device sync
			return nil, err
		}
		secs = append(secs, time.Since(s).Seconds())
	}
	wall := time.Since(t0).Seconds()
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return nil, fmt.Errorf("bench: the loss became %v: the benchmark is not meaningful", loss)
	}
	sort.Float64s(secs)
	perStep := wall / float64(o.steps)
	peak := tr.Peak()
	return &BenchResult{Arch: o.arch, Mode: o.mode, Precision: pol.String(), LoRA: o.lora, LoRATargets: o.loraTargets, Vocab: o.vocab, DModel: o.d,
		Layers: o.layers, Batch: B, Seq: T, Steps: o.steps, Warmup: o.warmup, Params: total, TrainableParams: trainable,
		TokensPerS: float64(B*T) / perStep, TokensPerSMedian: float64(B*T) / secs[len(secs)/2], SecondsPerStep: perStep,
		PeakBytes: peak, PeakBytesPerToken: float64(peak) / float64(B*T),
		GFLOPS: fl.train * float64(B*T) / perStep / 1e9, FLOPsPerToken: fl.train,
		Backend: "cublas", MatmulPath: matmulPathCUDA(pol), HalfNative: pol.Half(), Kernels: "cuda (NVRTC " + d.Arch() + ")",
		Device: "cuda: " + d.String(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), Loss: loss}, nil
}

// loadForCUDA reads forward's input ids and loads the model of modelDir,
// refusing what the GPU backend does not run (training or inference under
// pol) and ids outside the vocabulary, before any device work.
func loadForCUDA(modelDir, input string, train bool, pol precision.Policy) (ids []int, B, T int, m lm.Model, err error) {
	if ids, B, T, err = readIDs(input); err != nil {
		return nil, 0, 0, nil, err
	}
	if m, err = hf.Load(modelDir); err != nil {
		return nil, 0, 0, nil, err
	}
	if err = gpuSupport(m.Arch(), train, pol, false); err != nil {
		return nil, 0, 0, nil, err
	}
	if err = lm.CheckIDs(input, ids, B, T, m.VocabSize()); err != nil {
		return nil, 0, 0, nil, err
	}
	return ids, B, T, m, nil
}

// runForwardCUDA is forward's --device cuda: logits and loss of an fp32
// Mamba or GPT-NeoX directory computed on the GPU, written as the CPU path
// writes them.
func runForwardCUDA(modelDir, adapterDir, input, out string, grads bool, pol precision.Policy) error {
	if grads || adapterDir != "" {
		return runForwardGradsCUDA(modelDir, adapterDir, input, out, grads, pol)
	}
	ids, B, T, m, err := loadForCUDA(modelDir, input, false, pol)
	if err != nil {
		return err
	}
	d, err := openCUDA()
	if err != nil {
		return err
	}
	g, err := cuda.Upload(d, m, pol)
	if err != nil {
		return fmt.Errorf("--device cuda: %v", err)
	}
	defer g.Free()
	if err := g.Forward(ids, B, T); err != nil {
		return err
	}
	logits, err := g.Logits()
	if err != nil {
		return err
	}
	loss, count, err := g.Loss(nn.ShiftLabels(ids, B, T))
	if err != nil {
		return err
	}
	if count == 0 {
		loss = math.NaN() // PyTorch's mean over no targets
	}
	ts := []safetensors.Tensor{safetensors.F32Tensor("logits", []int{B, T, m.VocabSize()}, logits),
		safetensors.F32Tensor("loss", []int{1}, []float32{float32(loss)})}
	return safetensors.WriteFile(out, ts, map[string]string{"format": "pt", "precision": pol.String(), "device": "cuda: " + d.String()})
}

// runForwardGradsCUDA is forward --grads (or --adapter) with --device
// cuda: the logits and loss of the training forward of cuda.NewTrainer
// and, with --grads, every trainable parameter's gradient (the adapters'
// with --adapter), written under the CPU path's names.
func runForwardGradsCUDA(modelDir, adapterDir, input, out string, grads bool, pol precision.Policy) error {
	ids, B, T, m, err := loadForCUDA(modelDir, input, true, pol)
	if err != nil {
		return err
	}
	if adapterDir != "" {
		a, err := lora.Load(m, adapterDir)
		if err != nil {
			return err
		}
		m = &lora.Model{Model: m, Adapters: a}
	}
	d, err := openCUDA()
	if err != nil {
		return err
	}
	tr, err := cuda.NewTrainer(d, m, cuda.TrainOptions{Policy: pol})
	if err != nil {
		return fmt.Errorf("--device cuda: %v", err)
	}
	defer tr.Free()
	logits, err := cuda.Logits(tr, ids, B, T)
	if err != nil {
		return err
	}
	tg := nn.ShiftLabels(ids, B, T)
	loss, gs, err := tr.Grads(ids, tg, B, T)
	if err != nil {
		return err
	}
	count := 0
	for _, t := range tg {
		if t >= 0 {
			count++
		}
	}
	if count == 0 {
		loss = math.NaN() // PyTorch's mean over no targets
	}
	ts := []safetensors.Tensor{safetensors.F32Tensor("logits", []int{B, T, m.VocabSize()}, logits),
		safetensors.F32Tensor("loss", []int{1}, []float32{float32(loss)})}
	if grads {
		for i, p := range m.Params() {
			if gs[i] != nil {
				ts = append(ts, safetensors.F32Tensor("grad."+p.Name, p.Value.Shape, gs[i]))
			}
		}
	}
	if out != "" {
		meta := map[string]string{"format": "pt", "precision": pol.String(), "device": "cuda: " + d.String()}
		if err := safetensors.WriteFile(out, ts, meta); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "loss %.6g (%d x %d tokens, %d targets, %s, cuda)\n", loss, B, T, count, pol)
	return nil
}

// matmulPathCUDA says how the GPU runs the policy's matmuls.
func matmulPathCUDA(pol precision.Policy) string {
	if pol.Half() {
		return "cublasGemmEx " + pol.String() + " tensor cores, fp32 accumulation"
	}
	return "cublasSgemm fp32"
}
