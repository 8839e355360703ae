package report

import (
	"fmt"
	"math"

	"github.com/ssmlab/ssmlab/metrics/bootstrap"
)

// Per-setting outcomes and how they tally into a claim's verdict.

// Outcomes of one setting under marginVerdict.
const (
	settingPass = iota
	settingFail
	settingInconclusive
)

// marginVerdict judges "the SSM diverges no more than the Transformers"
// from the interval of SSM − Transformers' mean and a margin (what counts
// as more): passes when the whole interval lies at or below the margin,
// fails when it lies wholly above, and is inconclusive when it straddles
// the margin or is undefined (one seed).
func marginVerdict(diff bootstrap.Interval, margin float64) int {
	switch {
	case math.IsNaN(diff.Lo) || math.IsNaN(diff.Hi) || math.IsNaN(margin):
		return settingInconclusive
	case diff.Hi <= margin:
		return settingPass
	case diff.Lo > margin:
		return settingFail
	}
	return settingInconclusive
}

// outcomeWord names a setting's outcome in the report.
var outcomeWord = [3]string{"passes", "fails", "inconclusive"}

// tallyOutcomes turns per-setting outcomes into a verdict: reproduces when
// every setting passes, partly when some do, does not when none does and
// some fail, inconclusive when every setting is inconclusive, not run when
// there is none.
func tallyOutcomes(outcomes []int) string {
	var n [3]int
	for _, o := range outcomes {
		n[o]++
	}
	switch {
	case len(outcomes) == 0:
		return NotRun
	case n[settingPass] == len(outcomes):
		return Reproduces
	case n[settingPass] > 0:
		return Partly
	case n[settingFail] > 0:
		return DoesNot
	}
	return Inconclusive
}

// ciText formats an interval of points: "0.12 [−0.05, 0.30]", or
// "0.12 [no CI: one seed]".
func ciText(iv bootstrap.Interval) string {
	if math.IsNaN(iv.Lo) {
		return fmtPP(iv.Estimate) + " [no CI: fewer than 2 seeds]"
	}
	return fmt.Sprintf("%s [%s, %s]", fmtPP(iv.Estimate), fmtPP(iv.Lo), fmtPP(iv.Hi))
}

// tally turns per-setting passes into a verdict: every setting passes,
// some do, none does, or nothing to compare.
func tally(pass, n int) string {
	switch {
	case n == 0:
		return NotRun
	case pass == n:
		return Reproduces
	case pass > 0:
		return Partly
	}
	return DoesNot
}
