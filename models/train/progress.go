package train

import (
	"fmt"
	"io"
	"time"
)

// progress prints a rate-limited status line: step, loss, lr, tokens/s, ETA.
type progress struct {
	w      io.Writer
	step   func(step, total int, detail string) // Trainer.Step: every update goes there instead
	label  string
	total  int
	every  time.Duration
	start  time.Time
	last   time.Time
	first  int
	primed bool
}

func newProgress(w io.Writer, label string, total int, sec float64) *progress {
	return &progress{w: w, label: label, total: total, every: time.Duration(sec * float64(time.Second)), start: time.Now()}
}

func (p *progress) update(step int, loss, lr, tps float64) {
	if p.w == nil && p.step == nil {
		return
	}
	if !p.primed {
		p.primed, p.first = true, step-1
	}
	now := time.Now()
	if p.step == nil && now.Sub(p.last) < p.every && step != p.total {
		return
	}
	p.last = now
	eta := "?"
	if done := step - p.first; done > 0 {
		left := time.Duration(float64(now.Sub(p.start)) / float64(done) * float64(p.total-step))
		eta = left.Round(time.Second).String()
	}
	if p.step != nil {
		p.step(step, p.total, fmt.Sprintf("loss %.4f  lr %.3g  %.0f tok/s  ETA %s", loss, lr, tps, eta))
		return
	}
	fmt.Fprintf(p.w, "%sstep %d/%d  loss %.4f  lr %.3g  %.0f tok/s  ETA %s\n", p.label, step, p.total, loss, lr, tps, eta)
}

func (p *progress) done() {}
