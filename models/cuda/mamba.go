package cuda

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/mamba"
)

// Mamba is a Mamba (v1) language model on the GPU, llm.c style: the weights
// of a CPU *mamba.Model (the reference, which loads and saves checkpoints)
// uploaded once, and a forward pass as a flat list of kernel and cuBLAS
// calls, in fp32 or under bf16 autocast (NewMambaPolicy); the shapes follow
// models/mamba's glossary.
type Mamba struct {
	dev    *Device
	cfg    mamba.Config
	half   bool // bf16 autocast: matmul weights and their operands in bf16
	emb    *Buf // (V, D)
	head   *Buf // (V, D); emb when tied
	normF  *Buf // (D)
	layers []mambaLayer
	k      mambaKernels

	logits *Buf // (B·T, V) of the last Forward
	B, T   int
}

type mambaLayer struct {
	norm       *Buf // (D)
	inW, inB   *Buf // (2E, D), (2E) or nil
	convW      *Buf // (E, K)
	convB      *Buf // (E) or nil
	xW         *Buf // (R+2N, E)
	dtW, dtB   *Buf // (E, R), (E)
	negA       *Buf // (E, N) A = −exp(A_log)
	dskip      *Buf // (E)
	outW, outB *Buf // (D, E), (D) or nil
}

type mambaKernels struct {
	embed, rms, addBias, conv, scan, ce *Kernel
	// bf16 autocast variants and conversions
	rms16, conv16, scan16, ce16, to16, from16, add16 *Kernel
}

// NewMamba uploads m's weights to d for fp32 inference. The state size
// must be a power of two of at most 32 (the scan keeps one state element
// per thread and sums over a group of N threads of one warp).
func NewMamba(d *Device, m *mamba.Model) (*Mamba, error) { return NewMambaPolicy(d, m, false) }

// NewMambaPolicy is NewMamba, under bf16 autocast when bf16 is set: the
// CPU model's bf16 policy (models/mamba's doc), with the matmul weights
// stored as bf16 copies, in_proj, conv, SiLU, x_proj, dt_proj, the scan
// output, out_proj and the logits as bf16 tensors, and the residual
// stream, norms and the scan's insides in fp32. Matmuls run through
// cublasGemmEx on the tensor cores with fp32 accumulation. Biased
// in_proj/out_proj (HF use_bias) are fp32-only for now.
func NewMambaPolicy(d *Device, m *mamba.Model, bf16 bool) (*Mamba, error) {
	c := m.Cfg
	if c.N > 32 || c.N&(c.N-1) != 0 {
		return nil, fmt.Errorf("cuda: mamba state size %d: the GPU scan needs a power of two of at most 32", c.N)
	}
	if bf16 && c.Bias {
		return nil, fmt.Errorf("cuda: bf16 mamba with in_proj/out_proj biases is not on the GPU yet")
	}
	g := &Mamba{dev: d, cfg: c, half: bf16}
	var err error
	if g.k, err = loadMambaKernels(d, c.N); err != nil {
		return nil, err
	}
	up := uploader{dev: d, to16: g.k.to16}
	mat := up.buf // the matmul weights: bf16 copies under autocast
	if bf16 {
		mat = up.bf16
	}
	g.emb = up.buf(m.Emb.W.Value.Data)
	g.head = g.emb
	if c.Untied || bf16 {
		g.head = mat(m.Head.W.Value.Data)
	}
	g.normF = up.buf(m.NormF.W.Value.Data)
	for _, b := range m.Layers {
		x := b.Mixer
		negA := make([]float32, len(x.ALog.Value.Data))
		for i, v := range x.ALog.Value.Data {
			negA[i] = -float32(math.Exp(float64(v)))
		}
		l := mambaLayer{norm: up.buf(b.Norm.W.Value.Data), inW: mat(x.InProj.W.Value.Data),
			convW: up.buf(x.Conv.W.Value.Data), xW: mat(x.XProj.W.Value.Data),
			dtW: mat(x.DtProj.W.Value.Data), dtB: up.buf(x.DtBias.Value.Data),
			negA: up.buf(negA), dskip: up.buf(x.Dskip.Value.Data), outW: mat(x.OutProj.W.Value.Data)}
		l.inB, l.outB = up.param(x.InProj.B), up.param(x.OutProj.B)
		l.convB = up.param(x.Conv.B)
		g.layers = append(g.layers, l)
	}
	if up.err != nil {
		g.Free()
		return nil, up.err
	}
	return g, nil
}

