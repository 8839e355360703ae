package icl

import (
	"math"
	"testing"
)

// staircase: 4 items, one seed; item i is answered correctly from k = k_i on.
var staircase = Scores{
	0: {{1, 0, 0, 0}},
	1: {{1, 1, 0, 0}},
	3: {{1, 1, 1, 0}},
	5: {{1, 1, 1, 1}},
}

func TestAccuracyAndCurve(t *testing.T) {
	two := Scores{0: {{1, 0}, {1, 1}}} // seeds: 1/2 and 1 -> mean 3/4
	if a := two.Accuracy(0); a != 0.75 {
		t.Errorf("two seeds: acc = %v, want 0.75", a)
	}
	if a := two.Accuracy(1); !math.IsNaN(a) {
		t.Errorf("missing k: acc = %v, want NaN", a)
	}
	want := map[int]float64{0: 0.25, 1: 0.5, 3: 0.75, 5: 1}
	c := staircase.Curve()
	for k, w := range want {
		if c[k] != w {
			t.Errorf("acc_%d = %v, want %v", k, c[k], w)
		}
	}
	if ks := staircase.Ks(); len(ks) != 4 || ks[0] != 0 || ks[3] != 5 {
		t.Errorf("Ks = %v", ks)
	}
}

func TestGainHandComputed(t *testing.T) {
	acc := staircase.Curve()
	cases := []struct {
		ks   []int
		want float64
	}{
		{DefaultKs, (0.25 + 0.5 + 0.75) / 3},
		{[]int{0, 1}, 0.25}, // k = 0 is ignored
		{[]int{5}, 0.75},
	}
	for _, c := range cases {
		g, err := Gain(acc, c.ks)
		if err != nil || math.Abs(g-c.want) > 1e-15 {
			t.Errorf("ks %v: gain %v (%v), want %v", c.ks, g, err, c.want)
		}
	}
	for _, bad := range []struct {
		acc map[int]float64
		ks  []int
	}{
		{map[int]float64{1: 0.5}, DefaultKs},         // no zero-shot
		{map[int]float64{0: 0.5, 1: 0.6}, DefaultKs}, // no 3-shot
		{map[int]float64{0: 0.5}, []int{0}},          // nothing to average
	} {
		if _, err := Gain(bad.acc, bad.ks); err == nil {
			t.Errorf("acc %v, ks %v: no error", bad.acc, bad.ks)
		}
	}
}

func TestRatioOf(t *testing.T) {
	cases := []struct {
		a, b    float64
		percent float64
		defined bool
	}{
		{0.19, 0.5, 38, true},
		{0.66, 0.5, 132, true},
		{-0.1, 0.5, -20, true}, // A loses accuracy with shots: a negative share
		{0.1, 0, math.NaN(), false},
		{0.1, -0.1, math.NaN(), false},
		{math.NaN(), 0.5, math.NaN(), false},
		{0.1, math.Inf(1), math.NaN(), false},
	}
	for _, c := range cases {
		r := RatioOf(c.a, c.b)
		if r.Defined != c.defined || !(math.Abs(r.Percent-c.percent) < 1e-12 || math.IsNaN(c.percent) && math.IsNaN(r.Percent)) {
			t.Errorf("RatioOf(%v, %v) = %+v, want %v defined=%v", c.a, c.b, r, c.percent, c.defined)
		}
	}
	if s := RatioOf(0.1, 0).String(); s != "undefined (denominator gain <= 0)" {
		t.Errorf("String = %q", s)
	}
}

func TestDimsRejectsRaggedScores(t *testing.T) {
	cases := map[string]Scores{
		"empty":          {},
		"no seeds":       {0: {}},
		"seed counts":    {0: {{1}, {0}}, 1: {{1}}},
		"item counts":    {0: {{1, 0}}, 1: {{1}}},
		"ragged in seed": {0: {{1, 0}, {1}}},
	}
	for name, s := range cases {
		if _, _, err := s.Dims(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
