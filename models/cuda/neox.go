package cuda

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// NeoX is a GPT-NeoX (Pythia) language model on the GPU, llm.c style, from
// the weights of a CPU *transformer.GPTNeoX (the reference), optionally
// with LoRA adapters (a *lora.Model wrapping one). Forward: LayerNorms,
// cuBLAS projections, partial rotary, fused causal attention (no (T, T)
// scores in memory), exact GELU, the parallel (or sequential) residual and
// the untied or tied head; backward (neox_train.go) runs the same layers in
// reverse and accumulates fp32 gradients.
//
// Under fp32 everything is fp32 (cublasSgemm, no TF32). Under bf16 or fp16
// autocast the CPU model's policy (models/transformer's doc) holds: the
// matmul weights are 16-bit copies of the fp32 master weights, every
// projection runs through cublasGemmEx on the tensor cores with fp32
// accumulation and a 16-bit result, LayerNorm computes in fp32 and its
// output is the matmul's 16-bit operand, GELU's output and the attention
// output are 16-bit, the residual stream, softmax and the attention's
// insides are fp32. Unlike the CPU emulation the fused attention does not
// round the scores or probabilities to 16 bits (PyTorch's fused kernels do
// not either).
type NeoX struct {
	dev    *Device
	cfg    transformer.GPTNeoXConfig
	prec   nxPrec
	params []*nxParam // the CPU model's Params order (base, then adapters)
	emb    *nxParam   // (V, D)
	head   *nxParam   // (V, D); emb when tied
	lnfW   *nxParam
	lnfB   *nxParam
	inv    *Buf // (R/2) rotary inverse frequencies
	layers []neoxLayer
	k      map[string]*Kernel

	logits *Buf // (B·T, V) of P: the last Forward's; the loss gradient after a backward
	B, T   int
	run    *nxRun // activations of the last training forward
	owned  bool   // the parameters' buffers are the model's to free
}

// nxPrec is the storage type of the 16-bit-able activations.
type nxPrec int

const (
	nxF32 nxPrec = iota
	nxBF16
	nxF16
)

func (p nxPrec) suffix() string { return [...]string{"_f32", "_bf16", "_f16"}[p] }

// cudaType is the cudaDataType of P (CUDA_R_32F, CUDA_R_16BF, CUDA_R_16F).
func (p nxPrec) cudaType() int { return [...]int{0, 14, 2}[p] }

// slots is the number of 4-byte Buf elements holding n values of P.
func (p nxPrec) slots(n int) int {
	if p == nxF32 {
		return n
	}
	return (n + 1) / 2
}

func precOf(pol precision.Policy) (nxPrec, error) {
	if pol.PureWeights {
		return 0, fmt.Errorf("gpt_neox under %s is not on the GPU (the pure 16-bit policies are CPU-only)", pol)
	}
	switch pol.Compute {
	case precision.FP32:
		return nxF32, nil
	case precision.BF16:
		return nxBF16, nil
	case precision.FP16:
		return nxF16, nil
	}
	return 0, fmt.Errorf("gpt_neox under %s is not on the GPU", pol)
}

// nxParam is one parameter on the device: its fp32 value (the master
// weight), its fp32 gradient (nil when frozen or not training) and, for a
// matmul weight under 16-bit autocast, its 16-bit copy.
type nxParam struct {
	val  *Buf
	grad *Buf
	half *Buf
	n    int
}

// mm is the weight as the matmuls read it.
func (p *nxParam) mm() *Buf {
	if p.half != nil {
		return p.half
	}
	return p.val
}

// nxLinear is one nn.Linear, with its LoRA adapter when it has one.
type nxLinear struct {
	w, b    *nxParam
	in, out int
	lora    *nxLoRA
}

// nxLoRA is y += scale·B·A·x with A (r, in) and B (out, r).
type nxLoRA struct {
	a, b  *nxParam
	r     int
	scale float32
}

type neoxLayer struct {
	ln1W, ln1B, ln2W, ln2B *nxParam
	qkv, dense, up, down   nxLinear
}

// maxHeadDim bounds the head size (the attention keeps head dims l, l+32,
// ... of its accumulators in lane l's registers).
const maxHeadDim = 128

