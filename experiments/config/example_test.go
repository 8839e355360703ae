package config_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/experiments/config"
)

// Load expands a [sweep] into trials with stable, readable keys; the
// common axes come first, seed last, whatever order the file lists them in.
func ExampleLoad() {
	e, err := config.Load("testdata/configs/sweep.toml", config.Options{Profile: "quick"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Name, len(e.Trials), "trials")
	for _, t := range e.Trials[:3] {
		fmt.Println(t.Key, t.Train.Steps)
	}
	// Output:
	// sweep 8 trials
	// model=mamba-s_precision=fp32_train.learning_rate=0.001_seed=0 4
	// model=mamba-s_precision=fp32_train.learning_rate=0.0003_seed=0 4
	// model=mamba-s_precision=bf16_train.learning_rate=0.001_seed=0 4
}

func ExampleKey() {
	fmt.Println(config.Key([]config.Axis{
		{Name: "model", Value: "mamba-s"},
		{Name: "precision", Value: "bf16"},
		{Name: "method", Value: "lora_all"},
		{Name: "seed", Value: int64(1)},
	}))
	fmt.Println(config.Key([]config.Axis{{Name: "data.path", Value: "/data/alpaca v2"}}))
	fmt.Println(config.Key(nil))
	// Output:
	// model=mamba-s_precision=bf16_method=lora_all_seed=1
	// data.path=-data-alpaca-v2
	// default
}
