//go:build unix

package experiments

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The heartbeat of a held lock refreshes the lock file it created, not
// whatever a symbolic link planted at its path since points to.
func TestLockHeartbeatDoesNotFollowLinks(t *testing.T) {
	defer func(d time.Duration) { lockHeartbeat = d }(lockHeartbeat)
	lockHeartbeat = 5 * time.Millisecond
	dir := t.TempDir()
	path := filepath.Join(dir, "LOCK")
	h, _, err := tryLock(path)
	if err != nil || h == nil {
		t.Fatalf("tryLock: %v", err)
	}
	target := filepath.Join(t.TempDir(), "precious")
	os.WriteFile(target, []byte("precious"), 0o644)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(target, old, old)
	os.Remove(path)
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	h.release()
	st, err := os.Stat(target)
	if err != nil || !st.ModTime().Equal(old) {
		t.Errorf("the link's target was touched: %v %v (was %v)", err, st.ModTime(), old)
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Errorf("target changed to %q", b)
	}
}
