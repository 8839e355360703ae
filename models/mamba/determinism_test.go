package mamba

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
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
	ids := nntest.RandIDs(r, B*T, c.Vocab)
	tg := nn.ShiftLabels(ids, B, T)
	for _, pol := range []precision.Policy{precision.FP32Policy, precision.BF16AMP} {
		run := func(procs int) (float64, [][]float32) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			return lossAndGrads(m, pol, ids, tg, B, T)
		}
		l1, g1 := run(1)
		l3, g3 := run(3)
		sameBits(t, pol.String()+": 1 thread / 3", m, l1, l3, g1, g3)
	}
}
