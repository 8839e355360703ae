package divergence

import (
	"math"
	"testing"
)

func TestAccuracyHandComputed(t *testing.T) {
	ref := map[string]float64{"winogrande": 0.8, "mmlu": 0.5, "piqa": 0.7}
	other := map[string]float64{"winogrande": 0.81, "mmlu": 0.45, "piqa": 0.7}
	tasks, mean, err := Accuracy(ref, other)
	if err != nil {
		t.Fatal(err)
	}
	want := []Task{{"mmlu", 0.5, 0.45, 5}, {"piqa", 0.7, 0.7, 0}, {"winogrande", 0.8, 0.81, 1}}
	for i, w := range want {
		g := tasks[i]
		if g.Name != w.Name || g.Ref != w.Ref || g.Other != w.Other || math.Abs(g.Points-w.Points) > 1e-12 {
			t.Errorf("task %d = %+v, want %+v", i, g, w)
		}
	}
	if math.Abs(mean-2) > 1e-12 {
		t.Errorf("mean = %v points, want 2", mean)
	}
}

func TestAccuracyRejectsBadInput(t *testing.T) {
	cases := []struct {
		name       string
		ref, other map[string]float64
	}{
		{"no tasks", map[string]float64{}, map[string]float64{}},
		{"missing in other", map[string]float64{"a": 0.5, "b": 0.5}, map[string]float64{"a": 0.5}},
		{"missing in reference", map[string]float64{"a": 0.5}, map[string]float64{"a": 0.5, "b": 0.5}},
		{"percent, not fraction", map[string]float64{"a": 87}, map[string]float64{"a": 0.87}},
		{"NaN", map[string]float64{"a": math.NaN()}, map[string]float64{"a": 0.5}},
	}
	for _, c := range cases {
		if _, _, err := Accuracy(c.ref, c.other); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
