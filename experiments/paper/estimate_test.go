package paper

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/precision"
)

// requestFlops is the forward FLOPs and context FLOPs of the first n docs
// of a task at 0 shots, computed from the requests lm-eval builds.
func requestFlops(t *testing.T, task *lmeval.Task, tok tokenizer.Tokenizer, fp lm.Footprint, n int) (req, ctx float64) {
	lim, err := limitTask(task, n)
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ := lim.Requests(0)
	for _, r := range reqs {
		c, cont := lmeval.EncodePair(tok, r.Context, r.Continuation)
		in, _, err := lmeval.Window(c, cont, maxLen)
		if err != nil {
			t.Fatal(err)
		}
		req += float64(len(in)) * fp.ForwardFlops(len(in))
	}
	ctxs, _ := lim.Contexts(0)
	for _, c := range ctxs {
		l := len(tok.Encode(c))
		ctx += float64(l) * fp.ForwardFlops(l)
	}
	return req, ctx
}

// An mpdiv trial's estimate: the footprint's inference memory, and the
// FLOPs of its fp32 and 16-bit evaluations and logit passes over the
// requests of its tasks (exact when every document is sampled, scaled from
// the sampled ones otherwise); missing files are named instead.
func TestEstimateMPDiv(t *testing.T) {
	root := filepath.Join("..", "..", "datasets", "benchmarks", "testdata", "tasks")
	tokPath := filepath.Join("..", "..", "testdata", "tokenizer", "seed0", "tokenizer.json")
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	m, err := mamba.New(mamba.DefaultConfig(1216, 16, 2), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := hf.Save(ckpt, m); err != nil {
		t.Fatal(err)
	}
	fp := m.Cfg.Footprint()
	tok, err := tokenizer.Load(tokPath)
	if err != nil {
		t.Fatal(err)
	}
	data := config.Dataset{Path: root, Tasks: []string{"arc_easy", "winogrande"}, Tokenizer: tokPath}
	tasks, _, err := loadTasks(data)
	if err != nil {
		t.Fatal(err)
	}
	trial := func(items int, d config.Dataset, path string) *config.Trial {
		return &config.Trial{ModelName: "m", Model: &config.Model{Path: path}, Data: map[string]config.Dataset{"b": d},
			Eval:   config.Eval{Tasks: []string{"b"}, Shots: []int{0}, Items: items, BatchSize: 2},
			Params: &MPDivParams{Precisions: []precision.Policy{precision.FP16AMP, precision.BF16AMP}, LogitTasks: 1}}
	}
	for _, items := range []int{3, 0} { // 3 docs: all sampled; all 6: 4 sampled, scaled
		var req, ctx float64
		for i, task := range tasks {
			_, docs, _ := task.Eval()
			n := len(docs)
			if items > 0 {
				n = items
			}
			r, c := requestFlops(t, task, tok, fp, min(n, sampleDocs))
			scale := float64(n) / float64(min(n, sampleDocs))
			req += r * scale
			if i == 0 {
				ctx = c * scale
			}
		}
		c := MPDiv{}.Estimate(trial(items, data, ckpt))
		want := 3*req + 4*ctx
		if math.Abs(c.Flops-want) > 1e-9*want || c.Bytes != fp.InferBytes(2, maxLen) || len(c.Needs) > 0 || c.MemNeeds != "" {
			t.Errorf("items %d: %+v, want %.6g FLOPs and %.6g bytes", items, c, want, fp.InferBytes(2, maxLen))
		}
	}

	gone := data
	gone.Path = filepath.Join(t.TempDir(), "lm")
	c := MPDiv{}.Estimate(trial(0, gone, ckpt))
	if c.Flops != 0 || c.Bytes != fp.InferBytes(2, maxLen) || !slices.Contains(c.Needs, filepath.Join(gone.Path, "winogrande")) {
		t.Errorf("missing data: %+v", c)
	}
	noCkpt := filepath.Join(t.TempDir(), "none")
	c = MPDiv{}.Estimate(trial(0, data, noCkpt))
	if c.Flops != 0 || c.Bytes != 0 || c.MemNeeds != filepath.Join(noCkpt, "config.json") || !slices.Contains(c.Needs, noCkpt) {
		t.Errorf("missing checkpoint: %+v", c)
	}
}

// An mpft trial adds its fine-tuning (frozen base under LoRA) and the fp32
// full reference's to two evaluations and two logit passes.
func TestEstimateMPFT(t *testing.T) {
	root := filepath.Join("..", "..", "datasets", "benchmarks", "testdata", "tasks")
	tokPath := filepath.Join("..", "..", "testdata", "tokenizer", "seed0", "tokenizer.json")
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	m, err := mamba.New(mamba.DefaultConfig(1216, 16, 2), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := hf.Save(ckpt, m); err != nil {
		t.Fatal(err)
	}
	fp := m.Cfg.Footprint()
	tok, _ := tokenizer.Load(tokPath)
	bench := config.Dataset{Path: root, Tasks: []string{"piqa"}, Tokenizer: tokPath}
	tasks, _, err := loadTasks(bench)
	if err != nil {
		t.Fatal(err)
	}
	req, ctx := requestFlops(t, tasks[0], tok, fp, 2)
	tr := config.Train{Dataset: "it", Steps: 5, BatchSize: 3, SeqLen: 40}
	trial := &config.Trial{ModelName: "m", Model: &config.Model{Path: ckpt}, Train: tr,
		Method: config.Method{Targets: map[string][]string{"mamba": {"x_proj"}}, Rank: 2, Alpha: 4},
		Data:   map[string]config.Dataset{"b": bench, "it": {Path: root, Tokenizer: tokPath}},
		Eval:   config.Eval{Tasks: []string{"b"}, Shots: []int{0}, Items: 2, BatchSize: 2},
		Params: &MPFTParams{LogitTasks: 1}}
	c := MPFT{}.Estimate(trial)
	want := 5*3*40*(fp.TrainFlops(40, true)+fp.TrainFlops(40, false)) + 2*req + 2*ctx
	if math.Abs(c.Flops-want) > 1e-9*want || c.Bytes != max(fp.TrainBytes(3, 40), fp.InferBytes(2, maxLen)) {
		t.Errorf("%+v, want %.6g FLOPs", c, want)
	}
}
