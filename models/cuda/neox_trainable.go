package cuda

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/transformer"
)

func init() { trainables["gpt_neox"] = newNeoXTrainableOn }

// newNeoXTrainableOn is GPT-NeoX's Trainable for the generic trainer: the
// model reads and writes the ParamSet's parameters (master weights,
// gradients and 16-bit copies; the trainer's AdamW refreshes the copies),
// LoRA adapters included when base's linears carry them.
func newNeoXTrainableOn(ps *ParamSet, base lm.Model) (Trainable, error) {
	m, ok := base.(*transformer.GPTNeoX)
	if !ok {
		return nil, fmt.Errorf("cuda: %s is not a gpt_neox model", base.Arch())
	}
	var p nxPrec
	switch ps.Act {
	case actF32:
		p = nxF32
	case actBF16:
		p = nxBF16
	case actFP16:
		p = nxF16
	}
	g := &NeoX{dev: ps.Dev(), cfg: m.Cfg, prec: p}
	add := func(q *nn.Param, matmul bool) *nxParam {
		dp := ps.Add(q, matmul)
		if dp == nil {
			return nil
		}
		x := &nxParam{val: dp.W, half: dp.H, n: dp.N}
		if !dp.Frozen {
			x.grad = dp.G
		}
		return x
	}
	if err := g.build(m, add, true); err != nil {
		g.Free()
		return nil, err
	}
	return neoxTrainable{g}, nil
}

// neoxTrainable adapts NeoX to the Trainable contract.
type neoxTrainable struct{ g *NeoX }

func (t neoxTrainable) Forward(ids *Buf, B, T int) (*Buf, error) {
	if err := t.g.forwardIDs(ids, B, T, true); err != nil {
		return nil, err
	}
	return t.g.logits, nil
}

func (t neoxTrainable) Backward(dlogits *Buf) error {
	if dlogits != t.g.logits {
		return fmt.Errorf("cuda: gpt_neox backward of logits it did not compute")
	}
	return t.g.backward()
}

func (t neoxTrainable) Release() {
	t.g.freeRun()
	t.g.logits.Free()
	t.g.logits = nil
}

func (t neoxTrainable) Free() { t.g.Free() }
