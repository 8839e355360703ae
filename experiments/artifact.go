package experiments

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Builder makes one kind of shared artifact, such as a pretrained base
// model, from a spec. The artifact lives in
// results/artifacts/<name>/<label>-<hash>/, where hash covers the builder's
// Version and the spec, so every trial of every experiment (and every shard
// process) that asks for an equal spec gets the same directory, built once.
//
// Protocol: a process that needs an artifact without DONE creates LOCK in
// its directory exclusively, builds (ctx.Dir, ctx.Spec, checkpoints and log
// as for a trial, resuming a killed build from its checkpoints), writes
// DONE and removes LOCK. Others wait for DONE. A LOCK whose process died
// (same host, PID gone) or that has not been refreshed for lockStale is
// taken over.
type Builder interface {
	// Version names the builder's algorithm and output format; bumping it
	// makes old artifacts of this name stale.
	Version() string
	// Build writes the artifact into ctx.Dir. It may ask for other
	// artifacts (a fine-tuned model asks for its base).
	Build(ctx *Context) error
}

// Labeler is implemented by specs that give their artifact a readable
// directory name, such as "mamba-s_seed=0".
type Labeler interface {
	Label() string
}

var (
	builderMu sync.RWMutex
	builders  = map[string]Builder{}
)

// RegisterArtifact makes b the builder of artifacts called name. Builders
// register in init; a duplicate name panics.
func RegisterArtifact(name string, b Builder) {
	builderMu.Lock()
	defer builderMu.Unlock()
	if _, dup := builders[name]; dup {
		panic("experiments: artifact " + name + " registered twice")
	}
	builders[name] = b
}

// artifact is one resolved artifact request.
type artifact struct {
	name, dir, hash string
	b               Builder
	cfg             store.Config
	rebuild         bool // DONE but damaged: rebuild it (--force)
}

func (r *runner) artifact(name string, spec any) (*artifact, error) {
	builderMu.RLock()
	b, ok := builders[name]
	builderMu.RUnlock()
	if !ok {
		names := make([]string, 0, len(builders))
		for n := range builders {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("unknown artifact %q (registered: %v)", name, names)
	}
	inputs, err := r.fp.of(spec)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %v", name, err)
	}
	cfg, err := store.NewConfig(spec, b.Version(), inputs...)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: spec: %v", name, err)
	}
	hash := cfg.Hash[len("sha256:"):][:16]
	label := ""
	if l, ok := spec.(Labeler); ok {
		label = config.SafeName(l.Label())
	}
	return &artifact{name: name, dir: store.ArtifactDir(r.opt.Results, name, label, hash), hash: cfg.Hash, b: b, cfg: cfg}, nil
}

// ensure returns once a's directory is DONE, building it here if no other
// process is. A DONE directory whose files fail checkOutputs is refused,
// or under --force rebuilt.
func (r *runner) ensure(parent context.Context, a *artifact) error {
	if err := r.check(a); err != nil {
		return err
	}
	lock := filepath.Join(a.dir, "LOCK")
	waiting := false
	for a.rebuild || !store.Done(a.dir) {
		r.mu.Lock()
		if r.building[a.dir] {
			r.mu.Unlock()
			return fmt.Errorf("artifact %s needs itself (a cycle of artifact specs)", a.dir)
		}
		if err := fsx.MkdirUnder(r.opt.Results, a.dir); err != nil {
			r.mu.Unlock()
			return err
		}
		held, holder, err := tryLock(lock)
		if held != nil {
			r.building[a.dir] = true
		}
		r.mu.Unlock()
		if err != nil {
			return err
		}
		if held != nil {
			err := r.build(parent, a)
			held.release()
			r.mu.Lock()
			delete(r.building, a.dir)
			r.mu.Unlock()
			return err
		}
		if abandoned(lock, holder) {
			fmt.Fprintf(r.opt.Stderr, "artifact %s: taking over the lock left by %s pid %d\n", a.dir, holder.Host, holder.PID)
			breakLock(lock, holder)
			continue
		}
		if !waiting {
			fmt.Fprintf(r.opt.Stderr, "artifact %s: waiting for %s pid %d to build it\n", a.dir, holder.Host, holder.PID)
			waiting = true
		}
		select {
		case <-parent.Done():
			return parent.Err()
		case <-time.After(lockPoll):
		}
	}
	return nil
}

