package paper

import (
	"context"
	"math"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Batched, right-padded scoring gives the accuracies lm-eval's own
// one-request-at-a-time loop gives (lmeval.Task.Evaluate with a per-request
// forward pass), for every architecture.
func TestEvaluateMatchesOneRequestAtATime(t *testing.T) {
	d := config.Dataset{Builtin: "mc", Seed: 3, Profile: "quick", Families: []string{"shift", "label"}}
	tasks, tok, err := loadTasks(d)
	if err != nil {
		t.Fatal(err)
	}
	tasks = tasks[:3]
	for _, s := range []config.Model{{Arch: "mamba", Spec: models.Spec{DModel: 16, Layers: 1}}, {Arch: "gpt_neox", Spec: models.Spec{DModel: 16, Layers: 1, Heads: 2}}} {
		s.Fill()
		m, err := BuildModel(&s, tok.VocabSize(), 4)
		if err != nil {
			t.Fatal(err)
		}
		spec := EvalSpec{Tasks: tasks, Tok: tok, Shots: []int{0, 2}, Items: 3, MaxLen: 256, Batch: 5}
		got, err := Evaluate(context.Background(), m, precision.FP32Policy, spec)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2*len(tasks) {
			t.Fatalf("%d scores", len(got))
		}
		for _, ts := range got {
			task := tasks[0]
			for _, tk := range tasks {
				if tk.Name == ts.Task {
					task = tk
				}
			}
			lim, _ := limitTask(task, 3)
			V := m.VocabSize()
			var lls []float64
			want, err := lim.Evaluate(ts.K, tok, 256, func(in []int, start int, cont []int) (float64, error) {
				logits := m.Forward(precision.FP32Policy, in, 1, len(in))
				var ll float64
				for j, c := range cont {
					row := logits[(start+j)*V : (start+j+1)*V]
					ll += float64(row[c]) - tensor.LogSumExp(row)
				}
				lls = append(lls, ll)
				return ll, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, doc := range ts.LL {
				for _, ll := range doc {
					if math.Abs(ll-lls[n]) > 1e-4*(1+math.Abs(ll)) {
						t.Fatalf("%s %s k=%d request %d: batched ll %v, alone %v", s.Arch, ts.Task, ts.K, n, ll, lls[n])
					}
					n++
				}
			}
			var acc, norm float64
			for i := range ts.Acc {
				acc += ts.Acc[i] / float64(len(ts.Acc))
				norm += ts.AccNorm[i] / float64(len(ts.Acc))
			}
			if len(ts.Acc) != 3 || math.Abs(acc-want.Acc) > 1e-12 || math.Abs(norm-want.AccNorm) > 1e-12 {
				t.Fatalf("%s %s k=%d: acc %v/%v, lm-eval loop %v/%v", s.Arch, ts.Task, ts.K, acc, norm, want.Acc, want.AccNorm)
			}
		}
	}
}
