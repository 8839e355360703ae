package experiments

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Options control a run.
type Options struct {
	// Results is the results directory (default "results").
	Results string
	// Shard and Shards select the trials whose index in the stable sweep
	// order satisfies index % Shards == Shard (Shards 0 or 1: all).
	Shard, Shards int
	// Force reruns the selected trials from scratch, replacing finished
	// ones and ones made by a different config.
	Force bool
	// Stderr receives progress (default os.Stderr).
	Stderr io.Writer
	// ProgressEvery is the least time between progress lines (default 10s).
	ProgressEvery time.Duration
	// Command is recorded in provenance (default os.Args).
	Command []string
	// Overall, if set, also counts this run's trials (a reproduce of
	// several experiments), for its ETA on every trial's closing line.
	Overall *Tracker
}

// Report says what a run did.
type Report struct {
	Experiment string
	Dir        string // results/runs/<experiment>
	Total      int    // trials in the sweep
	Selected   int    // trials in this shard
	Ran        int    // trials run (or resumed) to DONE
	Skipped    int    // trials already DONE
	Elsewhere  int    // trials skipped because another process is running them
}

type runner struct {
	opt      Options
	fp       *fingerprints
	mu       sync.Mutex
	building map[string]bool   // artifact dirs this process is building
	checked  map[string]bool   // finished artifact dirs whose files this process checked
	devices  map[string]string // device ("cuda") -> what OpenDevice said it is, for provenance
}

// maxBelowResults bounds the paths ssmlab writes below a results folder:
// runs/<name>/<key>/checkpoints/.tmp-step-<n>/<file>.tmp<digits> and
// artifacts/<name>/<label>-<hash>/model/.<file>.tmp<digits>, with names of
// at most config.MaxNameLen bytes and keys and labels of at most 160, come
// to about 400 bytes; kinds add a level or two.
const maxBelowResults = 512

// Run runs the trials of e selected by the shard options: it skips those
// already DONE, resumes interrupted ones, refuses (without Force) trial
// directories made by a different config, and stops at the first failure.
// Shared artifacts the kind plans are built first, split across shards.
func Run(ctx context.Context, e *config.Experiment, opt Options) (*Report, error) {
	if opt.Results == "" {
		opt.Results = "results"
	}
	if opt.Stderr == nil {
		opt.Stderr = os.Stderr
	}
	opt.Stderr = newScreen(opt.Stderr) // progress bars on a terminal are cleared before other lines
	if opt.ProgressEvery == 0 {
		opt.ProgressEvery = 10 * time.Second
	}
	if opt.Command == nil {
		opt.Command = os.Args
	}
	if opt.Shards <= 0 {
		opt.Shards = 1
	}
	// No write below the results folder goes through a planted link.
	defer fsx.Guard(opt.Results)()
	if opt.Shard < 0 || opt.Shard >= opt.Shards {
		return nil, fmt.Errorf("shard %d/%d: want 0 <= i < n", opt.Shard, opt.Shards)
	}
	if e.Preset {
		return nil, fmt.Errorf("%s: a preset (no kind), not an experiment; include it from one", e.File)
	}
	if e.ProfileMissing {
		return nil, ProfileMissingError(e)
	}
	if err := fsx.CheckRoom(opt.Results, maxBelowResults); err != nil {
		return nil, err
	}
	k, err := lookupKind(e.Kind)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", e.File, err)
	}
	if pk, ok := k.(ParamsKind); ok && len(e.Trials) > 0 {
		if want, got := reflect.TypeOf(pk.NewParams()), reflect.TypeOf(e.Trials[0].Params); want != got {
			return nil, fmt.Errorf("%s: params are %v, kind %s wants %v; load the file with experiments.Load", e.File, got, e.Kind, want)
		}
	}
	devices, err := openDevices(e, k) // before any artifact or trial directory is made
	if err != nil {
		return nil, err
	}
	r := &runner{opt: opt, fp: newFingerprints(opt.Results, opt.Force), building: map[string]bool{}, checked: map[string]bool{}, devices: devices}
	rep := &Report{Experiment: e.Name, Dir: filepath.Join(opt.Results, "runs", e.Name), Total: len(e.Trials)}
	var mine []*config.Trial
	for i := range e.Trials {
		if e.Trials[i].Index%opt.Shards == opt.Shard {
			mine = append(mine, &e.Trials[i])
		}
	}
	rep.Selected = len(mine)
	cleanTrash(rep.Dir)
	if err := r.prebuild(ctx, k, e.Trials); err != nil {
		if ctx.Err() != nil {
			err = errors.New("interrupted; run the same command again to resume")
		}
		return rep, err
	}
	exp := NewTracker(e.Name, len(mine))
	for i, t := range mine {
		label := fmt.Sprintf("[%d/%d] %s %s", i+1, len(mine), e.Name, t.Key)
		began := time.Now()
		out, err := r.runTrial(ctx, k, t, label)
		if err != nil {
			return rep, err
		}
		took := time.Since(began)
		ran := out == trialRan
		exp.finish(took, ran)
		if r.opt.Overall != nil {
			r.opt.Overall.finish(took, ran)
		}
		switch out {
		case trialRan:
			rep.Ran++
			line := fmt.Sprintf("%s: done in %s (%s", label, roundDur(took), exp)
			if r.opt.Overall != nil {
				line += "; " + r.opt.Overall.String()
			}
			fmt.Fprintln(r.opt.Stderr, line+")")
		case trialDone:
			rep.Skipped++
		case trialElsewhere:
			rep.Elsewhere++
		}
	}
	return rep, nil
}

