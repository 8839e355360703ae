package lora_test

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lora"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/nn"
)

// LoRA on x_proj of every layer of a Mamba model: the base is frozen and
// only the adapters train.
func Example() {
	m, _ := mamba.New(mamba.DefaultConfig(100, 32, 2), 1)
	a, err := lora.Apply(m, lora.Config{R: 4, Alpha: 8, TargetModules: []string{"x_proj"}}, 1)
	if err != nil {
		panic(err)
	}
	total, trainable := nn.Count(append(m.Params(), a.Params()...))
	fmt.Println(a.Modules())
	fmt.Println(a.Params()[0].Name)
	fmt.Println(total, trainable)
	// Output:
	// [backbone.layers.0.mixer.x_proj backbone.layers.1.mixer.x_proj]
	// base_model.model.backbone.layers.0.mixer.x_proj.lora_A.weight
	// 23920 784
}
