package benchmarks

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssmlab/ssmlab/datasets/arrowio"
	"github.com/ssmlab/ssmlab/datasets/lmeval"
)

// Download is the command that fetches the task's data into dir (the
// Hub's Parquet conversion, <config>/<split>/0000.parquet, which every
// layout reader here accepts).
func (s *Spec) Download(dir string) string {
	return fmt.Sprintf("huggingface-cli download %s --repo-type dataset --revision refs/convert/parquet --include '%s/*' --local-dir %s",
		s.Repo, s.Config, dir)
}

// mmluDownload fetches every MMLU subject of cais/mmlu into dir, one
// folder each (<subject>/<split>/0000.parquet), leaving out its "all" and
// "auxiliary_train" configs.
func mmluDownload(dir string) string {
	return fmt.Sprintf("huggingface-cli download cais/mmlu --repo-type dataset --revision refs/convert/parquet --exclude 'all/*' 'auxiliary_train/*' --local-dir %s", dir)
}

// dirs are the folders under root where Locate looks for the task's data.
func (s *Spec) dirs(root string) []string {
	dirs := []string{filepath.Join(root, s.Name)}
	if sub, ok := strings.CutPrefix(s.Name, "mmlu_"); ok {
		dirs = append(dirs, filepath.Join(root, "mmlu", sub))
	}
	return dirs
}

// Locate returns the folder under root holding the task's data: root/<task>,
// or for an MMLU subject also root/mmlu/<subject> (cais/mmlu downloaded
// whole). A missing folder is an error naming where it looked and the
// command that downloads it.
func (s *Spec) Locate(root string) (string, error) {
	dirs := s.dirs(root)
	for _, d := range dirs {
		if _, err := os.Stat(d); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("task %s: no data at %s; fetch it with: %s", s.Name, strings.Join(dirs, " or "), s.Download(dirs[0]))
}

// MissingTask is a task whose data is not under a root: where it was
// looked for and the command that fetches it there.
type MissingTask struct {
	Task, Dir, Download string
}

// Missing lists the tasks named (groups expanded) that have no data under
// root, in the order named, with the commands Locate's errors give. An
// MMLU group none of whose subjects is there is one entry instead of one a
// subject: root/mmlu, and the command that fetches every subject into it.
// A name that is no task is an error.
func Missing(root string, names []string) ([]MissingTask, error) {
	var out []MissingTask
	seen := map[string]bool{}
	for _, name := range names {
		leaves := GroupTasks(name)
		if leaves == nil {
			leaves = []string{name}
		}
		var miss []MissingTask
		for _, leaf := range leaves {
			spec, err := Lookup(leaf)
			if err != nil {
				return nil, err
			}
			if seen[leaf] {
				continue
			}
			seen[leaf] = true
			if _, err := spec.Locate(root); err != nil {
				d := spec.dirs(root)[0]
				miss = append(miss, MissingTask{Task: leaf, Dir: d, Download: spec.Download(d)})
			}
		}
		if len(leaves) > 1 && len(miss) == len(leaves) {
			d := filepath.Join(root, "mmlu")
			miss = []MissingTask{{Task: name, Dir: d, Download: mmluDownload(d)}}
		}
		out = append(out, miss...)
	}
	return out, nil
}

// Load reads the task from path (a data file, or a folder holding its
// splits in any layout arrowio.Find knows) and returns it with lm-eval's
// settings. It reads the eval split, and with k > 0 the few-shot split,
// which for a single file is looked for next to it. A path holding one
// split serves as the eval split whatever its name.
func (s *Spec) Load(path string, k int) (*lmeval.Task, error) { return s.load(path, k, true) }

// LoadAnyShots is Load with the few-shot split read where present: a task
// whose prompts are built later at several k. Without the split, k > 0
// fails then, naming it.
func (s *Spec) LoadAnyShots(path string) (*lmeval.Task, error) { return s.load(path, 1, false) }

func (s *Spec) load(path string, k int, needShots bool) (*lmeval.Task, error) {
	d, err := arrowio.Find(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("task %s: %s does not exist; fetch the data with: %s", s.Name, path, s.Download(path))
		}
		return nil, fmt.Errorf("task %s: %v", s.Name, err)
	}
	evalFiles, ok := split(d, s.Eval)
	if !ok && len(d.Splits) == 1 {
		evalFiles = d.Splits[0].Files
	} else if !ok {
		return nil, s.missing(path, s.Eval, d)
	}
	splits := map[string][]lmeval.Doc{}
	if splits[s.Eval], err = s.read(path, evalFiles); err != nil {
		return nil, err
	}
	if k > 0 && s.Fewshot != s.Eval {
		files, ok := split(d, s.Fewshot)
		if !ok && d.Layout == "file" {
			if near, err := arrowio.Find(filepath.Dir(path)); err == nil {
				files, ok = split(near, s.Fewshot)
			}
		}
		if !ok && !needShots {
			return s.Task(splits)
		}
		if !ok {
			return nil, fmt.Errorf("task %s: %d-shot prompts draw from the %s split, which %s does not hold; fetch the data with: %s",
				s.Name, k, s.Fewshot, path, s.Download(path))
		}
		if splits[s.Fewshot], err = s.read(path, files); err != nil {
			return nil, err
		}
	}
	return s.Task(splits)
}

// Task returns the task over docs already converted, split by name, with
// lm-eval's settings for s.
func (s *Spec) Task(splits map[string][]lmeval.Doc) (*lmeval.Task, error) {
	t := lmeval.NewTask(s.Name, splits)
	t.Output, t.Description, t.EvalSplit, t.FewshotSplit = s.Output, s.Desc, s.Eval, s.Fewshot
	t.ExcludeEval = s.Exclude
	t.TargetDelimiter = s.TargetDelimiter()
	if s.FirstN {
		t.Sampler = lmeval.FirstN
	}
	if s.Fewshot == s.Eval && !s.Exclude {
		// LAMBADA: shots come from its only split, but lm-eval's
		// fewshot_split is unset, so the eval doc is not dropped.
		t.FewshotSplit = ""
	}
	return t, t.Validate()
}

func (s *Spec) read(path string, files []string) ([]lmeval.Doc, error) {
	tab, err := arrowio.ReadFiles(path, files...)
	if err != nil {
		return nil, fmt.Errorf("task %s: %v", s.Name, err)
	}
	docs, err := s.convert(tab)
	if err != nil {
		return nil, fmt.Errorf("task %s: %v", s.Name, err)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("task %s: %s holds no rows", s.Name, strings.Join(files, ", "))
	}
	return docs, nil
}

func (s *Spec) missing(path, want string, d *arrowio.Dataset) error {
	var have []string
	for _, sp := range d.Splits {
		have = append(have, sp.Name)
	}
	return fmt.Errorf("task %s: %s has splits %s but lm-eval scores the %s split; fetch it with: %s",
		s.Name, path, strings.Join(have, ", "), want, s.Download(path))
}

func split(d *arrowio.Dataset, name string) ([]string, bool) {
	for _, s := range d.Splits {
		if s.Name == name {
			return s.Files, true
		}
	}
	return nil, false
}
