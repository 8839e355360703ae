package divergence

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Task is the accuracy divergence of one task.
type Task struct {
	Name   string
	Ref    float64 // accuracy in the reference precision (fp32), a fraction in [0, 1]
	Other  float64 // accuracy in the other precision
	Points float64 // 100*|Ref - Other|, in percentage points
}

// Accuracy returns |acc(ref) - acc(other)| per task, in percentage points,
// sorted by task name, and their unweighted mean over tasks. Accuracies are
// fractions in [0, 1]; both maps must hold the same tasks.
func Accuracy(ref, other map[string]float64) (tasks []Task, mean float64, err error) {
	if len(ref) == 0 {
		return nil, 0, fmt.Errorf("divergence: no tasks")
	}
	for name := range other {
		if _, ok := ref[name]; !ok {
			return nil, 0, fmt.Errorf("divergence: task %q has an accuracy in the other precision but none in the reference", name)
		}
	}
	for name, r := range ref {
		o, ok := other[name]
		if !ok {
			return nil, 0, fmt.Errorf("divergence: task %q has a reference accuracy but none in the other precision", name)
		}
		for _, a := range []float64{r, o} {
			if !(a >= 0 && a <= 1) {
				return nil, 0, fmt.Errorf("divergence: task %q: accuracy %v is not a fraction in [0, 1] (pass 0.87, not 87)", name, a)
			}
		}
		tasks = append(tasks, Task{Name: name, Ref: r, Other: o, Points: 100 * math.Abs(r-o)})
	}
	slices.SortFunc(tasks, func(a, b Task) int { return cmp.Compare(a.Name, b.Name) })
	for _, t := range tasks {
		mean += t.Points
	}
	return tasks, mean / float64(len(tasks)), nil
}
