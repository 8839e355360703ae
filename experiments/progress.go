package experiments

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress prints a trial's progress to stderr as lines like
//
//	[3/12] mp_inference model=mamba-s_seed=0: step 120/2000 (6%), 45.2 steps/s, ETA 41s
//
// at most once per interval (and always for the last step), so long runs
// show life without flooding a Slurm log.
type Progress struct {
	mu        sync.Mutex
	w         io.Writer
	label     string
	every     time.Duration
	now       func() time.Time
	start     time.Time
	startStep int
	last      time.Time
	started   bool
}

func newProgress(w io.Writer, label string, every time.Duration) *Progress {
	return &Progress{w: w, label: label, every: every, now: time.Now}
}

// Update reports that step of total steps is done. The first call of a
// process sets the starting point, so the rate of a resumed run counts only
// the steps it did itself.
func (p *Progress) Update(step, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !p.started {
		p.started, p.start, p.startStep, p.last = true, now, step, now
		return
	}
	if now.Sub(p.last) < p.every && step < total {
		return
	}
	p.last = now
	line := fmt.Sprintf("%s: step %d/%d", p.label, step, total)
	if total > 0 {
		line += fmt.Sprintf(" (%d%%)", 100*step/total)
	}
	if el := now.Sub(p.start).Seconds(); el > 0 && step > p.startStep {
		rate := float64(step-p.startStep) / el
		line += fmt.Sprintf(", %.3g steps/s", rate)
		if total > step {
			line += ", ETA " + time.Duration(float64(total-step)/rate*float64(time.Second)).Round(time.Second).String()
		}
	}
	fmt.Fprintln(p.w, line)
}

// Printf prints one line under the trial's label, now.
func (p *Progress) Printf(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s: %s\n", p.label, fmt.Sprintf(format, a...))
}