// NewNeoX uploads m's weights to d for fp32 inference.
func NewNeoX(d *Device, m *transformer.GPTNeoX) (*NeoX, error) {
	return newNeoX(d, m, nil, nxF32, false)
}

// NewNeoXPolicy uploads m (a *transformer.GPTNeoX or a *lora.Model wrapping
// one) for inference under pol: fp32, or bf16/fp16 autocast.
func NewNeoXPolicy(d *Device, m lm.Model, pol precision.Policy) (*NeoX, error) {
	return uploadNeoX(d, m, pol, false)
}

// uploadNeoX is NewNeoXPolicy, or NewNeoXTrainable with train.
func uploadNeoX(d *Device, m lm.Model, pol precision.Policy, train bool) (*NeoX, error) {
	p, err := precOf(pol)
	if err != nil {
		return nil, err
	}
	base, ad, err := neoxOf(m)
	if err != nil {
		return nil, err
	}
	return newNeoX(d, base, ad, p, train)
}

// neoxOf unwraps m into its GPT-NeoX and its adapters (nil without).
func neoxOf(m lm.Model) (*transformer.GPTNeoX, *lora.Adapters, error) {
	switch m := m.(type) {
	case *transformer.GPTNeoX:
		return m, nil, nil
	case *lora.Model:
		b, ok := m.Model.(*transformer.GPTNeoX)
		if !ok {
			return nil, nil, fmt.Errorf("cuda: LoRA on %s is not a gpt_neox model", m.Arch())
		}
		if len(m.Adapters.Embeddings) > 0 {
			return nil, nil, fmt.Errorf("cuda: LoRA on gpt_neox embeddings is not on the GPU (linears only)")
		}
		return b, m.Adapters, nil
	}
	return nil, nil, fmt.Errorf("cuda: %s is not a gpt_neox model", m.Arch())
}

// neoxKernelNames are neox.cu's kernels; the templated ones get the
// precision's suffix.
var neoxKernelNames = []string{"nx_embed", "nx_embed_bwd", "nx_ln_wsum"}
var neoxTemplated = []string{"nx_to", "nx_from", "nx_bias", "nx_gelu", "nx_gelu_bwd", "nx_residual", "nx_ln",
	"nx_ln_bwd", "nx_rotary", "nx_attn", "nx_attn_dsum", "nx_attn_dq", "nx_attn_dkv", "nx_ce"}

// newNeoX uploads m (with adapters ad when not nil) to d; train allocates
// the gradients of the trainable parameters.
func newNeoX(d *Device, m *transformer.GPTNeoX, ad *lora.Adapters, p nxPrec, train bool) (*NeoX, error) {
	g := &NeoX{dev: d, cfg: m.Cfg, prec: p, owned: true}
	byParam := map[*nn.Param]*nxParam{}
	var err error
	add := func(q *nn.Param, matmul bool) *nxParam {
		if q == nil {
			return nil
		}
		if x, ok := byParam[q]; ok {
			if matmul && x.half == nil && p != nxF32 && err == nil {
				x.half, err = d.NewBuf(p.slots(x.n))
			}
			return x
		}
		x := &nxParam{n: len(q.Value.Data)}
		byParam[q] = x
		g.params = append(g.params, x)
		if err != nil {
			return x
		}
		if x.val, err = d.Upload(q.Value.Data); err != nil {
			return x
		}
		if train && !q.Frozen {
			if x.grad, err = d.NewBuf(x.n); err == nil {
				err = x.grad.Fill(0)
			}
		}
		if matmul && p != nxF32 && err == nil {
			x.half, err = d.NewBuf(p.slots(x.n))
		}
		return x
	}
	if e := g.build(m, add, ad != nil); e != nil {
		g.Free()
		return nil, e
	}
	// the CPU model's Params order: the base model's, then the adapters'
	order := m.Params()
	if ad != nil {
		order = append(order, ad.Params()...)
	}
	g.params = g.params[:0]
	for _, q := range order {
		x, ok := byParam[q]
		if !ok {
			err = firstErr(err, fmt.Errorf("cuda: parameter %s is on no GPU layer", q.Name))
			continue
		}
		g.params = append(g.params, x)
	}
	if len(g.params) != len(byParam) {
		err = firstErr(err, fmt.Errorf("cuda: %d GPU parameters for %d listed ones", len(byParam), len(g.params)))
	}
	if err == nil {
		err = g.refreshHalf()
	}
	if err != nil {
		g.Free()
		return nil, err
	}
	return g, nil
}

