package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/metrics/efficiency"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
	"github.com/ssmlab/ssmlab/models/train"
)

var cmdBench = &Command{
	Name:  "bench",
	Usage: "bench --arch ARCH --vocab V --d-model D --layers L --batch B --seq T --mode train|infer [--precision P] [--steps N] [--warmup W] [--threads N] [--lora] [--lora-targets NAMES] [--mixers K,K,...] [--d-state N] [--heads H] [--seed S] [--backend NAME] [--device cpu|cuda] [--cpuprofile FILE] [--memprofile FILE]",
	Short: "time training or inference steps of a from-scratch model",
	Long: `Bench builds a freshly initialised model of the given architecture (any
registered one: mamba, mamba2, hybrid, gpt_neox, llama, olmo, rnn) and size,
runs --warmup untimed steps and then --steps timed ones on one fixed batch of
random token ids, and prints one JSON object (docs/commands.md).

A train step is what a user's PyTorch loop does (tools/torch_anchor.py):
zero the gradients, forward, next-token cross-entropy, backward, AdamW
update (lr 1e-4, weight decay 0.01; fp16 adds dynamic loss scaling). An
infer step is one forward pass over the whole batch (logits of every
position), as model(input_ids) under no_grad: no architecture keeps a
training tape (one layer's activations at a time), and no parameter holds
a gradient buffer.

Output keys:
  tokens_per_s          batch x seq x steps / time of the timed steps
  tokens_per_s_median   batch x seq / the median step time (robust on a busy machine)
  seconds_per_step      mean time of a timed step
  cpu_seconds_per_step  CPU time the process used per timed step (all threads;
                        below gomaxprocs x seconds_per_step when other jobs
                        share the cores)
  peak_bytes            Go heap high-water mark during the timed steps
                        (weights, optimizer state, activations; sampled)
  peak_bytes_per_token  peak_bytes / (batch x seq)
  alloc_bytes_per_token heap bytes allocated per token by the timed steps
                        (exact; 0 for an allocation-free step)
  gemm_seconds_per_step time per step inside the matrix products called
                        from the step itself (each on the backend's threads:
                        wall time); seconds_per_step minus this is the rest
                        (scan, attention's softmax, norms, activations, loss,
                        optimizer)
  gemm_serial_cpu_seconds_per_step
                        summed time per step of the single-threaded products
                        that parallel loops run on each worker (attention's
                        per-head products, Mamba-2's per-chunk ones): CPU
                        time, up to gomaxprocs of them at once
  gflops                achieved: analytic FLOPs per step / seconds_per_step
  flops_per_token       the analytic count used (see below)
  backend               the GEMM backend (SSMLAB_BLAS or --backend picks one)
  half_native           whether a native 16-bit GEMM ran the 16-bit matmuls
  matmul_path           how they ran (tensor.MatmulPath: native or emulated, backend)
  kernels               the scan and elementwise kernels: Go, AVX2+FMA assembly,
                        or that with the AVX-512 scan (SSMLAB_NOASM=1: Go);
                        and how long idle worker threads spin between
                        parallel passes where SSMLAB_SPIN_US sets it
  params, trainable_params, precision, mode, lora, arch and the sizes,
  go_version, gomaxprocs, loss (the last step's, a sanity check)

FLOPs are counted analytically, 2 per multiply-add: every linear layer
(the output head included) costs 2·in·out per token forward, and a training
step adds 2·in·out for the input gradient and 2·in·out for a trainable
weight's gradient; a LoRA adapter of rank r adds 2·r·(in+out) for each of
the three. Sequence mixing, forward per token and layer: Mamba 2·E·K (conv)
+ 8·E·N (scan: Δ·A, exp, decay, Δ·B·u, update, C·h); Mamba-2 2·(E+2N)·K +
8·E·N; attention 2·(heads·head_dim)·(T+1) (causal q·kᵀ and p·v, each query
seeing on average (T+1)/2 keys); training triples the mixing count.
Elementwise work (norms, activations, softmax, loss, optimizer) is not
counted.

The model is the one an experiment config with these sizes builds (every
other size takes its config default, see docs/architectures.md): --d-state
(0: 16 for mamba, 64 for mamba2) and --heads (0: max(1, D/32), as
tools/torch_anchor.py builds the PyTorch side; Llama uses as many K/V heads; Mamba-2 uses E/heads as its
head width when 64 does not divide E) and, for --arch hybrid, --mixers
(the pattern of mixer kinds) complete the size; --lora adapts every linear with rank 8,
alpha 16 and freezes the base weights (--lora-targets x_proj, or
query_key_value, or any comma-separated HF linear names: only those); --threads sets GOMAXPROCS (0 leaves
it); --backend selects a GEMM backend by name. --device cuda runs the
step on the GPU (models/cuda; inference: Mamba in fp32 or bf16, GPT-NeoX
in fp32, bf16 or fp16; training: Mamba and GPT-NeoX in fp32, bf16 or fp16
autocast with fp32 master weights and AdamW, full or --lora; other
settings are an error), timing
each step to the device's completion; peak_bytes is then the device
allocator's high-water mark (weights, gradients, optimizer state,
activations) and device names the GPU.

Sizes whose step needs more memory than the machine has available (Linux
MemAvailable; SSMLAB_MEMORY=64GB or unlimited overrides it) are refused
before the model is built. --cpuprofile and --memprofile are written when
the timed steps end, never through a symbolic link.

Example:
  ssmlab bench --arch mamba --vocab 256 --d-model 128 --layers 4 --batch 8 --seq 256 --mode train --threads 2`,
}

