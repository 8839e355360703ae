package icl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/metrics/bootstrap"
)

// uniformGain returns scores (k = 0, 1, 3, 5) in which every item, under
// every seed, scores exactly g more with shots than without.
func uniformGain(items, seeds int, g float64) Scores {
	s := Scores{}
	for _, k := range []int{0, 1, 3, 5} {
		rows := make([][]float64, seeds)
		for j := range rows {
			rows[j] = make([]float64, items)
			for i := range rows[j] {
				rows[j][i] = 0.2 + float64(i%3)*0.1 // item difficulty varies
				if k > 0 {
					rows[j][i] += g
				}
			}
		}
		s[k] = rows
	}
	return s
}

func TestGainCIHandComputed(t *testing.T) {
	// Every item gains exactly 0.5 under every seed: any resample gains 0.5.
	iv, err := GainCI(uniformGain(6, 2, 0.5), DefaultKs, nil, bootstrap.Options{B: 200})
	if err != nil {
		t.Fatal(err)
	}
	if !near(iv.Estimate, 0.5) || !near(iv.Lo, 0.5) || !near(iv.Hi, 0.5) {
		t.Errorf("interval %+v, want 0.5 in [0.5, 0.5]", iv)
	}
	// The estimate is Gain of the curve.
	iv, _ = GainCI(staircase, DefaultKs, nil, bootstrap.Options{B: 200})
	g, _ := Gain(staircase.Curve(), DefaultKs)
	if !near(iv.Estimate, g) || !(iv.Lo <= g && g <= iv.Hi) {
		t.Errorf("staircase: interval %+v, gain %v", iv, g)
	}
}

func TestRatioCIHandComputed(t *testing.T) {
	// Items paired and gains uniform: A gains 0.25, B 0.5 on every item, so
	// every resample gives exactly 50%.
	iv, r, err := RatioCI(uniformGain(5, 2, 0.25), uniformGain(5, 3, 0.5), DefaultKs, nil, bootstrap.Options{B: 200})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Defined || !near(r.Percent, 50) || !near(iv.Lo, 50) || !near(iv.Hi, 50) || iv.Valid != 200 {
		t.Errorf("ratio %v, interval %+v, want 50%% in [50, 50]", r, iv)
	}
	// B gains nothing: the ratio and its interval are undefined.
	iv, r, err = RatioCI(uniformGain(5, 1, 0.25), uniformGain(5, 1, 0), DefaultKs, nil, bootstrap.Options{B: 200})
	if err != nil || r.Defined || !math.IsNaN(iv.Lo) || iv.Valid != 0 {
		t.Errorf("zero denominator: ratio %v, interval %+v, err %v", r, iv, err)
	}
	if _, _, err := RatioCI(uniformGain(5, 1, 0.25), uniformGain(4, 1, 0.5), DefaultKs, nil, bootstrap.Options{}); err == nil {
		t.Error("different item counts: no error")
	}
}

func TestAccuracyCI(t *testing.T) {
	iv, err := AccuracyCI(staircase, 3, nil, bootstrap.Options{B: 500})
	if err != nil || iv.Estimate != 0.75 || iv.Lo > 0.75 || iv.Hi < 0.75 {
		t.Errorf("acc_3 interval %+v, err %v", iv, err)
	}
	if _, err := AccuracyCI(staircase, 2, nil, bootstrap.Options{}); err == nil {
		t.Error("missing k: no error")
	}
}

// The gain's 95% interval covers the true gain in about 95% of simulated
// evaluations: 100 items, acc_0 = 0.4 and acc_k = 0.6 (true gain 0.2), items
// independent; 200 evaluations.
func TestGainCICoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 0))
	bern := func(p float64) float64 {
		if rng.Float64() < p {
			return 1
		}
		return 0
	}
	const items, sims = 100, 200
	covered := 0
	for sim := range sims {
		s := Scores{}
		for _, k := range []int{0, 1, 3, 5} {
			p := 0.6
			if k == 0 {
				p = 0.4
			}
			row := make([]float64, items)
			for i := range row {
				row[i] = bern(p)
			}
			s[k] = [][]float64{row}
		}
		iv, err := GainCI(s, DefaultKs, nil, bootstrap.Options{B: 300, Seed: uint64(sim)})
		if err != nil {
			t.Fatal(err)
		}
		if iv.Lo <= 0.2 && 0.2 <= iv.Hi {
			covered++
		}
	}
	rate := float64(covered) / sims
	t.Logf("coverage %.3f", rate)
	if rate < 0.88 || rate > 0.99 {
		t.Errorf("coverage %.3f, want about 0.95 (0.88..0.99)", rate)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }
