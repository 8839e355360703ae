//go:build !unix

package fsx

import "errors"

// Without O_NOFOLLOW, OpenWrite falls back on checking with Lstat.
const (
	oNoFollow = 0
	oNonBlock = 0
)

var errLoop = errors.New("fsx: no O_NOFOLLOW")
