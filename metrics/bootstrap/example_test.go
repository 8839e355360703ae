package bootstrap_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/metrics/bootstrap"
)

func ExampleRun() {
	correct := []float64{1, 0, 1, 1, 0, 1, 1, 1, 0, 1} // one model's answers to 10 items
	mean := func(d bootstrap.Draw) float64 {
		s := 0.0
		for _, i := range d.Items {
			s += correct[i]
		}
		return s / float64(len(d.Items))
	}
	iv, err := bootstrap.Run(bootstrap.Design{Items: len(correct)}, bootstrap.Options{B: 2000, Seed: 1}, mean)
	if err != nil {
		panic(err)
	}
	fmt.Printf("accuracy %.2f, %.0f%% CI [%.2f, %.2f]\n", iv.Estimate, 100*iv.Level, iv.Lo, iv.Hi)
	// Output:
	// accuracy 0.70, 95% CI [0.40, 1.00]
}

// A hierarchical bootstrap over three seeds of one model: seeds are
// resampled, then items within each drawn seed (ItemsAt).
func ExampleRun_nested() {
	correct := [][]float64{ // [seed][item]
		{1, 0, 1, 1, 0, 1, 1, 1, 0, 1},
		{1, 1, 1, 0, 0, 1, 1, 1, 1, 1},
		{0, 0, 1, 1, 0, 1, 0, 1, 0, 1},
	}
	mean := func(d bootstrap.Draw) float64 {
		s, n := 0.0, 0
		for j, seed := range d.Seeds[0] {
			for _, i := range d.ItemsAt(j) {
				s += correct[seed][i]
				n++
			}
		}
		return s / float64(n)
	}
	d := bootstrap.Design{Items: 10, Seeds: []int{3}, Nested: true}
	iv, err := bootstrap.Run(d, bootstrap.Options{B: 2000, Seed: 1}, mean)
	if err != nil {
		panic(err)
	}
	fmt.Printf("accuracy %.2f, %.0f%% CI [%.2f, %.2f]\n", iv.Estimate, 100*iv.Level, iv.Lo, iv.Hi)
	// Output:
	// accuracy 0.67, 95% CI [0.43, 0.87]
}
