package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Context is what a Kind gets to run one trial, or a Builder to build one
// artifact. It is a context.Context: cancelled when the user interrupts the
// run, so long loops should check ctx.Err().
type Context struct {
	context.Context
	// Trial is the resolved trial config (nil while building an artifact).
	Trial *config.Trial
	// Spec is the artifact's spec as JSON (nil while running a trial).
	Spec json.RawMessage
	// Dir is the trial's (or artifact's) directory; files the kind writes
	// there should go through WriteFile so none is left half-written.
	Dir string
	// Seed is the trial's seed (0 for artifacts: their spec holds theirs).
	Seed int64
	// Log appends to log.jsonl.
	Log *Log
	// Progress prints progress lines to stderr.
	Progress *Progress
	// Checkpoints saves and finds the kind's checkpoints.
	Checkpoints *Checkpoints

	r       *runner
	mu      sync.Mutex
	used    []Used
	summary bool
}

// Rand returns a generator seeded by the trial seed and a stream name, so
// independent uses (init, data order, dropout) draw independent numbers
// that do not shift when another use changes.
func (c *Context) Rand(stream string) *rand.Rand {
	h := fnv.New64a()
	io.WriteString(h, stream)
	return rand.New(rand.NewPCG(uint64(c.Seed), h.Sum64()))
}

// Path returns the path of a file in the trial directory.
func (c *Context) Path(name string) string { return filepath.Join(c.Dir, name) }

// WriteFile writes a file in the trial directory atomically.
func (c *Context) WriteFile(name string, write func(w io.Writer) error) error {
	return fsx.WriteAtomic(c.Path(name), write)
}

// WriteSummary writes v as summary.json (atomically). A trial must write
// one before it returns; plots read only summaries (and logs).
func (c *Context) WriteSummary(v any) error {
	if err := store.WriteJSON(c.Path(store.SummaryFile), v); err != nil {
		return fmt.Errorf("summary: %v", err)
	}
	c.mu.Lock()
	c.summary = true
	c.mu.Unlock()
	return nil
}

// Artifact returns the directory of the artifact that the registered
// builder name makes from spec, building it first if no run has. spec
// must marshal to JSON; equal specs share one artifact across trials,
// experiments and shard processes (see artifact.go for the protocol).
func (c *Context) Artifact(name string, spec any) (string, error) {
	a, err := c.r.artifact(name, spec)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.used = append(c.used, Used{Name: name, Hash: a.hash, Dir: a.dir})
	c.mu.Unlock()
	if err := c.r.ensure(c.Context, a); err != nil {
		return "", err
	}
	return a.dir, nil
}
