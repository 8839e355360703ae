package fsx

import (
	"fmt"
	"path/filepath"
	"runtime"
)

// PathMax is the longest path, in bytes, this system's file calls take
// (Linux PATH_MAX 4096; macOS and the BSDs 1024; Windows without long-path
// support 260).
func PathMax() int {
	switch runtime.GOOS {
	case "linux", "android":
		return 4096
	case "windows":
		return 260
	}
	return 1024
}

// CheckRoom refuses root when paths of up to below more bytes under it
// would pass PathMax, so a deep results folder fails at once with a line
// saying why instead of with "file name too long" midway through a run.
func CheckRoom(root string, below int) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	if n := len(abs) + 1 + below; n > PathMax() {
		return fmt.Errorf("%s: the path is %d bytes and ssmlab writes files up to %d bytes below it, past this system's %d-byte path limit; use a folder with a shorter path",
			root, len(abs), below, PathMax())
	}
	return nil
}
