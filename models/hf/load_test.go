package hf_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	_ "github.com/ssmlab/ssmlab/models/all"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/safetensors"
	"github.com/ssmlab/ssmlab/models/torchckpt"
)

// wholeFile is the reference: every tensor of the weights files read whole
// and converted (the loader's result before it read tensors in chunks).
func wholeFile(t *testing.T, paths ...string) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for _, p := range paths {
		var ts []safetensors.Tensor
		if strings.HasSuffix(p, ".bin") {
			var err error
			if ts, err = torchckpt.ReadAll(p); err != nil {
				t.Fatal(err)
			}
		} else {
			f, err := safetensors.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range f.Names() {
				tt, _ := f.Get(n)
				ts = append(ts, *tt)
			}
		}
		for _, tt := range ts {
			v, err := tt.Float32()
			if err != nil {
				t.Fatal(err)
			}
			out[tt.Name] = v
		}
	}
	return out
}

// checkBits requires every parameter stored in the files under its own name
// to hold exactly the reference's bits, and returns how many were compared.
func checkBits(t *testing.T, what string, params []*nn.Param, want map[string][]float32) int {
	t.Helper()
	n := 0
	for _, p := range params {
		w, ok := want[p.Name]
		if !ok {
			continue
		}
		if len(w) != len(p.Value.Data) {
			t.Fatalf("%s: %s has %d values, the file %d", what, p.Name, len(p.Value.Data), len(w))
		}
		for i := range w {
			if math.Float32bits(w[i]) != math.Float32bits(p.Value.Data[i]) {
				t.Fatalf("%s: %s[%d] = %x, the whole-file read gives %x", what, p.Name, i, math.Float32bits(p.Value.Data[i]), math.Float32bits(w[i]))
			}
		}
		n++
	}
	return n
}

// The fixtures (HF safetensors of every architecture, and a PyTorch
// pickle) load to exactly the values of reading their files whole.
func TestLoadFixturesEqualWholeFileRead(t *testing.T) {
	var dirs []string
	for _, m := range []string{"gpt_neox", "llama", "mamba", "mamba2", "olmo"} {
		dirs = append(dirs, testfix.Dirs(t, m)...)
	}
	dirs = append(dirs, filepath.Join(testfix.Root(t), "testdata", "fixtures", "seed0", "pickles", "good"))
	for _, dir := range dirs {
		m, err := hf.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "model.safetensors")
		if _, err := os.Stat(file); err != nil {
			file = filepath.Join(dir, "pytorch_model.bin")
		}
		want := wholeFile(t, file)
		if n := checkBits(t, dir, m.Params(), want); n < len(want)-1 || n == 0 {
			t.Fatalf("%s: compared %d parameters of the file's %d tensors", dir, n, len(want))
		}
	}
}

// randomParams are parameters whose checkpoint tensors cross the loader's
// 1 MiB read chunks in every dtype.
func randomParams() []*nn.Param {
	return []*nn.Param{
		nn.NewParam("embed.weight", true, 700, 1000),
		nn.NewParam("layers.0.w", false, 33, 17),
		nn.NewParam("layers.1.w", false, 5),
		nn.NewParam("norm.weight", true, 1000),
	}
}

// randomTensors stores params' shapes with random bytes in dtype dt, so
// any bit pattern (NaN payloads, infinities, subnormals) can occur.
func randomTensors(rng *rand.Rand, dt safetensors.DType) []safetensors.Tensor {
	var ts []safetensors.Tensor
	for _, p := range randomParams() {
		data := make([]byte, dt.Size()*len(p.Value.Data))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		ts = append(ts, safetensors.Tensor{Name: p.Name, DType: dt, Shape: p.Value.Shape, Data: data})
	}
	return ts
}

func writeSharded(t *testing.T, dir string, ts []safetensors.Tensor) []string {
	t.Helper()
	a, b := "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
	if err := safetensors.WriteFile(filepath.Join(dir, a), ts[:2], nil); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, b), ts[2:], nil); err != nil {
		t.Fatal(err)
	}
	idx := fmt.Sprintf(`{"metadata":{},"weight_map":{%q:%q,%q:%q,%q:%q,%q:%q}}`,
		ts[0].Name, a, ts[1].Name, a, ts[2].Name, b, ts[3].Name, b)
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(idx), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{filepath.Join(dir, a), filepath.Join(dir, b)}
}

func TestLoadRandomCheckpointsEqualWholeFileRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, dt := range []safetensors.DType{safetensors.F32, safetensors.F16, safetensors.BF16} {
		ts := randomTensors(rng, dt)
		single := t.TempDir()
		path := filepath.Join(single, "model.safetensors")
		if err := safetensors.WriteFile(path, ts, nil); err != nil {
			t.Fatal(err)
		}
		sharded := t.TempDir()
		shards := writeSharded(t, sharded, ts)
		for _, c := range []struct {
			dir   string
			files []string
		}{{single, []string{path}}, {sharded, shards}} {
			ps := randomParams()
			if err := hf.LoadWeights(c.dir, ps, hf.WeightRules{}); err != nil {
				t.Fatal(err)
			}
			if n := checkBits(t, string(dt)+" "+c.dir, ps, wholeFile(t, c.files...)); n != len(ps) {
				t.Fatalf("%s: compared %d of %d parameters", dt, n, len(ps))
			}
		}
	}
}

// A truncated or corrupt weights file, single or one shard of several, is
// refused in one line naming that file.
func TestLoadTruncatedOrCorruptNamesTheFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ts := randomTensors(rng, safetensors.BF16)
	for _, sharded := range []bool{false, true} {
		for _, cut := range []string{"empty", "header", "data", "garbage header"} {
			dir := t.TempDir()
			var victim string
			if sharded {
				victim = writeSharded(t, dir, ts)[1]
			} else {
				victim = filepath.Join(dir, "model.safetensors")
				if err := safetensors.WriteFile(victim, ts, nil); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := os.ReadFile(victim)
			if err != nil {
				t.Fatal(err)
			}
			switch cut {
			case "empty":
				raw = raw[:0]
			case "header":
				raw = raw[:20]
			case "data":
				raw = raw[:len(raw)-3]
			case "garbage header":
				copy(raw[8:], "{not json")
			}
			if err := os.WriteFile(victim, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			err = hf.LoadWeights(dir, randomParams(), hf.WeightRules{})
			if err == nil || !strings.HasPrefix(err.Error(), victim+": not a valid safetensors file: ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("sharded %v, %s: got %v, want one line naming %s", sharded, cut, err, victim)
			}
		}
	}
}
