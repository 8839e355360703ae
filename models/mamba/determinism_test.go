package mamba

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// A whole training step (forward, loss, backward) gives bit-identical loss
// and gradients whatever GOMAXPROCS is: every parallel kernel splits its
// work and reduces its partial sums in a fixed order. (The matrix backend
// must promise the same; the pure-Go ones do.)
func TestTrainStepIndependentOfGOMAXPROCS(t *testing.T) {
	if name := tensor.Default().Name(); name != "go" && name != "go-generic" && name != "reference" {
		t.Skipf("backend %s does not promise thread-independent results", name)
	}
	c := DefaultConfig(64, 32, 2)
	m, err := New(c, 7)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	B, T := 3, 70 // two backward chunks, several row blocks of the norms
	ids := randIDs(r, B*T, c.Vocab)
	tg := nn.ShiftLabels(ids, B, T)
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
			t.Fatalf("%v: loss %v with 1 thread, %v with 3", pol, l1, l3)
		}
		for i, p := range m.Params() {
			for j := range g1[i] {
				if math.Float32bits(g1[i][j]) != math.Float32bits(g3[i][j]) {
					t.Fatalf("%v: %s[%d] %v with 1 thread, %v with 3", pol, p.Name, j, g1[i][j], g3[i][j])
				}
			}
		}
	}
}
