package experiments

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Checkpoints names, saves and finds a trial's checkpoints under
// <dir>/checkpoints/. The kind owns the format: Save hands it a path to
// create (a file or a directory) and then publishes it atomically. A
// checkpoint exists once its small step-NNNNNNNNN.json record is written,
// after the data; that record also remembers how long log.jsonl was, so a
// resumed trial's log ends up identical to an uninterrupted one. So log a
// step's lines before saving its checkpoint: lines written after the save
// are rolled back on resume, and the resumed run starts after that step.
type Checkpoints struct {
	dir string
	log *Log
	// Keep is how many of the latest checkpoints Save leaves (0: all).
	Keep int
}

type ckptRecord struct {
	Step     int   `json:"step"`
	LogBytes int64 `json:"log_bytes"`
}

// Path is where the checkpoint of step lives once saved.
func (c *Checkpoints) Path(step int) string {
	return filepath.Join(c.dir, fmt.Sprintf("step-%09d", step))
}

// Save creates the checkpoint of step: write must create tmp (a file or a
// directory); Save then renames it to Path(step), records it, and prunes
// all but the Keep latest. A run killed during Save leaves the previous
// checkpoint as the latest.
func (c *Checkpoints) Save(step int, write func(tmp string) error) error {
	if err := fsx.MkdirUnder(filepath.Dir(c.dir), c.dir); err != nil {
		return err
	}
	final := c.Path(step)
	tmp := filepath.Join(c.dir, fmt.Sprintf("%sstep-%09d", fsx.TempDirPrefix, step))
	os.RemoveAll(tmp)
	if err := write(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if c.log != nil {
		if err := c.log.sync(); err != nil {
			return err
		}
	}
	os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	rec := ckptRecord{Step: step}
	if c.log != nil {
		rec.LogBytes = c.log.Size()
	}
	b, _ := json.Marshal(rec)
	if err := fsx.WriteFileAtomic(final+".json", b); err != nil {
		return err
	}
	return c.prune()
}

// SaveFile is Save for a checkpoint that is one file.
func (c *Checkpoints) SaveFile(step int, write func(w io.Writer) error) error {
	return c.Save(step, func(tmp string) error { return fsx.WriteAtomic(tmp, write) })
}

// Latest returns the path and step of the newest complete checkpoint.
func (c *Checkpoints) Latest() (path string, step int, ok bool) {
	recs := c.records()
	if len(recs) == 0 {
		return "", 0, false
	}
	r := recs[len(recs)-1]
	return c.Path(r.Step), r.Step, true
}

// records lists the complete checkpoints, oldest first.
func (c *Checkpoints) records() []ckptRecord {
	ents, _ := os.ReadDir(c.dir)
	var out []ckptRecord
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, "step-") || !strings.HasSuffix(n, ".json") {
			continue
		}
		b, err := fsx.ReadFile(filepath.Join(c.dir, n))
		var r ckptRecord
		if err != nil || json.Unmarshal(b, &r) != nil {
			continue
		}
		if _, err := os.Stat(c.Path(r.Step)); err == nil {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out
}

func (c *Checkpoints) prune() error {
	recs := c.records()
	if c.Keep <= 0 || len(recs) <= c.Keep {
		return nil
	}
	for _, r := range recs[:len(recs)-c.Keep] {
		p := c.Path(r.Step)
		if err := os.Remove(p + ".json"); err != nil {
			return err
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// logBytes is the log length the latest checkpoint recorded (0 if none).
func (c *Checkpoints) logBytes() int64 {
	recs := c.records()
	if len(recs) == 0 {
		return 0
	}
	return recs[len(recs)-1].LogBytes
}
