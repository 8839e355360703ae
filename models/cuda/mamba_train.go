package cuda

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
)

func init() { trainables["mamba"] = newMambaTrainable }

// mambaTrain is the Trainable of a Mamba (v1) model: models/mamba's
// Forward and Backward as a flat list of kernels and cuBLAS calls (llm.c
// style), activations in the policy's type (the residual stream, norms and
// the scan's insides in fp32), every linear a TLinear (so LoRA may sit on
// in_proj, x_proj, dt_proj, out_proj or an untied lm_head).
type mambaTrain struct {
	ps     *ParamSet
	cfg    mamba.Config
	emb    *Param
	head   *TLinear
	normF  *Param
	layers []mambaTrainLayer
	k      mambaTrainKernels
	tk     *trainKernels

	// the last Forward
	B, T     int
	ids      *Buf
	acts     []*Buf // everything below, freed by Release
	res      []*Buf // (n, D) fp32 residual stream entering layer l (res[L]: the final norm's input)
	rstd     []*Buf // (n) per layer, and the final norm's at L
	logits   *Buf
	allocErr error
}

type mambaTrainLayer struct {
	norm                *Param
	in, x, dt, out      *TLinear
	convW, convB        *Param
	dtBias, aLog, dskip *Param
	negA                *Buf // (E, N) A = −exp(A_log) of the current weights
	xz, u, dbl, dtr, y  *Buf // activations of the last Forward (type Act)
	ckpt                *Buf // (B, ⌈L/N⌉, E, N) scan states at chunk starts
}

type mambaTrainKernels struct {
	negExp                                               *Kernel
	conv, convBwd, convData, convW, scan, scanBwd, bcRed *Kernel
	add2                                                 *Kernel
}

func newMambaTrainable(ps *ParamSet, base lm.Model) (Trainable, error) {
	m, ok := base.(*mamba.Model)
	if !ok {
		return nil, fmt.Errorf("cuda: mamba trainer given %T", base)
	}
	c := m.Cfg
	if c.N > 32 || c.N&(c.N-1) != 0 {
		return nil, fmt.Errorf("cuda: mamba state size %d: the GPU scan needs a power of two of at most 32", c.N)
	}
	if c.K > 8 {
		return nil, fmt.Errorf("cuda: mamba conv width %d: the GPU conv backward takes at most 8", c.K)
	}
	g := &mambaTrain{ps: ps, cfg: c, tk: ps.k}
	d, s := ps.dev, ps.Act.suffix()
	var err error
	get := func(name string) *Kernel {
		if err != nil {
			return nil
		}
		var k *Kernel
		k, err = d.Kernel("mamba_train.cu", name, fmt.Sprintf("SSM_N=%d", c.N))
		return k
	}
	g.k = mambaTrainKernels{negExp: get("neg_exp_t"), conv: get("conv_silu_fwd" + s), convBwd: get("conv_silu_bwd" + s),
		convData: get("conv_bwd_data" + s), convW: get("conv_bwd_weight" + s), scan: get("scan_fwd" + s),
		scanBwd: get("scan_bwd" + s), bcRed: get("scan_bc_reduce" + s), add2: get("add2" + s)}
	if err != nil {
		return nil, err
	}
	g.emb = ps.Add(m.Emb.W, false)
	for _, b := range m.Layers {
		x := b.Mixer
		l := mambaTrainLayer{norm: ps.Add(b.Norm.W, false), in: NewTLinear(ps, x.InProj), x: NewTLinear(ps, x.XProj),
			dt: NewTLinear(ps, x.DtProj), out: NewTLinear(ps, x.OutProj), convW: ps.Add(x.Conv.W, false),
			convB: ps.Add(x.Conv.B, false), dtBias: ps.Add(x.DtBias, false), aLog: ps.Add(x.ALog, false),
			dskip: ps.Add(x.Dskip, false)}
		g.layers = append(g.layers, l)
	}
	g.normF = ps.Add(m.NormF.W, false)
	g.head = NewTLinear(ps, m.Head)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	for i := range g.layers {
		l := &g.layers[i]
		if l.negA, err = d.NewBuf(c.E() * c.N); err != nil {
			g.Free()
			return nil, err
		}
	}
	return g, nil
}

// at is the address of element i of a buffer of type a.
func at(b *Buf, a act, i int) devPtr {
	if a.half() {
		return b.Ptr + devPtr(i)*2
	}
	return b.Ptr + devPtr(i)*4
}

// grad is p's gradient for a kernel, or a null pointer when p is frozen.
func grad(p *Param) any {
	if p == nil || p.G == nil {
		return devPtr(0)
	}
	return p.G
}

// wbuf is p's fp32 weights for a kernel, or a null pointer for no p.
func wbuf(p *Param) any {
	if p == nil {
		return devPtr(0)
	}
	return p.W
}

