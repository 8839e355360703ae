package mamba2

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
)

// BenchmarkScan times the scans forward and backward. GFLOP/s counts the
// sequential recurrence's 4·P·N per step and head for every kernel, so the
// numbers compare time for the same result.
func BenchmarkScan(b *testing.B) {
	d := Dims{B: 2, L: 512, H: 8, P: 32, G: 1, N: 32}
	r := rand.New(rand.NewPCG(1, 1))
	c := newScanCase(r, d, false)
	y := make([]float32, len(c.x))
	report := func(b *testing.B) {
		b.ReportMetric(4*float64(d.B*d.L*d.H*d.P*d.N)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
	b.Run("sequential", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			SeqScan(y, nil, c.x, c.dt, c.A, c.Bm, c.Cm, nil, d)
		}
		report(b)
	})
	for _, k := range scanKernels {
		for _, q := range []int{16, 64, 256} {
			st := make([]float32, d.B*d.H*(NumChunks(d.L, q)+1)*d.P*d.N)
			b.Run(fmt.Sprintf("%s/Q=%d/forward", k.name, q), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					k.fwd(y, st, c.x, c.dt, c.A, c.Bm, c.Cm, nil, d, q)
				}
				report(b)
			})
			g := newScanGrads(d)
			b.Run(fmt.Sprintf("%s/Q=%d/backward", k.name, q), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					k.bwd(g.dx, g.ddt, g.dA, g.dB, g.dC, y, st, c.x, c.dt, c.A, c.Bm, c.Cm, d, q)
				}
				report(b)
			})
		}
	}
}

// BenchmarkTrainStep times forward + backward of a small Mamba-2 language
// model (D=128, 4 layers, N=32, P=32) on B=4 sequences of 256 tokens.
func BenchmarkTrainStep(b *testing.B) {
	c := DefaultConfig(256, 128, 4)
	c.HeadDim, c.N = 32, 32
	m, _ := NewZero(c)
	m.Init(1)
	r := rand.New(rand.NewPCG(2, 2))
	B, L := 4, 256
	ids := nntest.RandIDs(r, B*L, c.Vocab)
	tg := nn.ShiftLabels(ids, B, L)
	for _, scan := range []Scan{Chunked, Recurrent} {
		m.SetScan(scan)
		b.Run([]string{"chunked", "recurrent"}[scan], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				lm.Loss(m, fp32, ids, tg, B, L, true, 1)
			}
			b.ReportMetric(float64(B*L*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
