package divergence_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/metrics/divergence"
)

func ExampleAccuracy() {
	fp32 := map[string]float64{"mmlu": 0.50, "winogrande": 0.80}
	bf16 := map[string]float64{"mmlu": 0.45, "winogrande": 0.81}
	tasks, mean, err := divergence.Accuracy(fp32, bf16)
	if err != nil {
		panic(err)
	}
	for _, t := range tasks {
		fmt.Printf("%s: %.1f points\n", t.Name, t.Points)
	}
	fmt.Printf("mean: %.1f points\n", mean)
	// Output:
	// mmlu: 5.0 points
	// winogrande: 1.0 points
	// mean: 3.0 points
}

func ExampleCompareLogits() {
	fp32 := []float32{2, 1, 0, 0, 1, 2} // two positions, vocabulary of 3
	fp16 := []float32{2, 1, 0, 0, 2, 1.5}
	s := divergence.CompareLogits(fp32, fp16, 3)
	fmt.Printf("positions %d, max |dlogit| %.1f, mean KL %.4f, flips %.0f%%\n", s.Positions, s.MaxAbsDiff, s.MeanKL, 100*s.FlipRate)
	// Output:
	// positions 2, max |dlogit| 1.0, mean KL 0.1176, flips 50%
}