func (g *mambaTrain) alloc(n int) *Buf {
	if g.allocErr != nil {
		return nil
	}
	b, err := g.ps.dev.NewBuf(n)
	if err != nil {
		g.allocErr = err
		return nil
	}
	g.acts = append(g.acts, b)
	return b
}

func (g *mambaTrain) Forward(ids *Buf, B, T int) (*Buf, error) {
	g.Release()
	c, a, k, tk := g.cfg, g.ps.Act, g.k, g.tk
	n, D, E, N, R, K, V := B*T, c.D, c.E(), c.N, c.R(), c.K, c.Vocab
	S, C := R+2*N, (T+N-1)/N
	g.B, g.T, g.ids = B, T, ids
	g.res, g.rstd = make([]*Buf, len(g.layers)+1), make([]*Buf, len(g.layers)+1)
	for i := range g.res {
		g.res[i], g.rstd[i] = g.alloc(n*D), g.alloc(n)
	}
	normed, mix := g.alloc(a.words(n*D)), g.alloc(a.words(n*D))
	for i := range g.layers {
		l := &g.layers[i]
		l.xz, l.u, l.dbl = g.alloc(a.words(n*2*E)), g.alloc(a.words(n*E)), g.alloc(a.words(n*S))
		l.dtr, l.y, l.ckpt = g.alloc(a.words(n*E)), g.alloc(a.words(n*E)), g.alloc(B*C*E*N)
	}
	g.logits = g.alloc(a.words(n * V))
	if err := g.allocErr; err != nil {
		g.allocErr = nil
		return nil, fmt.Errorf("cuda: the activations of [%d, %d]: %v", B, T, err)
	}
	const bs = 256
	th, rows := [3]uint32{bs, 1, 1}, [3]uint32{uint32(n), 1, 1}
	e := errList{}
	e.add(tk.embFwd.Launch(blocks(n*D, bs), th, 0, g.res[0], ids, g.emb.W, n, D))
	for i := range g.layers {
		l := &g.layers[i]
		e.add(k.negExp.Launch(blocks(E*N, bs), th, 0, l.negA, l.aLog.W, E*N))
		e.add(tk.rmsFwd[a].Launch(rows, th, 0, normed, g.rstd[i], g.res[i], l.norm.W, D, c.Eps))
		e.add(l.in.Forward(Mat{l.xz.Ptr, 2 * E, a}, Mat{normed.Ptr, D, a}, n, 0))
		e.add(k.conv.Launch(convGrid(n, E, bs), th, 0, l.u, l.xz, 2*E, l.convW.W, wbuf(l.convB), T, E, K))
		e.add(l.x.Forward(Mat{l.dbl.Ptr, S, a}, Mat{l.u.Ptr, E, a}, n, 0))
		e.add(l.dt.Forward(Mat{l.dtr.Ptr, E, a}, Mat{l.dbl.Ptr, S, a}, n, 0))
		e.add(k.scan.Launch(blocks(B*E*N, 128), [3]uint32{128, 1, 1}, 0, l.y, l.ckpt, l.u, l.dtr, l.dtBias.W,
			at(l.xz, a, E), 2*E, l.dbl, S, R, l.negA, l.dskip.W, B, T, E))
		e.add(l.out.Forward(Mat{mix.Ptr, D, a}, Mat{l.y.Ptr, E, a}, n, 0))
		e.add(k.add2.Launch(blocks(n*D, bs), th, 0, g.res[i+1], g.res[i], mix, int64(n*D)))
	}
	L := len(g.layers)
	e.add(tk.rmsFwd[a].Launch(rows, th, 0, normed, g.rstd[L], g.res[L], g.normF.W, D, c.Eps))
	e.add(g.head.Forward(Mat{g.logits.Ptr, V, a}, Mat{normed.Ptr, D, a}, n, 0))
	return g.logits, e.err
}

