package plots

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var regen = flag.Bool("regen", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -regen.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *regen {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plots -regen to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (run go test ./plots -regen if the change is intended):\n%s", name, got)
	}
}

func sample() Figure {
	return Figure{Name: "sample", Caption: "a test figure", Cols: 2, Panels: []Panel{
		{Title: "deviation", XLabel: "t (tokens)", YLabel: "||δh_t||", LogY: true,
			Series: []Series{
				{Label: "mamba", X: []float64{0, 1, 2, 3}, Y: []float64{1e-3, 5e-4, 2.5e-4, 1.25e-4}, Color: 0},
				{Label: "bound", X: []float64{0, 1, 2, 3}, Y: []float64{1e-3, 6e-4, 3.6e-4, 2.16e-4}, Dashed: true, Color: 6},
				{Label: "rnn ρ=2", X: []float64{0, 1, 2, 3}, Y: []float64{1e-3, 2e-3, 4e-3, 8e-3}, Lo: []float64{5e-4, 1e-3, 2e-3, 4e-3}, Hi: []float64{2e-3, 4e-3, 8e-3, 1.6e-2}, Color: 1},
			}},
		{Title: "accuracy", XLabel: "precision", YLabel: "accuracy (%)", Categories: []string{"fp32", "fp16", "bf16"},
			Bars:   []Bars{{Label: "mamba", Values: []float64{40, 39.5, 38}, Color: 0}, {Label: "pythia", Values: []float64{42, 42, 41}, Color: 1}},
			HLines: []HLine{{Y: 25, Label: "chance"}}},
	}}
}

func TestFigureDataGoldenAndFiles(t *testing.T) {
	f := sample()
	golden(t, "sample.json", f.Data())
	dir := t.TempDir()
	if err := f.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"svg", "png"} {
		b, err := os.ReadFile(filepath.Join(dir, "sample."+ext))
		if err != nil || len(b) < 1000 {
			t.Fatalf("%s: %v (%d bytes)", ext, err, len(b))
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "sample.svg"))
	for _, s := range []string{"deviation", "t (tokens)", "chance", "pythia", "bound"} {
		if !bytes.Contains(svg, []byte(s)) {
			t.Errorf("svg lacks %q", s)
		}
	}
	bad := f
	bad.Panels = []Panel{{Series: []Series{{Label: "x", X: []float64{1, 2}, Y: []float64{1}}}}}
	if err := bad.Write(dir); err == nil || !strings.Contains(err.Error(), "lengths") {
		t.Fatalf("mismatched series accepted: %v", err)
	}
}

func TestTables(t *testing.T) {
	tb := Table{Name: "t1", Caption: "Divergence (pp) of 16-bit inference", Header: []string{"model", "fp16", "bf16"},
		Rows: [][]string{{"mamba_s", F(0.123, 2), PM(0.5, 0.25, 0.75, 2)}, {"gpt|neox_s", F(0.0/zero(), 2), "1 & 2"}}, Notes: []string{"pp = percentage points"}}
	golden(t, "t1.md", []byte(tb.Markdown()))
	golden(t, "t1.tex", []byte(tb.LaTeX()))
	tb.Rows = append(tb.Rows, []string{"short"})
	if err := tb.Write(t.TempDir()); err == nil {
		t.Fatal("ragged table written")
	}
}

func zero() float64 { return 0 }

// Bars with error bars, a missing (NaN) bar, and a dot plot on a log axis
// over categories (with a zero and a NaN that a log axis cannot show) all
// render.
func TestBarsErrorBarsAndDotPlots(t *testing.T) {
	nan := 0.0 / zero()
	f := Figure{Name: "bars", Cols: 2, Panels: []Panel{
		{Title: "divergence", YLabel: "pp", Categories: []string{"fp16", "bf16"},
			Bars: []Bars{{Label: "a", Values: []float64{0, 1.5}, Lo: []float64{0, 1}, Hi: []float64{0, 2}},
				{Label: "b", Values: []float64{nan, 2}, Lo: []float64{nan, 1.5}, Hi: []float64{nan, 2.5}, Color: 1}}},
		{Title: "KL", YLabel: "nats", LogY: true, Categories: []string{"fp16", "bf16"},
			Series: []Series{{Label: "a", X: []float64{-0.1, 0.9}, Y: []float64{1e-6, 0}, Lo: []float64{5e-7, 0}, Hi: []float64{2e-6, 0}, Points: true, NoLine: true},
				{Label: "b", X: []float64{0.1, 1.1}, Y: []float64{nan, 1e-3}, Lo: []float64{nan, 1e-4}, Hi: []float64{nan, 1e-2}, Points: true, NoLine: true, Color: 1}}},
	}}
	dir := t.TempDir()
	if err := f.Write(dir); err != nil {
		t.Fatal(err)
	}
	empty := Figure{Name: "empty", Panels: []Panel{{Title: "no data", HLines: []HLine{{Y: 25, Label: "chance"}}}}}
	if err := empty.Write(dir); err != nil {
		t.Fatalf("a panel without data: %v", err)
	}
	bad := f
	bad.Panels = []Panel{{Categories: []string{"x"}, Bars: []Bars{{Values: []float64{1}, Lo: []float64{1, 2}}}}}
	if err := bad.Write(dir); err == nil {
		t.Fatal("bars with a ragged error bar accepted")
	}
}
