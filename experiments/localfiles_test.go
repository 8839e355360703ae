package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments/config"
)

func TestDownloadCommand(t *testing.T) {
	for _, c := range []struct{ source, typ, dir, want string }{
		{"state-spaces/mamba-130m-hf", "", "ckpt/m", "huggingface-cli download state-spaces/mamba-130m-hf --local-dir ckpt/m"},
		{"allenai/ai2_arc/ARC-Easy", "dataset", "d/arc/ARC-Easy", "huggingface-cli download allenai/ai2_arc --repo-type dataset --include 'ARC-Easy/*' --local-dir d/arc"},
		{"tatsu-lab/alpaca", "dataset", "my data/it's", `huggingface-cli download tatsu-lab/alpaca --repo-type dataset --local-dir 'my data/it'\''s'`},
		{"", "", "x", ""},
	} {
		if got := download(c.source, c.typ, c.dir); got != c.want {
			t.Errorf("download(%q, %q, %q) = %q, want %q", c.source, c.typ, c.dir, got, c.want)
		}
	}
}

// Only what a trial reads is reported: its checkpoint (config.json and a
// weight file), the datasets its train and eval settings and params name,
// and their tokenizers; each path once with every setting naming it.
func TestMissingFiles(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok")
	os.MkdirAll(ok, 0o755)
	os.WriteFile(filepath.Join(ok, "config.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(ok, "pytorch_model.bin"), nil, 0o644)
	half := filepath.Join(dir, "half")
	os.MkdirAll(half, 0o755)
	os.WriteFile(filepath.Join(half, "config.json"), []byte("{}"), 0o644)
	tok := filepath.Join(dir, "gone", "tokenizer.json")
	data := map[string]config.Dataset{
		"a":      {Path: filepath.Join(dir, "a"), Source: "o/a", Tokenizer: tok},
		"b":      {Path: filepath.Join(dir, "b"), Tokenizer: tok},
		"unused": {Path: filepath.Join(dir, "unused")},
	}
	e := &config.Experiment{Trials: []config.Trial{
		{ModelName: "ok", Model: &config.Model{Path: ok}, Data: data, Eval: config.Eval{Tasks: []string{"a"}}},
		{ModelName: "half", Model: &config.Model{Path: half, Source: "o/half"}, Data: data,
			Train: config.Train{Dataset: "b"}, Params: &struct{ Text string }{"a"}},
		{ModelName: "gone", Model: &config.Model{Path: filepath.Join(dir, "gone"), Source: "o/gone"}, Data: data},
	}}
	var got []string
	for _, m := range MissingFiles(e) {
		got = append(got, strings.ReplaceAll(m.String(), dir, "D"))
	}
	want := []string{
		"D/a (data.a.path): does not exist; download: huggingface-cli download o/a --repo-type dataset --local-dir D/a",
		"D/gone/tokenizer.json (data.a.tokenizer and 1 more): does not exist; download: huggingface-cli download o/gone --local-dir D/gone",
		"D/b (data.b.path): does not exist",
		"D/gone (models.gone.path): does not exist; download: huggingface-cli download o/gone --local-dir D/gone",
		"D/half (models.half.path): no model.safetensors or pytorch_model.bin (download incomplete?); download: huggingface-cli download o/half --local-dir D/half",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A [data] entry of lm-eval tasks lists each task whose folder is missing
// under its path with the command package benchmarks gives for it (the
// MMLU group, missing whole, as one line), not its path.
func TestMissingTasks(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "lm", "piqa"), 0o755)
	data := map[string]config.Dataset{"bench": {Path: filepath.Join(dir, "lm"), Tasks: []string{"mmlu", "piqa", "winogrande"}}}
	e := &config.Experiment{Trials: []config.Trial{{Data: data, Eval: config.Eval{Tasks: []string{"bench"}}}}}
	var got []string
	for _, m := range MissingFiles(e) {
		got = append(got, strings.ReplaceAll(m.String(), dir, "D"))
	}
	want := []string{
		"D/lm/mmlu (data.bench.tasks): does not exist (task mmlu); download: huggingface-cli download cais/mmlu --repo-type dataset --revision refs/convert/parquet --exclude 'all/*' 'auxiliary_train/*' --local-dir D/lm/mmlu",
		"D/lm/winogrande (data.bench.tasks): does not exist (task winogrande); download: huggingface-cli download allenai/winogrande --repo-type dataset --revision refs/convert/parquet --include 'winogrande_xl/*' --local-dir D/lm/winogrande",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
