package main

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/ssmlab/ssmlab/experiments"
	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/internal/membudget"
	"github.com/ssmlab/ssmlab/models/tensor"
)

// machineRate is the FLOP rate time estimates divide by: --gflops, or a
// float32 matrix product timed once per process.
var machineRate struct {
	gflops float64
	from   string
}

// rate returns the FLOP rate in GFLOP/s and where it comes from.
func rate() (float64, string) {
	if *validateGflops > 0 {
		return *validateGflops, "--gflops"
	}
	if machineRate.gflops == 0 {
		machineRate.gflops, machineRate.from = measureGemm()
	}
	return machineRate.gflops, machineRate.from
}

// measureGemm times a 512x512x512 float32 product on the GEMM backend the
// models use, the best of five after one warm-up (about 0.1 s).
func measureGemm() (float64, string) {
	const n = 512
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7)-3, float32(i%5)-2
	}
	best := math.Inf(1)
	for i := 0; i < 6; i++ {
		t0 := time.Now()
		tensor.Gemm(false, false, n, n, n, 1, a, b, 0, c)
		if s := time.Since(t0).Seconds(); i > 0 && s < best {
			best = s
		}
	}
	gf := 2 * n * n * n / best / 1e9
	return gf, fmt.Sprintf("a %dx%dx%d float32 GEMM (backend %s, %d threads) timed now", n, n, n, tensor.Default().Name(), runtime.GOMAXPROCS(0))
}

// estimateLines describes, per trial of e (profile p), its estimated peak
// memory and time on this machine, when e runs checkpoints by path and its
// kind estimates; nil otherwise.
func estimateLines(e *config.Experiment, p string) []string {
	onDisk := false
	for _, t := range e.Trials {
		onDisk = onDisk || t.Model != nil && t.Model.Path != ""
	}
	if !onDisk {
		return nil
	}
	var rows []string
	var total float64
	known := 0
	for i := range e.Trials {
		t := &e.Trials[i]
		c, ok := experiments.Estimate(e.Kind, t)
		if !ok {
			return nil
		}
		rows = append(rows, "  "+t.Key+": "+describeCost(c))
		if c.Flops > 0 {
			total += c.Flops
			known++
		}
	}
	gf, from := rate()
	if known > 0 {
		rows = append(rows, fmt.Sprintf("  total of the %d of %d trials estimated: time %s (%.3g FLOPs; work shared between trials counted in each)",
			known, len(e.Trials), durationString(total/(gf*1e9)), total))
	}
	avail := "available memory unknown"
	if b, src, ok, err := membudget.Available(); err == nil && ok {
		avail = fmt.Sprintf("%s available (%s)", bytesString(b), src)
	}
	head := fmt.Sprintf("estimates, profile %s (%s; time = FLOPs / %.3g GFLOP/s, the rate of %s: a lower bound, "+
		"as models run slower than one large product; --gflops sets the rate, e.g. to ssmlab bench's gflops):", p, avail, gf, from)
	return append([]string{head}, rows...)
}

func describeCost(c experiments.Cost) string {
	mem := "memory " + bytesString(c.Bytes)
	switch {
	case c.MemNeeds != "":
		mem = "memory ? (needs " + c.MemNeeds + ")"
	case c.Bytes == 0:
		mem = "memory ? (" + c.Unknown + ")"
	}
	var tm string
	switch {
	case c.Flops > 0:
		gf, _ := rate()
		tm = fmt.Sprintf("time %s (%.3g FLOPs: %s)", durationString(c.Flops/(gf*1e9)), c.Flops, c.Work)
	case len(c.Needs) > 2:
		tm = fmt.Sprintf("time ? (needs %s and %d more of the missing files)", c.Needs[0], len(c.Needs)-1)
	case len(c.Needs) > 0:
		tm = "time ? (needs " + strings.Join(c.Needs, " and ") + ")"
	case c.Unknown != "":
		tm = "time ? (" + c.Unknown + ")"
	default:
		tm = "time 0 s (nothing to run)"
	}
	return mem + ", " + tm
}

func bytesString(b float64) string {
	switch {
	case b >= 1e9:
		return fmt.Sprintf("%.3g GB", b/1e9)
	case b >= 1e6:
		return fmt.Sprintf("%.3g MB", b/1e6)
	}
	return fmt.Sprintf("%.3g kB", b/1e3)
}

func durationString(s float64) string {
	switch {
	case s >= 2*86400:
		return fmt.Sprintf("%.3g days", s/86400)
	case s >= 2*3600:
		return fmt.Sprintf("%.3g h", s/3600)
	case s >= 120:
		return fmt.Sprintf("%.3g min", s/60)
	}
	return fmt.Sprintf("%.3g s", s)
}
