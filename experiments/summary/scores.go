package summary

import "encoding/json"

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

// taskScoresJSON is TaskScores with log-likelihoods that may be NaN or
// ±Inf (a diverged model's), written as jsonnum does.
type taskScoresJSON struct {
	plainTaskScores
	LL [][]Float `json:"ll"`
}

type plainTaskScores TaskScores

// MarshalJSON implements json.Marshaler: the fields as declared, with a
// diverged model's non-finite log-likelihoods written as "NaN" or
// "Infinity" instead of failing; finite values are written as before.
func (t TaskScores) MarshalJSON() ([]byte, error) {
	j := taskScoresJSON{plainTaskScores: plainTaskScores(t), LL: make([][]Float, len(t.LL))}
	j.plainTaskScores.LL = nil
	for i, row := range t.LL {
		if row == nil {
			continue
		}
		j.LL[i] = make([]Float, len(row))
		for c, v := range row {
			j.LL[i][c] = Float(v)
		}
	}
	if t.LL == nil {
		j.LL = nil
	}
	return json.Marshal(j)
}

// UnmarshalJSON implements json.Unmarshaler, reading what MarshalJSON wrote.
func (t *TaskScores) UnmarshalJSON(b []byte) error {
	var j taskScoresJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*t = TaskScores(j.plainTaskScores)
	t.LL = nil
	if j.LL != nil {
		t.LL = make([][]float64, len(j.LL))
	}
	for i, row := range j.LL {
		if row == nil {
			continue
		}
		t.LL[i] = make([]float64, len(row))
		for c, v := range row {
			t.LL[i][c] = float64(v)
		}
	}
	return nil
}
