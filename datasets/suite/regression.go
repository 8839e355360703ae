package suite

// RegressionSet is in-context linear regression (Garg et al. 2022,
// datasets/SUITE.md): per prompt, w ~ N(0, I_d), points x_i ~ N(0, I_d),
// y_i = w . x_i.
// X[p] holds Points*Dims values (point-major), Y[p] holds Points values.
type RegressionSet struct {
	Dims, Points int
	X, Y         [][]float32
}

// Regression draws n prompts. Predicting y_i = 0 has expected squared
// error Dims (1 once divided by Dims, the usual normalisation); the least
// squares fit to the previous points reaches 0 from i = Dims on.
func Regression(dims, points, n int, r *RNG) RegressionSet {
	s := RegressionSet{Dims: dims, Points: points, X: make([][]float32, n), Y: make([][]float32, n)}
	for p := range n {
		w := make([]float64, dims)
		for i := range w {
			w[i] = r.Normal()
		}
		x := make([]float32, points*dims)
		y := make([]float32, points)
		for i := range points {
			var dot float64
			for j := range dims {
				v := r.Normal()
				x[i*dims+j] = float32(v)
				dot += v * w[j]
			}
			y[i] = float32(dot)
		}
		s.X[p], s.Y[p] = x, y
	}
	return s
}
