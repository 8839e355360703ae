package train

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssmlab/ssmlab/models/nn"
	"github.com/ssmlab/ssmlab/models/optim"
	"github.com/ssmlab/ssmlab/models/precision"
)

// bigram is the smallest lm.Model: logits = Linear(Embedding(id)).
type bigram struct {
	emb  *nn.Embedding
	head *nn.Linear
	h    []float32
	ids  []int
}

func newBigram(V, D int, seed uint64) *bigram {
	r := rand.New(rand.NewPCG(seed, 1))
	m := &bigram{emb: nn.NewEmbedding("emb", V, D), head: nn.NewLinear("head", D, V, true)}
	for _, p := range []*nn.Param{m.emb.W, m.head.W} {
		for i := range p.Value.Data {
			p.Value.Data[i] = float32(r.NormFloat64() * 0.1)
		}
	}
	return m
}

func (m *bigram) Arch() string                   { return "bigram" }
func (m *bigram) VocabSize() int                 { return m.head.Out }
func (m *bigram) Params() []*nn.Param            { return []*nn.Param{m.emb.W, m.head.W, m.head.B} }
func (m *bigram) Linears() map[string]*nn.Linear { return map[string]*nn.Linear{"head": m.head} }
func (m *bigram) Forward(pol precision.Policy, ids []int, B, T int) []float32 {
	m.ids = ids
	m.h = make([]float32, len(ids)*m.emb.D)
	m.emb.Forward(m.h, ids)
	logits := make([]float32, len(ids)*m.head.Out)
	m.head.Forward(pol, logits, m.h, len(ids))
	return logits
}
func (m *bigram) Backward(pol precision.Policy, dlogits []float32) {
	dh := make([]float32, len(m.h))
	m.head.Backward(pol, dh, dlogits, m.h, len(m.ids))
	m.emb.Backward(dh, m.ids)
}

// markov yields sequences of a fixed random transition rule t -> (3t+1) mod V
// with 10% noise: learnable by a bigram model, entropy well below log V.
type markov struct{ B, T, V int }

func (d markov) Shape() (int, int) { return d.B, d.T }
func (d markov) Batch(i int) ([]int, []int) {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	ids := make([]int, d.B*d.T)
	for b := 0; b < d.B; b++ {
		x := r.IntN(d.V)
		for t := 0; t < d.T; t++ {
			ids[b*d.T+t] = x
			x = (3*x + 1) % d.V
			if r.Float64() < 0.1 {
				x = r.IntN(d.V)
			}
		}
	}
	return ids, nn.ShiftLabels(ids, d.B, d.T)
}

func cfg(steps int, pol string) Config {
	p, _ := precision.ParsePolicy(pol)
	return Config{Steps: steps, Accum: 2, Policy: p, ClipNorm: 1, CkptEvery: 3, LogEvery: 2,
		Schedule: optim.Schedule{Kind: "cosine", Peak: 0.05, Warmup: 2}, AdamW: optim.AdamWConfig{WeightDecay: 0.01},
		ConfigJSON: `{"test":true}`}
}

func TestTrainingLearnsInEveryPolicy(t *testing.T) {
	// log(16) = 2.77 nats at the start; the rule's entropy is about 0.5 nats.
	for _, pol := range []string{"fp32", "bf16", "fp16"} {
		tr := &Trainer{Model: newBigram(16, 8, 1), Data: markov{4, 12, 16}, Config: cfg(60, pol)}
		s, err := tr.Run()
		if err != nil {
			t.Fatal(err)
		}
		if s.MeanLastLoss > 1.2 || s.Diverged || s.Steps != 60 {
			t.Errorf("%s: final loss %.3f (want < 1.2), diverged %v", pol, s.MeanLastLoss, s.Diverged)
		}
	}
}

func TestFP16OverflowSkipsAndHalvesScale(t *testing.T) {
	m := newBigram(16, 8, 2)
	tr := &Trainer{Model: m, Data: markov{2, 8, 16}, Config: cfg(6, "fp16"), InjectOverflow: func(s int) bool { return s == 3 }}
	var before []float32
	tr.Config.CkptEvery = 0
	s, err := tr.Run()
	if err != nil {
		t.Fatal(err)
	}
	recs := tr.inMemory
	if !recs[3].Skipped || recs[2].Skipped || recs[4].Skipped || s.Skipped != 1 {
		t.Fatalf("skips %+v", recs)
	}
	if recs[3].LossScale != 65536 || recs[4].LossScale != 32768 {
		t.Fatalf("scale %v -> %v, want 65536 -> 32768", recs[3].LossScale, recs[4].LossScale)
	}
	// the skipped step left the weights alone: rerun to step 3 and compare
	ref := &Trainer{Model: newBigram(16, 8, 2), Data: markov{2, 8, 16}, Config: cfg(6, "fp16")}
	ref.Config.CkptEvery = 0
	ref.crashAt = 3
	ref.Run()
	before = append(before, ref.Model.Params()[1].Value.Data...)
	re := &Trainer{Model: newBigram(16, 8, 2), Data: markov{2, 8, 16}, Config: cfg(6, "fp16"), InjectOverflow: func(s int) bool { return s == 3 }}
	re.Config.CkptEvery = 0
	re.crashAt = 4
	re.Run()
	for i, v := range re.Model.Params()[1].Value.Data {
		if v != before[i] {
			t.Fatal("a skipped step changed the weights")
		}
	}
}

