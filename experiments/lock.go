package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssmlab/ssmlab/experiments/config"
	"github.com/ssmlab/ssmlab/internal/fsx"
)

// Timings of the artifact lock protocol; tests shorten them.
var (
	lockHeartbeat = 15 * time.Second // a holder touches its lock this often
	lockStale     = 2 * time.Minute  // a lock untouched this long is abandoned
	lockPoll      = 2 * time.Second  // a waiter looks again this often
)

// lockInfo is the content of a LOCK file.
type lockInfo struct {
	Host  string    `json:"host"`
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

// heldLock is a LOCK file this process created; a goroutine keeps its
// modification time fresh so waiters elsewhere know the holder is alive.
// It refreshes the file through the descriptor it created, never through
// the path: a link planted at the path later does not lead it elsewhere.
type heldLock struct {
	path string
	f    *os.File
	body []byte
	stop chan struct{}
	wg   sync.WaitGroup
}

// tryLock creates path exclusively. If another process holds it, it
// returns that holder's info (zero if unreadable yet) and a nil lock.
func tryLock(path string) (*heldLock, lockInfo, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrExist) {
		var info lockInfo
		if b, err := fsx.ReadFile(path); err == nil {
			json.Unmarshal(b, &info)
		}
		return nil, info, nil
	}
	if err != nil {
		return nil, lockInfo{}, err
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(lockInfo{Host: host, PID: os.Getpid(), Since: time.Now().UTC()})
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return nil, lockInfo{}, err
	}
	h := &heldLock{path: path, f: f, body: b, stop: make(chan struct{})}
	h.wg.Add(1)
	go h.beat()
	return h, lockInfo{}, nil
}

func (h *heldLock) beat() {
	defer h.wg.Done()
	t := time.NewTicker(lockHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.f.WriteAt(h.body, 0) // the same bytes: only the time changes
		}
	}
}

func (h *heldLock) release() {
	close(h.stop)
	h.wg.Wait()
	h.f.Close()
	os.Remove(h.path)
}

// abandoned reports whether the lock at path was left by a dead process:
// one on this host whose PID is gone, or one that stopped refreshing it.
func abandoned(path string, info lockInfo) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false // gone already: the caller simply tries again
	}
	host, _ := os.Hostname()
	if info.Host == host && info.PID > 0 && info.PID != os.Getpid() && !pidAlive(info.PID) {
		return true
	}
	return time.Since(st.ModTime()) > lockStale
}

// breakLock removes an abandoned lock if it is still the one judged
// abandoned. Two waiters racing here can, rarely, both build; artifact
// writes are atomic and deterministic, so the result is the same.
func breakLock(path string, info lockInfo) {
	var now lockInfo
	if b, err := fsx.ReadFile(path); err == nil && json.Unmarshal(b, &now) == nil && now == info {
		os.Remove(path)
	}
}

func (i lockInfo) String() string {
	if i.PID == 0 {
		return "holder not recorded yet"
	}
	return fmt.Sprintf("pid %d on host %s", i.PID, i.Host)
}

// trialLockPath is the lock of the trial in dir: .<key>.lock beside dir,
// not in it, so that --force can set dir aside while holding the lock.
func trialLockPath(dir string) string {
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".lock")
}

// lockTrial takes the lock of the trial in dir. If a live process holds
// it, the lock is nil and holder says who; a lock left by a dead process
// (see abandoned) is taken over.
func (r *runner) lockTrial(dir, label string) (*heldLock, lockInfo, error) {
	if err := fsx.MkdirUnder(r.opt.Results, filepath.Dir(dir)); err != nil {
		return nil, lockInfo{}, err
	}
	path := trialLockPath(dir)
	for try := 0; ; try++ {
		held, holder, err := tryLock(path)
		if held != nil || err != nil {
			return held, holder, err
		}
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) && try < 3 {
			continue // released between our two looks
		}
		if try >= 3 || !abandoned(path, holder) {
			return nil, holder, nil
		}
		fmt.Fprintf(r.opt.Stderr, "%s: taking over the lock left by %s\n", label, holder)
		breakLock(path, holder)
	}
}

// trashPath is where discard sets dir aside before deleting it:
// .trash-<host>-<pid>-<ns> beside it, so that a later run can tell the
// leftovers of a process killed while deleting (cleanTrash).
func trashPath(dir string) string {
	return filepath.Join(filepath.Dir(dir), fmt.Sprintf("%s%s-%d-%d", fsx.TrashPrefix, trashHost(), os.Getpid(), time.Now().UnixNano()))
}

func trashHost() string {
	host, _ := os.Hostname()
	return config.SafeName(host)
}

// cleanTrash removes the folders in dir that discard set aside in a
// process of this host that has died since.
func cleanTrash(dir string) {
	ents, _ := os.ReadDir(dir)
	prefix := fsx.TrashPrefix + trashHost() + "-"
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		pid, _, _ := strings.Cut(rest, "-")
		if n, err := strconv.Atoi(pid); err == nil && n != os.Getpid() && !pidAlive(n) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}
