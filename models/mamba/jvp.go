package mamba

import (
	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Jacobian-vector products of the one-token recurrence with respect to the
// states, for the Lyapunov metrics (Benettin/QR on the stacked recurrence,
// docs/metrics.md). They differentiate the fp32 map; tangents are States
// of the same shapes, advanced in place like the states themselves.
//
// Within one layer and for a fixed layer input, Δ, B, C and u depend on the
// input and the conv state, never on h, so the SSM block of the Jacobian is
// diagonal: dh_t = exp(Δ_t A) ⊙ dh_{t−1} (docs/metrics.md). The conv state
// is a shift register (nilpotent block). Across layers the Jacobian is block
// lower-triangular (layer l reads the outputs of layers below), so its
// exponents are those of the diagonal blocks.

var fp32 = precision.FP32Policy

// StepJVP advances st by one token like Step (fp32) and tan to J·tan, where
// J is the Jacobian of the new states with respect to the old states and
// the input embedding; dx0 (B, D) is the embedding's tangent (nil: zero).
// It returns the logits (B, V) and their tangent.
func (m *Model) StepJVP(ids []int, dx0 []float32, st, tan *State) (logits, dlogits []float32) {
	B, D := st.B, m.Cfg.D
	x, dres := make([]float32, B*D), make([]float32, B*D)
	m.Emb.Forward(x, ids)
	if dx0 != nil {
		copy(dres, dx0)
	}
	for i, b := range m.Layers {
		b.StepJVP(x, dres, st.Layers[i], tan.Layers[i], B)
	}
	hf, dhf, rstd := make([]float32, B*D), make([]float32, B*D), make([]float32, B)
	m.NormF.Forward(hf, rstd, x, B)
	rmsJVP(m.NormF, dhf, x, dres, rstd, B)
	logits, dlogits = make([]float32, B*m.Cfg.Vocab), make([]float32, B*m.Cfg.Vocab)
	m.Head.Forward(fp32, logits, hf, B)
	linJVP(m.Head, dlogits, dhf, B)
	return logits, dlogits
}

// StepJVP is Block.Step (fp32) with the tangent dres (B, D) of its input
// residual, which it advances to the output's tangent, and tan of st.
func (b *Block) StepJVP(res, dres []float32, st, tan LayerState, B int) {
	D := b.Mixer.D
	in := append([]float32(nil), res...)
	normed, dnormed, rstd := make([]float32, B*D), make([]float32, B*D), make([]float32, B)
	b.Norm.Forward(normed, rstd, in, B)
	rmsJVP(b.Norm, dnormed, in, dres, rstd, B)
	out, dout := make([]float32, B*D), make([]float32, B*D)
	b.Mixer.StepJVP(out, dout, normed, dnormed, st, tan, B)
	tensor.AddTo(res, out)
	tensor.AddTo(dres, dout)
}

// StepJVP is Mixer.Step (fp32) that also maps the tangents: din (B, D) of
// the input (nil: a fixed input) and tan of st, advanced in place, to dout
// (B, D). With din nil and tan.Conv zero it reduces to the diagonal map
// tan.SSM ← exp(ΔA) ⊙ tan.SSM.
func (mx *Mixer) StepJVP(out, dout, in, din []float32, st, tan LayerState, B int) {
	hOld := append([]float32(nil), st.SSM...)
	mx.Step(fp32, out, in, st, B)
	s := &mx.step
	E, N, R, K := mx.E, mx.N, mx.R, mx.K
	dxz, dx, dz := make([]float32, B*2*E), make([]float32, B*E), make([]float32, B*E)
	if din != nil {
		linJVP(mx.InProj, dxz, din, B)
	}
	splitCols(dxz, B, part{dx, E}, part{dz, E})
	du := make([]float32, B*E)
	w := mx.Conv.W.Value.Data
	for b := 0; b < B; b++ { // the conv is linear in its state and input
		tc := tan.Conv[b*(K-1)*E : (b+1)*(K-1)*E]
		for e := 0; e < E; e++ {
			i := b*E + e
			acc := w[e*K+K-1] * dx[i]
			for k := 0; k < K-1; k++ {
				acc += w[e*K+k] * tc[k*E+e]
			}
			du[i] = acc * siluGrad(s.xc[i])
		}
		if K > 1 {
			copy(tc, tc[E:])
			copy(tc[(K-2)*E:], dx[b*E:(b+1)*E])
		}
	}
	ddbl, ddt, dbm, dcm := make([]float32, B*(R+2*N)), make([]float32, B*R), make([]float32, B*N), make([]float32, B*N)
	linJVP(mx.XProj, ddbl, du, B)
	splitCols(ddbl, B, part{ddt, R}, part{dbm, N}, part{dcm, N})
	ddtr, dg := make([]float32, B*E), make([]float32, B*E)
	linJVP(mx.DtProj, ddtr, ddt, B)
	A, Dsk, bias := mx.A(), mx.Dskip.Value.Data, mx.DtBias.Value.Data
	for b := 0; b < B; b++ {
		for e := 0; e < E; e++ {
			i := b*E + e
			delta, u := s.delta[i], s.u[i]
			dDelta := nn.SoftplusGrad(s.dtr[i]+bias[e]) * ddtr[i]
			dy := Dsk[e] * du[i]
			for n := 0; n < N; n++ {
				j, bn := i*N+n, b*N+n
				da := kern.Exp(delta * A[e*N+n])
				tan.SSM[j] = da*tan.SSM[j] + A[e*N+n]*dDelta*da*hOld[j] +
					(dDelta*s.bm[bn]+delta*dbm[bn])*u + delta*s.bm[bn]*du[i]
				dy += tan.SSM[j]*s.cm[bn] + st.SSM[j]*dcm[bn]
			}
			dg[i] = dy*silu(s.z[i]) + s.ypre[i]*siluGrad(s.z[i])*dz[i]
		}
	}
	linJVP(mx.OutProj, dout, dg, B)
}

func siluGrad(v float32) float32 {
	s := nn.Sigmoid(v)
	return s * (1 + v*(1-s))
}

// linJVP writes dy = dx·Wᵀ plus an adapter's (linear) term: the tangent of
// a Linear, whose bias does not move.
func linJVP(l *nn.Linear, dy, dx []float32, n int) {
	tensor.MatMulT(dy, dx, l.W.Value.Data, n, l.In, l.Out, false)
	if l.Adapter != nil {
		l.Adapter.AdapterForward(fp32, dy, dx, n)
	}
}

// rmsJVP writes the tangent of y = x·s·w, s = (mean(x²)+eps)^(−1/2):
// dy = w·s·(dx − x·s²·mean(x·dx)).
func rmsJVP(norm *nn.RMSNorm, dy, x, dx, rstd []float32, n int) {
	d, w := norm.D, norm.W.Value.Data
	for r := 0; r < n; r++ {
		xr, dxr, s := x[r*d:(r+1)*d], dx[r*d:(r+1)*d], rstd[r]
		var dot float32
		for j := range xr {
			dot += xr[j] * dxr[j]
		}
		dot /= float32(d)
		for j := range xr {
			dy[r*d+j] = w[j] * s * (dxr[j] - xr[j]*s*s*dot)
		}
	}
}
