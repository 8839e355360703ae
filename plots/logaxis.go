package plots

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// Log axes are drawn as linear axes over log10 of the data, with ticks
// labelled in data units. gonum's LogScale panics on values <= 0 and
// centres the y label's glyph box at the arithmetic midpoint of the range,
// which on a log axis pushes the data area down; log10 space has neither
// problem. A value <= 0 has no place on a log axis and is not drawn.

// logPanel returns pn with its log axes' values mapped to log10.
func logPanel(pn Panel) Panel {
	if !pn.LogX && !pn.LogY {
		return pn
	}
	ser := make([]Series, len(pn.Series))
	for i, s := range pn.Series {
		if pn.LogX {
			s.X = log10s(s.X)
		}
		if pn.LogY {
			s.Y, s.Lo, s.Hi = log10s(s.Y), log10s(s.Lo), log10s(s.Hi)
		}
		ser[i] = s
	}
	pn.Series = ser
	if pn.LogY {
		hl := make([]HLine, len(pn.HLines))
		for i, h := range pn.HLines {
			h.Y = log10(h.Y)
			hl[i] = h
		}
		pn.HLines = hl
	}
	return pn
}

func log10(v float64) float64 {
	if v > 0 {
		return math.Log10(v)
	}
	return math.NaN()
}

func log10s(xs []float64) []float64 {
	if xs == nil {
		return nil
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = log10(x)
	}
	return out
}

// log10Ticks ticks an axis in log10 units: a labelled major tick at every
// power of ten, minor ticks at 2..9 times it. When fewer than two powers of
// ten fall in the range, the 2x and 5x ticks are labelled too; when still
// fewer than two labels show, every tick is; and when even that is fewer
// than two, the axis gets linear ticks in data units.
type log10Ticks struct{}

// Ticks implements plot.Ticker.
func (log10Ticks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(min); e <= math.Ceil(max); e++ {
		for m := 1; m <= 9; m++ {
			if v := e + math.Log10(float64(m)); v >= min-1e-9 && v <= max+1e-9 {
				ts = append(ts, plot.Tick{Value: v, Label: map[bool]string{true: "x"}[m == 1]})
			}
		}
	}
	label := func(keep func(m int) bool) int {
		n := 0
		for i := range ts {
			m := int(math.Round(math.Pow(10, ts[i].Value-math.Floor(ts[i].Value+1e-9))))
			if ts[i].Label != "" || keep(m) {
				ts[i].Label = shortNumber(math.Pow(10, ts[i].Value))
				n++
			}
		}
		return n
	}
	if label(func(int) bool { return false }) < 2 && label(func(m int) bool { return m == 2 || m == 5 }) < 2 &&
		label(func(int) bool { return true }) < 2 {
		return linearTicksInLog(min, max)
	}
	return ts
}

// linearTicksInLog ticks a range narrower than a factor of two in data
// units (gonum's default ticks), placed in log10 space.
func linearTicksInLog(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(math.Pow(10, min), math.Pow(10, max)) {
		if t.Value > 0 {
			if t.Label != "" {
				t.Label = shortNumber(t.Value)
			}
			t.Value = math.Log10(t.Value)
			ts = append(ts, t)
		}
	}
	return ts
}

// linearTicks are gonum's default ticks with labels in as few decimals as
// the labelled values need, all alike ("2500", not "2500.00"; "0.5", "1.0"),
// "25k" rather than "25000" from ten thousand up, and "2e-09" below 0.001.
type linearTicks struct{}

// Ticks implements plot.Ticker.
func (linearTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	mag := math.Max(math.Abs(min), math.Abs(max))
	short := mag >= 1e4 || mag < 1e-3 // 25k; 2e-09
	dec := 0
	for _, t := range ts {
		for t.Label != "" && dec < 6 && math.Abs(t.Value-roundTo(t.Value, dec)) > 1e-9*math.Max(1, math.Abs(t.Value)) {
			dec++
		}
	}
	for i := range ts {
		switch {
		case ts[i].Label == "":
		case short:
			ts[i].Label = shortNumber(ts[i].Value)
		default:
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', dec, 64)
		}
	}
	return ts
}

func roundTo(v float64, dec int) float64 {
	p := math.Pow(10, float64(dec))
	return math.Round(v*p) / p
}

// shortNumber formats a tick value in three significant digits, with k, M
// and G suffixes from a thousand up: 1e-05, 0.002, 30, 100k, 2.5M.
func shortNumber(v float64) string {
	if a := math.Abs(v); a >= 1e3 && a < 1e12 {
		exp := int(math.Floor(math.Log10(a)+1e-9)) / 3
		return strconv.FormatFloat(v/math.Pow(10, float64(3*exp)), 'g', 3, 64) + []string{"", "k", "M", "G"}[exp]
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
