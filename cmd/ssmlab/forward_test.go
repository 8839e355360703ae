package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/datasets/tokenizer"
	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/safetensors"
)

func forwardOut(t *testing.T, args ...string) *safetensors.File {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.safetensors")
	code, _, errs := runCLI(t, append([]string{"forward", "--out", out}, args...)...)
	if code != 0 {
		t.Fatalf("forward %v: exit %d: %s", args, code, errs)
	}
	return testfix.Read(t, out)
}

// The forward contract on every fixture: logits, loss and grads (HF names;
// PEFT file names with an adapter) equal PyTorch's.
func TestForwardFixtureParity(t *testing.T) {
	for _, seed := range testfix.SeedDirs(t) {
		model := filepath.Join(seed, "mamba")
		ref := testfix.Read(t, filepath.Join(model, "reference.safetensors"))
		got := forwardOut(t, "--model", model, "--input", ref.Path, "--grads")
		for _, name := range got.Names() {
			tol := 2e-5
			if strings.HasPrefix(name, "grad.") {
				tol = 2e-3
			}
			if err := testfix.CloseErr(name, testfix.Float32(t, got, name), testfix.Float32(t, ref, name), tol); err != nil {
				t.Errorf("%s: %v", seed, err)
			}
		}
		if n := len(got.Names()); n != 2+len(testfix.Read(t, filepath.Join(model, "model.safetensors")).Names()) {
			t.Errorf("%s: %d output tensors", seed, n)
		}
		aref := testfix.Read(t, filepath.Join(seed, "lora_mamba", "reference.safetensors"))
		got = forwardOut(t, "--model", model, "--adapter", filepath.Join(seed, "lora_mamba"), "--input", aref.Path, "--grads")
		grads := 0
		for _, name := range got.Names() {
			want := strings.Replace(strings.Replace(name, ".lora_A.", ".lora_A.default.", 1), ".lora_B.", ".lora_B.default.", 1)
			tol := 2e-5
			if strings.HasPrefix(name, "grad.") {
				tol, grads = 2e-3, grads+1
			}
			if err := testfix.CloseErr(name, testfix.Float32(t, got, name), testfix.Float32(t, aref, want), tol); err != nil {
				t.Errorf("%s: %v", seed, err)
			}
		}
		if grads != 8 {
			t.Errorf("%s: %d adapter gradients, want 8", seed, grads)
		}
	}
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// fp16 and bf16 run; their deviation from fp32 is of the order of what
// torch.autocast does to the same model (the fixture's CUDA logits). The
// numbers go into the issue report (go test -v -run Precision).
func TestForwardPrecisions(t *testing.T) {
	for _, seed := range testfix.SeedDirs(t) {
		model := filepath.Join(seed, "mamba")
		ref := testfix.Read(t, filepath.Join(model, "reference.safetensors"))
		fp32 := testfix.Float32(t, ref, "logits")
		for _, p := range []string{"fp16", "bf16"} {
			got := testfix.Float32(t, forwardOut(t, "--model", model, "--input", ref.Path, "--precision", p, "--grads"), "logits")
			hf := testfix.Float32(t, ref, "logits_autocast_"+p)
			ours, theirs := maxAbsDiff(got, fp32), maxAbsDiff(hf, fp32)
			t.Logf("%s %s: max |logit − fp32| ssmlab %.3g, HF autocast %.3g; ssmlab vs HF autocast %.3g (max |logit| %.3g)",
				filepath.Base(seed), p, ours, theirs, maxAbsDiff(got, hf), maxAbsDiff(fp32, make([]float32, len(fp32))))
			if ours == 0 || ours > 3*theirs+1e-4 {
				t.Errorf("%s %s: deviation %.3g from fp32, HF autocast's is %.3g", seed, p, ours, theirs)
			}
		}
	}
}

func writeIDs(t *testing.T, dt safetensors.DType, shape []int, ids []int64) string {
	t.Helper()
	size := dt.Size()
	b := make([]byte, size*len(ids))
	for i, v := range ids {
		if size == 8 {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
		} else {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(v)))
		}
	}
	path := filepath.Join(t.TempDir(), "in.safetensors")
	if err := safetensors.WriteFile(path, []safetensors.Tensor{{Name: "input_ids", DType: dt, Shape: shape, Data: b}}, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// I32 inputs work as I64 ones do.
func TestForwardInt32Input(t *testing.T) {
	model := filepath.Join(testfix.SeedDirs(t)[0], "mamba")
	a := testfix.Float32(t, forwardOut(t, "--model", model, "--input", writeIDs(t, safetensors.I32, []int{1, 3}, []int64{5, 6, 7})), "logits")
	b := testfix.Float32(t, forwardOut(t, "--model", model, "--input", writeIDs(t, safetensors.I64, []int{1, 3}, []int64{5, 6, 7})), "logits")
	if testfix.RelMaxErr(a, b) != 0 {
		t.Fatal("I32 and I64 inputs differ")
	}
	// one token per sequence leaves no next-token targets: PyTorch's mean is NaN
	one := forwardOut(t, "--model", model, "--input", writeIDs(t, safetensors.I64, []int{2, 1}, []int64{5, 6}), "--grads")
	if loss := testfix.Float32(t, one, "loss")[0]; loss == loss {
		t.Fatalf("loss with T = 1 is %v, want NaN", loss)
	}
}

// Bad inputs: one line on stderr naming the file, a non-zero exit, and no
// output file.
func TestForwardErrors(t *testing.T) {
	seed := testfix.SeedDirs(t)[0]
	model := filepath.Join(seed, "mamba")
	good := filepath.Join(model, "reference.safetensors")
	tmp := t.TempDir()
	copyDir := func(name string, edit func(dir string)) string {
		dir := filepath.Join(tmp, name)
		os.MkdirAll(dir, 0o755)
		for _, f := range []string{"config.json", "model.safetensors"} {
			b, _ := os.ReadFile(filepath.Join(model, f))
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		edit(dir)
		return dir
	}
	cfgEdit := func(from, to string) func(string) {
		return func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(b), from, to, 1)), 0o644)
		}
	}
	truncated := filepath.Join(tmp, "trunc.safetensors")
	b, _ := os.ReadFile(good)
	os.WriteFile(truncated, b[:len(b)/2], 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no model flag", []string{"--input", good}, 2, "--model, --input and --out are required"},
		{"bad precision", []string{"--model", model, "--input", good, "--precision", "fp8"}, 2, `unknown precision "fp8"`},
		{"positional", []string{"--model", model, "--input", good, "extra"}, 2, "no positional arguments"},
		{"missing dir", []string{"--model", filepath.Join(tmp, "nope"), "--input", good}, 1, "no such model directory"},
		{"unknown type", []string{"--model", copyDir("type", cfgEdit(`"model_type": "mamba"`, `"model_type": "mambo"`)), "--input", good}, 1, `unknown model_type "mambo" (did you mean mamba?)`},
		{"broken config", []string{"--model", copyDir("broken", cfgEdit(`{`, `{{`)), "--input", good}, 1, "config.json: invalid JSON"},
		{"shape", []string{"--model", copyDir("shape", cfgEdit(`"state_size": 8`, `"state_size": 9`)), "--input", good}, 1, "the config implies"},
		{"missing weights", []string{"--model", copyDir("noweights", func(d string) { os.Remove(filepath.Join(d, "model.safetensors")) }), "--input", good}, 1, "no model.safetensors"},
		{"truncated input", []string{"--model", model, "--input", truncated}, 1, "not a valid safetensors file"},
		{"no input_ids", []string{"--model", model, "--input", filepath.Join(model, "model.safetensors")}, 1, "no tensor input_ids"},
		{"rank", []string{"--model", model, "--input", writeIDs(t, safetensors.I64, []int{3}, []int64{1, 2, 3})}, 1, "input_ids has shape [3]"},
		{"vocab", []string{"--model", model, "--input", writeIDs(t, safetensors.I64, []int{1, 3}, []int64{1, 64, 3})}, 1, "token id 64 at [0, 1] is outside the model's vocabulary [0, 64)"},
		{"negative id", []string{"--model", model, "--input", writeIDs(t, safetensors.I32, []int{1, 2}, []int64{-1, 3})}, 1, "token id -1"},
		{"bad adapter", []string{"--model", model, "--adapter", model, "--input", good}, 1, "missing adapter_config.json"},
	}
	for _, tc := range cases {
		out := filepath.Join(tmp, tc.name+".safetensors")
		code, _, errs := runCLI(t, append([]string{"forward", "--out", out}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 1 ||
			(tc.code == 2) != strings.Contains(errs, "usage:") {
			t.Errorf("%s: exit %d, stderr %q; want exit %d with %q", tc.name, code, errs, tc.code, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: output file written", tc.name)
		}
	}
}

// --text encodes with the model directory's tokenizer and prints the loss,
// the same as the token ids given by --input; without a tokenizer it says
// what to do.
func TestForwardText(t *testing.T) {
	seed := testfix.SeedDirs(t)[0]
	src := filepath.Join(seed, "mamba")
	model := filepath.Join(t.TempDir(), "m")
	os.MkdirAll(model, 0o755)
	for _, f := range []string{"config.json", "model.safetensors"} {
		b, _ := os.ReadFile(filepath.Join(src, f))
		os.WriteFile(filepath.Join(model, f), b, 0o644)
	}
	text := "12 + 30 = 42, 7 - 2 = 5" // bytes below the fixture's vocabulary of 64
	code, _, errs := runCLI(t, "forward", "--model", model, "--text", text)
	if code != 1 || !strings.Contains(errs, "no tokenizer.json") {
		t.Errorf("without a tokenizer: %d %q", code, errs)
	}
	if err := tokenizer.SaveHF(model, tokenizer.Bytes{}); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "forward", "--model", model, "--text", text)
	if code != 0 || !strings.HasPrefix(out, "loss ") || !strings.Contains(out, fmt.Sprintf("1 x %d tokens", len(text))) {
		t.Fatalf("--text: %d %q %q", code, out, errs)
	}
	ids := make([]int64, len(text))
	for i := range text {
		ids[i] = int64(text[i])
	}
	_, viaIDs, _ := runCLI(t, "forward", "--model", model, "--input", writeIDs(t, safetensors.I64, []int{1, len(text)}, ids), "--out", filepath.Join(t.TempDir(), "o.safetensors"))
	if viaIDs != out {
		t.Errorf("--text printed %q, --input of the same ids %q", out, viaIDs)
	}
	if code, _, _ := runCLI(t, "forward", "--model", model, "--text", text, "--input", "x.safetensors"); code != 2 {
		t.Errorf("--text and --input: exit %d, want 2", code)
	}
}

// forward and lyapunov refuse, before loading the model, an input whose
// pass needs more memory than the machine has (20 million tokens went on
// to use 13 to 23 GB), in one line.
func TestPassOverTooManyTokensIsRefused(t *testing.T) {
	t.Setenv("SSMLAB_MEMORY", "20MB")
	model := filepath.Join(testfix.SeedDirs(t)[0], "mamba")
	in := writeIDs(t, safetensors.I64, []int{1, 100_000}, make([]int64, 100_000))
	out := filepath.Join(t.TempDir(), "out.safetensors")
	for _, args := range [][]string{
		{"forward", "--model", model, "--input", in, "--out", out},
		{"forward", "--model", model, "--input", in, "--out", out, "--grads"},
		{"lyapunov", "--model", model, "--input", in, "--out", out},
	} {
		code, _, errs := runCLI(t, args...)
		if code != 1 || !strings.Contains(errs, "on 1 x 100000 tokens needs") || !strings.Contains(errs, "SSMLAB_MEMORY allows 20 MB") ||
			strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", args, out)
		}
	}
}
