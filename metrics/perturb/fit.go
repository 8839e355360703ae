package perturb

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// FitOptions selects the points of a deviation series that FitRate uses.
type FitOptions struct {
	From int // first index fitted (e.g. skip a transient while modes separate)
	// Floor ends the fit before the first value <= Floor: an exact zero
	// (underflow), or the rounding noise of the model's arithmetic (about
	// 1e-7 times the state's size for float32), below which the deviation
	// no longer decays and would bias the slope towards 0. Zero means stop
	// at exact zeros only.
	Floor float64
	// Ceiling ends the fit before the first value > Ceiling: a growing
	// deviation that has saturated at the attractor's size. Zero means none.
	Ceiling float64
}

// Fit is a least-squares line through log d[N] against N.
type Fit struct {
	Rate      float64 // slope: the exponential rate per step (NaN with fewer than 2 points)
	Intercept float64 // log d at N = 0 on the line
	From, To  int     // the points used are N = From..To-1
}

// Points is the number of points fitted.
func (f Fit) Points() int { return f.To - f.From }

// FitRate fits log d[N] = Intercept + Rate*N by least squares over N = From,
// From+1, ..., stopping before the first value that is not finite, <= Floor
// or > Ceiling. Stopping, rather than skipping such values, keeps a deviation
// that has hit the noise floor from re-entering the fit at noise level.
func FitRate(d []float64, opt FitOptions) Fit {
	from := max(opt.From, 0)
	to := from
	for to < len(d) {
		v := d[to]
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= opt.Floor || (opt.Ceiling > 0 && v > opt.Ceiling) {
			break
		}
		to++
	}
	f := Fit{Rate: math.NaN(), Intercept: math.NaN(), From: from, To: to}
	if to-from < 2 {
		return f
	}
	xs, ys := make([]float64, to-from), make([]float64, to-from)
	for i := range xs {
		xs[i], ys[i] = float64(from+i), math.Log(d[from+i])
	}
	f.Intercept, f.Rate = stat.LinearRegression(xs, ys, nil, false)
	return f
}
