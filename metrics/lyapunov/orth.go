package lyapunov

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// orthonormalize is a thin QR factorisation in place: q holds k vectors of n
// values back to back (the columns of an n x k matrix M); it is replaced by
// the columns of Q with M = Q R, and log|R_jj| is written to logR[j].
//
// Modified Gram-Schmidt applied twice ("twice is enough") keeps Q orthonormal
// to rounding even for nearly dependent columns, and touches only n*k values:
// gonum's mat.QR would form the full n x n Q, too large for a model's stacked
// state. A column that is exactly zero after projection (a direction the map
// annihilates, such as a conv shift register after K-1 steps) gives log|R_jj|
// = -Inf and stays zero.
func orthonormalize(q []float64, n int, logR []float64) {
	k := len(q) / n
	for j := range k {
		v := q[j*n : (j+1)*n]
		for range 2 {
			for i := range j {
				qi := q[i*n : (i+1)*n]
				floats.AddScaled(v, -floats.Dot(qi, v), qi)
			}
		}
		r := floats.Norm(v, 2)
		logR[j] = math.Log(r)
		if r > 0 {
			floats.Scale(1/r, v)
		}
	}
}
