package cuda

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
)

// TrainOptions says how a Trainer updates a model on the GPU.
type TrainOptions struct {
	// Policy is fp32, or bf16/fp16 autocast with fp32 master weights and
	// optimizer state (fp16 with the dynamic loss scaler of
	// precision.LossScaler). The pure 16-bit policies are CPU-only.
	Policy precision.Policy
	// LR is AdamW's learning rate; AdamW its other hyperparameters, with
	// weight decay skipped for the parameters the CPU trainer skips
	// (optim.NoDecayName).
	LR    float64
	AdamW optim.AdamWConfig
	// ClipNorm clips the global gradient norm before each update as
	// optim.ClipGradNorm (torch.nn.utils.clip_grad_norm_); 0 disables it.
	ClipNorm float64
}

// Trainer trains a GPU twin of a CPU model: full fine-tuning, or LoRA when
// the model is a *lora.Model (only the adapters are trainable; the base
// weights are uploaded frozen, in 16 bits under a 16-bit policy). Its
// parameters live on the device from NewTrainer to Free; Download writes
// them back into the CPU model, which stays the reference that loads and
// saves checkpoints and adapters.
type Trainer interface {
	// Step runs one training step on ids (B·T token ids) with next-token
	// targets (B·T; negative targets are skipped): zero the gradients,
	// forward, mean cross-entropy, backward, AdamW update (skipped, with
	// the scale halved, when fp16's scaled gradients overflow). It returns
	// the loss of the forward pass and whether the update was applied.
	Step(ids, targets []int, B, T int) (loss float64, applied bool, err error)
	// Grads runs forward and backward without updating and copies every
	// trainable parameter's gradient to the host, in the CPU model's
	// Params order (frozen ones nil): the parity tests' entry point.
	Grads(ids, targets []int, B, T int) (loss float64, grads [][]float32, err error)
	// Download copies the trained parameters into the CPU model.
	Download() error
	// Peak is the caching allocator's high-water mark in bytes since
	// NewTrainer (weights, gradients, optimizer state, activations).
	Peak() uint64
	// Free returns the trainer's device memory to the allocator.
	Free()
}

// Trainable is what one architecture gives the generic trainer (llm.c's
// train_gpt2.cu split in two: the model's forward and backward here, the
// loss, optimizer, loss scaling and bookkeeping in the trainer). A
// constructor registered in trainables builds it from the CPU model,
// adding every parameter it reads to the ParamSet it is given
// (ParamSet.Add; LoRA adapters through NewTLinear), so the trainer knows
// each parameter's device copies, gradient and optimizer state.
//
// Contract: Forward runs the model on ids (B·T C ints on the device) and
// returns the logits (B·T, V) in the ParamSet's activation type (fp32,
// bf16 or fp16: Act), keeping whatever Backward needs until Release.
// Backward receives the gradient of the loss w.r.t. those logits, in the
// same buffer and type (already multiplied by the loss scale), and
// accumulates every trainable parameter's gradient into Param.G (fp32,
// zeroed by the trainer before each Forward; frozen parameters have no G).
// Release frees the activations of the last Forward; Free everything the
// model allocated besides the ParamSet's parameters (the trainer frees
// those). Kernels are queued on the one stream; nothing needs to sync.
type Trainable interface {
	Forward(ids *Buf, B, T int) (logits *Buf, err error)
	Backward(dlogits *Buf) error
	Release()
	Free()
}

// trainables maps an architecture (lm.Model.Arch) to the constructor of
// its Trainable. base is the plain model (a *lora.Model is unwrapped: its
// adapters hang on base's linears as *lora.Linear, nn.Linear.Adapter).
var trainables = map[string]func(ps *ParamSet, base lm.Model) (Trainable, error){}

