//go:build unix

package fsx

import "syscall"

const (
	oNoFollow = syscall.O_NOFOLLOW
	oNonBlock = syscall.O_NONBLOCK
)

// errLoop is what open with O_NOFOLLOW returns for a symbolic link.
var errLoop error = syscall.ELOOP
