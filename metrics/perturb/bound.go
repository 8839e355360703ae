package perturb

import "math"

// Bound compares a deviation series with Theorem 1's bound eps*exp(N*zeta).
// The theorem is an O(.) statement; on a finite run its content is that the
// ratio dev/bound neither grows (Excess.Rate <= 0) nor is large (C).
type Bound struct {
	Eps, Zeta float64
	Ratio     []float64 // dev[N] / (Eps*exp(N*Zeta))
	// C is max Ratio over the checked points: the smallest constant with
	// dev[N] <= C*Eps*exp(N*Zeta) on this run; ArgC is where it is attained.
	C    float64
	ArgC int
	// Excess fits log Ratio against N: its Rate is the deviation's rate
	// minus Zeta, <= 0 when the deviation decays at least as fast as the
	// bound.
	Excess Fit
}

// CheckBound checks dev (Growth.State.Max for the theorem's quantity) against
// eps*exp(N*zeta). C and Excess use the points before dev first reaches floor
// (see FitOptions.Floor): below the model's rounding noise the deviation stops
// decaying while the bound keeps shrinking, and their ratio says nothing about
// the dynamics.
func CheckBound(dev []float64, eps, zeta, floor float64) Bound {
	b := Bound{Eps: eps, Zeta: zeta, Ratio: make([]float64, len(dev)), C: math.NaN(), ArgC: -1}
	checked := len(dev)
	for n, d := range dev {
		b.Ratio[n] = d / (eps * math.Exp(float64(n)*zeta))
		if checked == len(dev) && !(d > floor) {
			checked = n
		}
	}
	for n := range checked {
		if b.ArgC < 0 || b.Ratio[n] > b.C {
			b.C, b.ArgC = b.Ratio[n], n
		}
	}
	b.Excess = FitRate(b.Ratio[:checked], FitOptions{})
	return b
}

// At returns the bound eps*exp(N*zeta) at N, for plotting beside the deviation.
func (b Bound) At(n int) float64 { return b.Eps * math.Exp(float64(n)*b.Zeta) }

// Holds reports whether the bound holds with constant cMax and the deviation
// decays no slower than the bound up to rateTol per step.
func (b Bound) Holds(cMax, rateTol float64) bool {
	return b.C <= cMax && !(b.Excess.Rate > rateTol)
}
