package lm

import (
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Block is one pre-norm residual block: x ← x + Mixer(Norm(x)).
type Block struct {
	Norm  *nn.RMSNorm
	Mixer Mixer
}

// Stack runs the blocks of a Mamba-style model (Mamba, hybrid stacks) and
// keeps what their backward needs. The residual stream stays fp32
// (residual_in_fp32); each mixer output joins it as the 16-bit tensor its
// out_proj made, and its gradient is rounded likewise. The zero value is
// ready; buffers are reused across calls.
type Stack struct {
	res          [][]float32 // len(blocks)+1 residual streams (B, T, D)
	normed, rstd [][]float32 // per block: the mixer input (B, T, D) and its rstd (B·T)
	mix          []float32   // a mixer output
	dtmp, dn     []float32   // Backward scratch
	n, d         int
}

// Input sizes the stack for L blocks over n rows of width d and returns
// the first residual stream, for the caller to fill with the embeddings.
func (s *Stack) Input(L, n, d int) []float32 {
	if len(s.res) != L+1 {
		s.res, s.normed, s.rstd = make([][]float32, L+1), make([][]float32, L), make([][]float32, L)
	}
	for i := range s.res {
		s.res[i] = tensor.Grow(s.res[i], n*d)
	}
	s.n, s.d = n, d
	return s.res[0]
}

// Forward runs the blocks over the stream Input returned (B·T = n rows) and
// returns the last residual stream; it belongs to the stack.
func (s *Stack) Forward(pol precision.Policy, blocks []Block, B, T int) []float32 {
	n, d := s.n, s.d
	s.mix = tensor.Grow(s.mix, n*d)
	for i, b := range blocks {
		s.normed[i], s.rstd[i] = tensor.Grow(s.normed[i], n*d), tensor.Grow(s.rstd[i], n)
		b.Norm.Forward(s.normed[i], s.rstd[i], s.res[i], n)
		b.Mixer.Forward(pol, s.mix, s.normed[i], B, T)
		tensor.Add(s.res[i+1], s.res[i], s.mix)
	}
	return s.res[len(blocks)]
}

// Backward turns dres, the gradient of the last residual stream, into the
// gradient of the first, in place, accumulating every block's parameter
// gradients. It follows the Forward it differentiates.
func (s *Stack) Backward(pol precision.Policy, blocks []Block, dres []float32) {
	n := s.n
	s.dtmp, s.dn = tensor.Grow(s.dtmp, n*s.d), tensor.Grow(s.dn, n*s.d)
	for i := len(blocks) - 1; i >= 0; i-- {
		b := blocks[i]
		copy(s.dtmp, dres) // the mixer output was a half tensor: so is its gradient
		pol.Act(s.dtmp)
		b.Mixer.Backward(pol, s.dn, s.dtmp)
		b.Norm.Backward(s.dtmp, s.dn, s.res[i], s.rstd[i], n)
		tensor.AddTo(dres, s.dtmp)
	}
}

// Residual returns residual stream i of the last Forward (0: the
// embeddings; i: the output of block i−1).
func (s *Stack) Residual(i int) []float32 { return s.res[i] }

// Normed returns block i's mixer input of the last Forward.
func (s *Stack) Normed(i int) []float32 { return s.normed[i] }
