package lora

import (
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Embedding is the adapter of one nn.Embedding, in PEFT's convention:
// out[i] += scale · B·A[:, id_i], A of shape (r, V) ("lora_embedding_A"),
// B of shape (D, r) ("lora_embedding_B"). Merged, W[v] += scale·(B·A)ᵀ[v].
type Embedding struct {
	Base   *nn.Embedding
	A      *nn.Param // (r, V)
	B      *nn.Param // (D, r)
	R      int
	Scale  float32
	Merged bool

	after, bq, prod, g []float32 // scratch
	gt                 []float32
}

// gather writes after (n x r): the columns of A picked by ids, rounded as
// the input of PEFT's half matmul `after_A @ lora_embedding_B.T`.
func (e *Embedding) gather(pol precision.Policy, ids []int) {
	r, V := e.R, e.Base.V
	e.after = tensor.Grow(e.after, len(ids)*r)
	a := e.A.Value.Data
	for i, id := range ids {
		for k := 0; k < r; k++ {
			e.after[i*r+k] = pol.Compute.Round(a[k*V+id])
		}
	}
}

// AdapterForward implements nn.EmbeddingAdapter. The embedding output is
// fp32, so the half adapter term is added without rounding the sum.
func (e *Embedding) AdapterForward(pol precision.Policy, out []float32, ids []int) {
	if e.Merged {
		return
	}
	n, D := len(ids), e.Base.D
	e.gather(pol, ids)
	e.bq = rounded(pol, e.bq, e.B.Value.Data)
	e.prod = tensor.Grow(e.prod, n*D)
	tensor.MatMulT(e.prod, e.after, e.bq, n, e.R, D, false)
	pol.Act(e.prod)
	for i, v := range e.prod {
		out[i] += pol.Compute.Round(e.Scale * v)
	}
}

// AdapterBackward implements nn.EmbeddingAdapter: with g = scale·dout
// (rounded as the gradient of a half tensor), dB += gᵀ·after and
// dA[:, id_i] += (g·B)[i].
func (e *Embedding) AdapterBackward(pol precision.Policy, dout []float32, ids []int) {
	if e.Merged {
		return
	}
	n, D, r, V := len(ids), e.Base.D, e.R, e.Base.V
	e.gather(pol, ids)
	e.bq = rounded(pol, e.bq, e.B.Value.Data)
	e.g = tensor.Grow(e.g, n*D)
	for i, v := range dout[:n*D] {
		e.g[i] = pol.Compute.Round(e.Scale * pol.Compute.Round(v))
	}
	if gB := e.B.G(); gB != nil {
		e.gt = tensor.Grow(e.gt, len(gB))
		tensor.Gemm(true, false, D, r, n, 1, e.g, e.after, 0, e.gt)
		gradInto(pol, gB, e.gt)
	}
	if ga := e.A.G(); ga != nil {
		dafter := make([]float32, n*r)
		tensor.Gemm(false, false, n, r, D, 1, e.g, e.bq, 0, dafter)
		pol.Act(dafter)
		for i, id := range ids {
			for k := 0; k < r; k++ {
				ga[k*V+id] += dafter[i*r+k]
			}
		}
	}
}

// AdapterParams implements nn.EmbeddingAdapter.
func (e *Embedding) AdapterParams() []*nn.Param { return []*nn.Param{e.A, e.B} }

// delta returns scale·(B·A)ᵀ (V x D), the update merging adds to W.
func (e *Embedding) delta() []float32 {
	V, D, r := e.Base.V, e.Base.D, e.R
	a, b := e.A.Value.Data, e.B.Value.Data
	d := make([]float32, V*D)
	for v := 0; v < V; v++ {
		for j := 0; j < D; j++ {
			var s float64
			for k := 0; k < r; k++ {
				s += float64(b[j*r+k]) * float64(a[k*V+v])
			}
			d[v*D+j] = float32(float64(e.Scale) * s)
		}
	}
	return d
}

// rounded copies src into buf (grown as needed) on pol's compute grid.
func rounded(pol precision.Policy, buf, src []float32) []float32 {
	buf = tensor.Grow(buf, len(src))
	pol.ActTo(buf, src)
	return buf
}
