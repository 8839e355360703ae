package nn

import (
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Conv1d is the depthwise causal convolution of the Mamba block: PyTorch
// Conv1d(E, E, K, groups=E, padding=K−1) truncated to the first L outputs.
// PyTorch convolutions are cross-correlations, so
//
//	y[b,t,e] = bias[e] + Σ_k w[e,k] · x[b, t−(K−1)+k, e],  x[<0] = 0,
//
// and w[e, K−1] multiplies the current token (anchors A.1 step 2). Tensors
// are (B, L, E), channel last.
type Conv1d struct {
	W    *Param // (E, 1, K)
	B    *Param // (E), nil without bias
	E, K int

	xq, wq []float32
}

// NewConv1d allocates a zero depthwise conv with name+".weight" and name+".bias".
func NewConv1d(name string, e, k int, bias bool) *Conv1d {
	c := &Conv1d{W: NewParam(name+".weight", false, e, 1, k), E: e, K: k}
	if bias {
		c.B = NewParam(name+".bias", true, e)
	}
	return c
}

func (c *Conv1d) operands(pol precision.Policy, x []float32) (xq, wq []float32) {
	if !pol.Half() {
		return x, c.W.Value.Data
	}
	c.xq = tensor.Grow(c.xq, len(x))
	copy(c.xq, x)
	pol.Act(c.xq)
	c.wq = tensor.Grow(c.wq, len(c.W.Value.Data))
	copy(c.wq, c.W.Value.Data)
	pol.Act(c.wq)
	return c.xq, c.wq
}

// Forward writes y (B, L, E) from x (B, L, E).
func (c *Conv1d) Forward(pol precision.Policy, y, x []float32, batch, length int) {
	xq, w := c.operands(pol, x)
	E, K := c.E, c.K
	tensor.Parallel(batch*length, 16, func(lo, hi int) {
		for bt := lo; bt < hi; bt++ {
			t := bt % length
			yr := y[bt*E : (bt+1)*E]
			if c.B != nil {
				for e, b := range c.B.Value.Data {
					yr[e] = pol.Compute.Round(b)
				}
			} else {
				clear(yr)
			}
			for k := 0; k < K; k++ {
				s := t - (K - 1) + k
				if s < 0 {
					continue
				}
				xr := xq[(bt-t+s)*E : (bt-t+s+1)*E]
				for e := range yr {
					yr[e] += w[e*K+k] * xr[e]
				}
			}
			pol.Act(yr)
		}
	})
}

// Backward writes dx (B, L, E) and accumulates dw and db.
func (c *Conv1d) Backward(pol precision.Policy, dx, dy, x []float32, batch, length int) {
	xq, w := c.operands(pol, x)
	E, K := c.E, c.K
	if gw := c.W.G(); gw != nil {
		acc := make([]float32, E*K)
		for bt := 0; bt < batch*length; bt++ {
			t := bt % length
			dyr := dy[bt*E : (bt+1)*E]
			for k := 0; k < K; k++ {
				s := t - (K - 1) + k
				if s < 0 {
					continue
				}
				xr := xq[(bt-t+s)*E : (bt-t+s+1)*E]
				for e, g := range dyr {
					acc[e*K+k] += g * xr[e]
				}
			}
		}
		pol.Act(acc)
		tensor.AddTo(gw, acc)
	}
	if gb := c.B.G(); gb != nil {
		acc := make([]float32, E)
		for bt := 0; bt < batch*length; bt++ {
			tensor.AddTo(acc, dy[bt*E:(bt+1)*E])
		}
		pol.Act(acc)
		tensor.AddTo(gb, acc)
	}
	if dx == nil {
		return
	}
	tensor.Parallel(batch*length, 16, func(lo, hi int) {
		for bs := lo; bs < hi; bs++ { // dx at source position s gathers from outputs t = s+(K−1)−k
			s := bs % length
			dxr := dx[bs*E : (bs+1)*E]
			clear(dxr)
			for k := 0; k < K; k++ {
				t := s + (K - 1) - k
				if t >= length {
					continue
				}
				dyr := dy[(bs-s+t)*E : (bs-s+t+1)*E]
				for e := range dxr {
					dxr[e] += w[e*K+k] * dyr[e]
				}
			}
			pol.Act(dxr)
		}
	})
}
