// Package report rebuilds paper/ from results/ only: each experiment's
// figures (paper/figures, SVG and PNG) and tables (paper/tables, Markdown
// and LaTeX), and paper/REPORT.md, which sets every claim of the paper
// beside the number this reproduction measured, the setting, and whether it
// reproduces. It reads finished trials with experiments/store and their
// summaries with experiments/summary, and the loss curves of the training
// runs under results/artifacts; it runs no model.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Verdicts a claim can get.
const (
	Reproduces    = "reproduces"
	Partly        = "partly reproduces"
	DoesNot       = "does not reproduce"
	Inconclusive  = "inconclusive at this scale"
	NoHardware    = "not testable on this hardware"
	NotRun        = "not run"
	Informational = "measured (no paper number)"
)

// Claim is one claim of the paper beside the reproduced number.
type Claim struct {
	ID      string   // stable anchor, e.g. "theorem1"
	Title   string   // e.g. "Theorem 1: Mamba's maximal Lyapunov exponent is ≤ 0"
	Paper   string   // what the paper states, with its number
	Ours    string   // what we measured, with uncertainty
	Setting string   // models, data, scale, seeds
	Verdict string   // one of the constants above
	Figures []string // figure names (files under figures/)
	Tables  []string // table names (files under tables/)
	Notes   []string // caveats, departures from the paper's protocol
}

// Out is where an experiment writes its figures and tables.
type Out struct {
	Figures, Tables string
}

// Experiment turns one experiment's finished trials into figures, tables
// and claims. Placeholder claims say what the experiment would test when its
// results are missing.
type Experiment struct {
	Name        string // results/runs/<Name>
	Order       int    // position in REPORT.md
	Build       func(rs []store.Result, out Out) ([]Claim, error)
	Placeholder []Claim
}

var registry []Experiment

// Register adds an experiment's report builder. Files of this package call
// it in init.
func Register(e Experiment) { registry = append(registry, e) }