// NewTrainer uploads m (a *mamba.Model or *transformer.GPTNeoX, or a
// *lora.Model wrapping one) to d for training under o.
func NewTrainer(d *Device, m lm.Model, o TrainOptions) (Trainer, error) {
	if o.Policy.PureWeights {
		return nil, fmt.Errorf("cuda: %s training is CPU-only (the GPU keeps fp32 master weights)", o.Policy)
	}
	base := m
	if lm, ok := m.(*lora.Model); ok {
		base = lm.Model
	}
	mk, ok := trainables[base.Arch()]
	if !ok {
		return nil, fmt.Errorf("training %s is not on the GPU yet", base.Arch())
	}
	k, err := loadTrainKernels(d)
	if err != nil {
		return nil, err
	}
	d.Alloc.ResetPeak()
	ps := &ParamSet{dev: d, Act: actOf(o.Policy), k: k, by: map[*nn.Param]*Param{}}
	t := &trainer{dev: d, cpu: m, opt: o, ps: ps, k: k, scaler: precision.NewLossScaler(o.Policy.NeedsLossScaling())}
	if t.model, err = mk(ps, base); err != nil {
		ps.free()
		return nil, err
	}
	if ps.err != nil {
		t.Free()
		return nil, ps.err
	}
	seen := map[*Param]bool{}
	for _, p := range m.Params() {
		dp := ps.by[p]
		if !p.Frozen && dp == nil {
			t.Free()
			return nil, fmt.Errorf("cuda: the GPU %s does not use parameter %s", base.Arch(), p.Name)
		}
		t.order = append(t.order, dp)
		if dp != nil && !dp.Frozen && !seen[dp] {
			seen[dp] = true
			t.train = append(t.train, dp)
		}
	}
	if len(t.train) == 0 {
		t.Free()
		return nil, fmt.Errorf("cuda: nothing to train: every parameter is frozen")
	}
	return t, nil
}

// act is the element type of activations: fp32, or the 16-bit type of an
// autocast policy.
type act int

const (
	actF32 act = iota
	actBF16
	actFP16
)

func actOf(p precision.Policy) act {
	switch p.Compute {
	case precision.BF16:
		return actBF16
	case precision.FP16:
		return actFP16
	}
	return actF32
}

// suffix names a kernel's instantiation for a: "_f32", "_bf16", "_fp16".
func (a act) suffix() string { return [...]string{"_f32", "_bf16", "_fp16"}[a] }

// dtype is cuBLAS's cudaDataType of a.
func (a act) dtype() int { return [...]int{typeF32, typeBF16, typeF16}[a] }

// half says a is a 16-bit type.
func (a act) half() bool { return a != actF32 }

// words is the number of 4-byte buffer elements n values of a take.
func (a act) words(n int) int {
	if a.half() {
		return (n + 1) / 2
	}
	return n
}

// Mat is a row-major matrix operand of the cuBLAS helpers: its address,
// row stride (elements) and element type.
type Mat struct {
	P  devPtr
	LD int
	T  act
}

// gemm is cuBLAS's column-major C = α·op(A)·op(B) + β·C with element
// types: cublasSgemm when everything is fp32 (full fp32, no TF32),
// cublasGemmEx with fp32 accumulation (tensor cores) otherwise.
func (d *Device) gemm(ta, tb bool, m, n, k int, alpha float32, a, b Mat, beta float32, c Mat) error {
	if m == 0 || n == 0 {
		return nil
	}
	if a.T == actF32 && b.T == actF32 && c.T == actF32 {
		return cublasSgemm(d.blas, ta, tb, m, n, k, alpha, a.P, a.LD, b.P, b.LD, beta, c.P, c.LD)
	}
	return cublasGemmEx(d.blas, ta, tb, m, n, k, alpha, a.P, a.T.dtype(), a.LD, b.P, b.T.dtype(), b.LD, beta, c.P, c.T.dtype(), c.LD)
}

// MatMulNT is a linear layer's forward, y = α·x·Wᵀ + β·y, for x (n, in), W
// (out, in) as PyTorch stores it and y (n, out).
func (d *Device) MatMulNT(y, x, w Mat, n, in, out int, alpha, beta float32) error {
	return d.gemm(true, false, out, n, in, alpha, w, x, beta, y)
}