func TestFrozenParamsStayBitIdentical(t *testing.T) {
	m := newBigram(16, 8, 3)
	m.emb.W.Freeze()
	orig := append([]float32(nil), m.emb.W.Value.Data...)
	tr := &Trainer{Model: m, Data: markov{2, 8, 16}, Config: cfg(10, "bf16")}
	if _, err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	if len(tr.Opt.Params) != 2 {
		t.Fatalf("optimizer holds %d params, want the 2 trainable", len(tr.Opt.Params))
	}
	for i, v := range m.emb.W.Value.Data {
		if v != orig[i] {
			t.Fatal("frozen weight moved")
		}
	}
}

// deterministic strips the measured fields of a log.
func deterministic(t *testing.T, path string) []Record {
	recs, err := ReadLog(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		recs[i].TokensPerS, recs[i].PeakBytes = 0, 0
	}
	return recs
}

func sameRun(t *testing.T, a, b string, ma, mb *bigram) {
	t.Helper()
	ra, rb := deterministic(t, filepath.Join(a, StepsFile)), deterministic(t, filepath.Join(b, StepsFile))
	ja, _ := json.Marshal(ra)
	jb, _ := json.Marshal(rb)
	for _, f := range []string{LogFile, ScalarsFile} {
		ca, _ := os.ReadFile(filepath.Join(a, f))
		cb, _ := os.ReadFile(filepath.Join(b, f))
		if len(ca) == 0 || !bytes.Equal(ca, cb) {
			t.Fatalf("%s differs after resume:\n%s\n%s", f, ca, cb)
		}
	}
	if !bytes.Equal(ja, jb) {
		t.Fatalf("logs differ:\n%s\n%s", ja, jb)
	}
	for i, p := range ma.Params() {
		for j, v := range p.Value.Data {
			if math.Float32bits(v) != math.Float32bits(mb.Params()[i].Value.Data[j]) {
				t.Fatalf("%s[%d] differs after resume", p.Name, j)
			}
		}
	}
}

func TestResumeAfterCrashIsBitIdentical(t *testing.T) {
	whole, broken := t.TempDir(), t.TempDir()
	ref := &Trainer{Model: newBigram(16, 8, 4), Data: markov{2, 8, 16}, Config: cfg(10, "fp16"), Dir: whole}
	if _, err := ref.Run(); err != nil {
		t.Fatal(err)
	}
	first := &Trainer{Model: newBigram(16, 8, 4), Data: markov{2, 8, 16}, Config: cfg(10, "fp16"), Dir: broken}
	first.crashAt = 5 // two steps after the checkpoint at 3: they are redone
	if _, err := first.Run(); err != errCrash {
		t.Fatal(err)
	}
	m := newBigram(16, 8, 4)
	var progress strings.Builder
	again := &Trainer{Model: m, Data: markov{2, 8, 16}, Config: cfg(10, "fp16"), Dir: broken, Progress: &progress, Label: "base: "}
	if _, err := again.Run(); err != nil {
		t.Fatal(err)
	}
	sameRun(t, whole, broken, ref.Model.(*bigram), m)
	if !strings.HasPrefix(progress.String(), "base: resuming from step 3 of 10") {
		t.Errorf("a resumed run does not say so: %q", progress.String())
	}
}