func loadMambaKernels(d *Device, N int) (mambaKernels, error) {
	var k mambaKernels
	var err error
	nDef := fmt.Sprintf("SSM_N=%d", N) // the scan is compiled per state size
	get := func(file, name string) *Kernel {
		if err != nil {
			return nil
		}
		var kk *Kernel
		if file == "mamba.cu" {
			kk, err = d.Kernel(file, name, nDef)
		} else {
			kk, err = d.Kernel(file, name)
		}
		return kk
	}
	k.embed = get("common.cu", "embedding_fwd")
	k.rms = get("common.cu", "rmsnorm_fwd")
	k.addBias = get("common.cu", "add_bias")
	k.ce = get("common.cu", "cross_entropy_fwd")
	k.conv = get("mamba.cu", "conv_silu_fwd")
	k.scan = get("mamba.cu", "selective_scan_fwd")
	k.rms16 = get("common.cu", "rmsnorm_fwd_bf16")
	k.ce16 = get("common.cu", "cross_entropy_fwd_bf16")
	k.to16 = get("common.cu", "to_bf16")
	k.from16 = get("common.cu", "from_bf16")
	k.add16 = get("common.cu", "add_bf16")
	k.conv16 = get("mamba.cu", "conv_silu_fwd_bf16")
	k.scan16 = get("mamba.cu", "selective_scan_fwd_bf16")
	return k, err
}

// Free returns every device buffer of the model to the allocator.
func (g *Mamba) Free() {
	seen := map[*Buf]bool{}
	free := func(bs ...*Buf) {
		for _, b := range bs {
			if b != nil && !seen[b] {
				seen[b] = true
				b.Free()
			}
		}
	}
	free(g.emb, g.head, g.normF, g.logits)
	for _, l := range g.layers {
		free(l.norm, l.inW, l.inB, l.convW, l.convB, l.xW, l.dtW, l.dtB, l.negA, l.dskip, l.outW, l.outB)
	}
	g.layers, g.logits = nil, nil
}

// Forward runs the model on ids (B·T) and keeps the logits (B·T, V) on the
// device (Logits copies them out). The activations live only for the
// layer that uses them: the forward of inference (no Backward yet).
func (g *Mamba) Forward(ids []int, B, T int) error {
	if g.half {
		return g.forwardBF16(ids, B, T)
	}
	c, d := g.cfg, g.dev
	n, D, E, N, R, K, V := B*T, c.D, c.E(), c.N, c.R(), c.K, c.Vocab
	S := R + 2*N
	if err := g.begin(ids, B, T); err != nil {
		return err
	}
	ws := workspace{dev: d}
	defer ws.free()
	idb := ws.ints(ids)
	res, normed := ws.get(n*D), ws.get(n*D)
	xz, u, dbl := ws.get(n*2*E), ws.get(n*E), ws.get(n*S)
	dtr, y := ws.get(n*E), ws.get(n*E)
	if ws.err != nil {
		return ws.err
	}
	k := g.k
	const bs = 256
	run := errList{}
	run.add(k.embed.Launch(blocks(n*D, bs), [3]uint32{bs, 1, 1}, 0, res, idb, g.emb, n, D))
	for _, l := range g.layers {
		run.add(k.rms.Launch([3]uint32{uint32(n), 1, 1}, [3]uint32{256, 1, 1}, 0, normed, devPtr(0), res, l.norm, D, c.Eps))
		run.add(d.Linear(xz.Ptr, 2*E, normed.Ptr, D, l.inW.Ptr, n, D, 2*E, 0))
		if l.inB != nil {
			run.add(k.addBias.Launch(blocks(n*2*E, bs), [3]uint32{bs, 1, 1}, 0, xz, l.inB, n, 2*E))
		}
		run.add(k.conv.Launch(convGrid(n, E, bs), [3]uint32{bs, 1, 1}, 0, u, xz, 2*E, l.convW, optional(l.convB), B, T, E, K))
		run.add(d.Linear(dbl.Ptr, S, u.Ptr, E, l.xW.Ptr, n, E, S, 0))
		run.add(d.Linear(dtr.Ptr, E, dbl.Ptr, S, l.dtW.Ptr, n, R, E, 0))
		run.add(k.scan.Launch(blocks(n/T*E*N, 128), [3]uint32{128, 1, 1}, 0, y, devPtr(0), u, dtr, l.dtB,
			xz.at(E), 2*E, dbl, S, R, l.negA, l.dskip, B, T, E))
		run.add(d.Linear(res.Ptr, D, y.Ptr, E, l.outW.Ptr, n, E, D, 1)) // res += out_proj(y)
		if l.outB != nil {
			run.add(k.addBias.Launch(blocks(n*D, bs), [3]uint32{bs, 1, 1}, 0, res, l.outB, n, D))
		}
	}
	run.add(k.rms.Launch([3]uint32{uint32(n), 1, 1}, [3]uint32{256, 1, 1}, 0, normed, devPtr(0), res, g.normF, D, c.Eps))
	if run.err != nil {
		return run.err
	}
	logits, err := d.NewBuf(n * V)
	if err != nil {
		return err
	}
	g.logits, g.B, g.T = logits, B, T
	if err := d.Linear(logits.Ptr, V, normed.Ptr, D, g.head.Ptr, n, D, V, 0); err != nil {
		return err
	}
	return d.Sync()
}

// begin checks that ids hold B·T tokens and frees the last Forward's
// logits, which the forward about to run replaces.
func (g *Mamba) begin(ids []int, B, T int) error {
	if len(ids) != B*T {
		return fmt.Errorf("cuda: %d ids for shape [%d, %d]", len(ids), B, T)
	}
	if g.logits != nil {
		g.logits.Free()
		g.logits = nil
	}
	return nil
}

// Logits copies the last Forward's logits (B·T·V) to the host (bf16
// logits widened to float32).
func (g *Mamba) Logits() ([]float32, error) {
	if g.logits == nil {
		return nil, fmt.Errorf("cuda: Logits before Forward")
	}
	if g.half {
		return downloadBF16(g.dev, g.k.from16, g.logits, g.B*g.T*g.cfg.Vocab)
	}
	return g.logits.Download()
}

// Loss returns the mean next-token cross-entropy of the last Forward's
// logits over the targets (B·T; nn.IgnoreIndex or any negative value
// skips a row), and the number of rows counted.
func (g *Mamba) Loss(targets []int) (float64, int, error) {
	if g.logits == nil {
		return 0, 0, fmt.Errorf("cuda: Loss before Forward")
	}
	ce := g.k.ce
	if g.half {
		ce = g.k.ce16
	}
	return crossEntropy(g.dev, ce, g.logits, targets, g.B*g.T, g.cfg.Vocab)
}

// forwardBF16 is Forward under bf16 autocast (NewMambaPolicy); buffers
// named with 16 hold bf16 values.
func (g *Mamba) forwardBF16(ids []int, B, T int) error {
	c, d, k := g.cfg, g.dev, g.k
	n, D, E, N, R, K, V := B*T, c.D, c.E(), c.N, c.R(), c.K, c.Vocab
	S := R + 2*N
	if err := g.begin(ids, B, T); err != nil {
		return err
	}
	ws := workspace{dev: d}
	defer ws.free()
	idb := ws.ints(ids)
	res := ws.get(n * D)
	normed16, xz16, u16 := ws.get16(n*D), ws.get16(n*2*E), ws.get16(n*E)
	dbl16, dtr16, y16, mix16 := ws.get16(n*S), ws.get16(n*E), ws.get16(n*E), ws.get16(n*D)
	if ws.err != nil {
		return ws.err
	}
	const bs = 256
	th, rows := [3]uint32{bs, 1, 1}, [3]uint32{uint32(n), 1, 1}
	e := errList{}
	e.add(k.embed.Launch(blocks(n*D, bs), th, 0, res, idb, g.emb, n, D))
	for _, l := range g.layers {
		e.add(k.rms16.Launch(rows, th, 0, normed16, devPtr(0), res, l.norm, D, c.Eps))
		e.add(d.LinearBF16(xz16.Ptr, 2*E, normed16.Ptr, D, l.inW.Ptr, n, D, 2*E))
		e.add(k.conv16.Launch(convGrid(n, E, bs), th, 0, u16, xz16, 2*E, l.convW, optional(l.convB), B, T, E, K))
		e.add(d.LinearBF16(dbl16.Ptr, S, u16.Ptr, E, l.xW.Ptr, n, E, S))
		e.add(d.LinearBF16(dtr16.Ptr, E, dbl16.Ptr, S, l.dtW.Ptr, n, R, E))
		e.add(k.scan16.Launch(blocks(B*E*N, 128), [3]uint32{128, 1, 1}, 0, y16, devPtr(0), u16, dtr16, l.dtB,
			xz16.Ptr+devPtr(2*E), 2*E, dbl16, S, R, l.negA, l.dskip, B, T, E))
		e.add(d.LinearBF16(mix16.Ptr, D, y16.Ptr, E, l.outW.Ptr, n, E, D))
		e.add(k.add16.Launch(blocks(n*D, bs), th, 0, res, mix16, int64(n*D)))
	}
	e.add(k.rms16.Launch(rows, th, 0, normed16, devPtr(0), res, g.normF, D, c.Eps))
	if e.err != nil {
		return e.err
	}
	logits, err := d.NewBuf((n*V + 1) / 2)
	if err != nil {
		return err
	}
	g.logits, g.B, g.T = logits, B, T
	if err := d.LinearBF16(logits.Ptr, V, normed16.Ptr, D, g.head.Ptr, n, D, V); err != nil {
		return err
	}
	return d.Sync()
}

// convGrid is the conv kernel's grid: one column per row of n, channels
// in blocks of bs along y.
func convGrid(n, E, bs int) [3]uint32 { return [3]uint32{uint32(n), uint32((E + bs - 1) / bs), 1} }

// optional is b, or a null pointer for an absent parameter.
func optional(b *Buf) any {
	if b == nil {
		return devPtr(0)
	}
	return b
}