// MatMulNN is a linear layer's input gradient, dx = α·dy·W + β·dx, for dy
// (n, out), W (out, in) and dx (n, in).
func (d *Device) MatMulNN(dx, dy, w Mat, n, in, out int, alpha, beta float32) error {
	return d.gemm(false, false, in, n, out, alpha, w, dy, beta, dx)
}

// MatMulTN is a linear layer's weight gradient, dW = α·dyᵀ·x + β·dW, for dy
// (n, out), x (n, in) and dW (out, in).
func (d *Device) MatMulTN(dw, dy, x Mat, n, in, out int, alpha, beta float32) error {
	return d.gemm(false, true, in, out, n, alpha, x, dy, beta, dw)
}

// Param is one parameter on the device: the fp32 master weights W, for a
// trainable one its fp32 gradient G and AdamW moments M and V, and, where
// a 16-bit policy's matmuls read it, a 16-bit copy H refreshed by every
// update. A frozen parameter read only by matmuls under a 16-bit policy
// keeps only H (the LoRA base weights).
type Param struct {
	Src        *nn.Param // the CPU parameter it came from (and Download writes)
	N          int       // elements
	W, G, M, V *Buf
	H          *Buf
	Frozen     bool
	NoDecay    bool
	h16        act // the type of H
}

// Mat is the matrix operand (cols per row) the forward's matmuls read: H
// under a 16-bit policy where it exists, else W.
func (p *Param) Mat(cols int) Mat {
	if p.H != nil {
		return Mat{p.H.Ptr, cols, actOf16(p)}
	}
	return Mat{p.W.Ptr, cols, actF32}
}

// Grad is the gradient as a matrix operand (fp32, cols per row).
func (p *Param) Grad(cols int) Mat { return Mat{p.G.Ptr, cols, actF32} }

// actOf16 is the type of p's 16-bit copy (its set's activation type).
func actOf16(p *Param) act { return p.h16 }

// ParamSet is the parameters of one trainer, each CPU parameter uploaded
// once (tied weights share one Param). Act is the activation type of the
// policy.
type ParamSet struct {
	Act act
	dev *Device
	k   *trainKernels
	by  map[*nn.Param]*Param
	all []*Param
	err error
}

// Add uploads p (once) and returns its device parameter; nil for a nil p.
// matmul says a matmul reads it, so a 16-bit policy needs its 16-bit copy
// (Param.Mat); fp32 says an fp32 kernel reads it (norms, the scan's
// parameters, the embedding lookup). A parameter may be added twice with
// different uses (a tied embedding and lm_head). The first error is kept
// and reported by NewTrainer (Err).
func (s *ParamSet) Add(p *nn.Param, matmul bool) *Param {
	if p == nil || s.err != nil {
		return nil
	}
	dp := s.by[p]
	if dp == nil {
		dp = &Param{Src: p, N: p.Value.Numel(), Frozen: p.Frozen, NoDecay: optim.NoDecayName(p.Name), h16: s.Act}
		s.by[p] = dp
		s.all = append(s.all, dp)
	}
	x := p.Value.Data
	want16 := matmul && s.Act.half()
	if (!want16 || !dp.Frozen) && dp.W == nil {
		dp.W = s.upload(x)
	}
	if want16 && dp.H == nil {
		dp.H = s.upload16(x)
	}
	if !dp.Frozen && dp.G == nil {
		dp.G, dp.M, dp.V = s.zeros(dp.N), s.zeros(dp.N), s.zeros(dp.N)
	}
	if !matmul && dp.W == nil { // frozen, read in fp32 too
		dp.W = s.upload(x)
	}
	return dp
}

// Err is the first error of Add.
func (s *ParamSet) Err() error { return s.err }

// Dev is the device of the set.
func (s *ParamSet) Dev() *Device { return s.dev }

func (s *ParamSet) upload(x []float32) *Buf {
	if s.err != nil {
		return nil
	}
	b, err := s.dev.Upload(x)
	s.err = err
	return b
}

