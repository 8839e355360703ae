package paper

import (
	"fmt"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/nn"
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
		e := d.ex[r.IntN(len(d.ex))]
		seq := append(append(append([]int(nil), e.Prompt...), e.Response...), d.eos)
		first := len(e.Prompt) // index in seq of the first response token
		if over := len(seq) - d.T; over > 0 {
			seq, first = seq[over:], first-over
		}
		row, trow := ids[b*d.T:(b+1)*d.T], tg[b*d.T:(b+1)*d.T]
		for t := range row {
			row[t], trow[t] = d.eos, nn.IgnoreIndex
		}
		copy(row, seq)
		// position t predicts seq[t+1]; targets are the response and its EOS,
		// i.e. seq[first:], predicted from positions first-1 .. len(seq)-2
		for t := max(first-1, 0); t+1 < len(seq); t++ {
			trow[t] = seq[t+1]
		}
	}
	return ids, tg
}
