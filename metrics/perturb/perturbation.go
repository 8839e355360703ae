package perturb

import (
	"fmt"
	"math/rand/v2"
)

// Kind says how a perturbation of size eps is spread over coordinates.
type Kind uint8

const (
	// Constant adds +eps to every coordinate: the literal (x + eps, u + eps)
	// of Theorem 1.
	Constant Kind = iota
	// RandomSign adds +eps or -eps to each coordinate independently (seeded),
	// the pattern rounding errors make. Either way max|delta| = eps.
	RandomSign
)

// Unit roundoffs (half the distance from 1 to the next float): fp16 has an
// 11-bit significand, bf16 an 8-bit one. An absolute perturbation of this size
// is what one rounding does to a value of magnitude about 1.
const (
	FP16Roundoff = 0x1p-11 // 4.88e-4
	BF16Roundoff = 0x1p-8  // 3.91e-3
)

// Preset is a named perturbation size.
type Preset struct {
	Name string
	Eps  float64
}

// Presets are the sizes the Lyapunov experiment sweeps: one fp16 or bf16
// rounding, and two larger ones.
var Presets = []Preset{{"fp16", FP16Roundoff}, {"bf16", BF16Roundoff}, {"1e-2", 1e-2}, {"1e-1", 1e-1}}

// Perturbation says what is perturbed, when and by how much. At is t0: the
// reference and the perturbed run share steps 0..At-1; then the state x_At
// gets StateEps and the input u_At gets InputEps (and every later input too
// with InputAll). With only u_At perturbed a contracting system forgets the
// perturbation; with every input perturbed the deviation settles at O(eps)
// instead of decaying ("at worst bounded").
type Perturbation struct {
	StateEps float64
	InputEps float64
	At       int
	InputAll bool
	Kind     Kind
	Seed     uint64 // for RandomSign
}

// Theorem returns the perturbation of Theorem 1: state and first input, both
// by eps, at t0 = at.
func Theorem(eps float64, at int) Perturbation {
	return Perturbation{StateEps: eps, InputEps: eps, At: at}
}

// signs draws the perturbation's sign patterns.
type signs struct {
	kind Kind
	rng  *rand.Rand
}

func (p Perturbation) signs() *signs {
	return &signs{kind: p.Kind, rng: rand.New(rand.NewPCG(p.Seed, 0x5eed))}
}

// addTo sets dst = x + eps*s with s a fresh sign pattern.
func (s *signs) addTo(dst, x []float64, eps float64) {
	for i, v := range x {
		d := eps
		if s.kind == RandomSign && s.rng.IntN(2) == 0 {
			d = -eps
		}
		dst[i] = v + d
	}
}

func (p Perturbation) check(steps int) error {
	switch {
	case p.At < 0 || p.At >= steps:
		return fmt.Errorf("perturb: perturbation at step %d of a %d-step sequence; use 0..%d", p.At, steps, steps-1)
	case p.StateEps < 0 || p.InputEps < 0:
		return fmt.Errorf("perturb: perturbation sizes must be >= 0, have state %g, input %g", p.StateEps, p.InputEps)
	case p.Kind > RandomSign:
		return fmt.Errorf("perturb: unknown perturbation kind %d", p.Kind)
	}
	return nil
}
