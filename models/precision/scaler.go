package precision

import (
	"math"
	"runtime"
	"sync/atomic"

	"github.com/ssmlab/ssmlab/models/internal/workers"
)

// LossScaler is dynamic loss scaling with PyTorch GradScaler semantics:
// the loss is multiplied by Scale before backward; after backward the
// gradients are unscaled; if any is Inf or NaN the optimizer step is skipped
// and Scale is multiplied by Backoff, otherwise after GrowthInterval
// consecutive good steps Scale is multiplied by Growth.
//
// The fields are exported so checkpoints can save and restore them exactly.
type LossScaler struct {
	Enabled        bool
	Scale          float64 // current scale; init 2^16
	Growth         float64 // 2
	Backoff        float64 // 0.5
	GrowthInterval int     // 2000
	GoodSteps      int     // consecutive finite steps since the last change
	Skipped        int     // total skipped steps (for logs)
}

// NewLossScaler returns a scaler with PyTorch's defaults. A disabled scaler
// has Scale 1 and never skips.
func NewLossScaler(enabled bool) *LossScaler {
	s := &LossScaler{Enabled: enabled, Scale: 1, Growth: 2, Backoff: 0.5, GrowthInterval: 2000}
	if enabled {
		s.Scale = 65536
	}
	return s
}

// LossScale returns the factor to multiply the loss (or the loss gradient) by.
func (s *LossScaler) LossScale() float32 {
	if !s.Enabled {
		return 1
	}
	return float32(s.Scale)
}

// Unscale divides every gradient by the scale in place and reports whether
// any gradient is Inf or NaN (checked after unscaling, as GradScaler does).
// A disabled scaler (scale 1) only checks. Large gradient sets are split
// into chunks over GOMAXPROCS goroutines: at 160M parameters a serial pass
// costs as much as a tenth of a 16-thread training step. The result does
// not depend on the split (each value is scaled alone).
func (s *LossScaler) Unscale(grads [][]float32) (foundInf bool) {
	inv := float32(1)
	if s.Enabled {
		inv = float32(1 / s.Scale)
	}
	const chunk = 1 << 16
	var chunks [][]float32
	for _, g := range grads {
		for lo := 0; lo < len(g); lo += chunk {
			chunks = append(chunks, g[lo:min(len(g), lo+chunk)])
		}
	}
	shares := min(runtime.GOMAXPROCS(0), len(chunks))
	if shares <= 1 {
		for _, c := range chunks {
			foundInf = unscale(c, inv) || foundInf
		}
		return foundInf
	}
	var next atomic.Int64
	var found atomic.Bool
	workers.Run(shares, func(int) {
		for i := int(next.Add(1) - 1); i < len(chunks); i = int(next.Add(1) - 1) {
			if unscale(chunks[i], inv) {
				found.Store(true)
			}
		}
	})
	return found.Load()
}

// unscale multiplies g by inv in place (only reads it when inv is 1) and
// reports whether a value is Inf or NaN.
func unscale(g []float32, inv float32) (foundInf bool) {
	if inv == 1 {
		for _, v := range g {
			if math.Float32bits(v)&0x7F800000 == 0x7F800000 {
				return true
			}
		}
		return false
	}
	for i, v := range g {
		v *= inv
		g[i] = v
		if math.Float32bits(v)&0x7F800000 == 0x7F800000 {
			foundInf = true
		}
	}
	return foundInf
}

// Update records the outcome of one step and reports whether the optimizer
// step must be skipped. A disabled scaler, like GradScaler(enabled=False),
// never skips.
func (s *LossScaler) Update(foundInf bool) (skip bool) {
	if !s.Enabled {
		return false
	}
	if foundInf {
		s.Scale *= s.Backoff
		s.GoodSteps = 0
		s.Skipped++
		return true
	}
	s.GoodSteps++
	if s.GoodSteps == s.GrowthInterval {
		s.Scale *= s.Growth
		s.GoodSteps = 0
	}
	return false
}
