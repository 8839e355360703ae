package cuda

import (
	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/nn"
)

// TLinear is a linear layer of a Trainable, y = x·Wᵀ (+ b), with an
// optional LoRA adapter adding scale·(x·Aᵀ)·Bᵀ (PEFT's scaling: alpha/r,
// or alpha/√r with rslora; models/lora is the CPU reference). Under a
// 16-bit policy the products run on the tensor cores from the 16-bit
// copies of W, A and B with fp32 accumulation, every activation operand in
// the policy's type. The base weights are frozen when the CPU model's are
// (LoRA), the adapters trainable.
type TLinear struct {
	W, Bias, A, B *Param
	In, Out, R    int
	Scale         float32

	ps *ParamSet
	a  *Buf // x·Aᵀ (n, R) of the last Forward
}

// NewTLinear adds l's parameters, and those of its LoRA adapter if it has
// one (l.Adapter a *lora.Linear, not merged), to ps.
func NewTLinear(ps *ParamSet, l *nn.Linear) *TLinear {
	t := &TLinear{W: ps.Add(l.W, true), Bias: ps.Add(l.B, false), In: l.In, Out: l.Out, ps: ps}
	if ad, ok := l.Adapter.(*lora.Linear); ok && !ad.Merged {
		t.A, t.B, t.R, t.Scale = ps.Add(ad.A, true), ps.Add(ad.B, true), ad.R, ad.Scale
	}
	return t
}

// Forward writes y = x·Wᵀ + b + adapter + beta·y for n rows (y, x in the
// set's activation type; beta 0 or 1) and keeps x·Aᵀ for Backward.
func (t *TLinear) Forward(y, x Mat, n int, beta float32) error {
	d, a := t.ps.dev, t.ps.Act
	if err := d.MatMulNT(y, x, t.W.Mat(t.In), n, t.In, t.Out, 1, beta); err != nil {
		return err
	}
	if t.Bias != nil {
		if err := t.ps.k.addBias[y.T].Launch(blocks(n*t.Out, 256), [3]uint32{256, 1, 1}, 0, y.P, y.LD, t.Bias.W, n, t.Out); err != nil {
			return err
		}
	}
	if t.A == nil {
		return nil
	}
	t.a.Free()
	var err error
	if t.a, err = d.NewBuf(a.words(n * t.R)); err != nil {
		return err
	}
	am := Mat{t.a.Ptr, t.R, a}
	if err := d.MatMulNT(am, x, t.A.Mat(t.In), n, t.In, t.R, 1, 0); err != nil {
		return err
	}
	return d.MatMulNT(y, am, t.B.Mat(t.R), n, t.R, t.Out, t.Scale, 1)
}

// Backward accumulates the gradients of the trainable parameters for the
// upstream gradient dy (n, Out) and input x (the Forward's), and writes
// dx = dy·W (+ the adapter's part) + betaDX·dx unless dx.P is 0.
func (t *TLinear) Backward(dx, dy, x Mat, n int, betaDX float32) error {
	d, a := t.ps.dev, t.ps.Act
	if !t.W.Frozen {
		if err := d.MatMulTN(t.W.Grad(t.In), dy, x, n, t.In, t.Out, 1, 1); err != nil {
			return err
		}
	}
	if t.Bias != nil && !t.Bias.Frozen {
		grid := [3]uint32{uint32((t.Out + 255) / 256), uint32(min(64, max(n, 1))), 1}
		if err := t.ps.k.biasGrad[dy.T].Launch(grid, [3]uint32{256, 1, 1}, 0, t.Bias.G, dy.P, dy.LD, n, t.Out); err != nil {
			return err
		}
	}
	if dx.P != 0 {
		if err := d.MatMulNN(dx, dy, t.W.Mat(t.In), n, t.In, t.Out, 1, betaDX); err != nil {
			return err
		}
	}
	if t.A == nil {
		return nil
	}
	da, err := d.NewBuf(a.words(n * t.R))
	if err != nil {
		return err
	}
	defer da.Free()
	am, dam := Mat{t.a.Ptr, t.R, a}, Mat{da.Ptr, t.R, a}
	if !t.B.Frozen {
		if err := d.MatMulTN(t.B.Grad(t.R), dy, am, n, t.R, t.Out, t.Scale, 1); err != nil {
			return err
		}
	}
	if err := d.MatMulNN(dam, dy, t.B.Mat(t.R), n, t.R, t.Out, t.Scale, 0); err != nil {
		return err
	}
	if !t.A.Frozen {
		if err := d.MatMulTN(t.A.Grad(t.In), dam, x, n, t.In, t.R, 1, 1); err != nil {
			return err
		}
	}
	if dx.P != 0 {
		return d.MatMulNN(dx, dam, t.A.Mat(t.In), n, t.In, t.R, 1, 1)
	}
	return nil
}

// Release frees what Forward kept.
func (t *TLinear) Release() {
	t.a.Free()
	t.a = nil
}
