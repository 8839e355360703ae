package experiments

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ssmlab/ssmlab/experiments/config"
)

// Kind executes one trial. Run must be deterministic given the trial's
// config and seed, resume from its own checkpoints when restarted, write
// its results with ctx.WriteSummary, and return ctx.Err() promptly when
// the context is cancelled. Returning nil marks the trial DONE.
type Kind interface {
	Run(ctx *Context) error
}

// KindFunc adapts a function to Kind.
type KindFunc func(ctx *Context) error

// Run calls f.
func (f KindFunc) Run(ctx *Context) error { return f(ctx) }

// Optional interfaces a Kind may implement.
type (
	// ParamsKind declares the kind's [params] table: NewParams returns a
	// pointer to a struct holding the defaults, with toml and json tags.
	// Without it, any key under [params] is an error.
	ParamsKind interface {
		NewParams() any
	}
	// Checker checks a resolved trial beyond the schema (datasets exist,
	// architectures supported); `ssmlab validate` calls it for every trial.
	Checker interface {
		Check(t *config.Trial) error
	}
	// Versioned kinds put Version into every trial's config hash: bump it
	// when a code change makes old results of the kind stale.
	Versioned interface {
		Version() string
	}
	// Planner lists the artifacts a trial will ask for, so that shards
	// share the work of building them before running trials.
	Planner interface {
		Needs(t *config.Trial) ([]Need, error)
	}
	// Estimator estimates what a trial costs from its config and the
	// files on disk, building no model; `ssmlab validate` prints it for
	// experiments on checkpoints.
	Estimator interface {
		Estimate(t *config.Trial) Cost
	}
	// DeviceKind runs trials on devices other than the CPU: Devices lists
	// them ("cuda"); OpenDevice makes one ready before any trial of a run
	// is written and describes it in one line (the GPU, driver and library
	// versions: the trials' provenance.json records it), or says in one
	// line why it cannot ("no CUDA driver (libcuda.so.1 not found)"). A
	// kind without it runs on the CPU only.
	DeviceKind interface {
		Devices() []string
		OpenDevice(device string) (string, error)
	}
)

// KindsOn lists the registered kinds that run on device, sorted.
func KindsOn(device string) []string {
	var out []string
	for _, n := range Kinds() {
		if k, err := lookupKind(n); err == nil && runsOn(k, device) {
			out = append(out, n)
		}
	}
	return out
}

// runsOn reports whether kind k runs trials on device ("" is the CPU).
func runsOn(k Kind, device string) bool {
	if device == "" || device == "cpu" {
		return true
	}
	dk, ok := k.(DeviceKind)
	return ok && slices.Contains(dk.Devices(), device)
}

// checkDevice refuses an experiment whose trials ask for a device its
// kind does not run on, naming the kinds that do.
func checkDevice(e *config.Experiment, k Kind) error {
	for _, t := range e.Trials {
		if !runsOn(k, t.Device) {
			on := "none yet"
			if ks := KindsOn(t.Device); len(ks) > 0 {
				on = strings.Join(ks, ", ")
			}
			return fmt.Errorf("%s: device = %q: kind %s runs on the CPU only (kinds that run on %s: %s)", e.File, t.Device, e.Kind, t.Device, on)
		}
	}
	return nil
}

// Cost is a trial's estimated peak memory and arithmetic. A part that
// needs a file that is not there is 0, and Needs names the file; one that
// cannot be estimated for another reason is 0, and Unknown says why.
type Cost struct {
	Bytes float64  // peak memory (weights, and a step's state and activations)
	Flops float64  // FLOPs of every pass the trial runs (2 per multiply-add)
	Work  string   // what Flops counts, e.g. "3 evaluation(s) of 1.2e+06 tokens"
	Needs []string // files the time estimate needs that are missing
	// MemNeeds is the file the memory estimate needs that is missing (a
	// checkpoint's config.json), or "".
	MemNeeds string
	Unknown  string // why a part is 0 when no file is missing
}

// Need is an artifact a trial will use: ctx.Artifact(Name, Spec).
type Need struct {
	Artifact string
	Spec     any
}

var (
	regMu sync.RWMutex
	kinds = map[string]Kind{}
)

// RegisterKind makes k available as `kind = "name"`. Kinds register in init;
// a duplicate name is a programming error and panics.
func RegisterKind(name string, k Kind) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := kinds[name]; dup {
		panic("experiments: kind " + name + " registered twice")
	}
	kinds[name] = k
}

// Kinds returns the registered kind names, sorted.
func Kinds() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupKind(name string) (Kind, error) {
	regMu.RLock()
	defer regMu.RUnlock()
	k, ok := kinds[name]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", name)
	}
	return k, nil
}

func kindVersion(k Kind) string {
	if v, ok := k.(Versioned); ok {
		return v.Version()
	}
	return ""
}

// LoadOptions are the config.Options that check files against the
// registered kinds and their params, with command-line overrides sets.
func LoadOptions(profile string, sets ...string) config.Options {
	return config.Options{
		Profile: profile,
		Sets:    sets,
		Kinds:   Kinds(),
		Params: func(kind string) any {
			if k, err := lookupKind(kind); err == nil {
				if p, ok := k.(ParamsKind); ok {
					return p.NewParams()
				}
			}
			return &struct{}{}
		},
	}
}

// Load reads an experiment file against the registered kinds and checks
// every trial with its kind's Checker; sets are command-line overrides
// (key=value, TOML values) merged over everything else. An experiment
// whose checkpoints, datasets or tokenizers are not all on disk is refused
// with a *MissingError listing each one, before anything runs.
func Load(path, profile string, sets ...string) (*config.Experiment, error) {
	e, missing, err := LoadAllowMissing(path, profile, sets...)
	if err == nil && len(missing) > 0 {
		return nil, &MissingError{File: path, Missing: missing}
	}
	return e, err
}

// LoadAllowMissing is Load for validate: local files that are not on disk
// are returned rather than refused, and the kind checks only the trials
// whose files are all there (a check may need to read them).
func LoadAllowMissing(path, profile string, sets ...string) (*config.Experiment, []Missing, error) {
	e, err := config.Load(path, LoadOptions(profile, sets...))
	if err != nil || e.Preset {
		return e, nil, err
	}
	k, err := lookupKind(e.Kind)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := checkDevice(e, k); err != nil {
		return nil, nil, err
	}
	missing := MissingFiles(e)
	if c, ok := k.(Checker); ok {
		for i := range e.Trials {
			one := &config.Experiment{Trials: e.Trials[i : i+1]}
			if len(missing) > 0 && len(MissingFiles(one)) > 0 {
				continue
			}
			if err := c.Check(&e.Trials[i]); err != nil {
				return nil, nil, fmt.Errorf("%s: trial %s: %v", path, e.Trials[i].Key, err)
			}
		}
	}
	return e, missing, nil
}

// Estimate returns the estimate of trial t by its kind, and false when the
// kind has none.
func Estimate(kind string, t *config.Trial) (Cost, bool) {
	k, err := lookupKind(kind)
	if err != nil {
		return Cost{}, false
	}
	est, ok := k.(Estimator)
	if !ok {
		return Cost{}, false
	}
	return est.Estimate(t), true
}