// What runTrial did with a trial.
type trialOutcome int

const (
	trialRan       trialOutcome = iota // ran (or resumed) to DONE
	trialDone                          // DONE already
	trialElsewhere                     // another live process holds its lock
)

// runTrial runs one trial unless it is DONE or another process is running
// it. It holds the trial's lock (see lockTrial) from the decision to the end.
func (r *runner) runTrial(ctx context.Context, k Kind, t *config.Trial, label string) (trialOutcome, error) {
	dir := store.RunDir(r.opt.Results, t.Experiment, t.Key)
	inputs, err := r.fp.of(t)
	if err != nil {
		return 0, fmt.Errorf("trial %s: %v", t.Key, err)
	}
	cfg, err := store.NewConfig(t, kindVersion(k), inputs...)
	if err != nil {
		return 0, fmt.Errorf("trial %s: config: %v", t.Key, err)
	}
	lock, holder, err := r.lockTrial(dir, label)
	if err != nil {
		return 0, fmt.Errorf("trial %s: %w", t.Key, err)
	}
	if lock == nil {
		fmt.Fprintf(r.opt.Stderr, "%s: running elsewhere (%s), skipped\n", label, holder)
		return trialElsewhere, nil
	}
	defer lock.release()
	skip, err := r.prepare(dir, cfg)
	if err != nil || skip {
		if skip {
			// Temporary files in a DONE trial are a killed write's: the
			// lock is ours.
			if _, err := fsx.CleanTemps(dir); err != nil {
				return 0, fmt.Errorf("trial %s: %w", t.Key, err)
			}
			fmt.Fprintf(r.opt.Stderr, "%s: done already, skipped\n", label)
		}
		return trialDone, err
	}
	// Temporary files in dir are a killed run's: the lock is ours.
	if _, err := fsx.CleanTemps(dir); err != nil {
		return 0, fmt.Errorf("trial %s: %w", t.Key, err)
	}
	fmt.Fprintf(r.opt.Stderr, "%s: started\n", label)
	err = r.execute(ctx, dir, cfg, t.Seed, label, r.devices[t.Device], true, func(c *Context) error {
		c.Trial = t
		return k.Run(c)
	})
	if err != nil {
		return 0, fmt.Errorf("trial %s: %w", t.Key, err)
	}
	return trialRan, nil
}

// prepare decides what to do with a trial directory: skip it (DONE, same
// config), resume it (same config), start it, or refuse it (a different
// config made it; Force replaces it).
func (r *runner) prepare(dir string, cfg store.Config) (skip bool, err error) {
	old, ok, err := store.ReadConfig(dir)
	switch {
	case err != nil && !r.opt.Force:
		return false, err
	case err == nil && ok && old.Hash != cfg.Hash && !r.opt.Force && old.Version != cfg.Version && sameJSON(old.Trial, cfg.Trial):
		return false, fmt.Errorf("%s was made by version %s of its experiment kind and this ssmlab runs version %s, so its results are out of date; rerun the experiment with --force to replace its trials (ssmlab run CONFIG --force, with the same --results), or move the directory away to keep it",
			dir, orNone(old.Version), orNone(cfg.Version))
	case err == nil && ok && old.Hash != cfg.Hash && !r.opt.Force:
		return false, fmt.Errorf("%s was made by a different config (%s); rerun with --force to replace it, or move it away", dir, store.Diff(old, cfg))
	case err == nil && ok && old.Hash == cfg.Hash && store.Done(dir) && !r.opt.Force:
		return true, nil
	case r.opt.Force && (err != nil || ok):
		return false, discard(dir)
	}
	return false, nil
}

// discard moves dir aside and deletes it, so a crash midway leaves no
// half-deleted trial under its key.
func discard(dir string) error {
	trash := trashPath(dir)
	if err := os.Rename(dir, trash); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	return os.RemoveAll(trash)
}

// execute runs fn in dir with a fresh Context, recording provenance and
// marking the directory DONE when fn succeeds. Shared by trials and
// artifacts.
// device describes the device a trial runs on ("" for the CPU).
func (r *runner) execute(ctx context.Context, dir string, cfg store.Config, seed int64, label, device string, trial bool, fn func(*Context) error) error {
	if err := fsx.MkdirUnder(r.opt.Results, dir); err != nil {
		return err
	}
	if err := store.WriteConfig(dir, cfg); err != nil {
		return err
	}
	prov, err := startProvenance(dir, seed, cfg.Hash, r.opt.Command)
	if err != nil {
		return err
	}
	prov.Inputs, prov.Device = cfg.Inputs, device
	ck := &Checkpoints{dir: filepath.Join(dir, store.CheckpointDir), Keep: 2}
	log, err := openLog(filepath.Join(dir, store.LogFile), ck.logBytes())
	if err != nil {
		return err
	}
	ck.log = log
	if _, step, ok := ck.Latest(); ok {
		fmt.Fprintf(r.opt.Stderr, "%s: resuming from the checkpoint of step %d\n", label, step)
	}
	c := &Context{Context: ctx, Dir: dir, Seed: seed, Log: log, Checkpoints: ck, r: r,
		Progress: newProgress(r.opt.Stderr, label, r.opt.ProgressEvery)}
	err = protect(fn, c)
	if cerr := log.close(); err == nil {
		err = cerr
	}
	prov.Artifacts = c.used
	if err == nil && trial && !c.summary {
		err = errors.New("the kind returned without writing summary.json (ctx.WriteSummary)")
	}
	status := "done"
	switch {
	case err != nil && ctx.Err() != nil:
		status, err = "interrupted", fmt.Errorf("interrupted; run the same command again to resume")
	case err != nil:
		status = "failed: " + err.Error()
	}
	if perr := prov.finish(dir, status); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	if !trial {
		if err := writeOutputs(dir); err != nil {
			return fmt.Errorf("%s: %v", OutputsFile, err)
		}
	}
	return store.MarkDone(dir, cfg.Hash)
}

// protect turns a panic in a kind into an error naming it.
func protect(fn func(*Context) error, c *Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(c)
}

// sameJSON reports whether a and b are the same JSON text but for layout.
func sameJSON(a, b []byte) bool {
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// openDevices checks that e's kind runs on the devices its trials name and
// opens each of them once, so that a run asking for a GPU on a machine
// without one fails in one line before writing anything. It returns what
// each device is, for the trials' provenance.
func openDevices(e *config.Experiment, k Kind) (map[string]string, error) {
	if err := checkDevice(e, k); err != nil {
		return nil, err
	}
	opened := map[string]string{}
	for _, t := range e.Trials {
		if _, done := opened[t.Device]; t.Device == "" || done {
			continue
		}
		desc, err := k.(DeviceKind).OpenDevice(t.Device)
		if err != nil {
			return nil, fmt.Errorf("%s: device = %q: %v", e.File, t.Device, err)
		}
		opened[t.Device] = desc
	}
	return opened, nil
}

// ProfileMissingError is the refusal of an experiment loaded under an
// opt-in profile (gpu) that its file does not define.
func ProfileMissingError(e *config.Experiment) error {
	return fmt.Errorf("%s: no [profile.%s] table: the %s profile runs only the experiments that define it in their own file", e.File, e.Profile, e.Profile)
}
