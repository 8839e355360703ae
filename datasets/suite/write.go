package suite

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"

	"github.com/ssmlab/ssmlab/datasets"
	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Write writes the suite under dir as Arrow IPC stream files (the HF cache
// format) plus manifest.json, each file atomically; the layout is in
// SUITE.md. manifest.json is written last, so its presence marks a
// complete suite. The same suite always gives the same bytes.
func (s *Suite) Write(dir string) error {
	files := map[string]fileInfo{}
	put := func(rel string, t *arrowio.Table, err error) error {
		if err != nil {
			return err
		}
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := arrowio.WriteFile(path, t, arrowio.Stream); err != nil {
			return err
		}
		b, err := fsx.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		files[rel] = fileInfo{Rows: t.NumRows(), SHA256: hex.EncodeToString(sum[:])}
		return nil
	}
	for _, w := range s.tables() {
		t, err := w.build()
		if err := put(w.rel, t, err); err != nil {
			return err
		}
	}
	m := s.manifest(files)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return fsx.WriteFileAtomic(filepath.Join(dir, "manifest.json"), append(b, '\n'))
}

type namedTable struct {
	rel   string
	build func() (*arrowio.Table, error)
}

// tables lists every file of the suite and how to build its table.
func (s *Suite) tables() []namedTable {
	tok := tokenizer.Bytes{}
	text := func(name string, docs []CorpusDoc) namedTable {
		return namedTable{"pretrain/" + name + ".arrow", func() (*arrowio.Table, error) {
			fam, fn := make([]string, len(docs)), make([]string, len(docs))
			for i, d := range docs {
				fam[i], fn[i] = d.Family, d.Func
			}
			return arrowio.NewTable(name, arrowio.Col{Name: datasets.ColText, Values: Texts(docs)},
				arrowio.Col{Name: "family", Values: fam}, arrowio.Col{Name: "function", Values: fn})
		}}
	}
	packed := func(name string, docs []CorpusDoc) namedTable {
		return namedTable{"lm/" + name + ".arrow", func() (*arrowio.Table, error) {
			return datasets.TokenTable(name, Pack(Texts(docs), tok, s.Profile.SeqLen, tokenizer.PAD), nil)
		}}
	}
	instr := func(name string, rows []Instruction) namedTable {
		return namedTable{"instruct/" + name + ".arrow", func() (*arrowio.Table, error) {
			r := make([]datasets.InstructionRow, len(rows))
			fam, fn := make([]string, len(rows)), make([]string, len(rows))
			for i, x := range rows {
				r[i] = datasets.InstructionRow{Instruction: x.Instruction, Input: x.Input, Output: x.Output}
				fam[i], fn[i] = x.Family, x.Func
			}
			return datasets.InstructionTable(name, r, arrowio.Col{Name: "family", Values: fam}, arrowio.Col{Name: "function", Values: fn})
		}}
	}
	out := []namedTable{text("train", s.PretrainTrain), text("validation", s.PretrainVal),
		packed("train", s.PretrainTrain), packed("validation", s.PretrainVal),
		instr("train", s.InstructTrain), instr("validation", s.InstructVal),
		{"mqar/train.arrow", func() (*arrowio.Table, error) {
			return datasets.TokenTable("mqar", s.MQARTrain.Inputs, s.MQARTrain.Labels)
		}},
		{"mqar/test.arrow", func() (*arrowio.Table, error) {
			return datasets.TokenTable("mqar", s.MQARTest.Inputs, s.MQARTest.Labels)
		}},
		{"regression/train.arrow", func() (*arrowio.Table, error) { return regressionTable(s.RegressionTrain) }},
		{"regression/test.arrow", func() (*arrowio.Table, error) { return regressionTable(s.RegressionTest) }},
	}
	for _, f := range s.Families {
		for _, split := range []string{"train", "test"} {
			out = append(out, namedTable{"mc/" + f.Name + "/" + split + ".arrow", func() (*arrowio.Table, error) {
				var rows []datasets.MCRow
				for _, t := range f.Tasks {
					items := t.Train
					if split == "test" {
						items = t.Test
					}
					for _, it := range items {
						d := it.Doc()
						rows = append(rows, datasets.MCRow{Task: t.Family + "/" + t.Func.ID, Question: d.Text, Choices: d.Choices, Answer: d.Gold})
					}
				}
				return datasets.MCTable(f.Name, rows)
			}})
		}
	}
	return out
}

func regressionTable(r RegressionSet) (*arrowio.Table, error) {
	return arrowio.NewTable("regression", arrowio.Col{Name: "x", Values: r.X}, arrowio.Col{Name: "y", Values: r.Y})
}

type fileInfo struct {
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
}
