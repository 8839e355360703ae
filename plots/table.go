package plots

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Table is a results table written as Markdown (name.md) and LaTeX (name.tex).
type Table struct {
	Name    string
	Caption string
	Header  []string
	Rows    [][]string
	Notes   []string // printed under the table
}

// Markdown renders a GitHub-flavoured table with the caption above and the
// notes below.
func (t Table) Markdown() string {
	var b strings.Builder
	if t.Caption != "" {
		fmt.Fprintf(&b, "%s\n\n", t.Caption)
	}
	row := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(esc, " | "))
	}
	row(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	row(sep)
	for _, r := range t.Rows {
		row(r)
	}
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	return b.String()
}

var latexEscaper = strings.NewReplacer(`\`, `\textbackslash{}`, `&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`,
	`_`, `\_`, `{`, `\{`, `}`, `\}`, `~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`, `±`, `$\pm$`, `×`, `$\times$`,
	`Δ`, `$\Delta$`, `≤`, `$\leq$`, `≥`, `$\geq$`, `−`, `$-$`, `‖`, `$\|$`, `∈`, `$\in$`, `→`, `$\to$`, `·`, `$\cdot$`, `—`, `---`, `–`, `--`, `|`, `\textbar{}`)

// LaTeX renders a booktabs table environment.
func (t Table) LaTeX() string {
	var b strings.Builder
	b.WriteString("\\begin{table}[t]\n\\centering\n")
	fmt.Fprintf(&b, "\\begin{tabular}{l%s}\n\\toprule\n", strings.Repeat("r", max(0, len(t.Header)-1)))
	line := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = latexEscaper.Replace(c)
		}
		fmt.Fprintf(&b, "%s \\\\\n", strings.Join(esc, " & "))
	}
	line(t.Header)
	b.WriteString("\\midrule\n")
	for _, r := range t.Rows {
		line(r)
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	if t.Caption != "" {
		fmt.Fprintf(&b, "\\caption{%s}\n", latexEscaper.Replace(t.Caption))
	}
	fmt.Fprintf(&b, "\\label{tab:%s}\n\\end{table}\n", t.Name)
	return b.String()
}

// Write writes dir/name.md and dir/name.tex atomically.
func (t Table) Write(dir string) error {
	for _, r := range t.Rows {
		if len(r) != len(t.Header) {
			return fmt.Errorf("table %s: row %q has %d cells for %d columns", t.Name, r, len(r), len(t.Header))
		}
	}
	if err := fsx.WriteFileAtomic(filepath.Join(dir, t.Name+".md"), []byte(t.Markdown())); err != nil {
		return err
	}
	return fsx.WriteFileAtomic(filepath.Join(dir, t.Name+".tex"), []byte(t.LaTeX()))
}

// F formats a number with the given decimals, "—" for NaN and "∞" for an
// infinity (a 16-bit overflow).
func F(v float64, decimals int) string {
	if v != v {
		return "—"
	}
	if v > math.MaxFloat64 || v < -math.MaxFloat64 {
		if v < 0 {
			return "−∞"
		}
		return "∞"
	}
	return fmt.Sprintf("%.*f", decimals, v)
}

// PM formats "mean ± half-width" from a value and a [lo, hi] interval.
func PM(v, lo, hi float64, decimals int) string {
	if v != v {
		return "—"
	}
	return fmt.Sprintf("%.*f ± %.*f", decimals, v, decimals, (hi-lo)/2)
}
