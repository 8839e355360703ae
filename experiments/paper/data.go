package paper

import (
	"fmt"
	"strings"
	"sync"

	"github.com/ssmlab/ssmlab/datasets"
	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/datasets/benchmarks"
	"github.com/ssmlab/ssmlab/datasets/lmeval"
	"github.com/ssmlab/ssmlab/datasets/suite"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/models/train"
)

// suites caches generated suites by seed and profile: generation is
// deterministic, so every trial of a process can share one copy.
var suites sync.Map // key string -> *suiteEntry

type suiteEntry struct {
	once sync.Once
	s    *suite.Suite
	err  error
}

// suiteOf returns the built-in suite a [data] entry names.
func suiteOf(d config.Dataset) (*suite.Suite, error) {
	prof := d.Profile
	if prof == "" {
		prof = "default"
	}
	v, _ := suites.LoadOrStore(fmt.Sprintf("%d/%s", d.Seed, prof), &suiteEntry{})
	e := v.(*suiteEntry)
	e.once.Do(func() {
		p, err := suite.ProfileNamed(prof)
		if err != nil {
			e.err = err
			return
		}
		e.s, e.err = suite.Generate(uint64(d.Seed), p)
	})
	return e.s, e.err
}

// tokenizerOf returns the tokenizer of a [data] entry: its tokenizer.json,
// else the built-in byte tokenizer.
func tokenizerOf(d config.Dataset) (tokenizer.Tokenizer, error) {
	if d.Tokenizer == "" {
		return tokenizer.Bytes{}, nil
	}
	return tokenizer.Load(d.Tokenizer)
}

func wantFamily(d config.Dataset, family string) bool {
	if len(d.Families) == 0 {
		return true
	}
	for _, f := range d.Families {
		if f == family {
			return true
		}
	}
	return false
}

// corpus is a language-modelling dataset as token rows of one length.
type corpus struct {
	Name  string
	Rows  [][]int
	Vocab int // the tokenizer's vocabulary
	Pad   int // padding id (no loss); -1 if none
}

// loadCorpus returns a pretraining corpus cut into rows of seqLen tokens:
// the suite's documents packed as suite.Pack does (each row starts at a
// document, documents end with EOS, the last row padded), or a dataset's
// input_ids rows, or its text column packed the same way.
func loadCorpus(d config.Dataset, seqLen int) (*corpus, error) {
	tok, err := tokenizerOf(d)
	if err != nil {
		return nil, err
	}
	pad := tokenizer.PAD
	if _, isBytes := tok.(tokenizer.Bytes); !isBytes {
		pad = tok.EOS()
	}
	var rows [][]int32
	name := d.Path
	switch {
	case d.Builtin == "corpus":
		s, err := suiteOf(d)
		if err != nil {
			return nil, err
		}
		var docs []string
		for _, doc := range s.PretrainTrain {
			if wantFamily(d, doc.Family) {
				docs = append(docs, doc.Text)
			}
		}
		if d.Size > 0 && d.Size < len(docs) {
			docs = docs[:d.Size]
		}
		rows, name = suite.Pack(docs, tok, seqLen, pad), fmt.Sprintf("suite corpus (seed %d, %d documents)", d.Seed, len(docs))
	case d.Path != "":
		t, err := arrowio.Load(d.Path, d.Split)
		if err != nil {
			return nil, err
		}
		if len(t.Schema.FieldIndices(datasets.ColInputIDs)) > 0 {
			if rows, err = datasets.TokenRows(t); err != nil {
				return nil, err
			}
			rows = fixLength(rows, seqLen, int32(pad))
		} else {
			texts, err := arrowio.Column[string](t, datasets.ColText)
			if err != nil {
				return nil, fmt.Errorf("%v (a corpus needs an input_ids or a text column)", err)
			}
			rows = suite.Pack(texts, tok, seqLen, pad)
		}
	default:
		return nil, fmt.Errorf("builtin %q is not a language-modelling corpus (want corpus, or a path)", d.Builtin)
	}
	if d.Size > 0 && d.Path != "" && d.Size < len(rows) {
		rows = rows[:d.Size]
	}
	c := &corpus{Name: name, Vocab: tok.VocabSize(), Pad: pad, Rows: make([][]int, len(rows))}
	for i, r := range rows {
		c.Rows[i] = make([]int, len(r))
		for j, v := range r {
			if v < 0 || int(v) >= c.Vocab {
				return nil, fmt.Errorf("%s: token id %d in row %d is outside the vocabulary [0, %d)", name, v, i, c.Vocab)
			}
			c.Rows[i][j] = int(v)
		}
	}
	if len(c.Rows) == 0 {
		return nil, fmt.Errorf("%s: empty corpus", name)
	}
	return c, nil
}

// fixLength cuts rows to n tokens and pads short ones.
func fixLength(rows [][]int32, n int, pad int32) [][]int32 {
	out := make([][]int32, len(rows))
	for i, r := range rows {
		row := make([]int32, n)
		for j := range row {
			row[j] = pad
		}
		copy(row, r)
		out[i] = row
	}
	return out
}

