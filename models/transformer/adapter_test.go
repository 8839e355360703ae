package transformer

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// lowRank is a stand-in for LoRA: y += s·x·Mᵀ with M (out, in).
type lowRank struct {
	M       *nn.Param
	s       float32
	in, out int
}

func (a *lowRank) AdapterForward(pol precision.Policy, y, x []float32, n int) {
	tmp := make([]float32, n*a.out)
	tensor.MatMulT(tmp, x, a.M.Value.Data, n, a.in, a.out, false)
	tensor.Axpy(a.s, tmp, y)
}

func (a *lowRank) AdapterBackward(pol precision.Policy, dx, dy, x []float32, n int) {
	tensor.Gemm(true, false, a.out, a.in, n, a.s, dy, x, 1, a.M.G())
	if dx != nil {
		tensor.Gemm(false, false, n, a.in, a.out, a.s, dy, a.M.Value.Data, 1, dx)
	}
}

func (a *lowRank) AdapterParams() []*nn.Param { return []*nn.Param{a.M} }

// Linears names every adapted linear as PEFT does, and an adapter on each of
// them gets the gradient of the whole model's loss (base weights frozen).
func TestAdapterGradientsThroughModel(t *testing.T) {
	want := map[string]string{
		"neox":  "attention.dense attention.query_key_value mlp.dense_4h_to_h mlp.dense_h_to_4h",
		"llama": "mlp.down_proj mlp.gate_proj mlp.up_proj self_attn.k_proj self_attn.o_proj self_attn.q_proj self_attn.v_proj",
	}
	want["olmo"] = want["llama"]
	for name, m := range tinyModels(t) {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(13, 14))
			prefix := map[bool]string{true: "gpt_neox.layers.1.", false: "model.layers.1."}[strings.HasPrefix(name, "neox")]
			var got []string
			for path := range m.Linears() {
				if strings.HasPrefix(path, prefix) {
					got = append(got, strings.TrimPrefix(path, prefix))
				}
			}
			sort.Strings(got)
			if w := want[strings.Split(name, "-")[0]]; strings.Join(got, " ") != w {
				t.Fatalf("linears of layer 1: %v, want %s", got, w)
			}
			for _, p := range m.Params() {
				p.Freeze()
			}
			if l, ok := m.(*Llama); ok && l.Cfg.ClipQKV > 0 {
				// Random adapters on every linear move many clamped q/k/v
				// values across the bound within one finite-difference
				// step; the clamp's gradient is checked in
				// TestModelGradients, so here the bound is lifted.
				for _, layer := range l.Layers {
					layer.clip = 1e30
				}
			}
			var vars []nntest.Var
			for path, l := range m.Linears() {
				a := &lowRank{M: nn.NewParam(path+".M", false, l.Out, l.In), s: 0.5, in: l.In, out: l.Out}
				copy(a.M.Value.Data, nntest.Rand(r, l.Out*l.In, 0.2))
				l.Adapter = a
				vars = append(vars, nntest.V(a.M.Name, a.M.Value.Data, a.M.G()))
			}
			B, T := 2, 5
			ids := nntest.RandIDs(r, B*T, m.VocabSize())
			lm.Loss(m, fp32, ids, nn.ShiftLabels(ids, B, T), B, T, true, 1)
			for _, p := range m.Params() {
				if p.G() != nil {
					t.Fatalf("frozen %s got a gradient buffer", p.Name)
				}
			}
			err := nntest.Check(func() float64 { return lossOf(m, fp32, ids, B, T) }, vars, nntest.Options{MaxElems: 6})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
