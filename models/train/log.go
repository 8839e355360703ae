package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Record is one line of log.jsonl: one optimizer step.
type Record struct {
	Step      int     `json:"step"`
	Loss      float64 `json:"loss"`
	LR        float64 `json:"lr"`
	GradNorm  float64 `json:"grad_norm"`
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
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadLog returns the records of a log.jsonl, ignoring a torn last line
// (a process killed mid-write).
func ReadLog(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			break
		}
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
