package lmeval_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
)

func Example() {
	task := lmeval.NewTask("capitals", map[string][]lmeval.Doc{
		"train": {
			{Text: "Q: France?\nA:", Choices: []string{"Paris", "Rome"}, Gold: 0},
			{Text: "Q: Italy?\nA:", Choices: []string{"Paris", "Rome"}, Gold: 1},
		},
		"test": {{Text: "Q: Spain?\nA:", Choices: []string{"Madrid", "Lisbon"}, Gold: 0}},
	})
	reqs, _ := task.Requests(1)
	for _, r := range reqs {
		fmt.Printf("%q + %q\n", r.Context, r.Continuation)
	}
	ctx, cont := lmeval.EncodePair(tokenizer.Bytes{}, reqs[0].Context, reqs[0].Continuation)
	fmt.Println(len(ctx), cont)
	m, _ := task.Score(reqs, []float64{-3.0, -4.5})
	fmt.Printf("acc %.0f acc_norm %.0f\n", m.Acc, m.AccNorm)
	// Output:
	// "Q: Italy?\nA: Rome\n\nQ: Spain?\nA:" + " Madrid"
	// "Q: Italy?\nA: Rome\n\nQ: Spain?\nA:" + " Lisbon"
	// 31 [32 77 97 100 114 105 100]
	// acc 1 acc_norm 1
}
