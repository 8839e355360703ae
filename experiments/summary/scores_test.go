package summary

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// Scores of a diverged model hold NaN log-likelihoods: they are written
// (as jsonnum writes them) and read back, and finite scores read back as
// exactly the values a plain float64 field holds.
func TestTaskScoresJSONWithNaN(t *testing.T) {
	type plain struct {
		Task    string      `json:"task"`
		Family  string      `json:"family"`
		K       int         `json:"k"`
		Acc     []float64   `json:"acc"`
		AccNorm []float64   `json:"acc_norm"`
		LL      [][]float64 `json:"ll"`
	}
	fin := TaskScores{Task: "a/b", Family: "a", K: 1, Acc: []float64{1, 0}, AccNorm: []float64{0, 1}, LL: [][]float64{{-1.25, -3e-7}, {-12345.678901234567, 0}}}
	got, err := json.MarshalIndent(Scores{Tasks: []TaskScores{fin}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.MarshalIndent(struct {
		Model     string  `json:"model"`
		Precision string  `json:"precision"`
		Tasks     []plain `json:"tasks"`
	}{Tasks: []plain{plain(fin)}}, "", "  ")
	var gotV, wantV any
	if err := json.Unmarshal(got, &gotV); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(want, &wantV)
	if !reflect.DeepEqual(gotV, wantV) {
		t.Errorf("finite scores:\n%s\nwant the values of\n%s", got, want)
	}
	nan := fin
	nan.LL = [][]float64{{math.NaN(), math.Inf(-1)}, {1, 2}}
	b, err := json.Marshal(nan)
	if err != nil {
		t.Fatal(err)
	}
	var back TaskScores
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.LL[0][0]) || !math.IsInf(back.LL[0][1], -1) || back.LL[1][1] != 2 || back.Task != "a/b" || back.Acc[0] != 1 {
		t.Errorf("round trip: %s -> %+v", b, back)
	}
}
