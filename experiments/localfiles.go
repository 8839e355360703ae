package experiments

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/datasets/benchmarks"
	"github.com/ssmlab/ssmlab/experiments/config"
)

// Missing is a local file or directory an experiment reads that is not on
// disk: a model checkpoint, a dataset or a tokenizer.
type Missing struct {
	Path     string
	Keys     []string // the settings that name it: "models.mamba-130m.path", ...
	Problem  string   // "does not exist", "no config.json ...", ...
	Download string   // the command that fetches it, or ""
}

func (m Missing) String() string {
	keys := m.Keys[0]
	if len(m.Keys) > 1 {
		keys += fmt.Sprintf(" and %d more", len(m.Keys)-1)
	}
	s := fmt.Sprintf("%s (%s): %s", m.Path, keys, m.Problem)
	if m.Download != "" {
		s += "; download: " + m.Download
	}
	return s
}

// MissingFiles lists, once each and sorted by the first setting naming
// them, the local paths the trials of e read that are not there:
// checkpoint directories without config.json or weights, and the paths and
// tokenizers of the datasets a trial uses (its pretrain and train datasets,
// its eval tasks, and any [data] name among its params). A checkpoint or
// dataset with a Source gets its huggingface-cli download command; a
// tokenizer inside a checkpoint directory gets that checkpoint's; an
// lm-eval task of a [data] entry's tasks the command package benchmarks
// names for it (the one ssmlab eval prints).
func MissingFiles(e *config.Experiment) []Missing {
	byPath := map[string]*Missing{}
	add := func(key, path, problem, dl string) {
		m := byPath[path]
		if m == nil {
			m = &Missing{Path: path, Problem: problem, Download: dl}
			byPath[path] = m
		}
		if !slices.Contains(m.Keys, key) {
			m.Keys = append(m.Keys, key)
		}
	}
	downloads := map[string]string{} // checkpoint directory -> its download command
	for _, t := range e.Trials {
		if m := t.Model; m != nil && m.Path != "" {
			downloads[filepath.Clean(m.Path)] = download(m.Source, "", m.Path)
		}
	}
	for _, t := range e.Trials {
		if m := t.Model; m != nil && m.Path != "" {
			if p := checkpointProblem(m.Path); p != "" {
				add("models."+t.ModelName+".path", m.Path, p, downloads[filepath.Clean(m.Path)])
			}
		}
		for _, name := range usedData(&t) {
			d := t.Data[name]
			if d.Path != "" && len(d.Tasks) > 0 {
				// lm-eval benchmarks by name: one line a task (an MMLU
				// group missing whole: one line), with the command
				// ssmlab eval gives for it
				miss, err := benchmarks.Missing(d.Path, d.Tasks)
				if err != nil {
					add("data."+name+".tasks", d.Path, err.Error(), "")
				}
				for _, m := range miss {
					add("data."+name+".tasks", m.Dir, "does not exist (task "+m.Task+")", m.Download)
				}
			} else if d.Path != "" {
				if _, err := os.Stat(d.Path); err != nil {
					add("data."+name+".path", d.Path, problem(err), download(d.Source, "dataset", d.Path))
				}
			}
			if d.Tokenizer != "" {
				if _, err := os.Stat(d.Tokenizer); err != nil {
					add("data."+name+".tokenizer", d.Tokenizer, problem(err), downloads[filepath.Dir(filepath.Clean(d.Tokenizer))])
				}
			}
		}
	}
	out := make([]Missing, 0, len(byPath))
	for _, m := range byPath {
		sort.Strings(m.Keys)
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Keys[0] != out[j].Keys[0] {
			return out[i].Keys[0] < out[j].Keys[0]
		}
		return out[i].Path < out[j].Path // the tasks of one [data] entry
	})
	return out
}

// usedData returns the names of the [data] entries trial t reads: its
// pretrain and train datasets, its eval tasks, and every string in its
// params that names one (a kind's own dataset keys).
func usedData(t *config.Trial) []string {
	var names []string
	use := func(n string) {
		if _, ok := t.Data[n]; ok && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if t.Model == nil || t.Model.Path == "" {
		use(t.Pretrain.Dataset) // a checkpoint by path is not pretrained
	}
	use(t.Train.Dataset)
	for _, n := range t.Eval.Tasks {
		use(n)
	}
	if raw, err := json.Marshal(t.Params); err == nil {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			walkStrings(v, use)
		}
	}
	return names
}

func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, x := range v {
			walkStrings(x, fn)
		}
	case map[string]any:
		for _, x := range v {
			walkStrings(x, fn)
		}
	}
}

// checkpointProblem says what is wrong with a model directory, or "".
func checkpointProblem(dir string) string {
	st, err := os.Stat(dir)
	if err != nil {
		return problem(err)
	}
	if !st.IsDir() {
		return "not a directory"
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		return "no config.json (not a downloaded model directory)"
	}
	for _, w := range []string{"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"} {
		if _, err := os.Stat(filepath.Join(dir, w)); err == nil {
			return ""
		}
	}
	return "no model.safetensors or pytorch_model.bin (download incomplete?)"
}

func problem(err error) string {
	if os.IsNotExist(err) {
		return "does not exist"
	}
	return err.Error()
}

// download is the huggingface-cli command that fetches source into dir.
// source is a Hub repository ("owner/name"), optionally followed by a
// folder of it ("allenai/ai2_arc/ARC-Easy"): then only that folder is
// fetched, into the directory dir is in when dir ends with the folder.
func download(source, repoType, dir string) string {
	parts := strings.SplitN(source, "/", 3)
	if len(parts) < 2 {
		return ""
	}
	cmd := "huggingface-cli download " + parts[0] + "/" + parts[1]
	if repoType != "" {
		cmd += " --repo-type " + repoType
	}
	if len(parts) == 3 && parts[2] != "" {
		sub := strings.Trim(parts[2], "/")
		cmd += " --include " + shellQuote(sub+"/*")
		clean := filepath.ToSlash(filepath.Clean(dir))
		if strings.HasSuffix(clean, "/"+sub) {
			dir = strings.TrimSuffix(clean, "/"+sub)
		}
	}
	return cmd + " --local-dir " + shellQuote(dir)
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// MissingError is the error Load returns for an experiment whose local
// files are not all there: every one is listed, with its download command.
type MissingError struct {
	File    string
	Missing []Missing
}

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d local file(s) missing; nothing was run. Download them or correct the paths:", e.File, len(e.Missing))
	for _, m := range e.Missing {
		b.WriteString("\n  " + m.String())
	}
	return b.String()
}
