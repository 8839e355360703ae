package paper

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/precision"
)

// rowData serves language-modelling micro-batches from packed token rows
// of length T: micro-batch i holds B rows drawn by a generator seeded by
// (seed, i), so it is a pure function of i (exact resume). Position t
// predicts token t+1; padding takes no part in the loss.
type rowData struct {
	rows [][]int
	B, T int
	pad  int
	seed uint64
}

func newRowData(rows [][]int, B, T, pad int, seed uint64) (*rowData, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("no token rows")
	}
	for i, r := range rows {
		if len(r) != T {
			return nil, fmt.Errorf("row %d has %d tokens, want %d", i, len(r), T)
		}
	}
	return &rowData{rows: rows, B: B, T: T, pad: pad, seed: seed}, nil
}

func (d *rowData) Shape() (int, int) { return d.B, d.T }

func (d *rowData) Batch(i int) ([]int, []int) {
	r := rand.New(rand.NewPCG(d.seed, uint64(i)))
	ids := make([]int, d.B*d.T)
	for b := 0; b < d.B; b++ {
		copy(ids[b*d.T:(b+1)*d.T], d.rows[r.IntN(len(d.rows))])
	}
	tg := nn.ShiftLabels(ids, d.B, d.T)
	for j, v := range tg {
		if v == d.pad {
			tg[j] = nn.IgnoreIndex
		}
	}
	return ids, tg
}

// Example is one supervised sequence: the model reads Prompt then Response
// and is trained to predict the Response tokens only (instruction tuning).
type Example struct {
	Prompt, Response []int
}

// sftData serves instruction-tuning micro-batches: each row is one example
// (prompt then response then EOS), cut to T tokens from the left if too
// long and padded with EOS; only response and EOS positions carry targets.
// Micro-batch i draws its examples with a generator seeded by (seed, i).
type sftData struct {
	ex   []Example
	B, T int
	eos  int
	seed uint64
}

func newSFTData(ex []Example, B, T, eos int, seed uint64) (*sftData, error) {
	if len(ex) == 0 {
		return nil, fmt.Errorf("no instruction examples")
	}
	return &sftData{ex: ex, B: B, T: T, eos: eos, seed: seed}, nil
}

func (d *sftData) Shape() (int, int) { return d.B, d.T }

func (d *sftData) Batch(i int) ([]int, []int) {
	r := rand.New(rand.NewPCG(d.seed, uint64(i)))
	ids := make([]int, d.B*d.T)
	tg := make([]int, d.B*d.T)
	for b := 0; b < d.B; b++ {
		fillSFTRow(ids[b*d.T:(b+1)*d.T], tg[b*d.T:(b+1)*d.T], d.ex[r.IntN(len(d.ex))], d.eos)
	}
	return ids, tg
}

// fillSFTRow writes one example (prompt, response, EOS; cut from the left
// to the row's length, padded with EOS) into row, and its targets into
// trow: the response and its EOS, every other position ignored.
func fillSFTRow(row, trow []int, e Example, eos int) {
	seq := append(append(append([]int(nil), e.Prompt...), e.Response...), eos)
	first := len(e.Prompt) // index in seq of the first response token
	if over := len(seq) - len(row); over > 0 {
		seq, first = seq[over:], first-over
	}
	for t := range row {
		row[t], trow[t] = eos, nn.IgnoreIndex
	}
	copy(row, seq)
	// position t predicts seq[t+1]; targets are the response and its EOS,
	// i.e. seq[first:], predicted from positions first-1 .. len(seq)-2
	for t := max(first-1, 0); t+1 < len(seq); t++ {
		trow[t] = seq[t+1]
	}
}

// splitHeldOut holds every k-th example (k > 0) out: the examples to
// train on and the held-out ones. k <= 0 holds nothing out.
func splitHeldOut(ex []Example, k int) (train, held []Example) {
	if k <= 0 {
		return ex, nil
	}
	for i, e := range ex {
		if i%k == k-1 {
			held = append(held, e)
		} else {
			train = append(train, e)
		}
	}
	return train, held
}

// heldOutLoss is m's mean response-token loss over the held-out examples
// in fp32, in batches of B rows of T tokens: each batch's mean weighted by
// its number of target tokens.
func heldOutLoss(m lm.Model, held []Example, B, T, eos int) float64 {
	var sum float64
	var n int
	for lo := 0; lo < len(held); lo += B {
		hi := min(lo+B, len(held))
		ids, tg := make([]int, B*T), make([]int, B*T)
		for i := range tg {
			ids[i], tg[i] = eos, nn.IgnoreIndex
		}
		k := 0
		for b, e := range held[lo:hi] {
			fillSFTRow(ids[b*T:(b+1)*T], tg[b*T:(b+1)*T], e, eos)
		}
		for _, t := range tg {
			if t != nn.IgnoreIndex {
				k++
			}
		}
		if k == 0 {
			continue
		}
		sum += lm.Loss(m, precision.FP32Policy, ids, tg, B, T, false, 1) * float64(k)
		n += k
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}
