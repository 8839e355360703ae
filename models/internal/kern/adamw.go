package kern

import "math"

// AdamW applies the element update of torch.optim.AdamW (after the weight
// decay) to w with gradient g and moments m, v:
//
//	m += w1·(g − m);  v = v·b2 + w2·g·g;  w −= stepSize·m / (√v/bc2sqrt + eps)
//
// with w1 = 1 − β1, w2 = 1 − β2, stepSize = lr/(1 − β1ᵗ), bc2sqrt =
// √(1 − β2ᵗ). The vector loop rounds every operation as this Go loop does,
// so both give the same bits.
func AdamW(w, g, m, v []float32, w1, b2, w2, bc2sqrt, eps, stepSize float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	n := 0
	if useAsm {
		n = len(w) &^ 7
		if n > 0 {
			c := [6]float32{w1, b2, w2, bc2sqrt, eps, stepSize}
			adamwAVX(&w[0], &g[0], &m[0], &v[0], n, &c)
		}
	}
	for j := n; j < len(w); j++ {
		gj := g[j]
		m[j] += w1 * (gj - m[j])
		v[j] = v[j]*b2 + w2*gj*gj
		denom := float32(math.Sqrt(float64(v[j])))/bc2sqrt + eps
		w[j] -= stepSize * m[j] / denom
	}
}
