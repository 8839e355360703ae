//go:build unix

package score

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"

	"github.com/ssmlab/ssmlab/models/lm"
	"github.com/ssmlab/ssmlab/models/mamba"
	"github.com/ssmlab/ssmlab/models/mamba2"
	"github.com/ssmlab/ssmlab/models/precision"
	"github.com/ssmlab/ssmlab/models/transformer"
)

// taskShape is the zero-shot request shape of a task, in GPT-NeoX tokens
// (typical sizes, not measured averages): a context, choices continuations
// of cont tokens; a multiple-input task (WinoGrande) has a context per
// choice and no shared one.
type taskShape struct {
	name               string
	ctx, choices, cont int
	multipleInput      bool
}

var taskShapes = []taskShape{
	{"hellaswag", 64, 4, 24, false},
	{"arc_easy", 30, 4, 6, false},
	{"piqa", 20, 2, 25, false},
	{"winogrande", 20, 2, 8, true},
	{"lambada_openai", 80, 1, 2, false},
	{"openbookqa", 15, 4, 5, false},
	{"mmlu", 110, 4, 1, false},
}

// shaped returns docs documents' requests of shape s.
func shaped(s taskShape, docs, V int) []Pair {
	r := rand.New(rand.NewPCG(1, 2))
	ids := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = r.IntN(V)
		}
		return out
	}
	var out []Pair
	for range docs {
		ctx := ids(s.ctx)
		for range s.choices {
			if s.multipleInput {
				ctx = ids(s.ctx)
			}
			out = append(out, Pair{ctx, ids(s.cont)})
		}
	}
	return out
}

func hellaswagShaped(docs, V int) []Pair { return shaped(taskShapes[0], docs, V) }

// BenchmarkTasks scores each task's request shape on a randomly
// initialised model of mamba-130m's shape with the shared context:
//
//	go test ./models/score -run '^$' -bench Tasks -benchtime 1x -cpu 2
func BenchmarkTasks(b *testing.B) {
	docs := 8
	if n, err := parseInt(os.Getenv("SCORE_BENCH_DOCS")); err == nil && n > 0 {
		docs = n
	}
	m, err := mamba.New(mamba.DefaultConfig(50280, 768, 24), 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range taskShapes {
		b.Run(s.name, func(b *testing.B) {
			pairs := shaped(s, docs, m.VocabSize())
			o := Options{Policy: precision.FP32Policy, MaxLen: 2048, Batch: 16, Share: true}
			timeDocs(b, docs, func() error { _, err := Score(m, o, pairs); return err })
		})
	}
}

// BenchmarkHellaSwag scores HellaSwag-shaped documents on randomly
// initialised models of mamba-130m's, mamba2-130m's and pythia-160m's shapes, with and
// without the shared context, reporting documents per second:
//
//	go test ./models/score -run '^$' -bench HellaSwag -benchtime 1x -cpu 2
//
// SCORE_BENCH_DOCS sets the documents per iteration (default 8),
// SCORE_BENCH_BATCH the batch size (default 16, ssmlab eval's).
func BenchmarkHellaSwag(b *testing.B) {
	docs, batch := 8, 16
	if n, err := parseInt(os.Getenv("SCORE_BENCH_DOCS")); err == nil && n > 0 {
		docs = n
	}
	if n, err := parseInt(os.Getenv("SCORE_BENCH_BATCH")); err == nil && n > 0 {
		batch = n
	}
	shapes := []struct {
		name string
		make func() lm.Model
	}{
		{"mamba-130m", func() lm.Model {
			m, err := mamba.New(mamba.DefaultConfig(50280, 768, 24), 1)
			if err != nil {
				b.Fatal(err)
			}
			return m
		}},
		{"mamba2-130m", func() lm.Model {
			m, err := mamba2.NewZero(mamba2.DefaultConfig(50288, 768, 24))
			if err != nil {
				b.Fatal(err)
			}
			m.Init(1)
			return m
		}},
		{"pythia-160m", func() lm.Model {
			m, err := transformer.NewGPTNeoXZero(transformer.DefaultGPTNeoXConfig(50304, 768, 12, 12))
			if err != nil {
				b.Fatal(err)
			}
			m.Init(1)
			return m
		}},
	}
	for _, s := range shapes {
		var m lm.Model
		for _, share := range []bool{true, false} {
			name := s.name + "/whole"
			if share {
				name = s.name + "/shared"
			}
			b.Run(name, func(b *testing.B) {
				if m == nil {
					m = s.make()
				}
				pairs := hellaswagShaped(docs, m.VocabSize())
				o := Options{Policy: precision.FP32Policy, MaxLen: 2048, Batch: batch, Share: share}
				timeDocs(b, docs, func() error { _, err := Score(m, o, pairs); return err })
			})
		}
	}
}

func parseInt(s string) (int, error) {
	n := 0
	if s == "" {
		return 0, os.ErrNotExist
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, os.ErrInvalid
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// timeDocs runs score b.N times and reports documents per second of wall
// time and CPU seconds per document (all threads, from getrusage: on a
// machine shared with other jobs the CPU time is the steadier measure).
func timeDocs(b *testing.B, docs int, score func() error) {
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for range b.N {
		if err := score(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n := float64(docs * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric((cpuSeconds()-cpu0)/n, "cpu-s/doc")
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
