package optim

import (
	"fmt"
	"math"
)

// Schedule is a learning-rate schedule: linear warmup from 0 over Warmup
// steps, then Kind decay to 0 at Total steps ("cosine", "linear") or none
// ("constant"). It matches HF's get_cosine_schedule_with_warmup,
// get_linear_schedule_with_warmup and get_constant_schedule_with_warmup:
// step s (0-based) uses Peak · factor(s).
type Schedule struct {
	Kind     string
	Peak     float64
	Warmup   int
	Total    int
	MinRatio float64 // decay ends at Peak·MinRatio instead of 0 (HF's min_lr_rate)
}

// Validate reports a schedule that cannot be used.
func (s Schedule) Validate() error {
	switch s.Kind {
	case "cosine", "linear", "constant":
	default:
		return fmt.Errorf("unknown schedule %q (want cosine, linear or constant)", s.Kind)
	}
	if s.MinRatio < 0 || s.MinRatio > 1 {
		return fmt.Errorf("schedule min_lr_ratio must be in [0, 1] (have %g)", s.MinRatio)
	}
	if s.Peak <= 0 || s.Warmup < 0 || s.Total < 1 {
		return fmt.Errorf("schedule needs peak > 0, warmup >= 0 and total >= 1 (have %g, %d, %d)", s.Peak, s.Warmup, s.Total)
	}
	return nil
}

// LR returns the learning rate of step s.
func (s Schedule) LR(step int) float64 {
	if step < s.Warmup {
		return s.Peak * float64(step) / float64(max(1, s.Warmup))
	}
	progress := float64(step-s.Warmup) / float64(max(1, s.Total-s.Warmup))
	var f float64
	switch s.Kind {
	case "cosine":
		f = math.Max(0, 0.5*(1+math.Cos(math.Pi*progress)))
	case "linear":
		f = math.Max(0, float64(s.Total-step)/float64(max(1, s.Total-s.Warmup)))
	default:
		return s.Peak
	}
	return s.Peak * (f*(1-s.MinRatio) + s.MinRatio)
}
