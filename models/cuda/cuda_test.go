package cuda

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmlab/ssmlab/internal/testfix"
	"github.com/ssmlab/ssmlab/models/hf"
	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/nn/nntest"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// gpu returns the device or skips the test with the reason (no driver, no
// GPU, or a build without cgo), so `go test ./...` passes on CPU machines.
// With SSMLAB_REQUIRE_GPU set (make test-gpu) a missing GPU fails instead.
func gpu(t testing.TB) *Device {
	t.Helper()
	d, err := Open()
	if err != nil {
		if os.Getenv("SSMLAB_REQUIRE_GPU") != "" {
			t.Fatalf("SSMLAB_REQUIRE_GPU is set but: %v", err)
		}
		t.Skipf("no GPU: %v", err)
	}
	return d
}

// parityErr is the largest |got − want| in units of the parity tolerance
// 1e-5 + 1e-4·max|want|: at most 1 when every element is within it.
func parityErr(got, want []float32) float64 {
	var big float64
	for _, w := range want {
		big = math.Max(big, math.Abs(float64(w)))
	}
	tol := 1e-5 + 1e-4*big
	var worst float64
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = math.Max(worst, d/tol)
	}
	return worst
}

// The GPU Mamba's fp32 logits and loss equal the CPU model's within
// 1e-5 + 1e-4 of the largest logit, for tied and untied heads, with and
// without biases, and shapes whose B·E·N is no multiple of a thread block.
func TestMambaParity(t *testing.T) {
	d := gpu(t)
	cases := []struct {
		name               string
		V, D, L, N, B, T   int
		untied, bias, cnvB bool
	}{
		{"tied", 97, 32, 2, 16, 2, 17, false, false, true},
		{"untied-bias", 64, 48, 3, 8, 3, 33, true, true, true},
		{"n4-noconvbias", 50, 24, 1, 4, 1, 70, false, false, false},
		{"n32", 40, 16, 2, 32, 2, 9, false, false, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mamba.DefaultConfig(tc.V, tc.D, tc.L)
			c.N, c.Untied, c.Bias, c.ConvBias = tc.N, tc.untied, tc.bias, tc.cnvB
			m, err := mamba.New(c, uint64(i+1))
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(uint64(i), 7))
			if tc.bias { // New leaves biases zero: make them count
				for _, p := range []*nn.Param{m.Layers[0].Mixer.InProj.B, m.Layers[0].Mixer.OutProj.B} {
					for j := range p.Value.Data {
						p.Value.Data[j] = float32(r.NormFloat64() * 0.1)
					}
				}
			}
			checkLM(t, d, m, nntest.RandIDs(r, tc.B*tc.T, tc.V), tc.B, tc.T)
		})
	}
}

// The GPU GPT-NeoX's fp32 logits and loss equal the CPU model's, for the
// parallel and the sequential residual, tied and untied heads, head sizes
// of every attention instantiation tried, and lengths that cross the
// attention's query and key tiles.
func TestNeoXParity(t *testing.T) {
	d := gpu(t)
	cases := []struct {
		name                 string
		V, D, L, H, B, T     int
		parallel, tied, bias bool
	}{
		{"hd16-parallel", 97, 64, 2, 4, 2, 70, true, false, true},
		{"hd32-sequential-tied", 50, 64, 1, 2, 1, 33, false, true, false},
		{"hd64", 40, 128, 2, 2, 3, 130, true, false, true},
		{"hd8-short", 30, 16, 1, 2, 2, 5, true, false, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := transformer.DefaultGPTNeoXConfig(tc.V, tc.D, tc.L, tc.H)
			c.ParallelResidual, c.Tied, c.Bias = tc.parallel, tc.tied, tc.bias
			m, err := transformer.NewGPTNeoXZero(c)
			if err != nil {
				t.Fatal(err)
			}
			m.Init(uint64(i + 3))
			r := rand.New(rand.NewPCG(uint64(i), 9))
			for _, p := range m.Params() { // biases and norms away from their init values
				if strings.Contains(p.Name, "bias") || strings.Contains(p.Name, "layernorm") {
					for j := range p.Value.Data {
						p.Value.Data[j] += float32(r.NormFloat64() * 0.1)
					}
				}
			}
			checkLM(t, d, m, nntest.RandIDs(r, tc.B*tc.T, tc.V), tc.B, tc.T)
		})
	}
}

// checkLM compares the GPU forward of m with the CPU one.
func checkLM(t *testing.T, d *Device, m lm.Model, ids []int, B, T int) {
	t.Helper()
	want := append([]float32(nil), m.Forward(precision.FP32Policy, ids, B, T)...)
	tg := nn.ShiftLabels(ids, B, T)
	wantLoss, _ := nn.CrossEntropy(nil, want, tg, B*T, m.VocabSize(), 1)
	g, err := Upload(d, m, precision.FP32Policy)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Free()
	if err := g.Forward(ids, B, T); err != nil {
		t.Fatal(err)
	}
	got, err := g.Logits()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d logits, want %d", len(got), len(want))
	}
	e := parityErr(got, want)
	t.Logf("logits: worst error %.3f of the tolerance", e)
	if e > 1 {
		t.Errorf("logits differ from the CPU model by %.3g times the tolerance", e)
	}
	loss, count, err := g.Loss(tg)
	if err != nil {
		t.Fatal(err)
	}
	if count != B*(T-1) || math.Abs(loss-wantLoss) > 1e-5+1e-4*math.Abs(wantLoss) {
		t.Errorf("loss %.7f over %d rows, CPU %.7f over %d", loss, count, wantLoss, B*(T-1))
	}
}