func (s *ParamSet) zeros(n int) *Buf {
	if s.err != nil {
		return nil
	}
	b, err := s.dev.NewBuf(n)
	if err == nil {
		err = b.Fill(0)
	}
	s.err = err
	return b
}

func (s *ParamSet) upload16(x []float32) *Buf {
	f := s.upload(x)
	if s.err != nil {
		return nil
	}
	defer f.Free()
	h, err := s.dev.NewBuf(s.Act.words(len(x)))
	if err != nil {
		s.err = err
		return nil
	}
	if s.err = s.k.toHalf.Launch(blocks(len(x), 256), [3]uint32{256, 1, 1}, 0, h, f, int64(len(x)), int(s.Act)); s.err != nil {
		h.Free()
		return nil
	}
	return h
}

func (s *ParamSet) free() {
	for _, p := range s.all {
		for _, b := range []*Buf{p.W, p.G, p.M, p.V, p.H} {
			b.Free()
		}
	}
	s.all = nil
}

// trainKernels are train.cu's kernels for one activation type.
type trainKernels struct {
	adamw, toHalf, unscale, embFwd, embBwd, rmsBwd, sumsq *Kernel
	ce, rmsFwd, addAct, toAct, fromAct, addBias           [3]*Kernel
	biasGrad                                              [3]*Kernel
}

func loadTrainKernels(d *Device) (*trainKernels, error) {
	k := &trainKernels{}
	var err error
	get := func(name string) *Kernel {
		if err != nil {
			return nil
		}
		var kk *Kernel
		kk, err = d.Kernel("train.cu", name)
		return kk
	}
	k.adamw, k.toHalf, k.unscale, k.sumsq = get("adamw"), get("to_half"), get("unscale_check"), get("sumsq")
	k.embFwd, k.embBwd, k.rmsBwd = get("embedding_fwd_t"), get("embedding_bwd"), get("rmsnorm_bwd")
	for a := actF32; a <= actFP16; a++ {
		s := a.suffix()
		k.ce[a], k.rmsFwd[a], k.addAct[a] = get("cross_entropy_fb"+s), get("rmsnorm_fwd"+s), get("add_act"+s)
		k.toAct[a], k.fromAct[a] = get("to_act"+s), get("from_act"+s)
		k.addBias[a], k.biasGrad[a] = get("add_bias"+s), get("bias_grad"+s)
	}
	return k, err
}

// trainer is the generic Trainer over a Trainable.
type trainer struct {
	dev    *Device
	cpu    lm.Model
	opt    TrainOptions
	ps     *ParamSet
	k      *trainKernels
	model  Trainable
	order  []*Param // the CPU model's Params order (nil: frozen and unused)
	train  []*Param // trainable, each once
	steps  int      // AdamW updates taken
	scaler *precision.LossScaler
}

// pass runs forward, the loss and backward, leaving the gradients
// (multiplied by the loss scale) in the parameters.
func (t *trainer) pass(ids, targets []int, B, T int) (float64, error) {
	n := B * T
	if B <= 0 || T <= 0 || len(ids) != n || len(targets) != n {
		return 0, fmt.Errorf("cuda: %d ids and %d targets for shape [%d, %d]", len(ids), len(targets), B, T)
	}
	V := t.cpu.VocabSize()
	count := 0
	for r, tg := range targets {
		if tg >= V {
			return 0, fmt.Errorf("cuda: target %d of row %d is outside the vocabulary [0, %d)", tg, r, V)
		}
		if tg >= 0 {
			count++
		}
	}
	for r, id := range ids {
		if id < 0 || id >= V {
			return 0, fmt.Errorf("cuda: token id %d at %d is outside the vocabulary [0, %d)", id, r, V)
		}
	}
	for _, p := range t.train {
		if err := p.G.Fill(0); err != nil {
			return 0, err
		}
	}
	ws := workspace{dev: t.dev}
	defer ws.free()
	idb, tg, per := ws.ints(ids), ws.ints(targets), ws.get(2*n)
	if ws.err != nil {
		return 0, ws.err
	}
	defer t.model.Release()
	logits, err := t.model.Forward(idb, B, T)
	if err != nil {
		return 0, err
	}
	scale := float32(0)
	if count > 0 {
		scale = t.scaler.LossScale() / float32(count)
	}
	a := t.ps.Act
	if err := t.k.ce[a].Launch([3]uint32{uint32(n), 1, 1}, [3]uint32{256, 1, 1}, 0, per, logits, tg, V, scale); err != nil {
		return 0, err
	}
	if err := t.model.Backward(logits); err != nil {
		return 0, err
	}
	out := make([]float64, n)
	if err := cuCopyDtoH(unsafe.Pointer(&out[0]), per.Ptr, uint64(n)*8); err != nil {
		return 0, err
	}
	if count == 0 {
		return 0, nil
	}
	var sum float64
	for r, tg := range targets {
		if tg >= 0 {
			sum += out[r]
		}
	}
	return sum / float64(count), nil
}