// TestKill9 kills a training process at a random moment and restarts it.
func TestKill9ResumeIsBitIdentical(t *testing.T) {
	if dir := os.Getenv("SSMLAB_TRAIN_CHILD"); dir != "" {
		tr := &Trainer{Model: newBigram(16, 8, 5), Data: markov{8, 32, 16}, Config: cfg(120, "bf16"), Dir: dir}
		tr.Config.CkptEvery = 2
		if _, err := tr.Run(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	whole, killed := t.TempDir(), t.TempDir()
	runChild := func(dir string, killAfter int) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKill9ResumeIsBitIdentical$")
		cmd.Env = append(os.Environ(), "SSMLAB_TRAIN_CHILD="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if killAfter > 0 {
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				recs, _ := ReadLog(filepath.Join(dir, StepsFile))
				if len(recs) >= killAfter {
					break
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			return
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	runChild(whole, 0)
	runChild(killed, 37)
	if recs, _ := ReadLog(filepath.Join(killed, StepsFile)); len(recs) >= 120 {
		t.Skip("the child finished before the kill landed")
	}
	runChild(killed, 0)
	a, b := newBigram(16, 8, 5), newBigram(16, 8, 5)
	for _, d := range []struct {
		dir string
		m   *bigram
	}{{whole, a}, {killed, b}} {
		tr := &Trainer{Model: d.m, Data: markov{8, 32, 16}, Config: cfg(120, "bf16"), Dir: d.dir}
		tr.Config.CkptEvery = 2
		if _, err := tr.setup(); err != nil { // loads the final checkpoint
			t.Fatal(err)
		}
	}
	sameRun(t, whole, killed, a, b)
}

func TestBadCheckpointsAreRefusedAndKept(t *testing.T) {
	dir := t.TempDir()
	ok := &Trainer{Model: newBigram(16, 8, 6), Data: markov{2, 8, 16}, Config: cfg(3, "fp32"), Dir: dir}
	if _, err := ok.Run(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "checkpoint.bin")
	good, _ := os.ReadFile(path)
	cases := map[string]struct {
		mutate func() *Trainer
		want   string
	}{
		"other config": {func() *Trainer {
			c := cfg(3, "fp32")
			c.ConfigJSON = `{"test":false}`
			return &Trainer{Model: newBigram(16, 8, 6), Data: markov{2, 8, 16}, Config: c, Dir: dir}
		}, "another training config"},
		"other model": {func() *Trainer {
			return &Trainer{Model: newBigram(16, 4, 6), Data: markov{2, 8, 16}, Config: cfg(3, "fp32"), Dir: dir}
		}, "has shape"},
		"other base": {func() *Trainer {
			m := newBigram(16, 8, 7)
			m.emb.W.Freeze()
			return &Trainer{Model: m, Data: markov{2, 8, 16}, Config: cfg(3, "fp32"), Dir: dir}
		}, "frozen base"},
	}
	for name, tc := range cases {
		_, err := tc.mutate().Run()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v", name, err)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, good) {
			t.Fatalf("%s: the checkpoint was modified", name)
		}
	}
	for name, buf := range map[string][]byte{
		"garbage":     []byte("not a checkpoint at all"),
		"new version": append([]byte("SSMLABCK\x07\x00\x00\x00"), good[12:]...),
		"truncated":   good[:len(good)/2],
	} {
		os.WriteFile(path, buf, 0o644)
		_, err := (&Trainer{Model: newBigram(16, 8, 6), Data: markov{2, 8, 16}, Config: cfg(3, "fp32"), Dir: dir}).Run()
		if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", name, err)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, buf) {
			t.Fatalf("%s: the refused checkpoint was overwritten", name)
		}
	}
}

func TestCancelledRunStopsBetweenSteps(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	tr := &Trainer{Ctx: ctx, Model: newBigram(16, 8, 9), Data: markov{2, 8, 16}, Config: cfg(20, "fp32"), Dir: dir}
	tr.InjectOverflow = func(step int) bool {
		if step == 7 {
			cancel()
		}
		return false
	}
	if _, err := tr.Run(); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	recs, _ := ReadLog(filepath.Join(dir, StepsFile))
	if len(recs) != 8 {
		t.Fatalf("%d steps logged, want 8 (stopped before step 8)", len(recs))
	}
	again := &Trainer{Model: newBigram(16, 8, 9), Data: markov{2, 8, 16}, Config: cfg(20, "fp32"), Dir: dir}
	if s, err := again.Run(); err != nil || s.Steps != 20 {
		t.Fatalf("resume after cancel: %v, %d steps", err, s.Steps)
	}
}

// A skipped fp16 step (infinite gradient norm) and a diverged loss (NaN)
// are logged and read back; a corrupt line that is not the torn last line
// is an error, never a silently shorter log.
func TestLogKeepsNonFiniteNumbersAndRefusesCorruptLines(t *testing.T) {
	dir := t.TempDir()
	tr := &Trainer{Model: newBigram(16, 8, 2), Data: markov{2, 8, 16}, Config: cfg(6, "fp16"), Dir: dir,
		InjectOverflow: func(s int) bool { return s == 0 || s == 2 }}
	if _, err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, StepsFile)
	recs, err := ReadLog(path)
	if err != nil || len(recs) != 6 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	if !math.IsInf(float64(recs[0].GradNorm), 1) || !recs[0].Skipped || recs[1].Skipped {
		t.Fatalf("skipped step logged as %+v", recs[0])
	}
	raw, _ := os.ReadFile(path)
	nan := bytes.Replace(raw, []byte(`"loss":`), []byte(`"loss":"NaN","x":`), 1)
	os.WriteFile(path, nan, 0o644)
	if recs, err := ReadLog(path); err != nil || !math.IsNaN(float64(recs[0].Loss)) {
		t.Fatalf("NaN loss: %v %v", err, recs[0].Loss)
	}
	torn := append(append([]byte(nil), raw...), []byte(`{"step":6,"lo`)...)
	os.WriteFile(path, torn, 0o644)
	if recs, err := ReadLog(path); err != nil || len(recs) != 6 {
		t.Fatalf("torn last line: %d records, %v", len(recs), err)
	}
	bad := bytes.Replace(raw, []byte("\n"), []byte("\n\n"), 1)
	os.WriteFile(path, bad, 0o644)
	if _, err := ReadLog(path); err == nil || !strings.Contains(err.Error(), "steps.jsonl:2: corrupt log line") {
		t.Fatalf("corrupt middle line: %v", err)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		x    []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 9}, 5}, {[]float64{4, 1, 3, 100}, 3.5}} {
		in := append([]float64(nil), c.x...)
		if got := Median(in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.x, got, c.want)
		}
		for i := range in {
			if in[i] != c.x[i] {
				t.Errorf("Median reordered its input: %v", in)
				break
			}
		}
	}
}

