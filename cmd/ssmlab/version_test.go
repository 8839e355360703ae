package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildRevision(t *testing.T) {
	vcs := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}}
	if got := buildRevision(vcs); got != "abc123 (modified)" {
		t.Errorf("vcs build: %q", got)
	}
	installed := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}
	if got := buildRevision(installed); got != "v0.3.0" {
		t.Errorf("go install build: %q", got)
	}
	// -buildvcs=false: no revision, and the line says why and what to do
	bare := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
	if got := buildRevision(bare); !strings.Contains(got, "-buildvcs=false") || !strings.HasPrefix(got, "unknown") {
		t.Errorf("-buildvcs=false build: %q", got)
	}
}
