package plots

import (
	"bytes"
	"image/color"
	"math"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Palette is Okabe and Ito's colour-blind-safe palette.
var Palette = []color.RGBA{
	{0, 114, 178, 255},   // blue
	{213, 94, 0, 255},    // vermillion
	{0, 158, 115, 255},   // bluish green
	{204, 121, 167, 255}, // reddish purple
	{230, 159, 0, 255},   // orange
	{86, 180, 233, 255},  // sky blue
	{0, 0, 0, 255},       // black
	{240, 228, 66, 255},  // yellow
}

func colorOf(i int) color.RGBA { return Palette[((i%len(Palette))+len(Palette))%len(Palette)] }

// faded is c at 25% opacity (non-premultiplied), for bands.
func faded(c color.RGBA) color.NRGBA { return color.NRGBA{R: c.R, G: c.G, B: c.B, A: 64} }

// Write renders the figure to dir/name.svg and dir/name.png atomically.
func (f Figure) Write(dir string) error {
	if err := f.Validate(); err != nil {
		return err
	}
	cols := max(1, f.Cols)
	rows := (len(f.Panels) + cols - 1) / cols
	w, h := f.Width, f.Height
	if w == 0 {
		w = 4.5 * float64(cols)
	}
	if h == 0 {
		h = 3.6 * float64(rows)
	}
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
		for c := range grid[r] {
			if i := r*cols + c; i < len(f.Panels) {
				grid[r][c] = buildPanel(f.Panels[i])
			}
		}
	}
	W, H := vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch
	for _, format := range []string{"svg", "png"} {
		var canvas vg.CanvasWriterTo
		if format == "svg" {
			canvas = vgsvg.New(W, H)
		} else {
			canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(W, H), vgimg.UseDPI(150))}
		}
		dc := draw.New(canvas)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 6,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 3}
		canvases := plot.Align(grid, tiles, dc)
		for r := range grid {
			for c, p := range grid[r] {
				if p != nil {
					p.Draw(canvases[r][c])
				}
			}
		}
		var buf bytes.Buffer
		if _, err := canvas.WriteTo(&buf); err != nil {
			return err
		}
		if err := fsx.WriteFileAtomic(filepath.Join(dir, f.Name+"."+format), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func buildPanel(pn Panel) *plot.Plot {
	p := plot.New()
	p.Title.Text = pn.Title
	if pn.Note != "" {
		p.Title.Text += "\n" + pn.Note
	}
	p.X.Label.Text, p.Y.Label.Text = pn.XLabel, pn.YLabel
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Add(plotter.NewGrid())
	if pn.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	if pn.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	if len(pn.Categories) > 0 {
		addBars(p, pn)
	}
	for _, s := range pn.Series {
		addSeries(p, s, pn.LogY)
	}
	if n := len(pn.Categories); n > 0 {
		// Series on a categorical panel (a dot plot) put category i at x = i.
		p.NominalX(pn.Categories...)
		p.X.Min, p.X.Max = min(p.X.Min, -0.5), max(p.X.Max, float64(n)-0.5)
	}
	headroom(p, pn.LogY)
	for _, hl := range pn.HLines {
		xmin, xmax := p.X.Min, p.X.Max
		if xmin == xmax {
			xmin, xmax = 0, 1
		}
		l, _ := plotter.NewLine(plotter.XYs{{X: xmin, Y: hl.Y}, {X: xmax, Y: hl.Y}})
		l.Color = color.Gray{Y: 110}
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(3)}
		p.Add(l)
		if hl.Label != "" {
			p.Legend.Add(hl.Label, l)
		}
	}
	return p
}

// logTicks are gonum's log ticks with short labels ("1e-05", "100k", not
// "9.999999999999999e-05" or "1e+05"); when the axis spans less than a
// decade, the ticks at 2x and 5x powers of ten are labelled too, so that
// every log axis has at least two labels.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.LogTicks{Prec: -1}.Ticks(min, max)
	labelled := 0
	for _, t := range ts {
		if t.Label != "" && t.Value >= min && t.Value <= max {
			labelled++
		}
	}
	in := 0
	for i := range ts {
		m := ts[i].Value / math.Pow(10, math.Floor(math.Log10(ts[i].Value)+1e-9))
		near := func(x float64) bool { return math.Abs(m-x) < 1e-6 }
		if ts[i].Label != "" || (labelled < 2 && (near(2) || near(5))) {
			ts[i].Label = shortNumber(ts[i].Value)
			if ts[i].Value >= min && ts[i].Value <= max {
				in++
			}
		}
	}
	if in < 2 { // less than a factor of 5: label every tick
		for i := range ts {
			ts[i].Label = shortNumber(ts[i].Value)
		}
	}
	return ts
}

// shortNumber formats a tick value in at most three significant digits,
// with k, M and G suffixes from a thousand up.
func shortNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e3 && a < 1e12:
		exp := int(math.Floor(math.Log10(a)+1e-9)) / 3
		return strconv.FormatFloat(v/math.Pow(10, float64(3*exp)), 'g', 3, 64) + []string{"", "k", "M", "G"}[exp]
	case a == 0 || (a >= 1e-3 && a < 1e3):
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// headroom raises the top of the y axis so the legend, drawn in the top
// right corner, does not cover the data.
func headroom(p *plot.Plot, logY bool) {
	lo, hi := p.Y.Min, p.Y.Max
	if !(hi > lo) {
		return
	}
	if logY && lo > 0 {
		p.Y.Max = hi * math.Pow(hi/lo, 0.35)
		return
	}
	p.Y.Max = hi + 0.3*(hi-lo)
}

