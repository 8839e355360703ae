package suite

import (
	"math"
	"strings"
	"testing"
)

func TestMQAR(t *testing.T) {
	c := MQARConfig{Vocab: 256, SeqLen: 64, NumKV: 4, PowerA: 0.01, RandomNon: true}
	set, err := MQAR(c, 500, NewRNG(1, "mqar"))
	if err != nil {
		t.Fatal(err)
	}
	oracle := make([][]int32, len(set.Inputs))
	var guess [][]int32
	r := NewRNG(2, "guess")
	for e, in := range set.Inputs {
		lab := set.Labels[e]
		if len(in) != c.SeqLen || len(lab) != c.SeqLen {
			t.Fatalf("example %d: %d inputs, %d labels", e, len(in), len(lab))
		}
		bound := map[int32]int32{}
		for j := 0; j < 2*c.NumKV; j += 2 {
			k, v := in[j], in[j+1]
			if k < 1 || int(k) >= c.Vocab/2 || int(v) < c.Vocab/2 || int(v) >= c.Vocab || bound[k] != 0 {
				t.Fatalf("example %d: pair (%d, %d) outside the key/value ranges or repeated", e, k, v)
			}
			bound[k] = v
		}
		oracle[e] = make([]int32, c.SeqLen)
		g := make([]int32, c.SeqLen)
		n := 0
		for pos, l := range lab {
			if l == IgnoreLabel {
				continue
			}
			n++
			if pos < 2*c.NumKV || bound[in[pos]] != l {
				t.Fatalf("example %d: label %d at %d is not the value bound to input key %d", e, l, pos, in[pos])
			}
			oracle[e][pos] = bound[in[pos]]
			g[pos] = int32(c.Vocab/2 + r.IntN(c.Vocab/2))
		}
		if n != c.NumKV {
			t.Fatalf("example %d: %d labelled positions, want %d", e, n, c.NumKV)
		}
		guess = append(guess, g)
	}
	if acc := MQARAccuracy(oracle, set.Labels); acc != 1 {
		t.Errorf("recall oracle accuracy %v, want 1", acc)
	}
	// A uniform guess among the values scores 2/V = 0.0078 (2000 labels: se 0.002).
	if acc := MQARAccuracy(guess, set.Labels); math.Abs(acc-2.0/256) > 0.008 {
		t.Errorf("uniform value guess accuracy %v, want about %v", acc, 2.0/256)
	}
	for _, bad := range []MQARConfig{{Vocab: 64, SeqLen: 64, NumKV: 4}, {Vocab: 256, SeqLen: 63, NumKV: 4}, {Vocab: 256, SeqLen: 64, NumKV: 17}} {
		if _, err := MQAR(bad, 1, NewRNG(0, "")); err == nil || !strings.HasPrefix(err.Error(), "mqar: ") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// TestMQARGapsFavourShortDistances: with a = 0.01 the query gaps follow a
// power law, so the first gap slot is the most frequent.
func TestMQARGapsFavourShortDistances(t *testing.T) {
	w := []float64{1, 0.5, 0.25, 0.25}
	counts := make([]int, len(w))
	r := NewRNG(5, "gaps")
	for range 20000 {
		for _, j := range weightedSample(w, 1, r) {
			counts[j]++
		}
	}
	if counts[0] < 9500 || counts[0] > 10500 || counts[1] < 4500 || counts[1] > 5500 {
		t.Errorf("draw counts %v, want about 10000, 5000, 2500, 2500", counts)
	}
	two := weightedSample(w, 4, r)
	seen := map[int]bool{}
	for _, j := range two {
		seen[j] = true
	}
	if len(seen) != 4 {
		t.Errorf("sample without replacement repeated: %v", two)
	}
}

func TestRegression(t *testing.T) {
	s := Regression(5, 11, 400, NewRNG(0, "reg"))
	var ss float64
	for p := range s.Y {
		if len(s.X[p]) != 55 || len(s.Y[p]) != 11 {
			t.Fatalf("shapes %d, %d", len(s.X[p]), len(s.Y[p]))
		}
		for _, y := range s.Y[p] {
			ss += float64(y) * float64(y)
		}
	}
	// E[y^2] = d: predicting 0 has normalised error 1.
	if m := ss / (400 * 11); math.Abs(m-5) > 0.5 {
		t.Errorf("mean y^2 = %.2f, want about 5", m)
	}
}
