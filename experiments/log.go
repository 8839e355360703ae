package experiments

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Log appends JSON objects, one per line, to a trial's log.jsonl. Each
// Write reaches the file before it returns (no buffering), so a killed run
// loses at most the line being written; on restart the runner rolls the
// file back to the state of the latest checkpoint, and the resumed run
// writes the rest again, so the final log equals an uninterrupted run's.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	size int64
	path string
}

// openLog opens path for appending after truncating it to keep bytes
// (what the latest checkpoint saw; 0 without checkpoints).
func openLog(path string, keep int64) (*Log, error) {
	f, err := fsx.OpenWrite(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.Size() < keep {
		err = fmt.Errorf("%s: shorter (%d bytes) than its checkpoint recorded (%d); move the trial directory away to rerun it", path, st.Size(), keep)
	}
	if err == nil {
		err = f.Truncate(keep)
	}
	if err == nil {
		_, err = f.Seek(keep, 0)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Log{f: f, size: keep, path: path}, nil
}

// Write appends v as one line of JSON. Keep wall-clock times out of the
// log when the trial should be bit-reproducible; put them in the summary of
// kinds that measure speed.
func (l *Log) Write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("log: %v", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.f.Write(append(b, '\n'))
	l.size += int64(n)
	if err != nil {
		return fmt.Errorf("%s: %v", l.path, err)
	}
	return nil
}

// Size is the number of bytes written so far.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// sync flushes the file to stable storage (before a checkpoint records it).
func (l *Log) sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Sync()
}

func (l *Log) close() error { return l.f.Close() }
