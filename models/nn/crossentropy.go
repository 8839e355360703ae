package nn

import (
	"math"

	"github.com/ssmlab/ssmlab/models/internal/kern"
	"github.com/ssmlab/ssmlab/models/internal/scratch"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// IgnoreIndex marks a target that takes no part in the loss (PyTorch's -100).
const IgnoreIndex = -100

// ShiftLabels returns the per-position targets of causal language modelling
// as Hugging Face computes them with labels = input ids: position t of each
// sequence predicts token t+1, and the last position is ignored.
func ShiftLabels(ids []int, batch, length int) []int {
	tg := make([]int, batch*length)
	for b := 0; b < batch; b++ {
		for t := 0; t < length; t++ {
			if t+1 < length {
				tg[b*length+t] = ids[b*length+t+1]
			} else {
				tg[b*length+t] = IgnoreIndex
			}
		}
	}
	return tg
}

// CrossEntropy returns the mean over non-ignored rows of −log softmax(logits)
// [target] from float32 logits (rows x V): per row, the max-shifted
// exponentials in float32 (kern.ExpShift, within 2 ulp) summed in float32
// lanes, the log and the mean in float64. If dlogits is non-nil it receives
// d loss / d logits scaled by scale (the loss scale of fp16 training; 1
// otherwise); ignored rows get zero. It returns the number of counted rows
// too. Rows run in parallel; the loss sums them in row order, so it does
// not depend on GOMAXPROCS.
func CrossEntropy(dlogits, logits []float32, targets []int, rows, V int, scale float32) (loss float64, count int) {
	for _, t := range targets[:rows] {
		if t != IgnoreIndex {
			count++
		}
	}
	if count == 0 {
		if dlogits != nil {
			clear(dlogits[:rows*V])
		}
		return 0, 0
	}
	inv := 1 / float64(count)
	sc := ceScratch.Get()
	defer ceScratch.Put(sc)
	if cap(*sc) < rows {
		*sc = make([]float64, rows)
	}
	losses := (*sc)[:rows]
	tensor.Parallel(rows, 16, func(lo, hi int) {
		var tmp []float32
		for r := lo; r < hi; r++ {
			row := logits[r*V : (r+1)*V]
			t := targets[r]
			if t == IgnoreIndex {
				losses[r] = 0
				if dlogits != nil {
					clear(dlogits[r*V : (r+1)*V])
				}
				continue
			}
			m := kern.Max(row)
			e := tmp
			if dlogits != nil {
				e = dlogits[r*V : (r+1)*V]
			} else if e == nil {
				tmp = make([]float32, V)
				e = tmp
			}
			s := kern.ExpShift(e, row, m)
			losses[r] = float64(m) + math.Log(s) - float64(row[t])
			if dlogits != nil {
				c := float32(inv * float64(scale) / s)
				for j := range e {
					e[j] *= c
				}
				e[t] -= float32(inv * float64(scale))
			}
		}
	})
	for _, l := range losses {
		loss += l
	}
	return loss * inv, count
}

var ceScratch scratch.List[[]float64]