// unscale divides the gradients by the loss scale and reports whether any
// is Inf or NaN (fp16; a no-op reporting false otherwise).
func (t *trainer) unscale() (bool, error) {
	if !t.scaler.Enabled {
		return false, nil
	}
	ws := workspace{dev: t.dev}
	defer ws.free()
	flag := ws.get(1)
	if ws.err != nil {
		return false, ws.err
	}
	if err := flag.Fill(0); err != nil {
		return false, err
	}
	inv := float32(1 / t.scaler.Scale)
	for _, p := range t.train {
		if err := t.k.unscale.Launch(blocks(p.N, 256), [3]uint32{256, 1, 1}, 0, p.G, int64(p.N), inv, flag); err != nil {
			return false, err
		}
	}
	var f [1]float32
	if err := flag.CopyTo(f[:]); err != nil {
		return false, err
	}
	return math.Float32bits(f[0]) != 0, nil
}

func (t *trainer) Step(ids, targets []int, B, T int) (float64, bool, error) {
	loss, err := t.pass(ids, targets, B, T)
	if err != nil {
		return 0, false, err
	}
	found, err := t.unscale()
	if err != nil {
		return 0, false, err
	}
	if t.scaler.Update(found) {
		return loss, false, t.dev.Sync()
	}
	if err := t.update(); err != nil {
		return 0, false, err
	}
	return loss, true, t.dev.Sync()
}

// update is one AdamW step over the trainable parameters (optim.AdamW's
// arithmetic, models/optim), refreshing their 16-bit copies.
func (t *trainer) update() error {
	t.steps++
	c := t.opt.AdamW
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	gscale, err := t.clipScale()
	if err != nil {
		return err
	}
	lr := t.opt.LR
	bc1 := 1 - math.Pow(c.Beta1, float64(t.steps))
	bc2 := 1 - math.Pow(c.Beta2, float64(t.steps))
	step, bc2sqrt := float32(lr/bc1), float32(math.Sqrt(bc2))
	w1, b2, w2, eps := float32(1-c.Beta1), float32(c.Beta2), float32(1-c.Beta2), float32(c.Eps)
	for _, p := range t.train {
		decay := float32(1)
		if !p.NoDecay && c.WeightDecay != 0 {
			decay = float32(1 - lr*c.WeightDecay)
		}
		var h any = devPtr(0)
		if p.H != nil {
			h = p.H
		}
		if err := t.k.adamw.Launch(blocks(p.N, 256), [3]uint32{256, 1, 1}, 0, p.W, p.G, p.M, p.V, int64(p.N), decay,
			w1, b2, w2, bc2sqrt, eps, step, h, int(p.h16), gscale); err != nil {
			return err
		}
	}
	return nil
}

