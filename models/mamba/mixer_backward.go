package mamba

import (
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// mixerGrads is the Backward scratch of a mixer. Backward takes one from
// gradBufs and returns it, so the layers of a model share one set (a
// training step's memory holds one layer's backward scratch, not L).
type mixerGrads struct {
	dy, dxc       []float32 // (B, L, E)
	du, duScan    []float32 // (B, L, E)
	dtr           []float32 // (B, L, E)
	ddt, dbm, dcm []float32 // (B, L, R), (B, L, N), (B, L, N)
	ddbl          []float32 // (B, L, R+2N)
	dxz           []float32 // (B, L, 2E)
}

// Backward mirrors Forward in reverse: it writes dx (B, L, D), the gradient
// of the normed input, for the upstream gradient dout (B, L, D), and
// accumulates every parameter gradient. Under a 16-bit policy dout must
// already be on the compute grid (it is the gradient of a half tensor).
func (m *Mixer) Backward(pol precision.Policy, dx, dout []float32) {
	B, L := m.batch, m.length
	n, E, N, R := B*L, m.E, m.N, m.R
	g := gradBufs.Get()
	defer gradBufs.Put(g)
	g.dy, g.dxc = tensor.Grow(g.dy, n*E), tensor.Grow(g.dxc, n*E)
	g.du, g.duScan, g.dtr = tensor.Grow(g.du, n*E), tensor.Grow(g.duScan, n*E), tensor.Grow(g.dtr, n*E)
	g.ddt, g.dbm, g.dcm = tensor.Grow(g.ddt, n*R), tensor.Grow(g.dbm, n*N), tensor.Grow(g.dcm, n*N)
	g.ddbl, g.dxz = tensor.Grow(g.ddbl, n*(R+2*N)), tensor.Grow(g.dxz, n*2*E)

	m.OutProj.Backward(pol, g.dy, dout, m.so.Y, n)
	pol.Act(g.dy) // a no-op unless an adapter added its part: y is a half tensor
	back := scanBackward
	if m.scan == Reference {
		back = scanBackwardRef
	}
	back(pol, &m.sc, &m.so, g.dy, &scanGrads{U: g.duScan, Dt: g.dtr, Z: g.dxz[E:], Bm: g.dbm, Cm: g.dcm,
		ALog: m.ALog.G(), Dskip: m.Dskip.G(), Bias: m.DtBias.G()})
	m.DtProj.Backward(pol, g.ddt, g.dtr, m.dt, n)
	pol.Act(g.ddt) // likewise: dt is part of x_proj's half output
	joinCols(g.ddbl, n, part{g.ddt, R}, part{g.dbm, N}, part{g.dcm, N})
	m.XProj.Backward(pol, g.du, g.ddbl, m.u, n)
	tensor.AddTo(g.du, g.duScan) // u feeds both x_proj and the scan
	pol.Act(g.du)
	nn.SiLUBackward(g.dxc, g.du, m.xc)
	pol.Act(g.dxc)
	m.Conv.BackwardStrided(pol, g.dxz, 2*E, g.dxc, m.xz, 2*E, B, L) // dx into dxz's first E columns
	m.InProj.Backward(pol, dx, g.dxz, m.in, n)                      // the normed input is fp32: no rounding of the sum
}

var gradBufs scratch.List[mixerGrads]
