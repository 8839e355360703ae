// Package nntest checks hand-written Backward code against central finite
// differences (gonum diff/fd). Layers and whole models use it in their tests.
package nntest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/diff/fd"
)

// Var is one tensor to check: its values (perturbed in place during the
// check and restored) and the analytic gradient computed for them.
type Var struct {
	Name string
	X    []float32
	Grad []float32
}

// Options tune a check. Zero values pick sensible defaults.
type Options struct {
	Step     float64 // finite-difference step (default 1e-2)
	Tol      float64 // max |numeric − analytic| / max(|analytic|max, Floor) (default 1e-2)
	Floor    float64 // lower bound of the normaliser (default 1e-3)
	MaxElems int     // elements checked per Var, picked at random (default 48)
	Seed     uint64
}

// Check compares d loss / d v.X with v.Grad for every Var by central
// differences of loss, which must recompute the loss (in float64) from the
// current values. It returns an error describing the worst element of the
// first Var that fails. The loss must be smooth near the point; with float32
// arithmetic, a step of 1e-2 and tolerance of 1e-2 of the largest gradient
// catch wrong signs, factors and indices while tolerating rounding.
func Check(loss func() float64, vars []Var, o Options) error {
	if o.Step == 0 {
		o.Step = 1e-2
	}
	if o.Tol == 0 {
		o.Tol = 1e-2
	}
	if o.Floor == 0 {
		o.Floor = 1e-3
	}
	if o.MaxElems == 0 {
		o.MaxElems = 48
	}
	r := rand.New(rand.NewPCG(o.Seed, 99))
	settings := &fd.Settings{Formula: fd.Central, Step: o.Step}
	for _, v := range vars {
		if len(v.X) != len(v.Grad) {
			return fmt.Errorf("%s: %d values but %d gradients", v.Name, len(v.X), len(v.Grad))
		}
		var gmax float64
		for _, g := range v.Grad {
			gmax = math.Max(gmax, math.Abs(float64(g)))
		}
		norm := math.Max(gmax, o.Floor)
		idx := r.Perm(len(v.X))
		if len(idx) > o.MaxElems {
			idx = idx[:o.MaxElems]
		}
		for _, i := range idx {
			x0 := v.X[i]
			num := fd.Derivative(func(h float64) float64 {
				v.X[i] = float32(float64(x0) + h)
				return loss()
			}, 0, settings)
			v.X[i] = x0
			if err := math.Abs(num-float64(v.Grad[i])) / norm; err > o.Tol || math.IsNaN(num) {
				return fmt.Errorf("%s[%d]: numeric %.6g vs analytic %.6g (error %.3g of max |grad| %.3g, tolerance %.3g)",
					v.Name, i, num, v.Grad[i], err, gmax, o.Tol)
			}
		}
	}
	return nil
}

// Rand returns n standard normal float32 values times scale.
func Rand(r *rand.Rand, n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64()) * scale
	}
	return x
}

// RandIDs returns n token ids drawn uniformly from [0, vocab).
func RandIDs(r *rand.Rand, n, vocab int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = r.IntN(vocab)
	}
	return ids
}

// Dot returns Σ a·b in float64: the usual scalar "loss" L = Σ r⊙y whose
// gradient with respect to y is r.
func Dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// V builds a Var.
func V(name string, x, grad []float32) Var { return Var{Name: name, X: x, Grad: grad} }

// CheckDirection compares, for each Var, the derivative of loss along its
// analytic gradient g (a central difference with step/|g| along g) with
// |g|², within a relative tol. Summed over every element it carries far
// less float32 noise than Check where individual gradients are tiny, and it
// still fails for a wrong sign, scale or index (g_wrong·g_true ≠ |g_wrong|²).
func CheckDirection(loss func() float64, vars []Var, step, tol float64) error {
	for _, v := range vars {
		var gg float64
		for _, g := range v.Grad {
			gg += float64(g) * float64(g)
		}
		if gg == 0 {
			continue
		}
		h := step / math.Sqrt(gg)
		x0 := append([]float32(nil), v.X...)
		at := func(s float64) float64 {
			for i := range v.X {
				v.X[i] = x0[i] + float32(s*h)*v.Grad[i]
			}
			return loss()
		}
		num := (at(1) - at(-1)) / (2 * h)
		copy(v.X, x0)
		if math.Abs(num-gg) > tol*gg || math.IsNaN(num) {
			return fmt.Errorf("%s: derivative along the gradient %.6g, |grad|² %.6g (relative error %.3g, tolerance %.3g)",
				v.Name, num, gg, math.Abs(num-gg)/gg, tol)
		}
	}
	return nil
}
