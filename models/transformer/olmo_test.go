package transformer

import (
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"math/rand/v2"
	"testing"
)

// clip_qkv clamps q, k and v: a bound above every projection changes
// nothing, the tiny models' bound of 0.8 clamps part of them and moves the
// logits, and the clamped model's projections never exceed the bound.
func TestOLMoClipQKV(t *testing.T) {
	m := tinyModels(t)["olmo-gqa-clip"].(*Llama)
	ids := nntest.RandIDs(rand.New(rand.NewPCG(7, 8)), 2*6, m.VocabSize())
	clipped := append([]float32(nil), m.Forward(fp32, ids, 2, 6)...)
	a := &m.train.layers[0]
	n, out := 0, 0
	for _, x := range [][]float32{a.qp, a.kp, a.vp} {
		for _, v := range x {
			if v > 0.8 || v < -0.8 {
				t.Fatalf("projection %v exceeds clip_qkv 0.8", v)
			}
		}
		n += len(x)
	}
	for _, c := range a.clipped {
		if c {
			out++
		}
	}
	if out == 0 || out == n {
		t.Fatalf("%d of %d projections clamped; the test needs some of each", out, n)
	}
	for _, l := range m.Layers {
		l.clip = 1e30
	}
	loose := append([]float32(nil), m.Forward(fp32, ids, 2, 6)...)
	for _, l := range m.Layers {
		l.clip = 0
	}
	off := m.Forward(fp32, ids, 2, 6)
	if d := maxDiff(loose, off); d != 0 {
		t.Errorf("a bound above every value changes the logits by %g", d)
	}
	if d := maxDiff(clipped, off); d < 1e-3 {
		t.Errorf("clip_qkv 0.8 moves the logits by only %g", d)
	}
}
