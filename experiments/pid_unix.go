//go:build unix

package experiments

import "syscall"

// pidAlive reports whether a process with this id exists on this host.
func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