// benchOpts are the command's flags.
type benchOpts struct {
	arch, mode, prec, backend, device  string
	vocab, d, layers, batch, seq       int
	steps, warmup, threads, dstate, nh int
	mixers, loraTargets                string
	lora                               bool
	seed                               uint64
	cpuprofile, memprofile             string
}

// BenchResult is the JSON object bench prints.
type BenchResult struct {
	Arch                 string  `json:"arch"`
	Mode                 string  `json:"mode"`
	Precision            string  `json:"precision"`
	LoRA                 bool    `json:"lora"`
	LoRATargets          string  `json:"lora_targets,omitempty"` // --lora-targets (empty: every linear)
	Vocab                int     `json:"vocab"`
	DModel               int     `json:"d_model"`
	Layers               int     `json:"layers"`
	Batch                int     `json:"batch"`
	Seq                  int     `json:"seq"`
	Steps                int     `json:"steps"`
	Warmup               int     `json:"warmup"`
	Params               int     `json:"params"`
	TrainableParams      int     `json:"trainable_params"`
	TokensPerS           float64 `json:"tokens_per_s"`
	TokensPerSMedian     float64 `json:"tokens_per_s_median"`
	SecondsPerStep       float64 `json:"seconds_per_step"`
	CPUSecondsPerStep    float64 `json:"cpu_seconds_per_step"`
	GemmSecondsPerStep   float64 `json:"gemm_seconds_per_step"`
	GemmSerialCPUPerStep float64 `json:"gemm_serial_cpu_seconds_per_step"`
	PeakBytes            uint64  `json:"peak_bytes"`
	PeakBytesPerToken    float64 `json:"peak_bytes_per_token"`
	AllocBytesPerToken   float64 `json:"alloc_bytes_per_token"`
	GFLOPS               float64 `json:"gflops"`
	FLOPsPerToken        float64 `json:"flops_per_token"`
	Backend              string  `json:"backend"`
	HalfNative           bool    `json:"half_native"`
	MatmulPath           string  `json:"matmul_path"`
	Kernels              string  `json:"kernels"`
	GoVersion            string  `json:"go_version"`
	GOMAXPROCS           int     `json:"gomaxprocs"`
	Loss                 float64 `json:"loss"`
	Device               string  `json:"device,omitempty"` // the GPU, with --device cuda
}

