package transformer

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// A whole training step gives bit-identical loss and gradients whatever
// GOMAXPROCS is (with a backend that promises thread-independent products).
func TestTrainStepIndependentOfGOMAXPROCS(t *testing.T) {
	if name := tensor.Default().Name(); name != "go" && name != "go-generic" && name != "reference" {
		t.Skipf("backend %s does not promise thread-independent results", name)
	}
	neox, err := NewGPTNeoXZero(DefaultGPTNeoXConfig(64, 32, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	neox.Init(3)
	lc := DefaultLlamaConfig(64, 32, 2, 4)
	lc.KVHeads = 2
	llama, err := NewLlamaZero(lc)
	if err != nil {
		t.Fatal(err)
	}
	llama.Init(4)
	r := rand.New(rand.NewPCG(5, 5))
	B, T := 2, 150 // two causal query blocks
	ids := nntest.RandIDs(r, B*T, 64)
	tg := nn.ShiftLabels(ids, B, T)
	for name, m := range map[string]lm.Model{"gpt_neox": neox, "llama": llama} {
		for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
			run := func(procs int) (float64, [][]float32) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				nn.ZeroGrads(m.Params())
				loss := lm.Loss(m, pol, ids, tg, B, T, true, 1)
				var gs [][]float32
				for _, p := range m.Params() {
					gs = append(gs, append([]float32(nil), p.G()...))
				}
				return loss, gs
			}
			l1, g1 := run(1)
			l3, g3 := run(3)
			if math.Float64bits(l1) != math.Float64bits(l3) {
				t.Fatalf("%s %v: loss %v with 1 thread, %v with 3", name, pol, l1, l3)
			}
			for i, p := range m.Params() {
				for j := range g1[i] {
					if math.Float32bits(g1[i][j]) != math.Float32bits(g3[i][j]) {
						t.Fatalf("%s %v: %s[%d] %v with 1 thread, %v with 3", name, pol, p.Name, j, g1[i][j], g3[i][j])
					}
				}
			}
		}
	}
}
