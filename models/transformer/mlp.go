package transformer

import (
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// geluMLP is GPT-NeoX's MLP (GPTNeoXMLP): dense_4h_to_h(gelu(dense_h_to_4h(x)))
// with the exact erf GELU (hidden_act "gelu").
type geluMLP struct {
	Up   *nn.Linear // mlp.dense_h_to_4h (I, D)
	Down *nn.Linear // mlp.dense_4h_to_h (D, I)
}

// mlpActs holds an MLP's activations (n rows) and backward scratch.
type mlpActs struct {
	h, g     []float32 // (n, I): first projection (gate_proj for SwiGLU), its activation
	u, prod  []float32 // (n, I): SwiGLU's up_proj and silu(gate)⊙up
	dh, dg   []float32 // (n, I)
	du, dp   []float32 // (n, I)
	dxa, dxb []float32 // (n, D) partial input gradients (SwiGLU)
}

func (m *geluMLP) forward(pol precision.Policy, a *mlpActs, y, x []float32, n int) {
	I := m.Up.Out
	a.h, a.g = tensor.Grow(a.h, n*I), tensor.Grow(a.g, n*I)
	m.Up.Forward(pol, a.h, x, n)
	nn.GELU(a.g, a.h)
	pol.Act(a.g)
	m.Down.Forward(pol, y, a.g, n)
}

// backward writes dx from dy (the rounded gradient of the MLP output).
func (m *geluMLP) backward(pol precision.Policy, a *mlpActs, dx, dy, x []float32, n int) {
	a.dg, a.dh = tensor.Grow(a.dg, len(a.g)), tensor.Grow(a.dh, len(a.h))
	m.Down.Backward(pol, a.dg, dy, a.g, n)
	nn.GELUBackward(a.dh, a.dg, a.h)
	pol.Act(a.dh)
	m.Up.Backward(pol, dx, a.dh, x, n)
}

// swiGLU is Llama's MLP (LlamaMLP): down_proj(silu(gate_proj(x)) ⊙ up_proj(x)).
type swiGLU struct {
	Gate *nn.Linear // mlp.gate_proj (I, D)
	Up   *nn.Linear // mlp.up_proj (I, D)
	Down *nn.Linear // mlp.down_proj (D, I)
}

func (m *swiGLU) forward(pol precision.Policy, a *mlpActs, y, x []float32, n int) {
	I := m.Up.Out
	a.h, a.u = tensor.Grow(a.h, n*I), tensor.Grow(a.u, n*I)
	a.g, a.prod = tensor.Grow(a.g, n*I), tensor.Grow(a.prod, n*I)
	m.Gate.Forward(pol, a.h, x, n)
	m.Up.Forward(pol, a.u, x, n)
	nn.SiLU(a.g, a.h)
	pol.Act(a.g)
	tensor.Mul(a.prod, a.g, a.u)
	pol.Act(a.prod)
	m.Down.Forward(pol, y, a.prod, n)
}

func (m *swiGLU) backward(pol precision.Policy, a *mlpActs, dx, dy, x []float32, n int) {
	D := m.Up.In
	a.dp, a.du = tensor.Grow(a.dp, len(a.prod)), tensor.Grow(a.du, len(a.u))
	a.dg, a.dh = tensor.Grow(a.dg, len(a.g)), tensor.Grow(a.dh, len(a.h))
	m.Down.Backward(pol, a.dp, dy, a.prod, n)
	tensor.Mul(a.du, a.dp, a.g) // d up = d prod ⊙ silu(gate)
	pol.Act(a.du)
	tensor.Mul(a.dg, a.dp, a.u) // d silu = d prod ⊙ up
	pol.Act(a.dg)
	nn.SiLUBackward(a.dh, a.dg, a.h)
	pol.Act(a.dh)
	a.dxa, a.dxb = tensor.Grow(a.dxa, n*D), tensor.Grow(a.dxb, n*D)
	m.Gate.Backward(pol, a.dxa, a.dh, x, n)
	m.Up.Backward(pol, a.dxb, a.du, x, n)
	tensor.Add(dx, a.dxa, a.dxb) // two fp32 input gradients meet at the fp32 norm output
}