// clipScale is clip_grad_norm_'s coefficient min(1, max/(norm + 1e-6))
// as a float32 (optim.ClipGradNorm), 1 without clipping.
func (t *trainer) clipScale() (float32, error) {
	if t.opt.ClipNorm <= 0 {
		return 1, nil
	}
	ws := workspace{dev: t.dev}
	defer ws.free()
	acc := ws.get(2)
	if ws.err != nil {
		return 0, ws.err
	}
	if err := acc.Fill(0); err != nil {
		return 0, err
	}
	for _, p := range t.train {
		nb := min((p.N+255)/256, 1024)
		if err := t.k.sumsq.Launch([3]uint32{uint32(nb), 1, 1}, [3]uint32{256, 1, 1}, 0, acc, p.G, int64(p.N)); err != nil {
			return 0, err
		}
	}
	var s [1]float64
	if err := cuCopyDtoH(unsafe.Pointer(&s[0]), acc.Ptr, 8); err != nil {
		return 0, err
	}
	coef := t.opt.ClipNorm / (math.Sqrt(s[0]) + 1e-6)
	if coef >= 1 {
		return 1, nil
	}
	return float32(coef), nil
}

func (t *trainer) Grads(ids, targets []int, B, T int) (float64, [][]float32, error) {
	loss, err := t.pass(ids, targets, B, T)
	if err != nil {
		return 0, nil, err
	}
	if t.scaler.Enabled {
		if _, err := t.unscale(); err != nil {
			return 0, nil, err
		}
	}
	out := make([][]float32, len(t.order))
	for i, p := range t.order {
		if p == nil || p.Frozen {
			continue
		}
		if out[i], err = p.G.Download(); err != nil {
			return 0, nil, err
		}
		out[i] = out[i][:p.N]
	}
	return loss, out, nil
}

func (t *trainer) Download() error {
	for _, p := range t.train {
		if err := p.W.CopyTo(p.Src.Value.Data); err != nil {
			return err
		}
	}
	return nil
}

func (t *trainer) Peak() uint64 {
	_, peak, _ := t.dev.Alloc.Stats()
	return peak
}

func (t *trainer) Free() {
	if t.model != nil {
		t.model.Free()
		t.model = nil
	}
	t.ps.free()
}

// Scaler is the fp16 loss scaler of a Trainer from NewTrainer (nil for
// another Trainer): its Scale, GoodSteps and Skipped as the CPU trainer's.
func Scaler(tr Trainer) *precision.LossScaler {
	if t, ok := tr.(*trainer); ok {
		return t.scaler
	}
	return nil
}

// TrainSupported says whether NewTrainer trains models of architecture
// arch (full or LoRA).
func TrainSupported(arch string) bool { _, ok := trainables[arch]; return ok }

// Logits runs one forward pass of a Trainer from NewTrainer on ids (B·T)
// and returns its logits (B·T·V) widened to float32: the forward of
// `ssmlab forward --grads --device cuda`, which Grads then differentiates.
func Logits(tr Trainer, ids []int, B, T int) ([]float32, error) {
	t, ok := tr.(*trainer)
	if !ok {
		return nil, fmt.Errorf("cuda: Logits of a %T", tr)
	}
	n, V := B*T, t.cpu.VocabSize()
	if len(ids) != n {
		return nil, fmt.Errorf("cuda: %d ids for shape [%d, %d]", len(ids), B, T)
	}
	for r, id := range ids {
		if id < 0 || id >= V {
			return nil, fmt.Errorf("cuda: token id %d at %d is outside the vocabulary [0, %d)", id, r, V)
		}
	}
	ws := workspace{dev: t.dev}
	defer ws.free()
	idb, f := ws.ints(ids), ws.get(n*V)
	if ws.err != nil {
		return nil, ws.err
	}
	defer t.model.Release()
	logits, err := t.model.Forward(idb, B, T)
	if err != nil {
		return nil, err
	}
	a := t.ps.Act
	if err := t.k.fromAct[a].Launch(blocks(n*V, 256), [3]uint32{256, 1, 1}, 0, f, logits, int64(n*V)); err != nil {
		return nil, err
	}
	out := make([]float32, n*V)
	return out, f.CopyTo(out)
}
