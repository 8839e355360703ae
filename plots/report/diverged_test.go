package report

import (
	"math"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/summary"
)

// A diverged fine-tune is counted where Fig. 1's results are reported, and
// its row of the table is marked.
func TestMPFTReportCountsDivergedSettings(t *testing.T) {
	nan := summary.Float(math.NaN())
	m := summary.Model{Name: "mamba-s", Arch: "mamba", Family: "Mamba"}
	sums := []summary.MPFT{
		{Model: m, Method: "full", Precision: "fp32", Shots: []int{0}, Acc: []float64{0.3}, RefAcc: []float64{0.3}},
		{Model: m, Method: "full", Precision: "bf16", Shots: []int{0}, Acc: []float64{0.25}, RefAcc: []float64{0.3},
			MeanKL: nan, MaxAbsLogit: nan, Train: summary.Train{FinalLoss: nan, MeanLastLoss: nan, Diverged: true}, Diverged: true},
	}
	d := collectMPFT(sums)
	c := mpftClaimFrom(d, nil)
	if !strings.Contains(strings.Join(c.Notes, "\n"), "1 of 2 settings diverged in fine-tuning") {
		t.Errorf("claim notes do not count the diverged setting:\n%s", strings.Join(c.Notes, "\n"))
	}
	tab := mpftTable(d)
	marked := 0
	for _, r := range tab.Rows {
		if strings.HasSuffix(r[len(r)-2], "(diverged)") {
			marked++
		}
	}
	if marked != 1 {
		t.Errorf("%d rows marked diverged, want 1: %v", marked, tab.Rows)
	}
}
