package rnn

import (
	"fmt"

	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// inferBufs are Infer's buffers, separate from Forward's tape.
type inferBufs struct {
	ids    []int     // (T·B) time-major
	x, ux  []float32 // (T·B, D), (T·B, H); ux then holds the states batch-major
	hs, lg []float32 // ((T+1)·B, H) every state, (B·T, V) the logits
}

// Infer is Forward without the training tape: the same products in the
// same order, so the logits (B·T, V) are Forward's bit for bit, computed in
// buffers of Infer's own; the states go to the head in batch-major order,
// so the logits need no time-major copy. They belong to the model until
// its next Infer; the last Forward's activations stay untouched, so a
// Backward may still follow it.
func (m *RNN) Infer(pol precision.Policy, ids []int, B, T int) []float32 {
	if B <= 0 || T <= 0 || len(ids) != B*T {
		panic(fmt.Sprintf("rnn: %d ids for %d sequences of %d tokens", len(ids), B, T))
	}
	H, D, V, f := m.Cfg.H, m.Cfg.D, m.Cfg.Vocab, &m.inf
	f.ids = append(f.ids[:0], ids...)
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			f.ids[t*B+b] = ids[b*T+t]
		}
	}
	f.x, f.ux, f.hs = tensor.Grow(f.x, B*T*D), tensor.Grow(f.ux, B*T*H), tensor.Grow(f.hs, (T+1)*B*H)
	clear(f.hs[:B*H])
	m.Embed.Forward(f.x, f.ids)
	m.In.Forward(pol, f.ux, f.x, B*T)
	for t := 0; t < T; t++ {
		m.advance(pol, f.hs[(t+1)*B*H:(t+2)*B*H], f.hs[t*B*H:(t+1)*B*H], f.ux[t*B*H:(t+1)*B*H], B)
	}
	hb := f.ux // U x + b is spent: the states h_1..h_T, batch-major
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			copy(hb[(b*T+t)*H:(b*T+t+1)*H], f.hs[((t+1)*B+b)*H:((t+1)*B+b+1)*H])
		}
	}
	f.lg = tensor.Grow(f.lg, B*T*V)
	m.Head.Forward(pol, f.lg, hb, B*T)
	return f.lg
}
