package summary

// TaskScores is one multiple-choice task evaluated at one shot count: per
// doc, whether acc and acc_norm picked the gold choice, and the summed
// log-likelihood of every choice.
type TaskScores struct {
	Task    string      `json:"task"`
	Family  string      `json:"family"`
	K       int         `json:"k"`
	Acc     []float64   `json:"acc"`      // 1 or 0 per doc
	AccNorm []float64   `json:"acc_norm"` // 1 or 0 per doc
	LL      [][]float64 `json:"ll"`       // per doc, per choice
}

// Scores is the summary.json of an "evalscores" artifact: one model
// evaluated at one precision on every task and shot count.
type Scores struct {
	Model     string       `json:"model"`
	Precision string       `json:"precision"`
	Tasks     []TaskScores `json:"tasks"`
}

// MeanAcc returns the mean acc over every doc of every task at k shots
// (lm-eval's size-weighted group mean), and the number of docs.
func (s Scores) MeanAcc(k int) (float64, int) {
	var sum float64
	n := 0
	for _, t := range s.Tasks {
		if t.K != k {
			continue
		}
		for _, a := range t.Acc {
			sum += a
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}
