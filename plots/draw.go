package plots

import (
	"bytes"
	"image/color"
	"math"
	"path/filepath"
	"strconv"
	"strings"

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
	p.X.Tick.Marker, p.Y.Tick.Marker = linearTicks{}, linearTicks{}
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
	headroom(p, pn.LogY)
	if pn.LogY && !(p.Y.Min > 0) { // nothing positive to show: a log axis cannot be drawn
		p.Y.Scale, p.Y.Tick.Marker = plot.LinearScale{}, linearTicks{}
	}
	if pn.LogX && !(p.X.Min > 0) {
		p.X.Scale, p.X.Tick.Marker = plot.LinearScale{}, linearTicks{}
	}
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

// logTicks is plot.LogTicks with labels of 3 significant digits (its own
// print powers of ten as computed, 9.999999999999999e-05), and with the
// 2× and 5× ticks labelled too when the axis spans less than a decade.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.LogTicks{Prec: -1}.Ticks(min, max)
	labelled := 0
	for i := range ts {
		if ts[i].Label != "" && ts[i].Value >= min && ts[i].Value <= max {
			labelled++
		}
	}
	for i := range ts {
		m := ts[i].Value / math.Pow(10, math.Floor(math.Log10(ts[i].Value)+1e-9))
		if ts[i].Label != "" || (labelled < 2 && (math.Abs(m-2) < 1e-6 || math.Abs(m-5) < 1e-6)) {
			ts[i].Label = strings.Replace(strconv.FormatFloat(ts[i].Value, 'g', 3, 64), "e-0", "e-", 1)
		}
	}
	return ts
}

// linearTicks is plot.DefaultTicks with labels in their shortest form
// (250, not 250.00).
type linearTicks struct{}

func (linearTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			v, _ := strconv.ParseFloat(strconv.FormatFloat(ts[i].Value, 'g', 12, 64), 64)
			ts[i].Label = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	return ts
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
		var poly plotter.XYs
		for i := range s.X {
			if positive(s.Lo[i], logY) {
				poly = append(poly, plotter.XY{X: s.X[i], Y: s.Hi[i]})
			}
		}
		for i := len(s.X) - 1; i >= 0; i-- {
			if positive(s.Lo[i], logY) {
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
			addErrorBars(p, s, c)
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

func addErrorBars(p *plot.Plot, s Series, c color.RGBA) {
	var e yerr
	for i := range s.X {
		e.XYs = append(e.XYs, plotter.XY{X: s.X[i], Y: s.Y[i]})
		e.YErrors = append(e.YErrors, struct{ Low, High float64 }{s.Y[i] - s.Lo[i], s.Hi[i] - s.Y[i]})
	}
	if eb, err := plotter.NewYErrorBars(e); err == nil {
		eb.LineStyle.Color = c
		p.Add(eb)
	}
}

func addBars(p *plot.Plot, pn Panel) {
	n := len(pn.Bars)
	width := vg.Points(max(4, 40/float64(max(1, n))))
	for i, b := range pn.Bars {
		bc, err := plotter.NewBarChart(plotter.Values(b.Values), width)
		if err != nil {
			continue
		}
		bc.Color = colorOf(b.Color)
		bc.LineStyle.Width = 0
		bc.Offset = vg.Length(float64(i)-float64(n-1)/2) * width
		p.Add(bc)
		p.Legend.Add(b.Label, bc)
	}
	p.NominalX(pn.Categories...)
}
