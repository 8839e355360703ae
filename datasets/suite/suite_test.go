package suite

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets"
	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/datasets/tokenizer"
)

// TestSameSeedSameBytes writes the quick suite twice for one seed and
// compares every byte, then checks another seed differs.
func TestSameSeedSameBytes(t *testing.T) {
	p, _ := ProfileNamed("quick")
	write := func(seed uint64) map[string][]byte {
		s, err := Generate(seed, p)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := s.Write(dir); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, path)
				files[rel], _ = os.ReadFile(path)
			}
			return err
		})
		return files
	}
	a, b, c := write(7), write(7), write(8)
	if len(a) != 25 {
		t.Errorf("%d files, want 25 (manifest, 2 pretrain, 2 lm, 2 instruct, 2 mqar, 2 regression, 14 mc)", len(a))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs with seed 7", name)
		}
		if strings.HasPrefix(name, "mc") && bytes.Equal(data, c[name]) {
			t.Errorf("%s is the same for seeds 7 and 8", name)
		}
	}
}

// TestItems checks what the design promises of every multiple-choice item,
// pretraining document and instruction row.
func TestItems(t *testing.T) {
	p, _ := ProfileNamed("quick")
	s, err := Generate(3, p)
	if err != nil {
		t.Fatal(err)
	}
	trainOf := map[string]Func{}
	for _, f := range s.Families {
		held := map[string]bool{}
		for _, fn := range f.Heldout {
			held[fn.ID] = true
		}
		for _, fn := range f.Train {
			if held[fn.ID] {
				t.Errorf("%s: %s is both a training and a held-out function", f.Name, fn.ID)
			}
			trainOf[fn.ID] = fn
		}
		for _, task := range f.Tasks {
			for _, it := range append(append([]Item{}, task.Train...), task.Test...) {
				if it.Choices[it.Gold] != task.Func.Apply(it.Query) || it.Funcs[it.Gold] != task.Func.ID {
					t.Errorf("%s: gold of %v is not the task function's output", task.Func.ID, it)
				}
				seen := map[string]bool{}
				for c, choice := range it.Choices {
					if seen[choice] || (c != it.Gold && trainOf[it.Funcs[c]].ID != "") {
						t.Errorf("%s: choices %v repeat or come from a training function", task.Func.ID, it.Choices)
					}
					seen[choice] = true
				}
			}
		}
	}
	for _, d := range s.PretrainTrain[:200] {
		fn := trainOf[d.Func]
		for _, line := range strings.Split(strings.TrimSuffix(d.Text, "\n\n"), "\n\n") {
			in, out, ok := strings.Cut(line, Arrow+" ")
			if !ok || fn.Apply(in) != out {
				t.Fatalf("document of %s: line %q is not a demonstration of it", d.Func, line)
			}
		}
	}
	for _, in := range s.InstructTrain {
		if fn, ok := trainOf[in.Func]; !ok || fn.Apply(in.Input) != in.Output || fn.Instruction != in.Instruction {
			t.Fatalf("instruction row %+v is not from a training function", in)
		}
	}
}

// TestFilesReadBack reads the written multiple-choice files back as lmeval
// tasks and compares their prompts with the in-memory tasks.
func TestFilesReadBack(t *testing.T) {
	p, _ := ProfileNamed("quick")
	s, _ := Generate(1, p)
	dir := t.TempDir()
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	fam := s.Families[1]
	tasks, err := datasets.LoadMCTasks(filepath.Join(dir, "mc", fam.Name))
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != len(fam.Tasks) {
		t.Fatalf("%d tasks read, %d written", len(tasks), len(fam.Tasks))
	}
	for i, task := range tasks {
		want, _ := fam.Tasks[i].Task().Contexts(3)
		got, err := task.Contexts(3)
		if err != nil || !reflect.DeepEqual(got, want) || task.Name != fam.Tasks[i].Task().Name {
			t.Errorf("task %d: read-back prompts differ", i)
		}
	}
	ids, err := arrowTokens(filepath.Join(dir, "lm", "train.arrow"))
	if err != nil || len(ids) == 0 || len(ids[0]) != p.SeqLen {
		t.Errorf("lm/train.arrow: %d rows, %v", len(ids), err)
	}
}

func arrowTokens(path string) ([][]int32, error) {
	tab, err := arrowio.ReadTable(path)
	if err != nil {
		return nil, err
	}
	return datasets.TokenRows(tab)
}

func TestPack(t *testing.T) {
	tok := tokenizer.Bytes{}
	rows := Pack([]string{"ab", "cde", "fghij", "k"}, tok, 6, tokenizer.PAD)
	e := int32(tokenizer.EOSByte)
	want := [][]int32{{'a', 'b', e, 'c', 'd', 'e'}, {'f', 'g', 'h', 'i', 'j', e}, {'k', e, tokenizer.PAD, tokenizer.PAD, tokenizer.PAD, tokenizer.PAD}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("Pack = %v, want %v", rows, want)
	}
}

func TestTemplates(t *testing.T) {
	in := Instruction{Instruction: "Add \"qz\" after the word.", Input: "abc", Output: "abcqz"}
	want := "Below is an instruction that describes a task, paired with an input that provides further context. " +
		"Write a response that appropriately completes the request.\n\n### Instruction:\nAdd \"qz\" after the word.\n\n" +
		"### Input:\nabc\n\n### Response:"
	if got := Alpaca(in); got != want {
		t.Errorf("Alpaca:\n%q\nwant\n%q", got, want)
	}
	if got := Compact(in); got != "### Instruction:\nAdd \"qz\" after the word.\n### Input:\nabc\n### Response:\n" {
		t.Errorf("Compact: %q", got)
	}
	if got := Alpaca(Instruction{Instruction: "Say hi."}); !strings.HasSuffix(got, "task. Write a response that appropriately completes the request.\n\n### Instruction:\nSay hi.\n\n### Response:") {
		t.Errorf("Alpaca without input: %q", got)
	}
}