func init() {
	f := &cmdBench.Flag
	o := &benchOpts{}
	f.StringVar(&o.arch, "arch", "", "`ARCH`: a registered architecture (mamba, mamba2, hybrid, gpt_neox, llama, olmo, rnn)")
	f.IntVar(&o.vocab, "vocab", 0, "vocabulary size `V`")
	f.IntVar(&o.d, "d-model", 0, "model width `D`")
	f.IntVar(&o.layers, "layers", 0, "number of layers `L`")
	f.IntVar(&o.batch, "batch", 0, "batch size `B`")
	f.IntVar(&o.seq, "seq", 0, "sequence length `T`")
	f.StringVar(&o.mode, "mode", "", "train or infer")
	f.StringVar(&o.prec, "precision", "fp32", "fp32, fp16, bf16, fp16-pure or bf16-pure")
	f.IntVar(&o.steps, "steps", 10, "timed steps `N`")
	f.IntVar(&o.warmup, "warmup", 2, "untimed steps before them")
	f.IntVar(&o.threads, "threads", 0, "GOMAXPROCS (0: leave it)")
	f.IntVar(&o.dstate, "d-state", 0, "SSM state size (0: the architecture's default)")
	f.StringVar(&o.mixers, "mixers", "", "hybrid: the mixer kinds of the layers, a comma-separated pattern repeated over --layers (e.g. mamba,mamba,attention)")
	f.IntVar(&o.nh, "heads", 0, "attention heads (0: max(1, D/32))")
	f.BoolVar(&o.lora, "lora", false, "LoRA rank 8 on every linear, base weights frozen")
	f.StringVar(&o.loraTargets, "lora-targets", "", "with --lora: only these comma-separated linear `NAMES` (e.g. x_proj)")
	f.StringVar(&o.backend, "backend", "", "GEMM backend `NAME` (default: the best built in)")
	f.StringVar(&o.device, "device", "cpu", "cpu, or cuda (GPU: Mamba and GPT-NeoX; see above for the precisions)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the weights and the token ids")
	f.StringVar(&o.cpuprofile, "cpuprofile", "", "write a pprof CPU profile of the timed steps to `FILE`")
	f.StringVar(&o.memprofile, "memprofile", "", "write a pprof allocation profile of the timed steps to `FILE`")
	cmdBench.Run = func(_ *Command, args []string) error {
		if len(args) > 0 {
			return usagef("bench takes no positional arguments (got %q)", args[0])
		}
		res, err := runBench(o)
		if err != nil {
			return err
		}
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	register(cmdBench)
}

// check validates the flags; every error is a usage error.
func (o *benchOpts) check() (precision.Policy, error) {
	if o.arch == "" {
		return precision.Policy{}, usagef("--arch is required (one of %s)", strings.Join(models.Names(), ", "))
	}
	if _, err := models.Get(o.arch); err != nil {
		return precision.Policy{}, usagef("--arch %q: %v", o.arch, err)
	}
	if o.mode != "train" && o.mode != "infer" {
		return precision.Policy{}, usagef("--mode %q: want train or infer", o.mode)
	}
	if o.loraTargets != "" && !o.lora {
		return precision.Policy{}, usagef("--lora-targets needs --lora")
	}
	var missing, bad []string
	for _, f := range []struct {
		name string
		v    int
	}{{"--vocab", o.vocab}, {"--d-model", o.d}, {"--layers", o.layers}, {"--batch", o.batch}, {"--seq", o.seq}, {"--steps", o.steps}} {
		switch {
		case f.v == 0 && f.name != "--steps":
			missing = append(missing, f.name)
		case f.v <= 0:
			bad = append(bad, fmt.Sprintf("%s (got %d)", f.name, f.v))
		}
	}
	switch {
	case len(missing) > 0 && len(bad) == 0:
		return precision.Policy{}, usagef("%s required (positive sizes), e.g. --vocab 256 --d-model 64 --layers 2 --batch 4 --seq 128", strings.Join(missing, ", ")+plural(len(missing), " is", " are"))
	case len(missing)+len(bad) > 0:
		return precision.Policy{}, usagef("%s must be positive", strings.Join(append(bad, missing...), ", "))
	}
	if o.warmup < 0 || o.threads < 0 || o.dstate < 0 || o.nh < 0 {
		return precision.Policy{}, usagef("--warmup, --threads, --d-state and --heads must not be negative")
	}
	if o.mode == "train" && o.seq < 2 {
		return precision.Policy{}, usagef("--seq must be at least 2 to train (no next-token targets)")
	}
	pol, err := precision.ParsePolicy(o.prec)
	if err != nil {
		return precision.Policy{}, usagef("--precision: %v", err)
	}
	return pol, checkDevice(o.device)
}

func runBench(o *benchOpts) (*BenchResult, error) {
	pol, err := o.check()
	if err != nil {
		return nil, err
	}
	if o.device == "cuda" {
		return runBenchCUDA(o, pol)
	}
	if o.backend != "" {
		if err := tensor.Use(o.backend); err != nil {
			return nil, usagef("--backend: %v", err)
		}
	}
	if o.threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(o.threads))
	}
	if o.memprofile != "" { // sample the timed steps only
		defer func(r int) { runtime.MemProfileRate = r }(runtime.MemProfileRate)
		runtime.MemProfileRate = 0
	}
	m, err := buildBenchModel(o)
	if err != nil {
		return nil, err
	}
	fl, err := benchFLOPs(m, o)
	if err != nil {
		return nil, err
	}
	params := m.Params()
	if o.lora {
		a, err := lora.Apply(m, benchLoRAConfig(o), o.seed)
		if err != nil {
			return nil, err
		}
		m = &lora.Model{Model: m, Adapters: a}
		params = m.Params()
		if fl, err = benchFLOPs(m, o); err != nil {
			return nil, err
		}
	}
	if pol.PureWeights {
		for _, p := range params {
			pol.Compute.RoundSlice(p.Value.Data)
		}
	}
	total, trainable := nn.Count(params)
	if o.mode != "train" {
		inferenceOnly(params) // as under torch.no_grad: no gradient buffers
	}
	r := rand.New(rand.NewPCG(o.seed, 0x62656e6368))
	B, T := o.batch, o.seq
	ids := make([]int, B*T)
	for i := range ids {
		ids[i] = r.IntN(o.vocab)
	}
	step := newBenchStep(m, pol, o.mode == "train", ids, B, T)

	for range o.warmup {
		step.run()
	}
	if o.memprofile != "" {
		runtime.MemProfileRate = 512
	}
	runtime.GC()
	stopProfile := func() error { return nil }
	if o.memprofile != "" {
		if err := fsx.CheckTarget(o.memprofile); err != nil {
			return nil, fmt.Errorf("--memprofile: %w", err)
		}
	}
	if o.cpuprofile != "" {
		stop, err := startCPUProfile(o.cpuprofile)
		if err != nil {
			return nil, err
		}
		defer stop()
		stopProfile = stop
	}
	tr := &efficiency.Tracker{SampleEvery: 2 * time.Millisecond}
	secs := make([]float64, 0, o.steps)
	cpu0 := cpuSeconds()
	tensor.StartProductClock()
	for range o.steps {
		tr.Begin()
		step.run()
		tr.End(B * T)
		secs = append(secs, tr.Steps()[len(tr.Steps())-1].Seconds)
	}
	gemmWall, gemmSerial := tensor.StopProductClock()
	if err := stopProfile(); err != nil {
		return nil, err
	}
	rep := tr.Report()
	cpuPerStep := (cpuSeconds() - cpu0) / float64(o.steps)
	if o.memprofile != "" {
		if err := writeMemProfile(o.memprofile); err != nil {
			return nil, err
		}
	}
	perStep := fl.forward
	if o.mode == "train" {
		perStep = fl.train
	}
	perStep *= float64(B * T)
	res := &BenchResult{Arch: o.arch, Mode: o.mode, Precision: pol.String(), LoRA: o.lora, LoRATargets: o.loraTargets,
		Vocab: o.vocab, DModel: o.d, Layers: o.layers, Batch: B, Seq: T, Steps: o.steps, Warmup: o.warmup,
		Params: total, TrainableParams: trainable,
		TokensPerS: rep.TokensPerSec, TokensPerSMedian: float64(B*T) / train.Median(secs), SecondsPerStep: rep.SecondsPerStep, CPUSecondsPerStep: cpuPerStep,
		GemmSecondsPerStep: gemmWall.Seconds() / float64(o.steps), GemmSerialCPUPerStep: gemmSerial.Seconds() / float64(o.steps),
		PeakBytes: rep.PeakHeapBytes, PeakBytesPerToken: rep.HeapBytesPerToken, AllocBytesPerToken: rep.AllocBytesPerToken,
		GFLOPS: perStep / rep.SecondsPerStep / 1e9, FLOPsPerToken: perStep / float64(B*T),
		Backend: tensor.Default().Name(), HalfNative: halfNative(pol), MatmulPath: tensor.MatmulPath(pol.Compute), Kernels: tensor.Kernels(),
		GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), Loss: step.lastLoss()}
	if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
		return nil, fmt.Errorf("bench: the loss became %v: the benchmark is not meaningful", res.Loss)
	}
	return res, nil
}

