package paper

import (
	"fmt"
	"math/rand/v2"

	"github.com/ssmlab/ssmlab/models/nn"
)

// streamData serves language-modelling micro-batches from one long token
// stream: micro-batch i holds B windows of T tokens at positions drawn from
// a generator seeded by (seed, i), so it is a pure function of i (exact
// resume) and every window is a contiguous slice of the corpus.
type streamData struct {
	tokens []int
	B, T   int
	seed   uint64
}

func newStreamData(tokens []int, B, T int, seed uint64) (*streamData, error) {
	if len(tokens) < T+1 {
		return nil, fmt.Errorf("the corpus has %d tokens, fewer than one sequence of %d", len(tokens), T+1)
	}
	return &streamData{tokens: tokens, B: B, T: T, seed: seed}, nil
}

func (d *streamData) Shape() (int, int) { return d.B, d.T }

func (d *streamData) Batch(i int) ([]int, []int) {
	r := rand.New(rand.NewPCG(d.seed, uint64(i)))
	ids := make([]int, d.B*d.T)
	for b := 0; b < d.B; b++ {
		start := r.IntN(len(d.tokens) - d.T + 1)
		copy(ids[b*d.T:(b+1)*d.T], d.tokens[start:start+d.T])
	}
	return ids, nn.ShiftLabels(ids, d.B, d.T)
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