func positive(v float64, logY bool) bool { return !logY || v > 0 }

func addSeries(p *plot.Plot, s Series, logY bool) {
	c := colorOf(s.Color)
	var pts plotter.XYs
	for i := range s.X {
		if !math.IsNaN(s.Y[i]) && !math.IsInf(s.Y[i], 0) && positive(s.Y[i], logY) {
			pts = append(pts, plotter.XY{X: s.X[i], Y: s.Y[i]})
		}
	}
	if len(pts) == 0 {
		return
	}
	if s.Lo != nil && s.Hi != nil && !s.Points {
		in := func(i int) bool { return finite(s.Lo[i]) && finite(s.Hi[i]) && positive(s.Lo[i], logY) }
		var poly plotter.XYs
		for i := range s.X {
			if in(i) {
				poly = append(poly, plotter.XY{X: s.X[i], Y: s.Hi[i]})
			}
		}
		for i := len(s.X) - 1; i >= 0; i-- {
			if in(i) {
				poly = append(poly, plotter.XY{X: s.X[i], Y: s.Lo[i]})
			}
		}
		if len(poly) >= 3 {
			band, err := plotter.NewPolygon(poly)
			if err == nil {
				band.Color, band.LineStyle.Width = faded(c), 0
				p.Add(band)
			}
		}
	}
	var thumbs []plot.Thumbnailer
	if !s.NoLine {
		l, _ := plotter.NewLine(pts)
		l.Color, l.Width = c, vg.Points(1.5)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		thumbs = append(thumbs, l)
	}
	if s.Points {
		sc, _ := plotter.NewScatter(pts)
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = c, vg.Points(2.5), draw.CircleGlyph{}
		p.Add(sc)
		thumbs = append(thumbs, sc)
		if s.Lo != nil && s.Hi != nil {
			addErrorBars(p, s, c, logY)
		}
	}
	if s.Label != "" {
		p.Legend.Add(s.Label, thumbs...)
	}
}

type yerr struct {
	plotter.XYs
	plotter.YErrors
}

func addErrorBars(p *plot.Plot, s Series, c color.RGBA, logY bool) {
	var e yerr
	for i := range s.X {
		if !finite(s.Y[i]) || !finite(s.Lo[i]) || !finite(s.Hi[i]) || !positive(s.Lo[i], logY) {
			continue
		}
		e.XYs = append(e.XYs, plotter.XY{X: s.X[i], Y: s.Y[i]})
		e.YErrors = append(e.YErrors, struct{ Low, High float64 }{s.Y[i] - s.Lo[i], s.Hi[i] - s.Y[i]})
	}
	if len(e.XYs) == 0 {
		return
	}
	if eb, err := plotter.NewYErrorBars(e); err == nil {
		eb.LineStyle.Color = c
		p.Add(eb)
	}
}

// addBars draws each group's bars side by side around the category's x
// position, with error bars from Lo to Hi where set. A NaN value (no
// result) draws no bar; a zero draws a flat outline, so the two differ.
func addBars(p *plot.Plot, pn Panel) {
	n := len(pn.Bars)
	width := vg.Points(max(4, 40/float64(max(1, n))))
	for i, b := range pn.Bars {
		c := colorOf(b.Color)
		offset := vg.Length(float64(i)-float64(n-1)/2) * width
		var thumb plot.Thumbnailer
		for j, v := range b.Values {
			if !finite(v) || !positive(v, pn.LogY) {
				continue
			}
			bc, err := plotter.NewBarChart(plotter.Values{v}, width)
			if err != nil {
				continue
			}
			bc.Color, bc.XMin, bc.Offset = c, float64(j), offset
			bc.LineStyle.Color, bc.LineStyle.Width = c, vg.Points(0.8)
			p.Add(bc)
			thumb = bc
		}
		if b.Lo != nil && b.Hi != nil {
			p.Add(barErrors{lo: b.Lo, hi: b.Hi, offset: offset, logY: pn.LogY})
		}
		if thumb != nil {
			p.Legend.Add(b.Label, thumb)
		}
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// barErrors draws one bar group's error bars at its bars' centres: the
// bars are offset in page units, which plotter.YErrorBars cannot follow.
type barErrors struct {
	lo, hi []float64
	offset vg.Length
	logY   bool
}

func (e barErrors) ok(j int) bool {
	return j < len(e.hi) && finite(e.lo[j]) && finite(e.hi[j]) && positive(e.lo[j], e.logY)
}

// Plot implements plot.Plotter.
func (e barErrors) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	style := draw.LineStyle{Color: color.Gray{Y: 40}, Width: vg.Points(0.8)}
	tick := vg.Points(2.5)
	for j := range e.lo {
		if !e.ok(j) {
			continue
		}
		x, lo, hi := trX(float64(j))+e.offset, trY(e.lo[j]), trY(e.hi[j])
		c.StrokeLines(style, []vg.Point{{X: x, Y: lo}, {X: x, Y: hi}},
			[]vg.Point{{X: x - tick, Y: lo}, {X: x + tick, Y: lo}}, []vg.Point{{X: x - tick, Y: hi}, {X: x + tick, Y: hi}})
	}
}

// DataRange implements plot.DataRanger, so the axes include the bars' ends.
func (e barErrors) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = 0, float64(max(0, len(e.lo)-1)), math.Inf(1), math.Inf(-1)
	for j := range e.lo {
		if e.ok(j) {
			ymin, ymax = min(ymin, e.lo[j]), max(ymax, e.hi[j])
		}
	}
	if ymin > ymax {
		ymin, ymax = 0, 0
		if e.logY {
			ymin, ymax = 1, 1
		}
	}
	return
}