// halfNative reports whether a native 16-bit GEMM runs the policy's
// matmuls (else they are fp32 GEMMs on operands rounded to 16 bits).
func halfNative(pol precision.Policy) bool { return tensor.HalfNative(pol.Compute) }

// startCPUProfile profiles the process until stop is called, which writes
// the profile to path as every output is written (atomically, never
// through a symbolic link). A link or non-regular file at path is refused
// before the benchmark starts.
func startCPUProfile(path string) (stop func() error, err error) {
	if err := fsx.CheckTarget(path); err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return nil, fmt.Errorf("--cpuprofile: %v", err)
	}
	var once sync.Once
	return func() (err error) {
		once.Do(func() {
			pprof.StopCPUProfile()
			if err = fsx.WriteFileAtomic(path, buf.Bytes()); err != nil {
				err = fmt.Errorf("--cpuprofile: %w", err)
			}
		})
		return err
	}, nil
}

// writeMemProfile writes the allocations sampled so far (pprof's allocs
// profile) to path, atomically and never through a symbolic link.
func writeMemProfile(path string) error {
	runtime.GC() // the profile shows allocations as of the last collection
	err := fsx.WriteAtomic(path, func(w io.Writer) error { return pprof.Lookup("allocs").WriteTo(w, 0) })
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	return nil
}