// log.jsonl and scalars.csv hold one line every LogEvery steps and at the
// last, with the mean training loss of the steps since the previous line
// and the validation loss; steps.jsonl keeps every step.
func TestLogEveryAndCurves(t *testing.T) {
	dir := t.TempDir()
	c := cfg(20, "fp32")
	c.LogEvery, c.ValBatches = 7, 2
	tr := &Trainer{Model: newBigram(16, 8, 3), Data: markov{2, 8, 16}, Val: markov{3, 8, 16}, Config: c, Dir: dir}
	if _, err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	steps, _ := ReadLog(filepath.Join(dir, StepsFile))
	lines, err := ReadCurve(filepath.Join(dir, LogFile))
	if err != nil || len(steps) != 20 || len(lines) != 3 {
		t.Fatalf("%d steps, %d log lines (%v); want 20 and 3", len(steps), len(lines), err)
	}
	for i, want := range []struct{ step, from int }{{7, 0}, {14, 7}, {20, 14}} {
		l := lines[i]
		var sum float64
		for _, r := range steps[want.from:want.step] {
			sum += float64(r.Loss)
		}
		if l.Step != want.step || float64(l.TrainLoss) != sum/float64(want.step-want.from) || l.ValLoss == nil || !(*l.ValLoss > 0) {
			t.Errorf("line %d: %+v, want step %d, mean loss %g and a validation loss", i, l, want.step, sum/float64(want.step-want.from))
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, ScalarsFile))
	rows := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(rows) != 4 || rows[0] != "step,train_loss,val_loss,lr,grad_norm,tokens,skipped_total" || !strings.HasPrefix(rows[3], "20,") {
		t.Errorf("scalars.csv:\n%s", csv)
	}
}

// A run interrupted by an older build (per-step records in log.jsonl)
// resumes with its steps moved to steps.jsonl and ends as an uninterrupted
// run does.
func TestResumeOfAnOlderStepLog(t *testing.T) {
	whole, broken := t.TempDir(), t.TempDir()
	ref := &Trainer{Model: newBigram(16, 8, 4), Data: markov{2, 8, 16}, Config: cfg(10, "fp32"), Dir: whole}
	if _, err := ref.Run(); err != nil {
		t.Fatal(err)
	}
	first := &Trainer{Model: newBigram(16, 8, 4), Data: markov{2, 8, 16}, Config: cfg(10, "fp32"), Dir: broken}
	first.crashAt = 5
	first.Run()
	os.Remove(filepath.Join(broken, LogFile))
	os.Remove(filepath.Join(broken, ScalarsFile))
	os.Rename(filepath.Join(broken, StepsFile), filepath.Join(broken, LogFile)) // the older layout
	m := newBigram(16, 8, 4)
	again := &Trainer{Model: m, Data: markov{2, 8, 16}, Config: cfg(10, "fp32"), Dir: broken}
	s, err := again.Run()
	if err != nil || s.Steps != 10 {
		t.Fatalf("%v, %d steps", err, s.Steps)
	}
	a, _ := ReadLog(filepath.Join(whole, StepsFile))
	b, _ := ReadLog(filepath.Join(broken, StepsFile))
	if len(a) != len(b) || a[9].Loss != b[9].Loss {
		t.Errorf("steps differ: %d vs %d", len(a), len(b))
	}
}
