package report

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Number formats of the tables and report, the order of precisions, and
// small list helpers.

// fmtPP formats percentage points (or percent) with two decimals.
func fmtPP(v float64) string { return fmtFixed(v, 2) }

func fmtFixed(v float64, dec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// fmtSci formats a small positive quantity (KL, logit differences) in two
// significant digits.
func fmtSci(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// humanCount formats a parameter count: 28.4K, 1.3M, 2.8B.
func humanCount(n float64) string {
	switch {
	case math.IsNaN(n):
		return "—"
	case n >= 1e9:
		return fmtFixed(n/1e9, 1) + "B"
	case n >= 1e6:
		return fmtFixed(n/1e6, 1) + "M"
	case n >= 1e3:
		return fmtFixed(n/1e3, 1) + "K"
	}
	return fmtFixed(n, 0)
}

// sortPrecisions sorts 16-bit precision names: fp16, bf16, then the rest
// by name (fp16-pure, bf16-pure, ...), fp32 last.
func sortPrecisions(ps []string) {
	rank := func(p string) int {
		switch p {
		case "fp16":
			return 0
		case "bf16":
			return 1
		case "fp32":
			return 3
		}
		return 2
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if rank(ps[i]) != rank(ps[j]) {
			return rank(ps[i]) < rank(ps[j])
		}
		return ps[i] < ps[j]
	})
}

// dropNaN returns nil when xs holds no number (no error bars to draw), else
// xs.
func dropNaN(xs []float64) []float64 {
	for _, x := range xs {
		if !math.IsNaN(x) {
			return xs
		}
	}
	return nil
}

// intSet formats shot counts as {0, 1, 3}.
func intSet(ks []int) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = strconv.Itoa(k)
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// uniqStrings returns the distinct strings of xs in first-seen order.
func uniqStrings(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
