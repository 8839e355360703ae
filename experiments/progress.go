package experiments

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress prints a trial's progress to stderr as lines like
//
//	[3/12] mp_inference model=mamba-s_seed=0: step 120/2000 (6%), 45.2 steps/s, ETA 41s
//
// at most once per interval (and always for the last step), so long runs
// show life without flooding a Slurm log. When stderr is a terminal, step
// updates instead redraw one bar line in place,
//
//	[3/12] mp_inference model=mamba-s_seed=0: [#######.............] 120/2000 loss 3.1 ETA 41s
//
// which any other line clears first.
type Progress struct {
	mu        sync.Mutex
	w         *screen
	label     string
	every     time.Duration
	now       func() time.Time
	start     time.Time
	startStep int
	last      time.Time
	started   bool
}

func newProgress(w io.Writer, label string, every time.Duration) *Progress {
	return &Progress{w: newScreen(w), label: label, every: every, now: time.Now}
}

// screen is stderr shared by a run's progress: on a terminal it remembers
// whether a bar line is drawn, and clears it before anything else is
// written, so bars never run into other lines.
type screen struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
	bar bool // a bar line is on screen, without its newline
}

// newScreen wraps w, or returns it if it is a screen already.
func newScreen(w io.Writer) *screen {
	if s, ok := w.(*screen); ok {
		return s
	}
	return &screen{w: w, tty: isTerminal(w)}
}

// Write writes b after clearing a bar.
func (s *screen) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clear()
	return s.w.Write(b)
}

func (s *screen) clear() {
	if s.bar {
		fmt.Fprint(s.w, "\r\033[K")
		s.bar = false
	}
}

// drawBar redraws the bar line; done ends it with a newline.
func (s *screen) drawBar(line string, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprint(s.w, "\r\033[K"+line)
	s.bar = !done
	if done {
		fmt.Fprintln(s.w)
	}
}

// isTerminal reports whether w is a character device such as a terminal
// (not a file, a pipe or a Slurm log), with a TERM that can redraw.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
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
	detail := ""
	if el := now.Sub(p.start).Seconds(); el > 0 && step > p.startStep {
		rate := float64(step-p.startStep) / el
		detail = fmt.Sprintf("%.3g steps/s", rate)
		if total > step {
			detail += ", ETA " + time.Duration(float64(total-step)/rate*float64(time.Second)).Round(time.Second).String()
		}
	}
	p.step(now, step, total, detail)
}

// Step reports step of total done, with a detail such as the loss and an
// ETA: a bar on a terminal, else a line at most once per interval.
func (p *Progress) Step(step, total int, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.step(p.now(), step, total, detail)
}

func (p *Progress) step(now time.Time, step, total int, detail string) {
	last := step >= total
	if p.w.tty {
		if now.Sub(p.last) < 100*time.Millisecond && !last {
			return
		}
		p.last = now
		const width = 20
		done := 0
		if total > 0 {
			done = min(width, width*step/total)
		}
		p.w.drawBar(fmt.Sprintf("%s: [%s%s] %d/%d %s", p.label, strings.Repeat("#", done), strings.Repeat(".", width-done), step, total, detail), last)
		return
	}
	if now.Sub(p.last) < p.every && !last {
		return
	}
	p.last = now
	line := fmt.Sprintf("%s: step %d/%d", p.label, step, total)
	if total > 0 {
		line += fmt.Sprintf(" (%d%%)", 100*step/total)
	}
	if detail != "" {
		line += ", " + detail
	}
	fmt.Fprintln(p.w, line)
}

// Printf prints one line under the trial's label, now (clearing a bar).
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
