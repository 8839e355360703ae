package lmeval

import (
	"math"
	"reflect"
	"testing"
)

// The expected values were printed by CPython 3.11's random module.
func TestPyRandomMatchesCPython(t *testing.T) {
	r := NewPyRandom(0)
	if a, b := r.Uint32(), r.Uint32(); a != 3626764237 || b != 1654615998 {
		t.Errorf("Random(0).getrandbits(32) x2 = %d %d", a, b)
	}
	r = NewPyRandom(1234)
	var below []int
	for range 10 {
		below = append(below, r.Below(7))
	}
	if want := []int{6, 3, 0, 0, 0, 6, 4, 0, 5, 5}; !reflect.DeepEqual(below, want) {
		t.Errorf("_randbelow(7) x10 = %v, want %v", below, want)
	}
	cases := []struct {
		seed int64
		n, k []int
		want [][]int
	}{
		{1234, []int{50, 50, 50}, []int{5, 5, 5}, [][]int{{49, 28, 7, 0, 5}, {37, 2, 42, 44, 5}, {6, 49, 22, 15, 1}}},
		{1234, []int{10, 10, 1000, 30}, []int{3, 6, 7, 30}, [][]int{{7, 1, 0}, {1, 0, 9, 8, 2, 7}, {17, 31, 807, 16, 354, 663, 638},
			{15, 19, 14, 4, 2, 5, 22, 3, 0, 16, 29, 7, 25, 27, 17, 9, 10, 1, 8, 20, 21, 26, 12, 24, 28, 23, 6, 18, 13, 11}}},
		{1<<40 + 5, []int{100}, []int{4}, [][]int{{64, 66, 34, 84}}},
	}
	for _, c := range cases {
		r := NewPyRandom(c.seed)
		for i := range c.n {
			got, err := r.Sample(c.n[i], c.k[i])
			if err != nil || !reflect.DeepEqual(got, c.want[i]) {
				t.Errorf("seed %d: sample(range(%d), %d) = %v, %v; want %v", c.seed, c.n[i], c.k[i], got, err, c.want[i])
			}
		}
	}
	if _, err := NewPyRandom(1).Sample(3, 4); err == nil {
		t.Error("sample larger than population: no error")
	}
}

// The expected values were printed by CPython 3.11: random.Random(0)'s
// first two random() draws, and lm-eval's bootstrap_stderr(perplexity, xs,
// iters) for 3000 and 10 iterations.
func TestBootstrapMatchesCPython(t *testing.T) {
	r := NewPyRandom(0)
	if a, b := r.Float64(), r.Float64(); a != 0.8444218515250481 || b != 0.7579544029403025 {
		t.Errorf("random() x2 = %v %v", a, b)
	}
	xs := []float64{-1.5, -0.25, -3.0, -2.0, -0.5}
	for _, c := range []struct {
		iters int
		want  float64
	}{{3000, 2.288415333423153}, {10, 2.11439466797798}} {
		if got := BootstrapStderr(Perplexity, xs, c.iters); math.Abs(got-c.want) > 1e-12*c.want {
			t.Errorf("bootstrap %d: %v, want %v", c.iters, got, c.want)
		}
	}
}
