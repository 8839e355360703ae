package main

import (
	"fmt"
	"runtime"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/tensor"
)

var cmdVersion = &Command{
	Name:  "version",
	Usage: "version",
	Short: "print the build: version control revision, Go version, BLAS backends",
	Long: `Version prints what this binary was built from and with: the module version
("(devel)" for a build from a checkout), the git commit that go build embedded
(and whether the tree was modified; "unknown" for a binary built without
version control info, as by go run or outside a checkout; git is never run), the Go version, GOMAXPROCS and the matrix
backends compiled in, the default first, and the GPU (name, compute capability,
driver CUDA version, NVRTC and cuBLAS versions) or why there is none. Results record the same facts as
provenance.`,
}

func init() {
	cmdVersion.Run = func(_ *Command, args []string) error {
		if len(args) > 0 {
			return usagef("version takes no arguments")
		}
		b := experiments.ReadBuild()
		rev := revision(b)
		var names []string
		for _, b := range tensor.Backends() {
			names = append(names, b.Name())
		}
		fmt.Fprintf(stdout, "ssmlab %s, %s\ngo %s %s/%s GOMAXPROCS=%d\nblas %s (available: %v)\n",
			b.Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), tensor.Default().Name(), names)
		if d, err := cuda.Open(); err != nil {
			fmt.Fprintf(stdout, "cuda none: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "cuda %s\n", d)
		}
		return nil
	}
	register(cmdVersion)
}

// revision describes the code a binary was built from, saying how to get
// the commit recorded when the build info has none (-buildvcs=false, or a
// build outside a git checkout).
func revision(b experiments.Build) string {
	rev := "commit " + b.Commit
	if b.Dirty {
		rev += " (modified)"
	}
	if b.Time != "" {
		rev += " of " + b.Time
	}
	if b.Commit == "unknown" {
		rev += " (built without version control info: build with make build, or go build -buildvcs=true in a git checkout)"
	}
	return rev
}
