// Package fsx is how ssmlab touches the file system where it matters:
// result files are written atomically (a temporary file in the target's
// folder, synced, then renamed over the target) and never through a
// symbolic link; input files are opened only if they are regular files, so
// a named pipe or a device gets an error instead of a hang. It imports
// nothing of ssmlab.
package fsx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteAtomic creates path by calling write on a buffered temporary file and
// renaming it into place only if write and the sync succeed. On any error
// the temporary file is removed and an existing file at path is untouched.
// A symbolic link (or anything but a regular file) at path is refused: the
// file it points to is never written; so is a linked folder on the way to
// path inside a Guard-ed tree.
func WriteAtomic(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := checkGuarded(path); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := checkTarget(path); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tempPattern(filepath.Base(path)))
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	// Rename replaces a link planted since checkTarget, never its target.
	return os.Rename(tmp, path)
}

// WriteFileAtomic writes data to path atomically.
func WriteFileAtomic(path string, data []byte) error {
	return WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// OpenWrite opens path for writing, creating it if needed, without
// following a symbolic link at path and without blocking on a named pipe:
// anything but a regular file there is refused with an error naming it.
// The file is neither truncated nor positioned at its end.
func OpenWrite(path string) (*os.File, error) { return openWrite(path, 0) }

// OpenAppend is OpenWrite with every write going to the end of the file.
func OpenAppend(path string) (*os.File, error) { return openWrite(path, os.O_APPEND) }

func openWrite(path string, flag int) (*os.File, error) {
	if err := checkGuarded(path); err != nil {
		return nil, err
	}
	if oNoFollow == 0 && isSymlink(path) {
		return nil, symlinkError(path)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|oNoFollow|oNonBlock|flag, 0o644)
	if err != nil {
		if errors.Is(err, errLoop) || isSymlink(path) {
			return nil, symlinkError(path)
		}
		return nil, err
	}
	if err := regular(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ErrSymlink is wrapped by the errors of writes refused because of a
// symbolic link.
var ErrSymlink = errors.New("is a symbolic link; ssmlab does not write through links in its output folders (remove the link and run again)")

func symlinkError(path string) error { return fmt.Errorf("%s: %w", path, ErrSymlink) }

func isSymlink(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode()&fs.ModeSymlink != 0
}

// CheckTarget reports the error WriteAtomic would give for path because
// of what stands there now (a symbolic link, a non-regular file, a linked
// folder inside a Guard-ed tree), so a command can refuse an output path
// before long work instead of after it.
func CheckTarget(path string) error {
	if err := checkGuarded(path); err != nil {
		return err
	}
	return checkTarget(path)
}

// checkTarget refuses to replace a symbolic link or a non-regular file.
func checkTarget(path string) error {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case st.Mode()&fs.ModeSymlink != 0:
		return symlinkError(path)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s: %s, not a regular file; refusing to replace it", path, kind(st.Mode()))
	}
	return nil
}

// MkdirUnder creates dir and its missing parents like os.MkdirAll, where
// dir lies inside root, and refuses a symbolic link (or a file) standing
// for any folder below root: writes into dir then stay inside root. Root
// itself may be a link (a results folder on a shared volume).
func MkdirUnder(root, dir string) error {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || filepath.IsAbs(rel) || len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator) {
		return fmt.Errorf("%s: not inside %s", dir, root)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	p := root
	for _, part := range splitPath(rel) {
		p = filepath.Join(p, part)
		err := os.Mkdir(p, 0o755)
		if err == nil {
			continue
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		st, err := os.Lstat(p)
		switch {
		case err != nil:
			return err
		case st.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: %w", p, ErrSymlink)
		case !st.IsDir():
			return fmt.Errorf("%s: %s, not a folder", p, kind(st.Mode()))
		}
	}
	return nil
}

func splitPath(rel string) []string {
	var parts []string
	for rel != "." && rel != "" {
		dir, base := filepath.Split(rel)
		parts = append([]string{base}, parts...)
		rel = filepath.Clean(dir)
		if dir == "" {
			break
		}
	}
	return parts
}
