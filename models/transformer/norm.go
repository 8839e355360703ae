package transformer

import "github.com/ssmlab/ssmlab/models/nn"

// Norm is the normalisation of a Llama-style stack: RMSNorm with a weight
// (Llama), or LayerNorm with neither weight nor bias (OLMo v1's
// OlmoLayerNorm: F.layer_norm(x, None, None, eps=1e-5) in float32). The
// parameter-free form holds an nn.LayerNorm whose weight 1 and bias 0 are
// frozen and never listed, so Backward computes dx only.
type Norm struct {
	RMS *nn.RMSNorm   // Llama; nil for OLMo
	LN  *nn.LayerNorm // OLMo; nil for Llama
}

func newNorm(name string, d int, eps float32, paramFree bool) *Norm {
	if !paramFree {
		return &Norm{RMS: nn.NewRMSNorm(name, d, eps)}
	}
	ln := nn.NewLayerNorm(name, d, eps)
	ln.W.Freeze()
	ln.B.Freeze()
	return &Norm{LN: ln}
}

// Forward writes y (n, D) and the row statistics Backward needs: rstd (n),
// and mean (n) for the LayerNorm.
func (q *Norm) Forward(y, mean, rstd, x []float32, n int) {
	if q.RMS != nil {
		q.RMS.Forward(y, rstd, x, n)
		return
	}
	q.LN.Forward(y, mean, rstd, x, n)
}

// Backward writes dx and accumulates the RMSNorm weight's gradient.
func (q *Norm) Backward(dx, dy, x, mean, rstd []float32, n int) {
	if q.RMS != nil {
		q.RMS.Backward(dx, dy, x, rstd, n)
		return
	}
	q.LN.Backward(dx, dy, x, mean, rstd, n)
}

// Params is the RMSNorm weight, or nothing.
func (q *Norm) Params() []*nn.Param {
	if q.RMS != nil {
		return []*nn.Param{q.RMS.W}
	}
	return nil
}

// Dim is the normalised width D.
func (q *Norm) Dim() int {
	if q.RMS != nil {
		return q.RMS.D
	}
	return q.LN.D
}
