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

// Tracker times the trials of a run, or of a whole reproduce, for the
// elapsed time and ETA on each trial's closing line. Trials already done
// count towards the total but not towards the rate, so a resumed run's
// ETA is not fooled by the trials it skipped.
type Tracker struct {
	mu    sync.Mutex
	name  string
	total int
	done  int           // trials finished or skipped
	ran   int           // trials run here
	busy  time.Duration // time spent running them
	start time.Time
	now   func() time.Time
}

// NewTracker tracks total trials under name ("reproduce", an experiment).
func NewTracker(name string, total int) *Tracker {
	return &Tracker{name: name, total: total, start: time.Now(), now: time.Now}
}

// finish records a trial: ran it for took, or skipped it.
func (t *Tracker) finish(took time.Duration, ran bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	if ran {
		t.ran++
		t.busy += took
	}
}

// String is "NAME 3/8, elapsed 12s, ETA 20s" (no ETA before a trial ran).
func (t *Tracker) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := fmt.Sprintf("%s %d/%d, elapsed %s", t.name, t.done, t.total, roundDur(t.now().Sub(t.start)))
	if left := t.total - t.done; left > 0 && t.ran > 0 {
		s += ", ETA " + roundDur(t.busy/time.Duration(t.ran)*time.Duration(left))
	}
	return s
}

// roundDur rounds to what a person reads: 40ms, 12s, 3m5s.
func roundDur(d time.Duration) string {
	if d < time.Second {
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