// build loads the kernels, the rotary frequencies and the layers, taking
// every parameter through add (matmul: a projection reads it); withLoRA
// takes the linears' LoRA adapters too.
func (g *NeoX) build(m *transformer.GPTNeoX, add func(q *nn.Param, matmul bool) *nxParam, withLoRA bool) error {
	c, d, p := m.Cfg, g.dev, g.prec
	hd := c.HeadDim()
	if hd > maxHeadDim {
		return fmt.Errorf("cuda: gpt_neox head size %d: the GPU attention holds at most %d", hd, maxHeadDim)
	}
	if c.D > 256*16 {
		return fmt.Errorf("cuda: gpt_neox width %d: the GPU LayerNorm backward takes at most 4096", c.D)
	}
	g.k = map[string]*Kernel{}
	def := fmt.Sprintf("HD=%d", hd)
	for _, n := range neoxKernelNames {
		k, err := d.Kernel("neox.cu", n, def)
		if err != nil {
			return err
		}
		g.k[n] = k
	}
	for _, n := range neoxTemplated {
		k, err := d.Kernel("neox.cu", n+p.suffix(), def)
		if err != nil {
			return err
		}
		g.k[n] = k
	}
	lin := func(l *nn.Linear) nxLinear {
		x := nxLinear{w: add(l.W, true), b: add(l.B, false), in: l.In, out: l.Out}
		if a, ok := l.Adapter.(*lora.Linear); ok && withLoRA && !a.Merged {
			x.lora = &nxLoRA{a: add(a.A, true), b: add(a.B, true), r: a.R, scale: a.Scale}
		}
		return x
	}
	g.emb = add(m.Embed.W, false)
	for _, l := range m.Layers {
		g.layers = append(g.layers, neoxLayer{
			ln1W: add(l.LN1.W, false), ln1B: add(l.LN1.B, false), ln2W: add(l.LN2.W, false), ln2B: add(l.LN2.B, false),
			qkv: lin(l.QKV), dense: lin(l.Dense), up: lin(l.MLP.Up), down: lin(l.MLP.Down),
		})
	}
	g.lnfW, g.lnfB = add(m.Norm.W, false), add(m.Norm.B, false)
	g.head = add(m.Head.W, true)
	inv := transformer.NewRotary(c.RotaryDim(), c.RopeTheta).InvFreq
	if len(inv) == 0 {
		inv = []float32{0} // no rotary: a placeholder the kernel never reads
	}
	var err error
	g.inv, err = d.Upload(inv)
	return err
}

// refreshHalf rounds every matmul weight's master value into its 16-bit
// copy (after upload and after each optimizer step).
func (g *NeoX) refreshHalf() error {
	e := errList{}
	for _, p := range g.params {
		if p.half != nil {
			e.add(g.k["nx_to"].Launch(blocks(p.n, 256), [3]uint32{256, 1, 1}, 0, p.half, p.val, int64(p.n)))
		}
	}
	return e.err
}

// Free returns every device buffer of the model to the allocator.
func (g *NeoX) Free() {
	for _, p := range g.params {
		if g.owned {
			for _, b := range []*Buf{p.val, p.grad, p.half} {
				b.Free()
			}
		}
	}
	g.inv.Free()
	g.logits.Free()
	g.freeRun()
	g.params, g.layers, g.logits, g.inv = nil, nil, nil, nil
}

// nxRun holds one forward's activations: what the backward reads (the
// training forward keeps every layer's) and the buffers it writes.
type nxRun struct {
	ws     workspace
	hs     []*Buf // L+1 residual streams (n·D fp32)
	layers []nxActs
	hn     *Buf // final LayerNorm output (P)
	nm, nr *Buf // its statistics
	idb    *Buf // token ids
}

type nxActs struct {
	ln1, ln2       *Buf // P (n·D)
	m1, r1, m2, r2 *Buf // (n)
	qkv            *Buf // P (n·3D), q and k rotated
	att            *Buf // P (n·D) attention output
	lse            *Buf // (B·H·T)
	h              *Buf // P (n·I) dense_h_to_4h output, before GELU
	mid            *Buf // fp32 (n·D) x + attention (sequential residual only)
}

