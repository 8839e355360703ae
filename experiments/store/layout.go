package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Files of a trial or artifact directory.
const (
	ConfigFile     = "config.json"     // the resolved config and its hash
	ProvenanceFile = "provenance.json" // who ran it, where, with what code
	LogFile        = "log.jsonl"       // one JSON object per line, appended as the run goes
	SummaryFile    = "summary.json"    // the trial's results, written by its kind
	DoneFile       = "DONE"            // written last: the directory is complete
	CheckpointDir  = "checkpoints"     // the kind's checkpoints
)

// RunDir is results/runs/<experiment>/<key>/.
func RunDir(results, experiment, key string) string {
	return filepath.Join(results, "runs", experiment, key)
}

// MaxLabelLen bounds the label part of an artifact folder's name. Labels
// join several names (a fine-tuned model's is base_method_precision_seed),
// so a long one is cut; the hash after it still tells artifacts apart.
const MaxLabelLen = 160

// ArtifactDir is results/artifacts/<name>/<label>-<hash>/ (no label: the
// hash), with the label cut to MaxLabelLen bytes.
func ArtifactDir(results, name, label, hash string) string {
	if len(label) > MaxLabelLen {
		label = label[:MaxLabelLen]
	}
	base := hash
	if label != "" {
		base = label + "-" + hash
	}
	return filepath.Join(results, "artifacts", name, base)
}

// Done reports whether dir holds a DONE marker.
func Done(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, DoneFile))
	return err == nil
}

// MarkDone writes DONE (atomically) holding the config hash.
func MarkDone(dir, hash string) error {
	return fsx.WriteFileAtomic(filepath.Join(dir, DoneFile), []byte(hash+"\n"))
}

// Config is the content of config.json.
type Config struct {
	// Hash is "sha256:" and the hex digest of Version and KeyJSON(Trial)
	// (compact JSON, settings that only change reporting at their defaults).
	Hash string `json:"hash"`
	// Version is the kind's (or builder's) version: a code change that
	// invalidates old results bumps it.
	Version string `json:"version,omitempty"`
	// Trial is the resolved trial config (an artifact's spec for artifacts).
	Trial json.RawMessage `json:"trial"`
	// Inputs are the files outside the results tree that the trial or
	// artifact reads, with their content hashes (see Input).
	Inputs []Input `json:"inputs,omitempty"`
}

// NewConfig marshals v and hashes it with version and the content hashes
// of the inputs (none: the hash of v and version alone).
func NewConfig(v any, version string, inputs ...Input) (Config, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Config{}, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", version)
	h.Write(KeyJSON(b))
	hashInputs(h, inputs)
	return Config{Hash: "sha256:" + hex.EncodeToString(h.Sum(nil)), Version: version, Trial: b, Inputs: inputs}, nil
}

// unkeyed matches the settings that change how a run reports, never what
// it computes: log_every (how often the loss curve is logged).
var unkeyed = regexp.MustCompile(`([{,])"log_every":-?[0-9]+`)

// KeyJSON is the compact JSON b as a hash sees it: every setting that
// only changes reporting is set to its default, so changing it reruns
// nothing, and keys made before it was left out (when it was always the
// default, 10) stay the same. Config.Trial keeps the real values.
func KeyJSON(b []byte) []byte {
	return unkeyed.ReplaceAll(b, []byte(`${1}"log_every":10`))
}

// WriteConfig writes config.json atomically.
func WriteConfig(dir string, c Config) error {
	return writeJSON(filepath.Join(dir, ConfigFile), c)
}

// ReadConfig reads dir/config.json; ok is false if there is none.
func ReadConfig(dir string) (c Config, ok bool, err error) {
	p := filepath.Join(dir, ConfigFile)
	b, err := fsx.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{}, false, nil
	}
	if err != nil {
		return Config{}, false, err
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Hash == "" {
		return Config{}, false, fmt.Errorf("%s: corrupt (%v); move the directory away to rerun the trial", p, errOr(err, "no hash"))
	}
	return c, true, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return fsx.WriteFileAtomic(path, append(b, '\n'))
}

// WriteJSON writes v as indented JSON to path atomically.
func WriteJSON(path string, v any) error { return writeJSON(path, v) }

func errOr(err error, s string) any {
	if err != nil {
		return err
	}
	return s
}
