package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/ssmlab/ssmlab/models/tensor"
)

var cmdVersion = &Command{
	Name:  "version",
	Usage: "version",
	Short: "print the build: version control revision, Go version, BLAS backends",
	Long: `Version prints what this binary was built from and with: the git revision
(and whether the tree was modified), the Go version, GOMAXPROCS and the matrix
backends compiled in, the default first. Results record the same facts as
provenance.`,
}

func init() {
	cmdVersion.Run = func(_ *Command, args []string) error {
		if len(args) > 0 {
			return usagef("version takes no arguments")
		}
		bi, _ := debug.ReadBuildInfo()
		rev := buildRevision(bi)
		var names []string
		for _, b := range tensor.Backends() {
			names = append(names, b.Name())
		}
		fmt.Fprintf(stdout, "ssmlab %s\ngo %s %s/%s GOMAXPROCS=%d\nblas %s (available: %v)\n",
			rev, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), tensor.Default().Name(), names)
		return nil
	}
	register(cmdVersion)
}

// buildRevision describes the code a binary was built from: the VCS
// revision Go embedded (with " (modified)" for a dirty tree), else the
// module version of a `go install module@version`, else "unknown" with
// how to get it (a -buildvcs=false build, or one outside a repository).
func buildRevision(bi *debug.BuildInfo) string {
	if bi == nil {
		return "unknown (no build information in this binary)"
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	switch {
	case rev != "" && dirty:
		return rev + " (modified)"
	case rev != "":
		return rev
	case bi.Main.Version != "" && bi.Main.Version != "(devel)":
		return bi.Main.Version
	}
	return "unknown (built without version control information, e.g. -buildvcs=false or outside a git checkout; make build records it)"
}