// loadTasks returns the multiple-choice tasks of a [data] entry (the
// suite's held-out-function tasks, or a dataset on disk) and its tokenizer.
func loadTasks(d config.Dataset) ([]*lmeval.Task, tokenizer.Tokenizer, error) {
	tok, err := tokenizerOf(d)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case d.Builtin == "mc":
		s, err := suiteOf(d)
		if err != nil {
			return nil, nil, err
		}
		var tasks []*lmeval.Task
		for _, t := range s.Tasks() {
			fam, _, _ := strings.Cut(t.Name, "/")
			if wantFamily(d, fam) {
				tasks = append(tasks, t)
			}
		}
		return tasks, tok, nil
	case len(d.Tasks) > 0:
		tasks, err := benchmarkTasks(d.Path, d.Tasks)
		return tasks, tok, err
	case d.Path != "":
		tasks, err := datasets.LoadMCTasks(d.Path)
		return tasks, tok, err
	}
	return nil, nil, fmt.Errorf("builtin %q is not a multiple-choice dataset (want mc, or a path)", d.Builtin)
}

// benchmarkTasks loads lm-eval benchmarks by name (groups expand to their
// subjects) from root/<task>, with their few-shot splits where present.
// LAMBADA is scored by ssmlab eval: these kinds compare choices.
func benchmarkTasks(root string, names []string) ([]*lmeval.Task, error) {
	var out []*lmeval.Task
	for _, name := range names {
		leaves := benchmarks.GroupTasks(name)
		if leaves == nil {
			leaves = []string{name}
		}
		for _, leaf := range leaves {
			spec, err := benchmarks.Lookup(leaf)
			if err != nil {
				return nil, err
			}
			if spec.Output == lmeval.Loglikelihood {
				return nil, fmt.Errorf("task %s has no choices to compare; score it with ssmlab eval", leaf)
			}
			dir, err := spec.Locate(root)
			if err != nil {
				return nil, err
			}
			t, err := spec.LoadAnyShots(dir)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// loadInstructions returns instruction-tuning examples: the suite's
// mixture in its compact template, or Alpaca-schema rows on disk in
// Stanford Alpaca's template.
func loadInstructions(d config.Dataset) ([]Example, tokenizer.Tokenizer, error) {
	tok, err := tokenizerOf(d)
	if err != nil {
		return nil, nil, err
	}
	var rows []suite.Instruction
	tmpl := suite.Compact
	switch {
	case d.Builtin == "instruct":
		s, err := suiteOf(d)
		if err != nil {
			return nil, nil, err
		}
		for _, in := range s.InstructTrain {
			if wantFamily(d, in.Family) {
				rows = append(rows, in)
			}
		}
	case d.Path != "":
		t, err := arrowio.Load(d.Path, d.Split)
		if err != nil {
			return nil, nil, err
		}
		rs, err := datasets.InstructionRows(t)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			rows = append(rows, suite.Instruction{Instruction: r.Instruction, Input: r.Input, Output: r.Output})
		}
		tmpl = suite.Alpaca
	default:
		return nil, nil, fmt.Errorf("builtin %q is not an instruction dataset (want instruct, or a path)", d.Builtin)
	}
	if d.Size > 0 && d.Size < len(rows) {
		rows = rows[:d.Size]
	}
	ex := make([]Example, len(rows))
	for i, in := range rows {
		ex[i] = Example{Prompt: tok.Encode(tmpl(in)), Response: tok.Encode(in.Output)}
	}
	if len(ex) == 0 {
		return nil, nil, fmt.Errorf("no instruction examples in %s", orName(d))
	}
	return ex, tok, nil
}

func orName(d config.Dataset) string {
	if d.Path != "" {
		return d.Path
	}
	return "the suite's " + d.Builtin
}

// validationData is the held-out data a training run reports its
// validation loss on: the suite's validation documents (corpus) or
// instructions (instruct), batched like the training data with a fixed
// seed. A dataset given by path has none here (nil): only its one split
// is read.
func validationData(d config.Dataset, B, T int) (train.Data, error) {
	if d.Builtin != "corpus" && d.Builtin != "instruct" {
		return nil, nil
	}
	s, err := suiteOf(d)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizerOf(d)
	if err != nil {
		return nil, err
	}
	const seed = 0x76616c // "val"
	if d.Builtin == "instruct" {
		var ex []Example
		for _, in := range s.InstructVal {
			if wantFamily(d, in.Family) {
				ex = append(ex, Example{Prompt: tok.Encode(suite.Compact(in)), Response: tok.Encode(in.Output)})
			}
		}
		if len(ex) == 0 {
			return nil, nil
		}
		return newSFTData(ex, B, T, tok.EOS(), seed)
	}
	pad := tokenizer.PAD
	if _, isBytes := tok.(tokenizer.Bytes); !isBytes {
		pad = tok.EOS()
	}
	var docs []string
	for _, doc := range s.PretrainVal {
		if wantFamily(d, doc.Family) {
			docs = append(docs, doc.Text)
		}
	}
	var rows [][]int
	for _, r := range suite.Pack(docs, tok, T, pad) {
		row := make([]int, len(r))
		for j, v := range r {
			row[j] = int(v)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return newRowData(rows, B, T, pad, seed)
}
