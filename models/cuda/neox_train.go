package cuda

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/precision"
)

// NewNeoXTrainable uploads m (a *transformer.GPTNeoX, or a *lora.Model
// wrapping one: only the adapters get gradients) for training under pol,
// with an fp32 gradient for every trainable parameter.
func NewNeoXTrainable(d *Device, m lm.Model, pol precision.Policy) (*NeoX, error) {
	return uploadNeoX(d, m, pol, true)
}

// ZeroGrads clears every gradient.
func (g *NeoX) ZeroGrads() error {
	for _, p := range g.params {
		if p.grad != nil {
			if err := p.grad.Fill(0); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForwardBackward runs the training forward on ids (B·T), the mean
// cross-entropy over targets (negative ones skipped) and the backward,
// adding every trainable parameter's gradient into its fp32 gradient
// buffer. It returns the loss and the number of rows counted.
func (g *NeoX) ForwardBackward(ids, targets []int, B, T int) (float64, int, error) {
	if len(targets) != B*T {
		return 0, 0, fmt.Errorf("cuda: %d targets for shape [%d, %d]", len(targets), B, T)
	}
	if err := g.forward(ids, B, T, true); err != nil {
		return 0, 0, err
	}
	loss, count, err := g.crossEntropy(targets, true)
	if err != nil {
		return 0, 0, err
	}
	if err := g.backward(); err != nil {
		return 0, 0, err
	}
	g.freeRun()
	return loss, count, g.dev.Sync()
}

// GradsHost copies every parameter's gradient to the host in the CPU
// model's Params order (nil for frozen ones).
func (g *NeoX) GradsHost() ([][]float32, error) {
	out := make([][]float32, len(g.params))
	for i, p := range g.params {
		if p.grad == nil {
			continue
		}
		out[i] = make([]float32, p.n)
		if err := p.grad.CopyTo(out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// linearBack is nn.Linear's backward for dy (n, out) of P at input x (n, in)
// of P: dx (n, in) of P = dy·W (skipped when dx is nil), dW += dyᵀ·x and
// db += Σ_rows dy in fp32 (skipped for frozen parameters), and with LoRA
// (A·x recomputed) dB += scale·dyᵀ·(A·x), dA += (scale·dy·B)ᵀ·x and
// dx += (scale·dy·B)·A.
func (g *NeoX) linearBack(dx, dy, x *Buf, l *nxLinear, n int, ones *Buf, ws *workspace) error {
	e := errList{}
	if dx != nil {
		e.add(g.gemm(false, false, l.in, n, l.out, 1, l.w.mm().Ptr, l.in, dy.Ptr, l.out, 0, dx.Ptr, l.in, false))
	}
	if l.w.grad != nil {
		e.add(g.gemm(false, true, l.in, l.out, n, 1, x.Ptr, l.in, dy.Ptr, l.out, 1, l.w.grad.Ptr, l.in, true))
	}
	if l.b != nil && l.b.grad != nil {
		e.add(g.gemm(false, false, l.out, 1, n, 1, dy.Ptr, l.out, ones.Ptr, n, 1, l.b.grad.Ptr, l.out, true))
	}
	if a := l.lora; a != nil {
		ax, da := ws.get(g.prec.slots(n*a.r)), ws.get(g.prec.slots(n*a.r))
		if ws.err != nil {
			return ws.err
		}
		e.add(g.gemm(true, false, a.r, n, l.in, 1, a.a.mm().Ptr, l.in, x.Ptr, l.in, 0, ax.Ptr, a.r, false))
		if a.b.grad != nil {
			e.add(g.gemm(false, true, a.r, l.out, n, a.scale, ax.Ptr, a.r, dy.Ptr, l.out, 1, a.b.grad.Ptr, a.r, true))
		}
		e.add(g.gemm(false, false, a.r, n, l.out, a.scale, a.b.mm().Ptr, a.r, dy.Ptr, l.out, 0, da.Ptr, a.r, false))
		if a.a.grad != nil {
			e.add(g.gemm(false, true, l.in, a.r, n, 1, x.Ptr, l.in, da.Ptr, a.r, 1, a.a.grad.Ptr, l.in, true))
		}
		if dx != nil {
			e.add(g.gemm(false, false, l.in, n, a.r, 1, a.a.mm().Ptr, l.in, da.Ptr, a.r, 1, dx.Ptr, l.in, false))
		}
	}
	return e.err
}

// lnBack is LayerNorm's backward: dx = LNᵀ(dy) + add (fp32; dx may be add)
// for dy of P at input x, and the weight and bias gradients.
func (g *NeoX) lnBack(dx, add, dy, x, mean, rstd *Buf, w, b *nxParam, n int, part *Buf) error {
	D := g.cfg.D
	nb := (n + lnRows - 1) / lnRows
	if err := g.k["nx_ln_bwd"].Launch([3]uint32{uint32(nb), 1, 1}, [3]uint32{256, 1, 1}, 0,
		dx, optional(add), part, dy, x, mean, rstd, w.val, n, D); err != nil {
		return err
	}
	var gw, gb *Buf
	if w != nil {
		gw = w.grad
	}
	if b != nil {
		gb = b.grad
	}
	if gw == nil && gb == nil {
		return nil
	}
	return g.ew("nx_ln_wsum", 2*D, optional(gw), optional(gb), part, nb, D)
}

// lnRows is neox.cu's LN_ROWS: rows per block of the LayerNorm backward.
const lnRows = 32

// backward runs after forward(train) and crossEntropy(grad): the logits
// buffer holds the loss gradient.
func (g *NeoX) backward() error {
	run := g.run
	if run == nil || g.logits == nil {
		return fmt.Errorf("cuda: backward without a training forward")
	}
	c, p := g.cfg, g.prec
	B, T := g.B, g.T
	n, D, I, V, H, L := B*T, c.D, c.I, c.Vocab, c.Heads, len(g.layers)
	hd, R := c.HeadDim(), c.RotaryDim()
	ws := workspace{dev: g.dev}
	defer ws.free()
	dres, dtmp := ws.get(n*D), ws.get(n*D)
	dyh, dln, datt := ws.get(p.slots(n*D)), ws.get(p.slots(n*D)), ws.get(p.slots(n*D))
	dqkv := ws.get(p.slots(n * 3 * D))
	gl, dg := ws.get(p.slots(n*I)), ws.get(p.slots(n*I))
	dsum := ws.get(B * H * T)
	part := ws.get(((n + lnRows - 1) / lnRows) * 2 * D)
	ones := ws.get(p.slots(n))
	onesF := ws.get(n)
	if ws.err != nil {
		return ws.err
	}
	e := errList{}
	e.add(onesF.Fill(1))
	e.add(g.ew("nx_to", n, ones, onesF, int64(n)))
	hl := nxLinear{w: g.head, in: D, out: V}
	e.add(g.linearBack(dyh, g.logits, run.hn, &hl, n, ones, &ws))
	e.add(g.lnBack(dres, nil, dyh, run.hs[L], run.nm, run.nr, g.lnfW, g.lnfB, n, part))
	scale := float32(1 / math.Sqrt(float64(hd)))
	nqb := (T + attnQB(hd) - 1) / attnQB(hd)
	grid := [3]uint32{uint32(B * H * nqb), 1, 1}
	th := [3]uint32{nxThreads, 1, 1}
	for i := L - 1; i >= 0 && e.err == nil; i-- {
		l, a, x := &g.layers[i], &run.layers[i], run.hs[i]
		// the gradient reaching the 16-bit branch outputs
		dy := dres
		if p != nxF32 {
			e.add(g.ew("nx_to", n*D, dyh, dres, int64(n*D)))
			dy = dyh
		}
		e.add(g.ew("nx_gelu", n*I, gl, a.h, int64(n*I)))
		e.add(g.linearBack(dg, dy, gl, &l.down, n, ones, &ws))
		e.add(g.ew("nx_gelu_bwd", n*I, dg, dg, a.h, int64(n*I)))
		e.add(g.linearBack(dln, dg, a.ln2, &l.up, n, ones, &ws))
		post := x
		if !c.ParallelResidual {
			post = a.mid
		}
		e.add(g.lnBack(dtmp, dres, dln, post, a.m2, a.r2, l.ln2W, l.ln2B, n, part))
		dao := dy
		if !c.ParallelResidual { // the attention branch receives d mid
			dao = dtmp
			if p != nxF32 {
				e.add(g.ew("nx_to", n*D, dyh, dtmp, int64(n*D)))
				dao = dyh
			}
		}
		e.add(g.linearBack(datt, dao, a.att, &l.dense, n, ones, &ws))
		wth := [3]uint32{uint32((B*T*H*32 + nxThreads - 1) / nxThreads), 1, 1}
		e.add(g.k["nx_attn_dsum"].Launch(wth, th, 0, dsum, datt, a.att, B, T, H))
		e.add(g.k["nx_attn_dq"].Launch(grid, th, 0, dqkv, a.qkv, datt, a.lse, dsum, B, T, H, scale))
		e.add(g.k["nx_attn_dkv"].Launch(grid, th, 0, dqkv, a.qkv, datt, a.lse, dsum, B, T, H, scale))
		if R > 0 {
			e.add(g.ew("nx_rotary", n*H*R, dqkv, g.inv, n, T, H, R, float32(-1)))
		}
		e.add(g.linearBack(dln, dqkv, a.ln1, &l.qkv, n, ones, &ws))
		e.add(g.lnBack(dres, dtmp, dln, x, a.m1, a.r1, l.ln1W, l.ln1B, n, part))
		e.add(ws.err)
	}
	if g.emb.grad != nil && e.err == nil {
		e.add(g.ew("nx_embed_bwd", n*D, g.emb.grad, run.idb, dres, n, D))
	}
	return e.err
}
