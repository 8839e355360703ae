package transformer

// backScratch is the backward scratch of one layer. A model keeps one set
// and lends it to each layer in turn (swap before and after the layer's
// backward), so a training step holds one layer's backward buffers, not L.
type backScratch struct {
	dqkv, dyh, dln, dtmp  []float32 // GPT-NeoX layer
	dh, dn, dqp, dkp, dvp []float32 // Llama layer
	mdh, mdg, mdu, mdp    []float32 // MLP
	mdxa, mdxb            []float32
	aout, adq, adk, adv   []float32 // attention core
}

func (s *backScratch) swapMLP(m *mlpActs) {
	s.mdh, m.dh = m.dh, s.mdh
	s.mdg, m.dg = m.dg, s.mdg
	s.mdu, m.du = m.du, s.mdu
	s.mdp, m.dp = m.dp, s.mdp
	s.mdxa, m.dxa = m.dxa, s.mdxa
	s.mdxb, m.dxb = m.dxb, s.mdxb
}

func (s *backScratch) swapAttn(a *attnActs) {
	s.aout, a.dout = a.dout, s.aout
	s.adq, a.dq = a.dq, s.adq
	s.adk, a.dk = a.dk, s.adk
	s.adv, a.dv = a.dv, s.adv
}

// swapNeoX exchanges the scratch of a GPT-NeoX layer's activations with s.
func (s *backScratch) swapNeoX(a *neoxActs) {
	s.dqkv, a.dqkv = a.dqkv, s.dqkv
	s.dyh, a.dyh = a.dyh, s.dyh
	s.dln, a.dln = a.dln, s.dln
	s.dtmp, a.dtmp = a.dtmp, s.dtmp
	s.swapMLP(&a.mlp)
	s.swapAttn(&a.att)
}

// swapLlama exchanges the scratch of a Llama layer's activations with s.
func (s *backScratch) swapLlama(a *llamaActs) {
	s.dyh, a.dyh = a.dyh, s.dyh
	s.dh, a.dh = a.dh, s.dh
	s.dn, a.dn = a.dn, s.dn
	s.dtmp, a.dtmp = a.dtmp, s.dtmp
	s.dqp, a.dqp = a.dqp, s.dqp
	s.dkp, a.dkp = a.dkp, s.dkp
	s.dvp, a.dvp = a.dvp, s.dvp
	s.swapMLP(&a.mlp)
	s.swapAttn(&a.att)
}