// benchStep is one training or inference step of a user's loop.
type benchStep struct {
	m       lm.Model
	pol     precision.Policy
	train   bool
	ids, tg []int
	B, T    int
	opt     *optim.AdamW
	scaler  *precision.LossScaler
	grads   [][]float32
	loss    float64   // of the last train step
	logits  []float32 // of the last infer step
}

// lastLoss is the loss of the last step (computed from the logits after
// an infer step, outside the timing).
func (s *benchStep) lastLoss() float64 {
	if s.train {
		return s.loss
	}
	l, _ := nn.CrossEntropy(nil, s.logits, s.tg, s.B*s.T, s.m.VocabSize(), 1)
	return l
}

func newBenchStep(m lm.Model, pol precision.Policy, train bool, ids []int, B, T int) *benchStep {
	s := &benchStep{m: m, pol: pol, train: train, ids: ids, tg: nn.ShiftLabels(ids, B, T), B: B, T: T}
	if train {
		params := m.Params()
		optim.MarkNoDecay(params)
		s.opt = optim.NewAdamW(params, optim.AdamWConfig{WeightDecay: 0.01})
		s.scaler = precision.NewLossScaler(pol.NeedsLossScaling())
		for _, p := range s.opt.Params {
			s.grads = append(s.grads, p.Grad.Data)
		}
	}
	return s
}

func (s *benchStep) run() {
	if !s.train {
		s.logits = lm.Infer(s.m, s.pol, s.ids, s.B, s.T) // no_grad: no training tape
		return
	}
	nn.ZeroGrads(s.opt.Params)
	s.loss = lm.Loss(s.m, s.pol, s.ids, s.tg, s.B, s.T, true, s.scaler.LossScale())
	if !s.scaler.Update(s.scaler.Unscale(s.grads)) {
		s.opt.Update(1e-4, s.pol)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// benchLoRAConfig is --lora's adapter: rank 8, alpha 16, on every linear
// (PEFT's all-linear: the output head excluded) or on --lora-targets. The
// GPU path applies the same config.
func benchLoRAConfig(o *benchOpts) lora.Config {
	c := lora.Config{R: 8, Alpha: 16, TargetRegex: "all-linear"}
	if o.loraTargets != "" {
		c.TargetRegex, c.TargetModules = "", strings.Split(o.loraTargets, ",")
	}
	return c
}
