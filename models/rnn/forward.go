package rnn

import (
	"math"

	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Forward returns the logits (B·T, V) of ids (B·T, batch-major) and keeps
// the states for Backward. Under a 16-bit policy the two products and the
// head are 16-bit (nn.Linear), and so are the sum and tanh (16-bit
// elementwise ops: computed in fp32, rounded).
func (m *RNN) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
	H, D, V := m.Cfg.H, m.Cfg.D, m.Cfg.Vocab
	m.B, m.T = B, T
	m.ids = make([]int, B*T)
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			m.ids[t*B+b] = ids[b*T+t]
		}
	}
	m.x, m.ux = tensor.Grow(m.x, B*T*D), tensor.Grow(m.ux, B*T*H)
	m.hs = tensor.Grow(m.hs, (T+1)*B*H)
	clear(m.hs[:B*H])
	m.Embed.Forward(m.x, m.ids)
	m.In.Forward(pol, m.ux, m.x, B*T)
	for t := 0; t < T; t++ {
		m.advance(pol, m.hs[(t+1)*B*H:(t+2)*B*H], m.hs[t*B*H:(t+1)*B*H], m.ux[t*B*H:(t+1)*B*H], B)
	}
	hm := make([]float32, B*T*V) // time-major logits, returned batch-major
	m.Head.Forward(pol, hm, m.hs[B*H:], B*T)
	logits := make([]float32, B*T*V)
	for t := 0; t < T; t++ {
		for b := 0; b < B; b++ {
			copy(logits[(b*T+t)*V:(b*T+t+1)*V], hm[(t*B+b)*V:(t*B+b+1)*V])
		}
	}
	return logits
}

// advance writes next = tanh(W h + ux) for B rows.
func (m *RNN) advance(pol precision.Policy, next, h, ux []float32, B int) {
	m.wh = tensor.Grow(m.wh, B*m.Cfg.H)
	m.Rec.Forward(pol, m.wh, h, B)
	for i, v := range m.wh {
		pre := pol.Compute.Round(v + ux[i])
		next[i] = pol.Compute.Round(float32(math.Tanh(float64(pre))))
	}
}

// Backward accumulates the parameter gradients for dlogits (B·T, V) of the
// last Forward by backpropagation through time: with g_t = d loss / d h_t,
// d pre_t = g_t ⊙ (1 − h_t²), g_{t−1} += Wᵀ d pre_t.
func (m *RNN) Backward(pol precision.Policy, dlogits []float32) {
	B, T, H, V := m.B, m.T, m.Cfg.H, m.Cfg.Vocab
	dm := make([]float32, B*T*V)
	for t := 0; t < T; t++ {
		for b := 0; b < B; b++ {
			copy(dm[(t*B+b)*V:(t*B+b+1)*V], dlogits[(b*T+t)*V:(b*T+t+1)*V])
		}
	}
	m.dp = tensor.Grow(m.dp, B*T*H) // first d h_t from the head, then d pre_t
	m.Head.Backward(pol, m.dp, dm, m.hs[B*H:], B*T)
	m.dh = tensor.Grow(m.dh, B*H)
	clear(m.dh) // g from step t+1
	for t := T - 1; t >= 0; t-- {
		dp, h := m.dp[t*B*H:(t+1)*B*H], m.hs[(t+1)*B*H:(t+2)*B*H]
		for i := range dp {
			g := pol.Compute.Round(dp[i] + m.dh[i])
			dp[i] = pol.Compute.Round(g * (1 - h[i]*h[i]))
		}
		m.Rec.Backward(pol, m.dh, dp, m.hs[t*B*H:(t+1)*B*H], B)
	}
	dx := make([]float32, B*T*m.Cfg.D)
	m.In.Backward(pol, dx, m.dp, m.x, B*T)
	m.Embed.Backward(dx, m.ids)
}
