// Package localfile opens the files the tool keeps and reads on the user's
// machine: the state it writes (audit log, session, filter history, crash
// reports, run locks) and the files the user keeps (config, CA
// certificates). Every one is opened the same way: a regular file only
// (opened without blocking, so a named pipe cannot hang the console, and
// checked on the descriptor opened, so a device such as /dev/zero is never
// read), owned by the user or root (whoever owns a file decides what it
// says), and read up to a cap. The state it writes is never reached through
// a symbolic link, so another local user cannot point one of them at a file
// of theirs or of the user's. It must not import the console.
package localfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"strconv"
)

// Open opens the state file at path with flag (os.O_* flags) as a regular
// file of the user's own, of mode 0600, tightening an existing file it
// writes to that. A symbolic link at path is refused: it is checked before
// opening for a clear message, and the open itself does not follow one
// (O_NOFOLLOW), which closes the race between the two.
func Open(path string, flag int) (*os.File, error) {
	f, _, err := open(path, flag, false)
	return f, err
}

// ReadFile reads a state file the tool wrote, opened as Open opens it, and
// refuses one larger than max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	raw, _, err := read(path, max, false)
	return raw, err
}

// ReadInput reads a file the user keeps by hand (the config, CA
// certificates): a symbolic link is followed (dotfiles, /etc/ssl/certs), and
// the file it leads to is checked as any other: regular, the user's or
// root's, at most max bytes. Its mode comes back for the caller's own rules.
func ReadInput(path string, max int64) ([]byte, fs.FileMode, error) {
	raw, fi, err := read(path, max, true)
	if err != nil {
		return nil, 0, err
	}
	return raw, fi.Mode().Perm(), nil
}

func read(path string, max int64, follow bool) ([]byte, fs.FileInfo, error) {
	f, fi, err := open(path, os.O_RDONLY, follow)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if fi.Size() > max {
		return nil, nil, tooLarge(path, max)
	}
	raw, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(raw)) > max {
		return nil, nil, tooLarge(path, max)
	}
	return raw, fi, nil
}

// open is the one way every file is opened. The open never blocks
// (O_NONBLOCK: a named pipe opens at once, writer or not) and the
// descriptor's own fstat decides what it is and whose, so what is checked is
// what is read. Where no link may lead to the file, a first look names a
// link in the message; the open then does not follow one (O_NOFOLLOW).
func open(path string, flag int, follow bool) (*os.File, fs.FileInfo, error) {
	extra := openFlags
	if !follow {
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, nil, symlinkError(path)
		}
		extra |= noFollow
	}
	f, err := os.OpenFile(path, flag|extra, 0o600)
	if err != nil {
		if !follow && isSymlinkErr(err) {
			return nil, nil, symlinkError(path)
		}
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = check(path, fi)
	}
	if err == nil {
		err = blocking(f)
	}
	if err == nil && fi.Mode().Perm() != 0o600 && flag&(os.O_WRONLY|os.O_RDWR) != 0 {
		err = f.Chmod(0o600)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func check(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s): refused; remove it", path, kind(fi.Mode()))
	}
	if uid, ok := ownerOf(fi); ok && uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("%s belongs to %s, not to you: refused, since whoever owns a file decides what it says; remove it, or check it and take it over (chown)", path, userName(uid))
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	}
	return m.Type().String()
}

// userName names a user for a message: the login and the uid, or the uid
// alone.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return fmt.Sprintf("the user %s (uid %d)", u.Username, uid)
	}
	return fmt.Sprintf("uid %d", uid)
}

func tooLarge(path string, max int64) error {
	return fmt.Errorf("%s is larger than %s, more than a file of its kind holds: refused; check what it holds, then move it away", path, size(max))
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func symlinkError(path string) error {
	return fmt.Errorf("%s is a symbolic link: refused, since it could point this file anywhere; remove the link", path)
}

// PrivateDir creates dir (and its parents) with mode 0700, or tightens an
// existing dir to 0700: it holds the audit log, the session and crash
// reports, which name detections and people. A folder of another user's is
// refused: its owner could replace any file in it.
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
	if uid, ok := ownerOf(fi); ok && uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("the folder %s belongs to %s, not to you: refused, since its owner could replace any file in it; use a folder of your own (XDG_STATE_HOME)", dir, userName(uid))
	}
	if mode := fi.Mode().Perm(); mode != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("the folder %s is open to others (mode %04o) and could not be tightened (%v): run chmod 700 %s", dir, mode, errors.Unwrap(err), dir)
		}
	}
	return nil
}
