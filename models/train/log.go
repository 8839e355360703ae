package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/internal/jsonnum"
)

// Num is a float64 that survives JSON when it is not finite: NaN is
// written as null, ±Inf as "+Inf"/"-Inf" (package internal/jsonnum, the
// convention of every results file).
type Num = jsonnum.Float

// Record is one line of log.jsonl: one optimizer step.
type Record struct {
	Step      int     `json:"step"`
	Loss      Num     `json:"loss"`
	LR        float64 `json:"lr"`
	GradNorm  Num     `json:"grad_norm"` // +Inf on a skipped fp16 step
	LossScale float64 `json:"loss_scale"`
	Skipped   bool    `json:"skipped"`       // fp16 overflow: the update was not applied
	SkipTotal int     `json:"skipped_total"` // skipped steps so far
	Tokens    int     `json:"tokens"`        // tokens seen so far
	// Timing and memory: measured, so they differ between runs.
	TokensPerS float64 `json:"tokens_per_s"`
	PeakBytes  uint64  `json:"peak_bytes"`
}

// appendRecord adds one JSON line to path, flushed before returning.
func appendRecord(path string, r Record) error {
	f, err := fsx.OpenAppend(path)
	if err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %v", path, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadLog returns the records of a log.jsonl, ignoring a torn last line
// (a process killed mid-write). A line that does not parse anywhere else
// is an error naming the file and line.
func ReadLog(path string) ([]Record, error) {
	b, err := fsx.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []Record
	lines := bytes.Split(b, []byte{'\n'})
	last := len(lines) - 1 // after the final newline: "" or a line torn by a kill
	for i, line := range lines[:last] {
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s:%d: corrupt log line: %v", path, i+1, err)
		}
		out = append(out, r)
	}
	var r Record
	if len(lines[last]) > 0 && json.Unmarshal(lines[last], &r) == nil {
		out = append(out, r)
	}
	return out, nil
}

// truncateLog keeps the records of steps before step (those the
// checkpoint being resumed from already includes), atomically.
func truncateLog(path string, step int) error {
	recs, err := ReadLog(path)
	if err != nil || recs == nil {
		return err
	}
	return fsx.WriteAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, r := range recs {
			if r.Step < step {
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
