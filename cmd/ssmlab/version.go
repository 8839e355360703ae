package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/ssmlab/ssmlab/models/cuda"
	"github.com/ssmlab/ssmlab/models/tensor"
)

var cmdVersion = &Command{
	Name:  "version",
	Usage: "version",
	Short: "print the build: version control revision, Go version, BLAS backends",
	Long: `Version prints what this binary was built from and with: the git revision
(and whether the tree was modified), the Go version, GOMAXPROCS and the matrix
backends compiled in, the default first, and the GPU (name, compute capability,
driver CUDA version, NVRTC and cuBLAS versions) or why there is none. Results record the same facts as
provenance.`,
}

func init() {
	cmdVersion.Run = func(_ *Command, args []string) error {
		if len(args) > 0 {
			return usagef("version takes no arguments")
		}
		rev, dirty := "unknown", false
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					dirty = s.Value == "true"
				}
			}
		}
		if dirty {
			rev += " (modified)"
		}
		var names []string
		for _, b := range tensor.Backends() {
			names = append(names, b.Name())
		}
		fmt.Fprintf(stdout, "ssmlab %s\ngo %s %s/%s GOMAXPROCS=%d\nblas %s (available: %v)\n",
			rev, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), tensor.Default().Name(), names)
		if d, err := cuda.Open(); err != nil {
			fmt.Fprintf(stdout, "cuda none: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "cuda %s\n", d)
		}
		return nil
	}
	register(cmdVersion)
}
