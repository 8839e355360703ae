package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// Input is a file outside the results tree that a trial or artifact reads
// (a model directory's files, a dataset, a tokenizer), as it was when the
// run began. Only Path and SHA256 (or Missing) enter the config hash, so
// touching a file without changing its bytes invalidates nothing, while
// new bytes at the same path make a new hash: a new artifact directory,
// and a trial refused until --force.
type Input struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256,omitempty"`
	Missing bool   `json:"missing,omitempty"`
}

func (in Input) digest() string {
	if in.Missing {
		return "missing"
	}
	return in.SHA256
}

// hashInputs appends the inputs to a config hash.
func hashInputs(h io.Writer, inputs []Input) {
	if len(inputs) == 0 {
		return // configs without inputs keep the hash they had before inputs were recorded
	}
	io.WriteString(h, "\ninputs\n")
	for _, in := range inputs {
		fmt.Fprintf(h, "%s\t%s\n", in.Path, in.digest())
	}
}

// diffInputs lists the inputs that differ between two configs.
func diffInputs(old, cur []Input) []string {
	was := map[string]Input{}
	for _, in := range old {
		was[in.Path] = in
	}
	var out []string
	for _, in := range cur {
		o, ok := was[in.Path]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("input %s: new", in.Path))
		case in.Missing && !o.Missing:
			out = append(out, fmt.Sprintf("input %s: missing", in.Path))
		case o.digest() != in.digest():
			out = append(out, fmt.Sprintf("input %s: content changed (sha256 %s -> %s)", in.Path, short(o.digest()), short(in.digest())))
		}
		delete(was, in.Path)
	}
	for p := range was {
		out = append(out, fmt.Sprintf("input %s: no longer read", p))
	}
	return out
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// FileSHA256 returns the hex SHA-256 of r's bytes, streaming.
func FileSHA256(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return hex.EncodeToString(h.Sum(nil)), n, err
}
