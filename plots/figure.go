package plots

import (
	"encoding/json"
	"fmt"
	"math"
)

// Series is one line (or set of points) in a panel, with an optional band
// (a confidence interval, or the Theorem 1 bound) from Lo to Hi.
type Series struct {
	Label  string    `json:"label"`
	X      []float64 `json:"x"`
	Y      []float64 `json:"y"`
	Lo     []float64 `json:"lo,omitempty"` // lower edge of the band or error bar
	Hi     []float64 `json:"hi,omitempty"` // upper edge
	Dashed bool      `json:"dashed,omitempty"`
	Dotted bool      `json:"dotted,omitempty"` // a third line style (Dashed wins)
	Points bool      `json:"points,omitempty"` // draw markers (and error bars, if Lo/Hi are set, instead of a band)
	NoLine bool      `json:"no_line,omitempty"`
	Marker string    `json:"marker,omitempty"` // with Points: circle (default), square, triangle, ring, cross
	Color  int       `json:"color"`            // palette index
}

// Bars is a group of bars, one per category of its panel.
type Bars struct {
	Label  string    `json:"label"`
	Values []float64 `json:"values"`
	Lo     []float64 `json:"lo,omitempty"`
	Hi     []float64 `json:"hi,omitempty"`
	Color  int       `json:"color"`
}

// Panel is one set of axes. It draws Series as lines, or, when Categories
// is set, Bars as grouped bars over those categories (and Series as dots at
// x = category index). LogX and LogY draw log10 axes; values <= 0 are not
// drawn on them, and bars cannot use them.
type Panel struct {
	Title      string    `json:"title"`
	XLabel     string    `json:"x_label"`
	YLabel     string    `json:"y_label"`
	LogX       bool      `json:"log_x,omitempty"`
	LogY       bool      `json:"log_y,omitempty"`
	XTicks     []float64 `json:"x_ticks,omitempty"` // labelled x ticks (e.g. the shot counts); default: automatic
	Series     []Series  `json:"series,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Bars       []Bars    `json:"bars,omitempty"`
	HLines     []HLine   `json:"hlines,omitempty"`
	Note       string    `json:"note,omitempty"` // shown under the title
}

// HLine is a horizontal reference line (chance level, zero, a paper value).
type HLine struct {
	Y     float64 `json:"y"`
	Label string  `json:"label"`
}

// Figure is a named grid of panels, written as name.svg and name.png.
type Figure struct {
	Name    string  `json:"name"`
	Caption string  `json:"caption"`
	Cols    int     `json:"cols"`
	Panels  []Panel `json:"panels"`
	Width   float64 `json:"width_in"`  // inches; default 4.5 per column
	Height  float64 `json:"height_in"` // inches; default 3.6 per row
}

// Data returns the figure's content as indented JSON with values rounded to
// 6 significant digits: what golden tests compare (not pixels).
func (f Figure) Data() []byte {
	r := f
	r.Panels = append([]Panel(nil), f.Panels...)
	for i := range r.Panels {
		p := &r.Panels[i]
		p.Series = append([]Series(nil), p.Series...)
		for j := range p.Series {
			s := &p.Series[j]
			s.X, s.Y, s.Lo, s.Hi = round6(s.X), round6(s.Y), round6(s.Lo), round6(s.Hi)
		}
		p.Bars = append([]Bars(nil), p.Bars...)
		for j := range p.Bars {
			b := &p.Bars[j]
			b.Values, b.Lo, b.Hi = round6(b.Values), round6(b.Lo), round6(b.Hi)
		}
	}
	out, _ := json.MarshalIndent(r, "", " ")
	return out
}

func round6(x []float64) []float64 {
	if x == nil {
		return nil
	}
	out := make([]float64, len(x))
	for i, v := range x {
		if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			out[i] = v
			if math.IsNaN(v) || math.IsInf(v, 0) {
				out[i] = 0 // JSON has no NaN/Inf; golden data records them as 0
			}
			continue
		}
		e := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(v))))
		out[i] = math.Round(v*e) / e
	}
	return out
}

// Validate reports series whose lengths disagree.
func (f Figure) Validate() error {
	for _, p := range f.Panels {
		for _, s := range p.Series {
			if len(s.X) != len(s.Y) || (s.Lo != nil && len(s.Lo) != len(s.Y)) || (s.Hi != nil && len(s.Hi) != len(s.Y)) {
				return fmt.Errorf("figure %s, panel %q, series %q: x, y, lo, hi lengths %d, %d, %d, %d",
					f.Name, p.Title, s.Label, len(s.X), len(s.Y), len(s.Lo), len(s.Hi))
			}
		}
		if p.LogY && len(p.Bars) > 0 {
			return fmt.Errorf("figure %s, panel %q: bars on a log axis are not drawn; use a dot plot (Series with Points over Categories)", f.Name, p.Title)
		}
		for _, b := range p.Bars {
			if len(b.Values) != len(p.Categories) || (b.Lo != nil && len(b.Lo) != len(b.Values)) || (b.Hi != nil && len(b.Hi) != len(b.Values)) {
				return fmt.Errorf("figure %s, panel %q, bars %q: %d values (lo %d, hi %d) for %d categories",
					f.Name, p.Title, b.Label, len(b.Values), len(b.Lo), len(b.Hi), len(p.Categories))
			}
		}
	}
	return nil
}
