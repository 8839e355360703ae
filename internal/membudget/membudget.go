// Package membudget decides, before anything is allocated, whether an
// estimated number of bytes fits in this machine's available memory: Linux's
// MemAvailable (/proc/meminfo), or the SSMLAB_MEMORY environment variable
// where the estimate or the kernel's figure is wrong for a machine.
package membudget

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Env overrides the available memory: a size such as "64GB", "512MiB" or
// "1.5e12" (bytes), or "unlimited" to skip the check.
const Env = "SSMLAB_MEMORY"

// Available returns the bytes this process may use and where the number
// comes from; ok is false when it is unknown or unlimited (no check).
func Available() (bytes float64, from string, ok bool, err error) {
	if v := strings.TrimSpace(os.Getenv(Env)); v != "" {
		if strings.EqualFold(v, "unlimited") || v == "0" {
			return 0, Env, false, nil
		}
		b, err := ParseSize(v)
		if err != nil {
			return 0, "", false, fmt.Errorf("%s=%q: %v", Env, v, err)
		}
		return b, Env, true, nil
	}
	b, ok := memAvailable("/proc/meminfo")
	return b, "MemAvailable", ok, nil
}

// memAvailable reads MemAvailable (kB) from a /proc/meminfo file.
func memAvailable(path string) (float64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseFloat(fields[1], 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

// ParseSize reads a byte count with an optional unit: B, KB, MB, GB, TB
// (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
func ParseSize(s string) (float64, error) {
	s = strings.TrimSpace(s)
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') && s[i-1] != '.' {
		i--
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	mult := map[string]float64{"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a positive size such as 64GB or 512MiB, or unlimited")
	}
	return v * mult, nil
}

// Fits reports whether need bytes fit in the available memory (true when
// unknown or unlimited).
func Fits(need float64) bool {
	avail, _, ok, err := Available()
	return err != nil || !ok || need <= avail
}

// Check refuses need bytes when they exceed the available memory, in one
// line: "<what> needs 768 GB; this machine has 24 GB available; <hint>".
func Check(need float64, what, hint string) error {
	avail, from, ok, err := Available()
	if err != nil {
		return err
	}
	if !ok || need <= avail {
		return nil
	}
	have := "this machine has " + Human(avail) + " available"
	if from == Env {
		have = Env + " allows " + Human(avail)
	}
	return fmt.Errorf("%s needs %s; %s; %s (if the estimate is wrong for this machine, set %s=<size> or %s=unlimited)",
		what, Human(need), have, hint, Env, Env)
}

// Human writes a byte count in decimal units: 768 GB, 1.5 MB, 3.2e+12 TB.
func Human(b float64) string {
	for _, u := range []struct {
		s string
		v float64
	}{{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}} {
		if b >= u.v {
			v := b / u.v
			if v >= 1e6 {
				return fmt.Sprintf("%.3g %s", v, u.s)
			}
			return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + " " + u.s
		}
	}
	return fmt.Sprintf("%.0f bytes", b)
}

// LimitGC sets the Go collector's soft memory limit to 90% of the available
// memory (Available) unless the user set GOMEMLIMIT, so garbage cannot push
// a process that fits (weights plus working buffers) past what the machine
// has: without a limit the heap may grow to twice the live set before a
// collection, 11 GB of garbage over a 2.8B model's weights. It returns the
// limit set, 0 when none.
func LimitGC() int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	b, _, ok, err := Available()
	if err != nil || !ok || b <= 0 {
		return 0
	}
	limit := int64(0.9 * b)
	debug.SetMemoryLimit(limit)
	return limit
}