// The GPU models reproduce the HF fixtures' logits (PyTorch, fp32) within
// the tolerance the CPU models meet.
func TestFixtures(t *testing.T) {
	d := gpu(t)
	for _, seed := range testfix.SeedDirs(t) {
		for _, arch := range []string{"mamba", "gpt_neox"} {
			t.Run(filepath.Base(seed)+"/"+arch, func(t *testing.T) {
				dir := filepath.Join(seed, arch)
				lmm, err := hf.Load(dir)
				if err != nil {
					t.Fatal(err)
				}
				ref := testfix.Read(t, filepath.Join(dir, "reference.safetensors"))
				ids, B, T := testfix.IDsOf(t, ref, "input_ids")
				g, err := Upload(d, lmm, precision.FP32Policy)
				if err != nil {
					t.Fatal(err)
				}
				defer g.Free()
				if err := g.Forward(ids, B, T); err != nil {
					t.Fatal(err)
				}
				got, err := g.Logits()
				if err != nil {
					t.Fatal(err)
				}
				e := testfix.RelMaxErr(got, testfix.Float32(t, ref, "logits"))
				t.Logf("logits vs PyTorch: max rel error %.2e", e)
				if e > 2e-5 {
					t.Errorf("logits: max error %.3g of the largest value exceeds 2e-5", e)
				}
			})
		}
	}
}

// Under bf16 autocast the GPU Mamba's logits are as far from the fp32 CPU
// model's as the CPU's own bf16 emulation is (at most 1.5 times its
// distance: the two round different fp32 accumulations to bf16), and its
// loss is as close to the fp32 loss.
func TestMambaBF16(t *testing.T) {
	d := gpu(t)
	bf16, err := precision.ParsePolicy("bf16")
	if err != nil {
		t.Fatal(err)
	}
	for i, sz := range []struct{ V, D, L, B, T int }{{97, 32, 2, 2, 17}, {256, 64, 3, 3, 64}} {
		m, err := mamba.New(mamba.DefaultConfig(sz.V, sz.D, sz.L), uint64(10+i))
		if err != nil {
			t.Fatal(err)
		}
		ids := nntest.RandIDs(rand.New(rand.NewPCG(uint64(i), 3)), sz.B*sz.T, sz.V)
		tg := nn.ShiftLabels(ids, sz.B, sz.T)
		ref := append([]float32(nil), m.Forward(precision.FP32Policy, ids, sz.B, sz.T)...)
		refLoss, _ := nn.CrossEntropy(nil, ref, tg, sz.B*sz.T, sz.V, 1)
		emu := append([]float32(nil), m.Forward(bf16, ids, sz.B, sz.T)...)
		emuLoss, _ := nn.CrossEntropy(nil, emu, tg, sz.B*sz.T, sz.V, 1)
		g, err := Upload(d, m, bf16)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Forward(ids, sz.B, sz.T); err != nil {
			t.Fatal(err)
		}
		got, err := g.Logits()
		if err != nil {
			t.Fatal(err)
		}
		loss, _, err := g.Loss(tg)
		g.Free()
		if err != nil {
			t.Fatal(err)
		}
		eGPU, eCPU := maxAbsDiff(got, ref), maxAbsDiff(emu, ref)
		t.Logf("V%d D%d: |gpu bf16 − fp32| %.3g, |cpu bf16 − fp32| %.3g, |gpu − cpu bf16| %.3g; loss fp32 %.6f cpu bf16 %.6f gpu bf16 %.6f",
			sz.V, sz.D, eGPU, eCPU, maxAbsDiff(got, emu), refLoss, emuLoss, loss)
		if !(eGPU <= 1.5*eCPU) {
			t.Errorf("bf16 logits are %.3g from fp32, the CPU emulation %.3g", eGPU, eCPU)
		}
		if math.Abs(loss-refLoss) > 1.5*math.Abs(emuLoss-refLoss)+1e-4 {
			t.Errorf("bf16 loss %.6f is further from fp32's %.6f than the CPU emulation's %.6f", loss, refLoss, emuLoss)
		}
	}
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		m = math.Max(m, d)
	}
	return m
}