// Build writes paper/figures, paper/tables and paper/REPORT.md from results.
// An experiment without results gets its placeholder claims marked "not
// run"; an experiment of no registered report gets a generic table of its
// trials; a corrupt result is an error. A results folder that is missing or
// holds no finished trial is an error, and paper/ is left as it was.
//
// figures/ and tables/ are built in a temporary folder inside paper and
// swapped in whole, so no file of an earlier build survives beside the new
// report, and a failed build leaves the old one intact.
func Build(results, paper string) error {
	done, err := store.Experiments(results)
	if err != nil {
		return fmt.Errorf("%v; run experiments first (ssmlab run CONFIG --results %s, or make reproduce)", err, results)
	}
	if len(done) == 0 {
		return fmt.Errorf("%s: no finished trials; run experiments first (ssmlab run CONFIG --results %s, or make reproduce)", results, results)
	}
	if err := os.MkdirAll(paper, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(paper, ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	out := Out{Figures: filepath.Join(tmp, "figures"), Tables: filepath.Join(tmp, "tables")}
	for _, d := range []string{out.Figures, out.Tables} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	claims, ran, prov, err := buildAll(results, done, out)
	if err != nil {
		return err
	}
	curves, err := trainingCurves(results, out)
	if err != nil {
		return err
	}
	if curves != nil {
		claims = append(claims, *curves)
	}
	for _, d := range []string{"figures", "tables"} {
		if err := swapDir(filepath.Join(paper, d), filepath.Join(tmp, d)); err != nil {
			return err
		}
	}
	md := render(claims, ran, results, prov)
	return fsx.WriteFileAtomic(filepath.Join(paper, "REPORT.md"), []byte(md))
}

// buildAll runs every registered experiment's report, then the generic one
// for each finished experiment no report knows.
func buildAll(results string, done []string, out Out) ([]Claim, []string, provenance, error) {
	exps := append([]Experiment(nil), registry...)
	sort.SliceStable(exps, func(i, j int) bool { return exps[i].Order < exps[j].Order })
	var claims []Claim
	var ran []string
	known := map[string]bool{}
	prov := provenance{commits: map[string]bool{}, profiles: map[string]bool{}, backends: map[string]bool{}}
	for _, e := range exps {
		known[e.Name] = true
		var rs []store.Result
		if _, err := os.Stat(filepath.Join(results, "runs", e.Name)); err == nil {
			if rs, err = store.Collect(results, e.Name); err != nil {
				return nil, nil, prov, err
			}
		}
		if len(rs) == 0 {
			for _, c := range e.Placeholder {
				c.Verdict, c.Ours = NotRun, "—"
				c.Notes = append(c.Notes, fmt.Sprintf("Run `ssmlab run configs/%s.toml` (or `make reproduce`) to measure it.", e.Name))
				claims = append(claims, c)
			}
			continue
		}
		prov.add(rs)
		cs, err := e.Build(rs, out)
		if err != nil {
			return nil, nil, prov, fmt.Errorf("report %s: %w", e.Name, err)
		}
		claims = append(claims, cs...)
		ran = append(ran, fmt.Sprintf("%s (%d trials)", e.Name, len(rs)))
	}
	for _, name := range done {
		if known[name] {
			continue
		}
		rs, err := store.Collect(results, name)
		if err != nil {
			return nil, nil, prov, err
		}
		prov.add(rs)
		c, err := genericClaim(name, rs, out)
		if err != nil {
			return nil, nil, prov, fmt.Errorf("report %s: %w", name, err)
		}
		claims = append(claims, c)
		ran = append(ran, fmt.Sprintf("%s (%d trials)", name, len(rs)))
	}
	return claims, ran, prov, nil
}

// swapDir replaces dst by the folder src: dst is moved aside, src moved
// in, and the old one removed.
func swapDir(dst, src string) error {
	old := dst + ".old"
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if err := os.Rename(dst, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

func render(claims []Claim, ran []string, results string, prov provenance) string {
	var b strings.Builder
	b.WriteString("# Reproduction report: \"Mamba State-Space Models Are Lyapunov-Stable Learners\"\n\n")
	fmt.Fprintf(&b, "Generated by `ssmlab figures` from `%s/` on %s. Every number below was\n", results, time.Now().UTC().Format("2006-01-02"))
	b.WriteString("measured by this harness; the paper's numbers are quoted from arXiv 2406.00209\n")
	b.WriteString("(each claim's notes say how it is judged; docs/metrics.md defines every quantity).\n\n")
	b.WriteString(prov.String())
	if len(ran) > 0 {
		fmt.Fprintf(&b, "Experiments with results: %s.\n\n", strings.Join(ran, ", "))
	}
	b.WriteString("| claim | paper | ours | verdict |\n| --- | --- | --- | --- |\n")
	for _, c := range claims {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", cell(c.Title), c.ID, cell(c.Paper), cell(c.Ours), c.Verdict)
	}
	for _, c := range claims {
		fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n## %s\n\n", c.ID, c.Title)
		fmt.Fprintf(&b, "- **Paper:** %s\n- **Ours:** %s\n- **Setting:** %s\n- **Verdict:** %s\n", c.Paper, c.Ours, orDash(c.Setting), c.Verdict)
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		for _, f := range c.Figures {
			fmt.Fprintf(&b, "\n![%s](figures/%s.png)\n", f, f)
		}
		for _, t := range c.Tables {
			fmt.Fprintf(&b, "\nTable: [`tables/%s.md`](tables/%s.md) ([LaTeX](tables/%s.tex))\n", t, t, t)
		}
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// provenance is what the report's trials were run from, read from their
// provenance.json files: commits, profiles, GEMM backends and dates.
type provenance struct {
	commits, profiles, backends map[string]bool
	first, last                 string // RFC 3339 start of the earliest and end of the latest trial
	trials, unreadable          int
}

func (p *provenance) add(rs []store.Result) {
	for _, r := range rs {
		var pv struct {
			Commit  string            `json:"commit"`
			Dirty   bool              `json:"dirty"`
			BLAS    string            `json:"blas"`
			Matmul  map[string]string `json:"matmul"`
			Command []string          `json:"command"`
			Start   string            `json:"start"`
			End     string            `json:"end"`
		}
		raw, err := os.ReadFile(filepath.Join(r.Dir, store.ProvenanceFile))
		if err == nil {
			err = json.Unmarshal(raw, &pv)
		}
		if err != nil {
			p.unreadable++
			continue
		}
		p.trials++
		c := orDash(pv.Commit)
		if pv.Dirty {
			c += " (dirty)"
		}
		p.commits[c] = true
		p.profiles[profileOf(pv.Command)] = true
		if pv.BLAS != "" {
			p.backends[pv.BLAS] = true
		}
		if pv.Start != "" && (p.first == "" || pv.Start < p.first) {
			p.first = pv.Start
		}
		if pv.End > p.last {
			p.last = pv.End
		}
	}
}

// profileOf reads the profile from the command that ran a trial: its
// --profile flag, else "default" (ssmlab's default profile).
func profileOf(cmd []string) string {
	for i, a := range cmd {
		if a == "--profile" && i+1 < len(cmd) {
			return cmd[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--profile="); ok {
			return v
		}
	}
	return "default"
}

func keys(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) == 0 {
		return "—"
	}
	return strings.Join(ks, ", ")
}

// String is the report's provenance line: what a reader needs to know
// which run these numbers came from.
func (p provenance) String() string {
	if p.trials == 0 && p.unreadable == 0 {
		return ""
	}
	day := func(ts string) string {
		if len(ts) >= 10 {
			return ts[:10]
		}
		return orDash(ts)
	}
	s := fmt.Sprintf("Provenance of the %d trials: commit %s; profile %s; GEMM backend %s; run %s to %s.", p.trials, keys(p.commits), keys(p.profiles), keys(p.backends), day(p.first), day(p.last))
	if len(p.commits) > 1 || len(p.profiles) > 1 || len(p.backends) > 1 {
		s += " The trials come from more than one commit, profile or backend: compare with care."
	}
	if p.unreadable > 0 {
		s += fmt.Sprintf(" %d trials have no readable provenance.json.", p.unreadable)
	}
	return s + "\n\n"
}
