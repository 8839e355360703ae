package transformer

import (
	"math"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/precision"
)

// Init follows HF's _init_weights: weights ~ N(0, initializer_range²),
// biases 0, norms 1; the same seed gives the same model.
func TestInitStatistics(t *testing.T) {
	nc := DefaultGPTNeoXConfig(200, 64, 2, 4)
	nc.InitRange = 0.05
	neox, _ := NewGPTNeoXZero(nc)
	neox.Init(7)
	lc := DefaultLlamaConfig(200, 64, 2, 4)
	lc.PadID, lc.AttnBias = 5, true
	llama, _ := NewLlamaZero(lc)
	llama.Init(7)
	for _, m := range []decoder{neox, llama} {
		std := map[string]float64{"gpt_neox": nc.InitRange, "llama": lc.InitRange}[m.Arch()]
		for _, p := range m.Params() {
			x := p.Value.Data
			var sum, sq float64
			for _, v := range x {
				sum += float64(v)
				sq += float64(v) * float64(v)
			}
			mean, sd := sum/float64(len(x)), math.Sqrt(sq/float64(len(x)))
			switch {
			case strings.Contains(p.Name, "norm") && strings.HasSuffix(p.Name, ".weight"):
				if mean != 1 || sq != float64(len(x)) {
					t.Errorf("%s: norm weights not all 1", p.Name)
				}
			case strings.HasSuffix(p.Name, ".bias"):
				if sq != 0 {
					t.Errorf("%s: bias not 0", p.Name)
				}
			default:
				if math.Abs(sd-std) > 0.06*std || math.Abs(mean) > 4*std/math.Sqrt(float64(len(x))) {
					t.Errorf("%s: mean %.3g std %.4g, want 0 and %.4g", p.Name, mean, sd, std)
				}
			}
		}
	}
	for _, v := range llama.Embed.W.Value.Data[5*64 : 6*64] {
		if v != 0 {
			t.Fatal("pad_token_id row not zero")
		}
	}
	again, _ := NewGPTNeoXZero(nc)
	again.Init(7)
	other, _ := NewGPTNeoXZero(nc)
	other.Init(8)
	ids := []int{1, 2, 3}
	a, b, c := neox.Forward(precision.FP32Policy, ids, 1, 3), again.Forward(precision.FP32Policy, ids, 1, 3), other.Forward(precision.FP32Policy, ids, 1, 3)
	if maxDiff(a, b) != 0 || maxDiff(a, c) == 0 {
		t.Fatal("Init is not a deterministic function of the seed")
	}
}

// Rotary: the backward is the inverse rotation, norms are kept per pair,
// entries past R pass through, and position p rotates pair i by p·θ^(-2i/R).
func TestRotary(t *testing.T) {
	r := NewRotary(4, 10000)
	hd, T := 6, 3
	x := []float32{1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}
	y := append([]float32(nil), x...)
	r.Apply(precision.FP32Policy, y, T, hd, 2, false)
	// row 0 at position 2, pair 0 (x[0], x[2]) by angle 2, pair 1 (x[1], x[3]) by 2/100
	a0, a1 := 2.0, 2.0/100
	want := []float64{math.Cos(a0) - 3*math.Sin(a0), 2*math.Cos(a1) - 4*math.Sin(a1),
		3*math.Cos(a0) + math.Sin(a0), 4*math.Cos(a1) + 2*math.Sin(a1), 5, 6}
	for i, w := range want {
		if math.Abs(float64(y[i])-w) > 1e-6 {
			t.Fatalf("rotary %v, want %v", y[:6], want)
		}
	}
	r.Apply(precision.FP32Policy, y, T, hd, 2, true)
	if maxDiff(x, y) > 1e-6 {
		t.Fatalf("inverse rotation does not undo: %v", y)
	}
}