// A state size the GPU scan cannot hold is an error, not a wrong result.
func TestMambaStateSize(t *testing.T) {
	d := gpu(t)
	c := mamba.DefaultConfig(16, 8, 1)
	c.N = 12
	m, err := mamba.New(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewMamba(d, m); err == nil || !strings.Contains(err.Error(), "power of two") {
		t.Errorf("state size 12: err = %v", err)
	}
}

// The allocator reuses freed blocks and its peak is the high-water mark of
// the bytes in use.
func TestAllocatorPeak(t *testing.T) {
	d := gpu(t)
	in0, _, _ := d.Alloc.Stats()
	d.Alloc.ResetPeak()
	a, err := d.NewBuf(1 << 20) // 4 MiB
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.NewBuf(1 << 18) // 1 MiB
	if err != nil {
		t.Fatal(err)
	}
	pa := a.Ptr
	a.Free()
	c, err := d.NewBuf(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if c.Ptr != pa {
		t.Errorf("a freed 4 MiB block was not reused")
	}
	_, peak, _ := d.Alloc.Stats()
	if want := in0 + 5<<20; peak != want {
		t.Errorf("peak %d, want %d", peak, want)
	}
	x := make([]float32, 1<<18)
	for i := range x {
		x[i] = float32(i)
	}
	if err := b.CopyFrom(x); err != nil {
		t.Fatal(err)
	}
	y, err := b.Download()
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if y[i] != x[i] {
			t.Fatalf("round trip: element %d is %g, want %g", i, y[i], x[i])
		}
	}
	b.Free()
	c.Free()
	if in, _, _ := d.Alloc.Stats(); in != in0 {
		t.Errorf("%d bytes in use after freeing everything, want %d", in, in0)
	}
}

func TestRoundSize(t *testing.T) {
	for _, c := range []struct{ n, want uint64 }{{0, 512}, {1, 512}, {512, 512}, {513, 1024}, {1<<20 - 1, 1 << 20}, {1<<20 + 1, 2 << 20}} {
		if got := roundSize(c.n); got != c.want {
			t.Errorf("roundSize(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// Without a driver, Open fails with the one line the CLI prints.
func TestOpenWithoutDriver(t *testing.T) {
	if _, err := Open(); err == nil {
		t.Skip("a GPU is present")
	} else if !strings.Contains(err.Error(), "libcuda.so.1") && !strings.Contains(err.Error(), "CUDA device") {
		t.Errorf("Open: %v (want it to name libcuda.so.1 or the missing device)", err)
	} else if strings.Contains(err.Error(), "\n") {
		t.Errorf("Open's error spans lines: %q", err)
	}
}

// BenchmarkMambaForward times the GPU forward of the mamba-130m shape
// (vocab 50280, d_model 768, 24 layers) on 8 x 512 tokens, fp32.
func BenchmarkMambaForward(b *testing.B) {
	d := gpu(b)
	m, err := mamba.New(mamba.DefaultConfig(50280, 768, 24), 1)
	if err != nil {
		b.Fatal(err)
	}
	g, err := NewMamba(d, m)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Free()
	benchForward(b, g, 50280)
}

// BenchmarkMambaForwardBF16 is BenchmarkMambaForward under bf16 autocast.
func BenchmarkMambaForwardBF16(b *testing.B) {
	d := gpu(b)
	m, err := mamba.New(mamba.DefaultConfig(50280, 768, 24), 1)
	if err != nil {
		b.Fatal(err)
	}
	g, err := NewMambaPolicy(d, m, true)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Free()
	benchForward(b, g, 50280)
}

// benchForward times g's forward on 8 x 512 random tokens.
func benchForward(b *testing.B, g LM, V int) {
	const B, T = 8, 512
	ids := nntest.RandIDs(rand.New(rand.NewPCG(1, 2)), B*T, V)
	if err := g.Forward(ids, B, T); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := g.Forward(ids, B, T); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkNeoXForward times the GPU forward of the pythia-160m shape
// (vocab 50304, d_model 768, 12 layers, 12 heads) on 8 x 512 tokens, fp32.
func BenchmarkNeoXForward(b *testing.B) {
	d := gpu(b)
	m, err := transformer.NewGPTNeoXZero(transformer.DefaultGPTNeoXConfig(50304, 768, 12, 12))
	if err != nil {
		b.Fatal(err)
	}
	m.Init(1)
	g, err := NewNeoX(d, m)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Free()
	benchForward(b, g, 50304)
}

// What the GPU does not run is refused before the device is touched, with
// the architecture and policy named (no GPU needed).
func TestUploadRefuses(t *testing.T) {
	mm, err := mamba.New(mamba.DefaultConfig(16, 8, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	nx, err := transformer.NewGPTNeoXZero(transformer.DefaultGPTNeoXConfig(16, 16, 1, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m    lm.Model
		prec string
	}{{mm, "fp16"}, {mm, "bf16-pure"}, {nx, "bf16-pure"}, {nx, "fp16-pure"}} {
		pol, err := precision.ParsePolicy(c.prec)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Upload(nil, c.m, pol)
		if err == nil || !strings.Contains(err.Error(), c.m.Arch()) || !strings.Contains(err.Error(), c.prec) {
			t.Errorf("%s %s: err = %v, want a refusal naming both", c.m.Arch(), c.prec, err)
		}
	}
}
