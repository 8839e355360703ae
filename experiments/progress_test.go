package experiments

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTrackerETA(t *testing.T) {
	clock := time.Unix(0, 0)
	tr := NewTracker("reproduce", 5)
	tr.start, tr.now = clock, func() time.Time { return clock }
	if got := tr.String(); got != "reproduce 0/5, elapsed 0s" {
		t.Errorf("before any trial: %q", got)
	}
	tr.finish(0, false) // skipped: counts as done, not towards the rate
	clock = clock.Add(20 * time.Second)
	tr.finish(10*time.Second, true)
	tr.finish(20*time.Second, true)
	if got, want := tr.String(), "reproduce 3/5, elapsed 20s, ETA 30s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	tr.finish(time.Second, true)
	tr.finish(time.Second, true)
	if got := tr.String(); strings.Contains(got, "ETA") {
		t.Errorf("finished, still an ETA: %q", got)
	}
}

// Each trial run says when it starts and ends, with the experiment's and
// the overall count, elapsed time and ETA; skipped trials say so.
func TestRunPrintsTrialStartAndEnd(t *testing.T) {
	e := loadSelftest(t)
	results := t.TempDir()
	var log strings.Builder
	overall := NewTracker("reproduce", 2*len(e.Trials))
	opt := Options{Results: results, Stderr: &log, Command: []string{"test"}, Overall: overall}
	if _, err := Run(context.Background(), e, opt); err != nil {
		t.Fatal(err)
	}
	n := len(e.Trials)
	out := log.String()
	for i, tr := range e.Trials {
		label := "[" + strconv.Itoa(i+1) + "/" + strconv.Itoa(n) + "] selftest " + tr.Key
		if !strings.Contains(out, label+": started\n") || !strings.Contains(out, label+": done in ") {
			t.Errorf("no start/end lines for %s in\n%s", label, out)
		}
	}
	if !strings.Contains(out, "(selftest 1/"+strconv.Itoa(n)+", elapsed ") || !strings.Contains(out, "; reproduce "+strconv.Itoa(n)+"/"+strconv.Itoa(2*n)+", elapsed ") || !strings.Contains(out, ", ETA ") {
		t.Errorf("closing lines lack counts, elapsed time or ETA:\n%s", out)
	}
	log.Reset()
	if _, err := Run(context.Background(), e, opt); err != nil {
		t.Fatal(err)
	}
	if out := log.String(); strings.Contains(out, "done in") || strings.Count(out, "done already, skipped") != n {
		t.Errorf("second run:\n%s", out)
	}
}

// On a terminal, steps redraw one bar line in place; any other line clears
// it first; the last step ends it with a newline. Elsewhere (a file, a
// pipe) there are only plain lines.
func TestProgressBarOnATerminal(t *testing.T) {
	var buf strings.Builder
	p := newProgress(&buf, "[1/1] x k", 10*time.Second)
	p.w.tty = true
	now := time.Unix(0, 0)
	p.now = func() time.Time { return now }
	p.Step(5, 20, "loss 3.1")
	now = now.Add(time.Second)
	p.Printf("a message")
	now = now.Add(time.Second)
	p.Step(20, 20, "loss 2.0")
	want := "\r\033[K[1/1] x k: [#####...............] 5/20 loss 3.1" + "\r\033[K" + "[1/1] x k: a message\n" +
		"\r\033[K[1/1] x k: [####################] 20/20 loss 2.0\n"
	if buf.String() != want {
		t.Errorf("got  %q\nwant %q", buf.String(), want)
	}
	var file strings.Builder
	q := newProgress(&file, "[1/1] x k", 10*time.Second)
	q.Step(20, 20, "loss 2.0")
	if file.String() != "[1/1] x k: step 20/20 (100%), loss 2.0\n" {
		t.Errorf("not a terminal: %q", file.String())
	}
}
