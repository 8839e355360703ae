package plots

import (
	"bytes"
	"image/color"
	"math"
	"path/filepath"

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

// faded is c at 20% opacity (non-premultiplied), for bands.
func faded(c color.RGBA) color.NRGBA { return color.NRGBA{R: c.R, G: c.G, B: c.B, A: 51} }

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
	// Legends go in a strip right of each panel's axes, never over data:
	// each plot's legend is taken out and drawn there, and the figure
	// widens by the widest legend per column.
	legends := make([][]plot.Legend, rows)
	var legendW vg.Length
	for r := range grid {
		legends[r] = make([]plot.Legend, cols)
		for c, p := range grid[r] {
			if p == nil {
				continue
			}
			legends[r][c] = p.Legend
			p.Legend = plot.NewLegend()
			rect := legends[r][c].Rectangle(draw.Canvas{})
			legendW = max(legendW, rect.Max.X-rect.Min.X)
		}
	}
	strip := vg.Length(0)
	if legendW > 0 {
		strip = legendW + 3*vg.Millimeter
	}
	W, H := vg.Length(w)*vg.Inch+strip*vg.Length(cols), vg.Length(h)*vg.Inch
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
				if p == nil {
					continue
				}
				cv := canvases[r][c]
				if strip > 0 {
					lc := cv
					cv.Max.X -= strip
					lc.Min.X = cv.Max.X + 3*vg.Millimeter
					leg := legends[r][c]
					leg.Top, leg.Left = true, true
					leg.Draw(lc)
				}
				p.Draw(cv)
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
	pn = logPanel(pn)
	p := plot.New()
	p.Title.Text = pn.Title
	if pn.Note != "" {
		p.Title.Text += "\n" + pn.Note
	}
	p.X.Label.Text, p.Y.Label.Text = pn.XLabel, pn.YLabel
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Add(plotter.NewGrid())
	p.X.Tick.Marker, p.Y.Tick.Marker = linearTicks{}, linearTicks{}
	if pn.LogY {
		p.Y.Tick.Marker = log10Ticks{}
	}
	if pn.LogX {
		p.X.Tick.Marker = log10Ticks{}
	}
	if len(pn.XTicks) > 0 && !pn.LogX {
		var ts plot.ConstantTicks
		for _, x := range pn.XTicks {
			ts = append(ts, plot.Tick{Value: x, Label: shortNumber(x)})
		}
		p.X.Tick.Marker = ts
	}
	if len(pn.Categories) > 0 {
		addBars(p, pn)
	}
	for _, s := range pn.Series {
		addBand(p, s)
	}
	for _, s := range pn.Series {
		addSeries(p, s)
	}
	if n := len(pn.Categories); n > 0 {
		// Series on a categorical panel (a dot plot) put category i at x = i.
		p.NominalX(pn.Categories...)
		p.X.Min, p.X.Max = min(p.X.Min, -0.5), max(p.X.Max, float64(n)-0.5)
	} else if lo, hi := p.X.Min, p.X.Max; hi > lo && pn.LogX {
		// Room at both ends, so that no marker sits on the frame.
		p.X.Min, p.X.Max = lo-0.04*(hi-lo), hi+0.04*(hi-lo)
	}
	headroom(p, len(pn.Bars) > 0)
	for _, hl := range pn.HLines {
		xmin, xmax := p.X.Min, p.X.Max
		if !(xmax > xmin) || !finite(xmin) || !finite(xmax) { // no data
			xmin, xmax = 0, 1
		}
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: hl.Y}, {X: xmax, Y: hl.Y}})
		if err != nil { // a reference line at NaN
			continue
		}
		l.Color = color.Gray{Y: 110}
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(3)}
		p.Add(l)
		if hl.Label != "" {
			p.Legend.Add(hl.Label, l)
		}
	}
	return p
}

// headroom leaves a little room above the data (the legend is drawn
// outside the axes, see Write). Without bars (which stand on zero), the
// bottom gets a little room too, so that no point sits on the x axis.
func headroom(p *plot.Plot, bars bool) {
	if lo, hi := p.Y.Min, p.Y.Max; hi > lo {
		p.Y.Max = hi + 0.05*(hi-lo)
		if !bars {
			p.Y.Min = lo - 0.05*(hi-lo)
		}
	}
}

// addBand draws a series' band (unless it has points, which get error
// bars). Every band is drawn before any line, so that no band hides a line.
func addBand(p *plot.Plot, s Series) {
	if s.Lo == nil || s.Hi == nil || s.Points {
		return
	}
	in := func(i int) bool { return finite(s.Y[i]) && finite(s.Lo[i]) && finite(s.Hi[i]) }
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
		if band, err := plotter.NewPolygon(poly); err == nil {
			band.Color, band.LineStyle.Width = faded(colorOf(s.Color)), 0
			p.Add(band)
		}
	}
}

func addSeries(p *plot.Plot, s Series) {
	c := colorOf(s.Color)
	var pts plotter.XYs
	for i := range s.X {
		if finite(s.X[i]) && finite(s.Y[i]) {
			pts = append(pts, plotter.XY{X: s.X[i], Y: s.Y[i]})
		}
	}
	if len(pts) == 0 {
		return
	}
	var thumbs []plot.Thumbnailer
	if !s.NoLine {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return
		}
		l.Color, l.Width = c, vg.Points(1.5)
		if s.Dotted {
			l.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
		}
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		thumbs = append(thumbs, l)
	}
	if s.Points {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = c, vg.Points(2.5), glyph(s.Marker)
		p.Add(sc)
		thumbs = append(thumbs, sc)
		if s.Lo != nil && s.Hi != nil {
			addErrorBars(p, s, c)
		}
	}
	if s.Label != "" {
		p.Legend.Add(s.Label, thumbs...)
	}
}

func glyph(marker string) draw.GlyphDrawer {
	switch marker {
	case "square":
		return draw.SquareGlyph{}
	case "triangle":
		return draw.TriangleGlyph{}
	case "ring":
		return draw.RingGlyph{}
	case "cross":
		return draw.CrossGlyph{}
	}
	return draw.CircleGlyph{}
}

type yerr struct {
	plotter.XYs
	plotter.YErrors
}

func addErrorBars(p *plot.Plot, s Series, c color.RGBA) {
	var e yerr
	for i := range s.X {
		if !finite(s.Y[i]) || !finite(s.Lo[i]) || !finite(s.Hi[i]) {
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
			if !finite(v) {
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
			p.Add(barErrors{lo: b.Lo, hi: b.Hi, offset: offset})
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
}

func (e barErrors) ok(j int) bool {
	return j < len(e.hi) && finite(e.lo[j]) && finite(e.hi[j])
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
	}
	return
}
