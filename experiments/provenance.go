package experiments

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/ssmlab/ssmlab/experiments/store"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// Provenance is provenance.json: what produced a trial or artifact. A
// resumed run records the attempts before it under Earlier.
type Provenance struct {
	Commit     string `json:"commit"`
	Dirty      bool   `json:"dirty"`
	GoVersion  string `json:"go_version"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Hostname   string `json:"hostname"`
	BLAS       string `json:"blas"`
	// Matmul says how 16-bit matmuls run: natively or emulated by rounding.
	Matmul     map[string]string `json:"matmul"`
	Kernels    string            `json:"kernels,omitempty"` // tensor.Kernels: the scan and elementwise kernels
	Command    []string          `json:"command"`
	Seed       int64             `json:"seed"`
	ConfigHash string            `json:"config_hash"`
	Start      time.Time         `json:"start"`
	End        *time.Time        `json:"end,omitempty"`
	Status     string            `json:"status"` // running, done, failed: ..., interrupted
	Artifacts  []Used            `json:"artifacts,omitempty"`
	Inputs     []store.Input     `json:"inputs,omitempty"` // files read from outside the results tree, with their hashes
	Earlier    []Provenance      `json:"earlier,omitempty"`
}

// Used is an artifact a run used.
type Used struct {
	Name string `json:"name"`
	Hash string `json:"hash"`
	Dir  string `json:"dir"`
}

var vcsOnce struct {
	sync.Once
	commit string
	dirty  bool
}

// vcs returns the git commit the binary was built from (build info), or
// else the one of the working directory (git rev-parse), or "unknown".
func vcs() (string, bool) {
	vcsOnce.Do(func() {
		vcsOnce.commit = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					vcsOnce.commit = s.Value
				case "vcs.modified":
					vcsOnce.dirty = s.Value == "true"
				}
			}
		}
		if vcsOnce.commit != "unknown" {
			return
		}
		if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			vcsOnce.commit = strings.TrimSpace(string(out))
			st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()
			vcsOnce.dirty = err == nil && len(strings.TrimSpace(string(st))) > 0
		}
	})
	return vcsOnce.commit, vcsOnce.dirty
}

// startProvenance records this attempt in dir/provenance.json, keeping the
// attempts of earlier, interrupted runs.
func startProvenance(dir string, seed int64, hash string, command []string) (*Provenance, error) {
	host, _ := os.Hostname()
	commit, dirty := vcs()
	p := &Provenance{
		Commit: commit, Dirty: dirty, GoVersion: runtime.Version(), GOOS: runtime.GOOS,
		GOARCH: runtime.GOARCH, GOMAXPROCS: runtime.GOMAXPROCS(0), Hostname: host,
		BLAS: tensor.Default().Name(), Command: command,
		Matmul: map[string]string{"fp16": tensor.MatmulPath(precision.FP16), "bf16": tensor.MatmulPath(precision.BF16)}, Kernels: tensor.Kernels(),
		Seed: seed, ConfigHash: hash,
		Start: time.Now().UTC().Truncate(time.Millisecond), Status: "running",
	}
	if b, err := os.ReadFile(filepath.Join(dir, store.ProvenanceFile)); err == nil {
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
