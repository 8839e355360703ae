package nn

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Conv1d is the depthwise causal convolution of the Mamba block: PyTorch
// Conv1d(E, E, K, groups=E, padding=K−1) truncated to the first L outputs.
// PyTorch convolutions are cross-correlations, so
//
//	y[b,t,e] = bias[e] + Σ_k w[e,k] · x[b, t−(K−1)+k, e],  x[<0] = 0,
//
// and w[e, K−1] multiplies the current token (docs/models.md, Mamba step 2). Tensors
// are (B, L, E), channel last.
type Conv1d struct {
	W    *Param // (E, 1, K)
	B    *Param // (E), nil without bias
	E, K int
	// InputRounded says the input is a 16-bit tensor already under a 16-bit
	// policy (in Mamba it is in_proj's output, which nn.Linear rounds), so
	// the conv reads it in place rather than through a rounded copy: the
	// same values, since rounding is idempotent, without a pass over it.
	InputRounded bool

	wT, bq  []float32 // weights as (K, E) and the bias, on the compute grid
	pw, pb  []float32 // per-sequence partial dW (B, K, E) and db (B, E)
	acc, ab []float32 // their sums (E, K) and (E)
}

// NewConv1d allocates a zero depthwise conv with name+".weight" and name+".bias".
func NewConv1d(name string, e, k int, bias bool) *Conv1d {
	c := &Conv1d{W: NewParam(name+".weight", false, e, 1, k), E: e, K: k}
	if bias {
		c.B = NewParam(name+".bias", true, e)
	}
	return c
}

func (c *Conv1d) operands(pol precision.Policy, x []float32) (xq, wq []float32, xb, wb *[]float32) {
	if !pol.Half() {
		return x, c.W.Value.Data, nil, nil
	}
	xq, xb = Rounded(pol, x)
	wq, wb = Rounded(pol, c.W.Value.Data)
	return xq, wq, xb, wb
}

// transposed sets c.wT to w (E, K) as (K, E) and c.bq to the bias on the
// compute grid (zeros without bias), as the kern kernels take them.
func (c *Conv1d) transposed(pol precision.Policy, w []float32) {
	E, K := c.E, c.K
	c.wT, c.bq = tensor.Grow(c.wT, K*E), tensor.Grow(c.bq, E)
	for e := 0; e < E; e++ {
		for k := 0; k < K; k++ {
			c.wT[k*E+e] = w[e*K+k]
		}
	}
	clear(c.bq)
	if c.B != nil {
		copy(c.bq, c.B.Value.Data)
		pol.Act(c.bq)
	}
}

// Forward writes y (B, L, E) from x (B, L, E), sequences in parallel
// (kern.ConvFwd: vectorised over channels).
func (c *Conv1d) Forward(pol precision.Policy, y, x []float32, batch, length int) {
	c.ForwardStrided(pol, y, x, c.E, batch, length)
}

// ForwardStrided is Forward with x's rows xs ≥ E apart, so x may be the
// first E columns of a wider tensor (Mamba's in_proj output x | z).
func (c *Conv1d) ForwardStrided(pol precision.Policy, y, x []float32, xs, batch, length int) {
	xq, xsq, w, xb, wb := c.stridedOperands(pol, x, xs, batch*length)
	defer release(xb, wb)
	c.transposed(pol, w)
	E, K, n := c.E, c.K, length*c.E
	tensor.Parallel(batch, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			kern.ConvFwd(y[b*n:(b+1)*n], xq[b*length*xsq:], xsq, c.wT, c.bq, length, E, K)
			pol.Act(y[b*n : (b+1)*n])
		}
	})
}

// stridedOperands returns x and W as the conv sees them: under a 16-bit
// policy rounded copies (x gathered to rows of E), else the originals.
func (c *Conv1d) stridedOperands(pol precision.Policy, x []float32, xs, rows int) (xq []float32, xsq int, wq []float32, xb, wb *[]float32) {
	if !pol.Half() {
		return x, xs, c.W.Value.Data, nil, nil
	}
	if c.InputRounded {
		wq, wb = Rounded(pol, c.W.Value.Data)
		return x, xs, wq, nil, wb
	}
	xb = HalfBufs.Get()
	xq = scratch.Float32s(xb, rows*c.E)
	tensor.Parallel(rows, rowGrain(c.E), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			pol.ActTo(xq[r*c.E:(r+1)*c.E], x[r*xs:r*xs+c.E])
		}
	})
	wq, wb = Rounded(pol, c.W.Value.Data)
	return xq, c.E, wq, xb, wb
}

// Backward writes dx (B, L, E) and accumulates dw and db. The parameter
// gradients sum per sequence (in parallel), then over sequences in order,
// so they do not depend on GOMAXPROCS.
func (c *Conv1d) Backward(pol precision.Policy, dx, dy, x []float32, batch, length int) {
	c.BackwardStrided(pol, dx, c.E, dy, x, c.E, batch, length)
}

// BackwardStrided is Backward with dx's rows dxs apart and x's rows xs
// apart (each ≥ E); dy is (B, L, E).
func (c *Conv1d) BackwardStrided(pol precision.Policy, dx []float32, dxs int, dy, x []float32, xs, batch, length int) {
	xq, xsq, w, xb, wb := c.stridedOperands(pol, x, xs, batch*length)
	defer release(xb, wb)
	c.transposed(pol, w)
	E, K, n := c.E, c.K, length*c.E
	gw, gb := c.W.G(), c.B.G()
	if gw != nil || gb != nil {
		c.pw, c.pb = tensor.Grow(c.pw, batch*K*E), tensor.Grow(c.pb, batch*E)
		clear(c.pw)
		clear(c.pb)
	}
	tensor.Parallel(batch, 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			if gw != nil || gb != nil {
				kern.ConvBwdWeight(c.pw[b*K*E:(b+1)*K*E], c.pb[b*E:(b+1)*E], dy[b*n:(b+1)*n], xq[b*length*xsq:], xsq, length, E, K)
			}
			if dx != nil {
				d := dx[b*length*dxs:]
				kern.ConvBwdData(d, dxs, dy[b*n:(b+1)*n], c.wT, length, E, K)
				for t := 0; pol.Half() && t < length; t++ {
					pol.Act(d[t*dxs : t*dxs+E])
				}
			}
		}
	})
	if gw != nil {
		c.acc = tensor.Grow(c.acc, E*K)
		clear(c.acc)
		for b := 0; b < batch; b++ {
			for k := 0; k < K; k++ {
				for e, v := range c.pw[(b*K+k)*E : (b*K+k+1)*E] {
					c.acc[e*K+k] += v
				}
			}
		}
		pol.Act(c.acc)
		tensor.AddTo(gw, c.acc)
	}
	if gb != nil {
		c.ab = tensor.Grow(c.ab, E)
		clear(c.ab)
		for b := 0; b < batch; b++ {
			tensor.AddTo(c.ab, c.pb[b*E:(b+1)*E])
		}
		pol.Act(c.ab)
		tensor.AddTo(gb, c.ab)
	}
}

// forwardRef is the plain loop that defines Forward (tests compare them).
func (c *Conv1d) forwardRef(pol precision.Policy, y, x []float32, batch, length int) {
	xq, w, xb, wb := c.operands(pol, x)
	defer release(xb, wb)
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

// backwardRef is the plain loop that defines Backward.
func (c *Conv1d) backwardRef(pol precision.Policy, dx, dy, x []float32, batch, length int) {
	xq, w, xb, wb := c.operands(pol, x)
	defer release(xb, wb)
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
