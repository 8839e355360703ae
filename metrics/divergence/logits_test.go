package divergence

import (
	"math"
	"testing"
)

func TestCompareLogitsHandComputed(t *testing.T) {
	ln2 := float32(math.Ln2)
	a := float64(ln2) // ln 2 rounded to float32
	inf := float32(math.Inf(1))
	cases := []struct {
		name       string
		ref, other []float32
		vocab      int
		want       LogitStats
	}{
		{"identical", []float32{1, 2, 3}, []float32{1, 2, 3}, 3, LogitStats{Positions: 1}},
		// Uniform p against q = (e^a, 1, 1)/(e^a + 2): KL = log((e^a+2)/3) - a/3,
		// which is (1/3) log(32/27) for a = ln 2. The tie in ref resolves to
		// the first index, as torch.argmax does.
		{"uniform vs doubled", []float32{0, 0, 0}, []float32{ln2, 0, 0}, 3,
			LogitStats{1, a, math.Log((math.Exp(a)+2)/3) - a/3, math.Log((math.Exp(a)+2)/3) - a/3, 0}},
		// Swapped pair: KL = (p1 - p2)(log p1 - log p2) = tanh(1/2); a flip.
		{"swapped", []float32{1, 0}, []float32{0, 1}, 2, LogitStats{1, 1, math.Tanh(0.5), math.Tanh(0.5), 1}},
		// A shift changes no probability.
		{"shifted", []float32{1, -2, 0.5}, []float32{6, 3, 5.5}, 3, LogitStats{1, 5, 0, 0, 0}},
		// Two positions, one flipped: mean of 0 and tanh(1/2).
		{"two rows", []float32{1, 0, 3, 3}, []float32{0, 1, 3, 3}, 2, LogitStats{2, 1, math.Tanh(0.5) / 2, math.Tanh(0.5), 0.5}},
		// Large logits stay finite: p = q = (1, 0) to rounding.
		{"large", []float32{1000, 0}, []float32{1001, 1}, 2, LogitStats{1, 1, 0, 0, 0}},
		// fp16 overflow to Inf in the other precision.
		{"overflow", []float32{1, 0}, []float32{inf, 0}, 2, LogitStats{1, math.Inf(1), math.NaN(), math.NaN(), 0}},
	}
	for _, c := range cases {
		got := CompareLogits(c.ref, c.other, c.vocab)
		if got.Positions != c.want.Positions || !same(got.MaxAbsDiff, c.want.MaxAbsDiff) || !same(got.MeanKL, c.want.MeanKL) ||
			!same(got.MaxKL, c.want.MaxKL) || got.FlipRate != c.want.FlipRate {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestLogitsAccumulatesAcrossBatches(t *testing.T) {
	ref := []float32{1, 0, 3, 3, 0.5, 0.25}
	other := []float32{0, 1, 3, 3, 0.5, 0.5}
	var l Logits
	l.Add(ref[:2], other[:2], 2)
	l.Add(ref[2:], other[2:], 2)
	if got, want := l.Stats(), CompareLogits(ref, other, 2); got != want {
		t.Errorf("accumulated %+v, at once %+v", got, want)
	}
	if (&Logits{}).Stats() != (LogitStats{}) {
		t.Error("empty accumulator is not zero")
	}
}

func TestLogitsPanicsOnShapes(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	CompareLogits([]float32{1, 2, 3}, []float32{1, 2}, 3)
}

func same(a, b float64) bool {
	return a == b || math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) <= 1e-12
}
