package train

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Files a training run writes in its Dir.
const (
	// StepsFile holds one Record per optimizer step: what exact resume
	// and the run's Summary are computed from.
	StepsFile = "steps.jsonl"
	// LogFile holds one LogLine every Config.LogEvery steps (and at the
	// last step): the training curve.
	LogFile = "log.jsonl"
	// ScalarsFile is the same curve as CSV (step,train_loss,val_loss,lr,
	// grad_norm,tokens,skipped_total), for spreadsheets and plotting tools.
	ScalarsFile = "scalars.csv"
)

// LogLine is one line of log.jsonl: the run after Step optimizer steps
// (steps counted from 1, as the progress line counts them).
type LogLine struct {
	Step int `json:"step"`
	// TrainLoss is the mean training loss of the steps since the previous
	// line (HF Trainer's logged "loss").
	TrainLoss Num `json:"train_loss"`
	// ValLoss is the mean loss on the first Config.ValBatches batches of
	// the validation data, after this step's update; absent without one.
	ValLoss   *Num    `json:"val_loss,omitempty"`
	LR        float64 `json:"lr"`        // the learning rate of the last step
	GradNorm  Num     `json:"grad_norm"` // of the last step (Infinity: skipped)
	Tokens    int     `json:"tokens"`    // trained on so far
	SkipTotal int     `json:"skipped_total"`
}

var scalarsHeader = []string{"step", "train_loss", "val_loss", "lr", "grad_norm", "tokens", "skipped_total"}

// appendLogLine adds l to log.jsonl and scalars.csv in dir.
func appendLogLine(dir string, l LogLine) error {
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("%s: %v", LogFile, err)
	}
	if err := appendBytes(filepath.Join(dir, LogFile), append(b, '\n')); err != nil {
		return err
	}
	var buf bytes.Buffer
	path := filepath.Join(dir, ScalarsFile)
	w := csv.NewWriter(&buf)
	if st, err := os.Lstat(path); err != nil || st.Size() == 0 {
		w.Write(scalarsHeader)
	}
	w.Write(l.csvRow())
	w.Flush()
	return appendBytes(path, buf.Bytes())
}

func (l LogLine) csvRow() []string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	val := ""
	if l.ValLoss != nil {
		val = f(float64(*l.ValLoss))
	}
	return []string{strconv.Itoa(l.Step), f(float64(l.TrainLoss)), val, f(l.LR), f(float64(l.GradNorm)), strconv.Itoa(l.Tokens), strconv.Itoa(l.SkipTotal)}
}

// appendBytes adds b at the end of path, never through a symbolic link.
func appendBytes(path string, b []byte) error {
	f, err := fsx.OpenAppend(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadCurve returns the lines of a log.jsonl, ignoring a torn last line.
func ReadCurve(path string) ([]LogLine, error) {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []LogLine
	lines := bytes.Split(b, []byte{'\n'})
	last := len(lines) - 1
	for i, line := range lines[:last] {
		var l LogLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("%s:%d: corrupt log line: %v", path, i+1, err)
		}
		out = append(out, l)
	}
	var l LogLine
	if len(lines[last]) > 0 && json.Unmarshal(lines[last], &l) == nil {
		out = append(out, l)
	}
	return out, nil
}

// truncateCurve keeps the log lines of steps up to step (those a resumed
// run from the checkpoint at step does not write again), in log.jsonl and
// scalars.csv.
func truncateCurve(dir string, step int) error {
	path := filepath.Join(dir, LogFile)
	lines, err := ReadCurve(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep []LogLine
	for _, l := range lines {
		if l.Step <= step {
			keep = append(keep, l)
		}
	}
	if err := fsx.WriteAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, l := range keep {
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return fsx.WriteAtomic(filepath.Join(dir, ScalarsFile), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(scalarsHeader)
		for _, l := range keep {
			cw.Write(l.csvRow())
		}
		cw.Flush()
		return cw.Error()
	})
}

// window accumulates the training losses of the steps since the last log
// line.
type window struct {
	sum float64
	n   int
}

func (w *window) add(loss float64) { w.sum += loss; w.n++ }

func (w *window) mean() float64 {
	if w.n == 0 {
		return math.NaN()
	}
	return w.sum / float64(w.n)
}

// migrateStepLog renames the per-step log.jsonl of a run interrupted
// before log.jsonl became the curve (its lines have "loss", not
// "train_loss") to steps.jsonl, so the resumed run keeps its steps.
func migrateStepLog(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, StepsFile)); err == nil {
		return nil
	}
	b, err := fsx.ReadFile(filepath.Join(dir, LogFile))
	if err != nil {
		return nil // nothing to migrate
	}
	first, _, _ := bytes.Cut(b, []byte{'\n'})
	var probe map[string]json.RawMessage
	if json.Unmarshal(first, &probe) != nil {
		return nil
	}
	if _, old := probe["loss"]; !old {
		return nil
	}
	return os.Rename(filepath.Join(dir, LogFile), filepath.Join(dir, StepsFile))
}
