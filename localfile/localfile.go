// Package localfile opens the files the tool keeps for its user alone (the
// audit log, the crash reports) and their folder. It never follows a
// symbolic link to a file, so another local user cannot point one of them at
// a file of theirs or of the user's; it must not import the console.
package localfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Open opens path with flag (os.O_* flags) as a regular file of mode 0600,
// tightening an existing file to that. A symbolic link at path is refused:
// it is checked before opening for a clear message, and the open itself
// does not follow one (O_NOFOLLOW), which closes the race between the two.
func Open(path string, flag int) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil {
		if err := regular(path, fi); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, flag|noFollow, 0o600)
	if err != nil {
		if isSymlinkErr(err) {
			return nil, symlinkError(path)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = regular(path, fi)
	}
	if err == nil && fi.Mode().Perm() != 0o600 && flag&(os.O_WRONLY|os.O_RDWR) != 0 {
		err = f.Chmod(0o600)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func regular(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return symlinkError(path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (%s): refused; remove it", path, fi.Mode().Type())
	}
	return nil
}

func symlinkError(path string) error {
	return fmt.Errorf("%s is a symbolic link: refused, since it could point this file anywhere; remove the link", path)
}

// PrivateDir creates dir (and its parents) with mode 0700, or tightens an
// existing dir to 0700: it holds the audit log, the session and crash
// reports, which name detections and people.
func PrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		fi, err = os.Stat(dir)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	if mode := fi.Mode().Perm(); mode != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("the folder %s is open to others (mode %04o) and could not be tightened (%v): run chmod 700 %s", dir, mode, errors.Unwrap(err), dir)
		}
	}
	return nil
}
