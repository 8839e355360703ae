package transformer

import (
	"math"

	"github.com/ssmlab/ssmlab/models/precision"
)

// Rotary is the rotary position embedding in HF's rotate_half convention
// (LlamaRotaryEmbedding + apply_rotary_pos_emb; GPT-NeoX reuses both). The
// first R entries of a head vector are two halves x1, x2 of R/2; pair i is
// rotated by the angle pos·InvFreq[i]:
//
//	out[i]     = x1[i]·cos − x2[i]·sin
//	out[i+R/2] = x2[i]·cos + x1[i]·sin
//
// and entries R.. pass unchanged (GPT-NeoX's partial rotary). The backward
// of a rotation is the rotation by −angle.
type Rotary struct {
	R       int       // rotary dims per head (even)
	InvFreq []float32 // (R/2) 1/θ^(2i/R), in float32 as HF computes it

	cos, sin []float32 // (P, R/2) tables for positions 0..P−1
}

// NewRotary returns the default ("rope_type": "default") rotary embedding
// on r dims with base theta.
func NewRotary(r int, theta float64) *Rotary {
	inv := make([]float32, r/2)
	for i := range inv {
		e := float32(2*i) / float32(r) // HF: arange(0, R, 2).float() / R in fp32
		inv[i] = float32(1 / float64(float32(math.Pow(theta, float64(e)))))
	}
	return &Rotary{R: r, InvFreq: inv}
}

// ensure tabulates cos and sin for positions below n. HF computes the angle
// in fp32 (inv_freq @ position_ids with autocast off), then cos and sin.
func (r *Rotary) ensure(n int) {
	h := r.R / 2
	for p := len(r.cos) / max(h, 1); p < n && h > 0; p++ {
		for _, f := range r.InvFreq {
			a := f * float32(p)
			r.cos = append(r.cos, float32(math.Cos(float64(a))))
			r.sin = append(r.sin, float32(math.Sin(float64(a))))
		}
	}
}

// Apply rotates the first R entries of each of the T rows of x (T × hd),
// row t sitting at position off+t. With inverse it applies the transposed
// rotation (the backward). Under a -pure policy cos/sin and the result are
// rounded to the 16-bit type, as in a model cast to half.
func (r *Rotary) Apply(pol precision.Policy, x []float32, T, hd, off int, inverse bool) {
	if r.R == 0 {
		return
	}
	r.ensure(off + T)
	h := r.R / 2
	pure := pol.PureWeights && pol.Half()
	for t := 0; t < T; t++ {
		row := x[t*hd : t*hd+r.R]
		cs, sn := r.cos[(off+t)*h:(off+t+1)*h], r.sin[(off+t)*h:(off+t+1)*h]
		for i := 0; i < h; i++ {
			c, s := cs[i], sn[i]
			if pure {
				c, s = pol.Compute.Round(c), pol.Compute.Round(s)
			}
			if inverse {
				s = -s
			}
			x1, x2 := row[i], row[i+h]
			row[i], row[i+h] = x1*c-x2*s, x2*c+x1*s
		}
		if pure {
			pol.Act(row)
		}
	}
}
