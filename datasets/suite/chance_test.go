package suite

import (
	"math"
	"testing"
)

// testSuites generates the quick profile for a few seeds: about 1600 test
// docs in all, so that the binomial standard error of an accuracy near
// 1/4 is about 0.011.
func testSuites(t *testing.T) []*Suite {
	t.Helper()
	p, _ := ProfileNamed("quick")
	var out []*Suite
	for seed := range uint64(5) {
		s, err := Generate(seed, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// picker chooses a choice of a test doc without seeing any shot.
type picker func(f *FamilySet, it Item, r *RNG) int

// TestZeroShotIsChance: models that cannot see the function (a uniform
// guess, a fixed position, a content prior, a prior learnt from the
// training functions, the zero-shot oracle) all score 1/4 within four
// binomial standard errors, overall and (within five) per family.
func TestZeroShotIsChance(t *testing.T) {
	suites := testSuites(t)
	pickers := map[string]picker{
		"uniform":   func(_ *FamilySet, it Item, r *RNG) int { return r.IntN(len(it.Choices)) },
		"first":     func(*FamilySet, Item, *RNG) int { return 0 },
		"smallest":  func(_ *FamilySet, it Item, _ *RNG) int { return argmin(it.Choices) },
		"train-fit": trainPrior,
		"oracle-0": func(f *FamilySet, it Item, r *RNG) int {
			return Oracle(f.Family, nil, it.Doc(), r)
		},
	}
	for name, pick := range pickers {
		var right, n int
		perFam := map[string][2]int{}
		for _, s := range suites {
			r := NewRNG(s.Seed, "test/"+name)
			for _, f := range s.Families {
				for _, task := range f.Tasks {
					for _, it := range task.Test {
						ok := pick(f, it, r) == it.Gold
						c := perFam[f.Name]
						if ok {
							right++
							c[0]++
						}
						n++
						c[1]++
						perFam[f.Name] = c
					}
				}
			}
		}
		checkChance(t, name+" overall", right, n, 4)
		for fam, c := range perFam {
			checkChance(t, name+" on "+fam, c[0], c[1], 5)
		}
	}
}

func checkChance(t *testing.T, what string, right, n int, sigmas float64) {
	t.Helper()
	acc := float64(right) / float64(n)
	se := math.Sqrt(ChanceAcc * (1 - ChanceAcc) / float64(n))
	if math.Abs(acc-ChanceAcc) > sigmas*se {
		t.Errorf("%s: accuracy %.3f over %d docs, chance %.2f +- %.0f x %.3f", what, acc, n, ChanceAcc, sigmas, se)
	}
}

func argmin(s []string) int {
	best := 0
	for i := range s {
		if s[i] < s[best] {
			best = i
		}
	}
	return best
}

// trainPrior picks the choice that the most training functions of the
// family produce on the query: what a model that memorised the training
// functions, but cannot tell which one is meant, would prefer.
func trainPrior(f *FamilySet, it Item, _ *RNG) int {
	best, bestN := 0, -1
	for c, choice := range it.Choices {
		n := 0
		for _, fn := range f.Train {
			if fn.Apply(it.Query) == choice {
				n++
			}
		}
		if n > bestN {
			best, bestN = c, n
		}
	}
	return best
}

// TestShotsRevealTheFunction: the oracle, given the shots lm-eval draws,
// approaches 1 as k grows (label saturates lower: a word's kind must
// appear among the shots). The thresholds are SUITE.md's.
func TestShotsRevealTheFunction(t *testing.T) {
	suites := testSuites(t)
	min5 := map[string]float64{"shift": 0.99, "subst": 0.97, "digits": 0.99, "affix": 0.99, "permute": 0.99, "case": 0.99, "label": 0.6}
	for _, fam := range suites[0].Families {
		acc := map[int]float64{}
		for _, k := range []int{0, 1, 3, 5} {
			var sum float64
			for _, s := range suites {
				f := s.family(fam.Name)
				a, err := OracleAccuracy(f.Family, f.Tasks, k, s.Seed)
				if err != nil {
					t.Fatal(err)
				}
				sum += a
			}
			acc[k] = sum / float64(len(suites))
		}
		if acc[5] < min5[fam.Name] || acc[5] < acc[1]-0.02 || acc[1] < acc[0] {
			t.Errorf("%s: oracle accuracy by shots %v, want rising to >= %.2f at 5", fam.Name, acc, min5[fam.Name])
		}
		t.Logf("%-8s oracle acc k=0 %.3f k=1 %.3f k=3 %.3f k=5 %.3f", fam.Name, acc[0], acc[1], acc[3], acc[5])
	}
}

func (s *Suite) family(name string) *FamilySet {
	for _, f := range s.Families {
		if f.Name == name {
			return f
		}
	}
	return nil
}
