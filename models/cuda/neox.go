package cuda

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/transformer"
)

// NeoX is a GPT-NeoX (Pythia) language model on the GPU, llm.c style, from
// the weights of a CPU *transformer.GPTNeoX (the reference). fp32 forward:
// LayerNorms, cuBLAS projections, partial rotary, fused causal attention
// (no (T, T) scores in memory), exact GELU, the parallel (or sequential)
// residual and the untied or tied head.
type NeoX struct {
	dev     *Device
	cfg     transformer.GPTNeoXConfig
	emb     *Buf // (V, D)
	head    *Buf // (V, D)
	lnfW    *Buf // (D)
	lnfB    *Buf
	invFreq *Buf // (R/2)
	layers  []neoxLayer
	k       neoxKernels

	logits *Buf
	B, T   int
}

type neoxLayer struct {
	ln1W, ln1B, ln2W, ln2B *Buf // (D)
	qkvW, qkvB             *Buf // (3D, D), (3D) or nil
	denseW, denseB         *Buf // (D, D), (D) or nil
	upW, upB               *Buf // (I, D), (I)
	downW, downB           *Buf // (D, I), (D)
}

type neoxKernels struct {
	embed, ln, addBias, add3, gelu, rotary, attn, ce *Kernel
}

// maxHeadDim bounds the head size: the attention keeps a query and its
// output accumulator (2·head size floats) in one thread's registers.
const maxHeadDim = 128

// NewNeoX uploads m's weights to d (the attention kernel is compiled for
// its head size on first use). The head size is at most maxHeadDim.
func NewNeoX(d *Device, m *transformer.GPTNeoX) (*NeoX, error) {
	c := m.Cfg
	hd := c.HeadDim()
	if hd > maxHeadDim {
		return nil, fmt.Errorf("cuda: gpt_neox head size %d: the GPU attention holds at most %d per thread", hd, maxHeadDim)
	}
	g := &NeoX{dev: d, cfg: c}
	var err error
	if g.k, err = loadNeoXKernels(d, hd); err != nil {
		return nil, err
	}
	up := uploader{dev: d}
	g.emb = up.buf(m.Embed.W.Value.Data)
	g.head = g.emb
	if m.Head.W != m.Embed.W {
		g.head = up.buf(m.Head.W.Value.Data)
	}
	g.lnfW, g.lnfB = up.param(m.Norm.W), up.param(m.Norm.B)
	inv := transformer.NewRotary(c.RotaryDim(), c.RopeTheta).InvFreq
	if len(inv) == 0 {
		inv = []float32{0} // no rotary: a placeholder the kernel never reads
	}
	g.invFreq = up.buf(inv)
	for _, l := range m.Layers {
		g.layers = append(g.layers, neoxLayer{
			ln1W: up.param(l.LN1.W), ln1B: up.param(l.LN1.B), ln2W: up.param(l.LN2.W), ln2B: up.param(l.LN2.B),
			qkvW: up.param(l.QKV.W), qkvB: up.param(l.QKV.B), denseW: up.param(l.Dense.W), denseB: up.param(l.Dense.B),
			upW: up.param(l.MLP.Up.W), upB: up.param(l.MLP.Up.B), downW: up.param(l.MLP.Down.W), downB: up.param(l.MLP.Down.B),
		})
	}
	if up.err != nil {
		g.Free()
		return nil, up.err
	}
	return g, nil
}

func loadNeoXKernels(d *Device, hd int) (neoxKernels, error) {
	var k neoxKernels
	var err error
	hdDef := fmt.Sprintf("HD=%d", hd)
	get := func(file, name string) *Kernel {
		if err != nil {
			return nil
		}
		var kk *Kernel
		if file == "neox.cu" {
			kk, err = d.Kernel(file, name, hdDef)
		} else {
			kk, err = d.Kernel(file, name)
		}
		return kk
	}
	k.embed = get("common.cu", "embedding_fwd")
	k.ln = get("common.cu", "layernorm_fwd")
	k.addBias = get("common.cu", "add_bias")
	k.add3 = get("common.cu", "add3")
	k.ce = get("common.cu", "cross_entropy_fwd")
	k.gelu = get("neox.cu", "gelu_fwd")
	k.rotary = get("neox.cu", "rotary_fwd")
	k.attn = get("neox.cu", "attention_fwd")
	return k, err
}

// Free returns every device buffer of the model to the allocator.
func (g *NeoX) Free() {
	seen := map[*Buf]bool{}
	free := func(bs ...*Buf) {
		for _, b := range bs {
			if b != nil && !seen[b] {
				seen[b] = true
				b.Free()
			}
		}
	}
	free(g.emb, g.head, g.lnfW, g.lnfB, g.invFreq, g.logits)
	for _, l := range g.layers {
		free(l.ln1W, l.ln1B, l.ln2W, l.ln2B, l.qkvW, l.qkvB, l.denseW, l.denseB, l.upW, l.upB, l.downW, l.downB)
	}
	g.layers, g.logits = nil, nil
}

