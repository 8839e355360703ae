package main

import (
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/experiments"
)

func TestRevision(t *testing.T) {
	if got := revision(experiments.Build{Commit: "abc123", Dirty: true}); got != "commit abc123 (modified)" {
		t.Errorf("vcs build: %q", got)
	}
	// -buildvcs=false: no commit, and the line says why and what to do
	got := revision(experiments.Build{Version: "(devel)", Commit: "unknown"})
	if !strings.HasPrefix(got, "commit unknown") || !strings.Contains(got, "make build") {
		t.Errorf("build without VCS info: %q", got)
	}
}
