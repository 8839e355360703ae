package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

// ssmlab lyapunov on every Mamba fixture equals PyTorch's exact spectra
// (lyapunov_spectrum.* and lyapunov_max.*) within a relative 1e-4.
func TestLyapunovMatchesFixtures(t *testing.T) {
	for _, seed := range testfix.SeedDirs(t) {
		model := filepath.Join(seed, "mamba")
		ref := testfix.Read(t, filepath.Join(model, "reference.safetensors"))
		out := filepath.Join(t.TempDir(), "lyap.safetensors")
		if code, _, errs := runCLI(t, "lyapunov", "--model", model, "--input", ref.Path, "--out", out); code != 0 {
			t.Fatalf("%s: exit %d: %s", seed, code, errs)
		}
		got := testfix.Read(t, out)
		layers := 0
		for _, name := range ref.Names() {
			if !strings.HasPrefix(name, "lyapunov_") {
				continue
			}
			layers++
			if err := testfix.CloseErr(name, testfix.Float32(t, got, name), testfix.Float32(t, ref, name), 1e-4); err != nil {
				t.Errorf("%s: %v", seed, err)
			}
			if strings.HasPrefix(name, "lyapunov_max") {
				for _, z := range testfix.Float32(t, got, name) {
					if z >= 0 {
						t.Errorf("%s: %s = %v, Theorem 1 says < 0", seed, name, z)
					}
				}
			}
		}
		if layers < 4 || len(got.Names()) != layers {
			t.Errorf("%s: %d reference tensors, %d written", seed, layers, len(got.Names()))
		}
	}
}

func TestLyapunovMamba2AndErrors(t *testing.T) {
	seed := testfix.SeedDirs(t)[0]
	ref := testfix.Read(t, filepath.Join(seed, "mamba2", "reference.safetensors"))
	out := filepath.Join(t.TempDir(), "l2.safetensors")
	if code, _, errs := runCLI(t, "lyapunov", "--model", filepath.Join(seed, "mamba2"), "--input", ref.Path, "--out", out); code != 0 {
		t.Fatalf("mamba2: %s", errs)
	}
	f := testfix.Read(t, out)
	for l := 0; l < 2; l++ {
		spec, shape, err := f.Float32(fmt.Sprintf("lyapunov_spectrum.%d", l))
		if err != nil || len(shape) != 2 || shape[0] != 2 {
			t.Fatalf("mamba2 layer %d: %v %v", l, shape, err)
		}
		for _, v := range spec {
			if v >= 0 {
				t.Fatalf("mamba2 exponent %v >= 0", v)
			}
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.safetensors")
	safetensors.WriteFile(bad, []safetensors.Tensor{safetensors.I64Tensor("input_ids", []int{1, 2}, []int64{1, 9999})}, nil)
	cases := map[string][]string{
		"transformer": {"--model", filepath.Join(seed, "gpt_neox"), "--input", ref.Path},
		"token":       {"--model", filepath.Join(seed, "mamba"), "--input", bad},
		"missing":     {"--model", filepath.Join(dir, "nope"), "--input", ref.Path},
	}
	for name, args := range cases {
		o := filepath.Join(dir, name+".safetensors")
		code, _, errs := runCLI(t, append([]string{"lyapunov", "--out", o}, args...)...)
		if code == 0 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q", name, code, errs)
		}
		if _, err := os.Stat(o); err == nil {
			t.Errorf("%s: output written despite the error", name)
		}
	}
}