func (g *NeoX) freeRun() {
	if g.run != nil {
		g.run.ws.free()
		g.run = nil
	}
}

const nxThreads = 256

// ew launches an elementwise kernel over n threads.
func (g *NeoX) ew(name string, n int, args ...any) error {
	return g.k[name].Launch(blocks(n, nxThreads), [3]uint32{nxThreads, 1, 1}, 0, args...)
}

// gemm is column-major C = alpha·op(A)·op(B) + beta·C with A and B of P and
// C of P, or fp32 with f32Out: cublasSgemm under fp32 (no TF32), else
// cublasGemmEx on the tensor cores with fp32 accumulation.
func (g *NeoX) gemm(ta, tb bool, m, n, k int, alpha float32, a devPtr, lda int, b devPtr, ldb int, beta float32, c devPtr, ldc int, f32Out bool) error {
	if g.prec == nxF32 {
		return cublasSgemm(g.dev.blas, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	t, ct := g.prec.cudaType(), g.prec.cudaType()
	if f32Out {
		ct = 0
	}
	return cublasGemmEx(g.dev.blas, ta, tb, m, n, k, alpha, a, t, lda, b, t, ldb, beta, c, ct, ldc)
}

// linear computes y (n, out) = x·Wᵀ + b (+ scale·(x·Aᵀ)·Bᵀ with LoRA), all P;
// tmp holds n·r values of P for the adapter.
func (g *NeoX) linear(y, x *Buf, l *nxLinear, n int, ws *workspace) error {
	if err := g.gemm(true, false, l.out, n, l.in, 1, l.w.mm().Ptr, l.in, x.Ptr, l.in, 0, y.Ptr, l.out, false); err != nil {
		return err
	}
	if l.b != nil {
		if err := g.ew("nx_bias", n*l.out, y, l.b.val, int64(n), l.out); err != nil {
			return err
		}
	}
	if a := l.lora; a != nil {
		t := ws.get(g.prec.slots(n * a.r))
		if ws.err != nil {
			return ws.err
		}
		if err := g.gemm(true, false, a.r, n, l.in, 1, a.a.mm().Ptr, l.in, x.Ptr, l.in, 0, t.Ptr, a.r, false); err != nil {
			return err
		}
		return g.gemm(true, false, l.out, n, a.r, a.scale, a.b.mm().Ptr, a.r, t.Ptr, a.r, 1, y.Ptr, l.out, false)
	}
	return nil
}

// Forward runs the model on ids (B·T) and keeps the logits on the device.
func (g *NeoX) Forward(ids []int, B, T int) error { return g.forward(ids, B, T, false) }

// forward runs the model on host ids; train keeps every layer's
// activations in g.run for the backward.
func (g *NeoX) forward(ids []int, B, T int, train bool) error {
	if len(ids) != B*T {
		return fmt.Errorf("cuda: %d ids for shape [%d, %d]", len(ids), B, T)
	}
	for i, id := range ids {
		if id < 0 || id >= g.cfg.Vocab {
			return fmt.Errorf("cuda: token id %d at %d is outside the vocabulary [0, %d)", id, i, g.cfg.Vocab)
		}
	}
	ws := workspace{dev: g.dev}
	idb := ws.ints(ids)
	if ws.err != nil {
		ws.free()
		return ws.err
	}
	err := g.forwardIDs(idb, B, T, train)
	if train && g.run != nil {
		g.run.ws.bufs = append(g.run.ws.bufs, idb) // the embedding backward reads them
	} else {
		idb.Free()
	}
	if err != nil {
		return err
	}
	return g.dev.Sync()
}

// forwardIDs runs the model on the ids (B·T C ints, valid) on the device.
func (g *NeoX) forwardIDs(idb *Buf, B, T int, train bool) error {
	c, d, p := g.cfg, g.dev, g.prec
	n, D, I, V, H, L := B*T, c.D, c.I, c.Vocab, c.Heads, len(g.layers)
	hd, R := c.HeadDim(), c.RotaryDim()
	g.logits.Free()
	g.logits = nil
	g.freeRun()
	run := &nxRun{ws: workspace{dev: d}}
	tmp := workspace{dev: d} // freed at the end of the forward
	defer tmp.free()
	keep := &tmp // where activations the backward reads go
	if train {
		keep = &run.ws
	}
	run.idb = idb
	run.hs = make([]*Buf, L+1)
	if train {
		for i := range run.hs {
			run.hs[i] = keep.get(n * D)
		}
	} else {
		x, y := tmp.get(n*D), tmp.get(n*D)
		for i := range run.hs {
			run.hs[i] = [2]*Buf{x, y}[i%2]
		}
	}
	ao, mo := tmp.get(p.slots(n*D)), tmp.get(p.slots(n*D))
	gl := tmp.get(p.slots(n * I))
	var shared nxActs
	if !train {
		shared = g.newActs(keep, n, B*H*T, false, false)
	}
	if tmp.err != nil || keep.err != nil {
		run.ws.free()
		return firstErr(tmp.err, keep.err)
	}
	eps := float32(c.NormEps)
	scale := float32(1 / math.Sqrt(float64(hd)))
	rows := [3]uint32{uint32(n), 1, 1}
	th := [3]uint32{nxThreads, 1, 1}
	e := errList{}
	e.add(g.ew("nx_embed", n*D, run.hs[0], run.idb, g.emb.val, n, D))
	nqb := (T + attnQB(hd) - 1) / attnQB(hd)
	for i := range g.layers {
		l := &g.layers[i]
		a := shared
		if train {
			a = g.newActs(keep, n, B*H*T, true, !c.ParallelResidual)
			if keep.err != nil {
				break
			}
			run.layers = append(run.layers, a)
		}
		x, y := run.hs[i], run.hs[i+1]
		e.add(g.k["nx_ln"].Launch(rows, th, 0, a.ln1, a.m1, a.r1, x, l.ln1W.val, optional(bufOf(l.ln1B)), D, eps))
		e.add(g.linear(a.qkv, a.ln1, &l.qkv, n, &tmp))
		if R > 0 {
			e.add(g.ew("nx_rotary", n*H*R, a.qkv, g.inv, n, T, H, R, float32(1)))
		}
		e.add(g.k["nx_attn"].Launch([3]uint32{uint32(B * H * nqb), 1, 1}, th, 0, a.att, optional(a.lse), a.qkv, B, T, H, scale))
		e.add(g.linear(ao, a.att, &l.dense, n, &tmp))
		post := x
		if !c.ParallelResidual { // mid = x + attn(ln1(x)); the MLP reads ln2(mid)
			mid := a.mid
			if mid == nil {
				mid = y // inference: y is free until the end of the layer
			}
			e.add(g.ew("nx_residual", n*D, mid, ao, devPtr(0), x, int64(n*D)))
			post = mid
		}
		e.add(g.k["nx_ln"].Launch(rows, th, 0, a.ln2, a.m2, a.r2, post, l.ln2W.val, optional(bufOf(l.ln2B)), D, eps))
		e.add(g.linear(a.h, a.ln2, &l.up, n, &tmp))
		e.add(g.ew("nx_gelu", n*I, gl, a.h, int64(n*I)))
		e.add(g.linear(mo, gl, &l.down, n, &tmp))
		if c.ParallelResidual { // HF: mlp_output + attn_output + hidden_states
			e.add(g.ew("nx_residual", n*D, y, mo, ao, x, int64(n*D)))
		} else {
			e.add(g.ew("nx_residual", n*D, y, mo, devPtr(0), post, int64(n*D)))
		}
		if tmp.err != nil {
			e.add(tmp.err)
		}
	}
	e.add(keep.err)
	run.hn = keep.get(p.slots(n * D))
	run.nm, run.nr = keep.get(n), keep.get(n)
	logits, err := d.NewBuf(p.slots(n * V))
	e.add(err)
	e.add(keep.err)
	if e.err != nil {
		logits.Free()
		run.ws.free()
		return e.err
	}
	e.add(g.k["nx_ln"].Launch(rows, th, 0, run.hn, run.nm, run.nr, run.hs[L], g.lnfW.val, optional(bufOf(g.lnfB)), D, eps))
	e.add(g.gemm(true, false, V, n, D, 1, g.head.mm().Ptr, D, run.hn.Ptr, D, 0, logits.Ptr, V, false))
	g.logits, g.B, g.T = logits, B, T
	if train {
		g.run = run
	} else {
		run.ws.free()
	}
	return e.err
}

// attnQB is the attention's queries (keys) per block (neox.cu's QB).
func attnQB(hd int) int {
	if hd <= 64 {
		return 32
	}
	return 8
}

// newActs allocates one layer's activations from ws; the log-sum-exp only
// for training, mid for training the sequential residual.
func (g *NeoX) newActs(ws *workspace, n, bht int, train, mid bool) nxActs {
	p, D, I := g.prec, g.cfg.D, g.cfg.I
	a := nxActs{ln1: ws.get(p.slots(n * D)), ln2: ws.get(p.slots(n * D)),
		m1: ws.get(n), r1: ws.get(n), m2: ws.get(n), r2: ws.get(n),
		qkv: ws.get(p.slots(n * 3 * D)), att: ws.get(p.slots(n * D)), h: ws.get(p.slots(n * I))}
	if train && mid {
		a.mid = ws.get(n * D)
	}
	if train {
		a.lse = ws.get(bht)
	}
	return a
}

func bufOf(p *nxParam) *Buf {
	if p == nil {
		return nil
	}
	return p.val
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Logits copies the last Forward's logits (B·T·V) to the host.
func (g *NeoX) Logits() ([]float32, error) {
	if g.logits == nil {
		return nil, fmt.Errorf("cuda: Logits before Forward")
	}
	n := g.B * g.T * g.cfg.Vocab
	if g.prec == nxF32 {
		x := make([]float32, n)
		return x, g.logits.CopyTo(x)
	}
	ws := workspace{dev: g.dev}
	defer ws.free()
	f := ws.get(n)
	if ws.err != nil {
		return nil, ws.err
	}
	if err := g.ew("nx_from", n, f, g.logits, int64(n)); err != nil {
		return nil, err
	}
	x := make([]float32, n)
	return x, f.CopyTo(x)
}

// Loss is the mean cross-entropy of the last logits over targets (negative
// targets are skipped) and the number of rows counted.
func (g *NeoX) Loss(targets []int) (float64, int, error) {
	if g.logits == nil {
		return 0, 0, fmt.Errorf("cuda: Loss before Forward")
	}
	return g.crossEntropy(targets, false)
}

// crossEntropy runs nx_ce over the logits; with grad it overwrites them by
// the mean loss's gradient.
func (g *NeoX) crossEntropy(targets []int, grad bool) (float64, int, error) {
	rows, V := g.B*g.T, g.cfg.Vocab
	if len(targets) != rows {
		return 0, 0, fmt.Errorf("cuda: %d targets for %d rows", len(targets), rows)
	}
	count := 0
	for r, t := range targets {
		if t >= V {
			return 0, 0, fmt.Errorf("cuda: target %d of row %d is outside the vocabulary [0, %d)", t, r, V)
		}
		if t >= 0 {
			count++
		}
	}
	ws := workspace{dev: g.dev}
	defer ws.free()
	tg := ws.ints(targets)
	per := ws.get(2 * rows) // float64 per row
	if ws.err != nil {
		return 0, 0, ws.err
	}
	gs, flag := float32(0), 0
	if grad {
		flag = 1
		if count > 0 {
			gs = float32(1 / float64(count))
		}
	}
	if err := g.k["nx_ce"].Launch([3]uint32{uint32(rows), 1, 1}, [3]uint32{256, 1, 1}, 0, per, g.logits, tg, V, gs, flag); err != nil {
		return 0, 0, err
	}
	out, err := downloadF64(per, rows)
	if err != nil {
		return 0, 0, err
	}
	var sum float64
	for r, t := range targets {
		if t >= 0 {
			sum += out[r]
		}
	}
	if count == 0 {
		return 0, 0, nil
	}
	return sum / float64(count), count, nil
}

// downloadF64 copies n float64 values from the start of b.
func downloadF64(b *Buf, n int) ([]float64, error) {
	out := make([]float64, n)
	if n > 0 {
		if err := cuCopyDtoH(unsafe.Pointer(&out[0]), b.Ptr, uint64(n)*8); err != nil {
			return nil, err
		}
	}
	return out, nil
}