// check looks at a finished artifact's files once per run (every file's
// hash under --force, sizes otherwise) and marks a damaged one for
// rebuilding under --force; without it, a damaged artifact is an error.
func (r *runner) check(a *artifact) error {
	r.mu.Lock()
	ok := r.checked[a.dir]
	r.mu.Unlock()
	if ok || !store.Done(a.dir) {
		return nil
	}
	bad, err := checkOutputs(a.dir, r.opt.Force)
	if err != nil {
		return fmt.Errorf("artifact %s: %v", a.dir, err)
	}
	if bad != "" && !r.opt.Force {
		return fmt.Errorf("artifact %s is damaged: %s; rerun with --force to rebuild it", a.dir, bad)
	}
	if bad != "" {
		fmt.Fprintf(r.opt.Stderr, "artifact %s: %s; rebuilding it\n", a.dir, bad)
		a.rebuild = true
	} else if err := cleanDone(a.dir); err != nil {
		return fmt.Errorf("artifact %s: %v", a.dir, err)
	}
	r.mu.Lock()
	r.checked[a.dir] = true
	r.mu.Unlock()
	return nil
}

// cleanDone removes the temporary files a killed process left in the
// finished artifact dir (a write into it that never completed), under
// its lock; if another process holds the lock, they wait for a later run.
func cleanDone(dir string) error {
	if !fsx.HasTemps(dir) {
		return nil
	}
	held, _, err := tryLock(filepath.Join(dir, "LOCK"))
	if err != nil || held == nil {
		return err
	}
	defer held.release()
	_, err = fsx.CleanTemps(dir)
	return err
}

func (r *runner) build(parent context.Context, a *artifact) error {
	if a.rebuild {
		a.rebuild = false
		if bad, err := checkOutputs(a.dir, true); err != nil || bad != "" || !store.Done(a.dir) {
			if err := clearArtifact(a.dir); err != nil {
				return fmt.Errorf("artifact %s: %v", a.dir, err)
			}
		} // else rebuilt by another process while we waited for the lock
	}
	if store.Done(a.dir) {
		return nil // finished by another process between our check and the lock
	}
	label := "artifact " + filepath.Join(a.name, filepath.Base(a.dir))
	_, err := os.Stat(filepath.Join(a.dir, store.ProvenanceFile))
	interrupted := err == nil
	if interrupted && r.opt.Force {
		// --force rebuilds what the trial depends on: an interrupted
		// build starts over rather than resume from files (a checkpoint)
		// that may be the reason for the rerun.
		fmt.Fprintf(r.opt.Stderr, "%s: --force: discarding an interrupted build\n", label)
		if err := clearArtifact(a.dir); err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		interrupted = false
	}
	// Temporary files in a.dir are a killed build's: the lock is ours.
	if _, err := fsx.CleanTemps(a.dir); err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	if interrupted {
		fmt.Fprintf(r.opt.Stderr, "%s: resuming an interrupted build\n", label)
	} else {
		fmt.Fprintf(r.opt.Stderr, "%s: building\n", label)
	}
	err = r.execute(parent, a.dir, a.cfg, 0, label, "", false, func(c *Context) error {
		c.Spec = a.cfg.Trial
		return a.b.Build(c)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	return nil
}

// prebuild builds this shard's share of the artifacts the trials plan to
// use (every n-th of them, in order of first use), so shards build
// different bases in parallel instead of waiting on each other.
func (r *runner) prebuild(ctx context.Context, k Kind, trials []config.Trial) error {
	p, ok := k.(Planner)
	if !ok {
		return nil
	}
	var all []*artifact
	seen := map[string]bool{}
	for i := range trials {
		needs, err := p.Needs(&trials[i])
		if err != nil {
			return fmt.Errorf("trial %s: %v", trials[i].Key, err)
		}
		for _, n := range needs {
			a, err := r.artifact(n.Artifact, n.Spec)
			if err != nil {
				return fmt.Errorf("trial %s: %v", trials[i].Key, err)
			}
			if !seen[a.dir] {
				seen[a.dir] = true
				all = append(all, a)
			}
		}
	}
	for j, a := range all {
		if j%r.opt.Shards == r.opt.Shard {
			if err := r.ensure(ctx, a); err != nil {
				return err
			}
		}
	}
	return nil
}