func (g *mambaTrain) Backward(dlogits *Buf) error {
	c, d, a, k, tk := g.cfg, g.ps.dev, g.ps.Act, g.k, g.tk
	B, T := g.B, g.T
	n, D, E, N, R, K, V := B*T, c.D, c.E(), c.N, c.R(), c.K, c.Vocab
	S, L := R+2*N, len(g.layers)
	cpb := 256 / N
	switch N {
	case 32:
		cpb = 2
	case 16:
		cpb = 8
	}
	nblk := (E + cpb - 1) / cpb
	ws := workspace{dev: d}
	defer ws.free()
	dres, dn := ws.get(n*D), ws.get(n*D) // fp32: the residual stream's gradient, a norm output's gradient
	normed, dmix := ws.get(a.words(n*D)), ws.get(a.words(n*D))
	dy, du, ddtr := ws.get(a.words(n*E)), ws.get(a.words(n*E)), ws.get(a.words(n*E))
	dxz, ddbl := ws.get(a.words(n*2*E)), ws.get(a.words(n*S))
	pBC := ws.get(nblk * n * 2 * N)
	if ws.err != nil {
		return ws.err
	}
	const bs = 256
	th, rows := [3]uint32{bs, 1, 1}, [3]uint32{uint32(n), 1, 1}
	e := errList{}
	e.add(dres.Fill(0))
	// lm_head and the final norm
	e.add(tk.rmsFwd[a].Launch(rows, th, 0, normed, g.rstd[L], g.res[L], g.normF.W, D, c.Eps)) // recomputed
	e.add(g.head.Backward(Mat{dn.Ptr, D, actF32}, Mat{dlogits.Ptr, V, a}, Mat{normed.Ptr, D, a}, n, 0))
	e.add(tk.rmsBwd.Launch(rows, th, 0, dres, grad(g.normF), dn, g.res[L], g.rstd[L], g.normF.W, D))
	for i := L - 1; i >= 0; i-- {
		l := &g.layers[i]
		dmixM := Mat{dres.Ptr, D, actF32}
		if a.half() { // out_proj's output was a 16-bit tensor: its gradient too
			e.add(tk.toAct[a].Launch(blocks(n*D, bs), th, 0, dmix, dres, int64(n*D)))
			dmixM = Mat{dmix.Ptr, D, a}
		}
		e.add(l.out.Backward(Mat{dy.Ptr, E, a}, dmixM, Mat{l.y.Ptr, E, a}, n, 0))
		e.add(k.scanBwd.Launch([3]uint32{uint32(nblk), uint32(B), 1}, [3]uint32{uint32(cpb * N), 1, 1}, 0,
			du, ddtr, at(dxz, a, E), pBC, grad(l.aLog), grad(l.dskip), grad(l.dtBias), dy, l.ckpt, l.u, l.dtr,
			l.dtBias.W, at(l.xz, a, E), 2*E, l.dbl, S, R, l.negA, l.dskip.W, B, T, E))
		e.add(k.bcRed.Launch(blocks(n*2*N, bs), th, 0, ddbl, pBC, S, R, int64(n), nblk))
		e.add(l.dt.Backward(Mat{ddbl.Ptr, S, a}, Mat{ddtr.Ptr, E, a}, Mat{l.dbl.Ptr, S, a}, n, 0))
		e.add(l.x.Backward(Mat{du.Ptr, E, a}, Mat{ddbl.Ptr, S, a}, Mat{l.u.Ptr, E, a}, n, 1)) // du += x_proj's part
		e.add(k.convBwd.Launch(convGrid(n, E, bs), th, 0, du, l.xz, 2*E, l.convW.W, wbuf(l.convB), T, E, K))
		e.add(k.convData.Launch(convGrid(n, E, bs), th, 0, dxz, 2*E, du, l.convW.W, T, E, K))
		if l.convW.G != nil || (l.convB != nil && l.convB.G != nil) {
			grid := [3]uint32{uint32((E + 127) / 128), uint32(min(n, 256)), 1}
			e.add(k.convW.Launch(grid, [3]uint32{128, 1, 1}, 0, grad(l.convW), grad(l.convB), du, l.xz, 2*E, int64(n), T, E, K))
		}
		e.add(tk.rmsFwd[a].Launch(rows, th, 0, normed, g.rstd[i], g.res[i], l.norm.W, D, c.Eps)) // recomputed
		e.add(l.in.Backward(Mat{dn.Ptr, D, actF32}, Mat{dxz.Ptr, 2 * E, a}, Mat{normed.Ptr, D, a}, n, 0))
		e.add(tk.rmsBwd.Launch(rows, th, 0, dres, grad(l.norm), dn, g.res[i], g.rstd[i], l.norm.W, D))
	}
	if g.emb.G != nil {
		e.add(tk.embBwd.Launch(blocks(n*D, bs), th, 0, g.emb.G, g.ids, dres, n, D))
	}
	return e.err // the workspace goes back to the cache: later work on the one stream runs after these kernels
}

// Release frees the last Forward's activations.
func (g *mambaTrain) Release() {
	for _, b := range g.acts {
		b.Free()
	}
	g.acts, g.logits, g.res, g.rstd = nil, nil, nil, nil
	for i := range g.layers {
		l := &g.layers[i]
		l.xz, l.u, l.dbl, l.dtr, l.y, l.ckpt = nil, nil, nil, nil, nil, nil
		for _, t := range []*TLinear{l.in, l.x, l.dt, l.out} {
			t.Release()
		}
	}
	g.head.Release()
}

func (g *mambaTrain) Free() {
	g.Release()
	for i := range g.layers {
		g.layers[i].negA.Free()
		g.layers[i].negA = nil
	}
}