// Forward runs the model on ids (B·T) and keeps the logits on the device.
func (g *NeoX) Forward(ids []int, B, T int) error {
	c, d, k := g.cfg, g.dev, g.k
	n, D, I, V, H := B*T, c.D, c.I, c.Vocab, c.Heads
	hd, R := c.HeadDim(), c.RotaryDim()
	if len(ids) != n {
		return fmt.Errorf("cuda: %d ids for shape [%d, %d]", len(ids), B, T)
	}
	if g.logits != nil {
		g.logits.Free()
		g.logits = nil
	}
	ws := workspace{dev: d}
	defer ws.free()
	idb := ws.ints(ids)
	x, y := ws.get(n*D), ws.get(n*D)
	ln, qkv, att, ao := ws.get(n*D), ws.get(n*3*D), ws.get(n*D), ws.get(n*D)
	h, mo, mid := ws.get(n*I), ws.get(n*D), ws.get(n*D)
	if ws.err != nil {
		return ws.err
	}
	const bs = 256
	eps := float32(c.NormEps)
	scale := float32(1 / math.Sqrt(float64(hd)))
	row := [3]uint32{uint32(n), 1, 1}
	th := [3]uint32{bs, 1, 1}
	e := errList{}
	bias := func(buf, b *Buf, width int) {
		if b != nil {
			e.add(k.addBias.Launch(blocks(n*width, bs), th, 0, buf, b, n, width))
		}
	}
	e.add(k.embed.Launch(blocks(n*D, bs), th, 0, x, idb, g.emb, n, D))
	for _, l := range g.layers {
		e.add(k.ln.Launch(row, th, 0, ln, x, l.ln1W, optional(l.ln1B), D, eps))
		e.add(d.Linear(qkv.Ptr, 3*D, ln.Ptr, D, l.qkvW.Ptr, n, D, 3*D, 0))
		bias(qkv, l.qkvB, 3*D)
		if R > 0 {
			e.add(k.rotary.Launch(blocks(n*H*R, bs), th, 0, qkv, g.invFreq, n, T, H, hd, R))
		}
		nq := (T + 63) / 64
		e.add(k.attn.Launch([3]uint32{uint32(B * H * nq), 1, 1}, [3]uint32{64, 1, 1}, 0, att, qkv, B, T, H, scale))
		e.add(d.Linear(ao.Ptr, D, att.Ptr, D, l.denseW.Ptr, n, D, D, 0))
		bias(ao, l.denseB, D)
		post := x
		if !c.ParallelResidual { // mid = x + attn(ln1(x)); the MLP reads ln2(mid)
			e.add(k.add3.Launch(blocks(n*D, bs), th, 0, mid, x, ao, devPtr(0), int64(n*D)))
			post = mid
		}
		e.add(k.ln.Launch(row, th, 0, ln, post, l.ln2W, optional(l.ln2B), D, eps))
		e.add(d.Linear(h.Ptr, I, ln.Ptr, D, l.upW.Ptr, n, D, I, 0))
		bias(h, l.upB, I)
		e.add(k.gelu.Launch(blocks(n*I, bs), th, 0, h, h, int64(n*I)))
		e.add(d.Linear(mo.Ptr, D, h.Ptr, I, l.downW.Ptr, n, I, D, 0))
		bias(mo, l.downB, D)
		if c.ParallelResidual { // HF: mlp_output + attn_output + hidden_states, in that order
			e.add(k.add3.Launch(blocks(n*D, bs), th, 0, y, mo, ao, x, int64(n*D)))
		} else {
			e.add(k.add3.Launch(blocks(n*D, bs), th, 0, y, mid, mo, devPtr(0), int64(n*D)))
		}
		x, y = y, x
	}
	e.add(k.ln.Launch(row, th, 0, ln, x, g.lnfW, optional(g.lnfB), D, eps))
	if e.err != nil {
		return e.err
	}
	logits, err := d.NewBuf(n * V)
	if err != nil {
		return err
	}
	g.logits, g.B, g.T = logits, B, T
	if err := d.Linear(logits.Ptr, V, ln.Ptr, D, g.head.Ptr, n, D, V, 0); err != nil {
		return err
	}
	return d.Sync()
}

// Logits copies the last Forward's logits (B·T·V) to the host.
func (g *NeoX) Logits() ([]float32, error) {
	if g.logits == nil {
		return nil, fmt.Errorf("cuda: Logits before Forward")
	}
	return g.logits.Download()
}

// Loss is Mamba.Loss for this model.
func (g *NeoX) Loss(targets []int) (float64, int, error) {
	if g.logits == nil {
		return 0, 0, fmt.Errorf("cuda: Loss before Forward")
	}
	return crossEntropy(g.dev, g.k.ce, g.logits, targets, g.B*g.T, g.cfg.Vocab)
}
