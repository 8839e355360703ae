package experiments

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/internal/fsx"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Provenance is provenance.json: what produced a trial or artifact. A
// resumed run records the attempts before it under Earlier.
type Provenance struct {
	Commit     string `json:"commit"` // from the binary's build info (see Build), or "unknown"
	Dirty      bool   `json:"dirty"`
	GoVersion  string `json:"go_version"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Hostname   string `json:"hostname"`
	BLAS       string `json:"blas"`
	// Matmul says how 16-bit matmuls run: natively or emulated by rounding.
	Matmul  map[string]string `json:"matmul"`
	Kernels string            `json:"kernels,omitempty"` // tensor.Kernels: the scan and elementwise kernels
	// Device is the GPU a trial ran on, as its kind describes it (name,
	// compute capability, driver and library versions); empty on the CPU.
	Device     string        `json:"device,omitempty"`
	Command    []string      `json:"command"`
	Seed       int64         `json:"seed"`
	ConfigHash string        `json:"config_hash"`
	Start      time.Time     `json:"start"`
	End        *time.Time    `json:"end,omitempty"`
	Status     string        `json:"status"` // running, done, failed: ..., interrupted
	Artifacts  []Used        `json:"artifacts,omitempty"`
	Inputs     []store.Input `json:"inputs,omitempty"` // files read from outside the results tree, with their hashes
	Earlier    []Provenance  `json:"earlier,omitempty"`
}

// Used is an artifact a run used.
type Used struct {
	Name string `json:"name"`
	Hash string `json:"hash"`
	Dir  string `json:"dir"`
}

// Build is what the binary knows of its own source, from the build info
// that go build embeds: the module version ("(devel)" for a build from a
// checkout) and, for a build inside a git checkout (make build), the
// commit, whether the tree had changes and the commit's time. Nothing is
// ever asked of git at run time: a repository in the working directory is
// not necessarily ssmlab's, and git runs commands that a repository's
// config names (core.fsmonitor). Without build info the commit is "unknown".
type Build struct {
	Version string // module version, "(devel)" for a checkout, "unknown" without build info
	Commit  string // git commit, or "unknown"
	Dirty   bool   // the checkout had uncommitted changes
	Time    string // the commit's time (RFC 3339), or ""
}

// The Makefile links these in (-ldflags -X) for builds where go build
// cannot embed version control info (a git worktree); build info wins.
var linkedCommit, linkedDirty string

// ReadBuild returns the binary's Build.
func ReadBuild() Build {
	bi, ok := debug.ReadBuildInfo()
	b := buildOf(bi, ok)
	if b.Commit == "unknown" && linkedCommit != "" {
		b.Commit, b.Dirty = linkedCommit, linkedDirty == "true"
	}
	return b
}

func buildOf(bi *debug.BuildInfo, ok bool) Build {
	b := Build{Version: "unknown", Commit: "unknown"}
	if !ok || bi == nil {
		return b
	}
	if bi.Main.Version != "" {
		b.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Dirty = s.Value == "true"
		case "vcs.time":
			b.Time = s.Value
		}
	}
	return b
}

// startProvenance records this attempt in dir/provenance.json, keeping the
// attempts of earlier, interrupted runs.
func startProvenance(dir string, seed int64, hash string, command []string) (*Provenance, error) {
	host, _ := os.Hostname()
	build := ReadBuild()
	p := &Provenance{
		Commit: build.Commit, Dirty: build.Dirty, GoVersion: runtime.Version(), GOOS: runtime.GOOS,
		GOARCH: runtime.GOARCH, GOMAXPROCS: runtime.GOMAXPROCS(0), Hostname: host,
		BLAS: tensor.Default().Name(), Command: command,
		Matmul: map[string]string{"fp16": tensor.MatmulPath(precision.FP16), "bf16": tensor.MatmulPath(precision.BF16)}, Kernels: tensor.Kernels(),
		Seed: seed, ConfigHash: hash,
		Start: time.Now().UTC().Truncate(time.Millisecond), Status: "running",
	}
	if b, err := fsx.ReadFile(filepath.Join(dir, store.ProvenanceFile)); err == nil {
		var old Provenance
		if json.Unmarshal(b, &old) == nil && old.ConfigHash == hash {
			if old.Status == "running" {
				old.Status = "killed"
			}
			p.Earlier = append(old.Earlier, old)
			p.Earlier[len(p.Earlier)-1].Earlier = nil
		}
	}
	return p, p.write(dir)
}

// finish records the end of the attempt.
func (p *Provenance) finish(dir, status string) error {
	t := time.Now().UTC().Truncate(time.Millisecond)
	p.End, p.Status = &t, status
	return p.write(dir)
}

func (p *Provenance) write(dir string) error {
	return store.WriteJSON(filepath.Join(dir, store.ProvenanceFile), p)
}
