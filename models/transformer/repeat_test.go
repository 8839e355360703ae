package transformer

import (
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"math/rand/v2"
	"testing"
)

// A prompt cached once and repeated continues each copy as the whole
// sequence's Forward would.
func TestCacheRepeat(t *testing.T) {
	for name, m := range tinyModels(t) {
		r := rand.New(rand.NewPCG(3, 4))
		V, P, n := m.VocabSize(), 5, 3
		ctx := nntest.RandIDs(r, 2*P, V)
		conts := nntest.RandIDs(r, 2*3*n, V) // 3 continuations of each of 2 prompts
		c := m.NewCache(2)
		m.Step(fp32, c, ctx)
		got := append([]float32(nil), m.Step(fp32, c.Repeat(3), conts)...)
		for row := 0; row < 6; row++ {
			b := row / 3
			seq := append(append([]int(nil), ctx[b*P:(b+1)*P]...), conts[row*n:(row+1)*n]...)
			full := m.Forward(fp32, seq, 1, P+n)
			for i := 0; i < n; i++ {
				if e := maxDiff(got[(row*n+i)*V:(row*n+i+1)*V], full[(P+i)*V:(P+i+1)*V]); e > 1e-5 {
					t.Fatalf("%s row %d position %d differs by %.3g", name, row, i, e)
				}
			}
		}
	}
}
