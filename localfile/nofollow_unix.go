//go:build unix

package localfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

const noFollow = syscall.O_NOFOLLOW

// openFlags go with every open: a named pipe opens at once instead of
// waiting for a writer, and a terminal device never becomes the process's
// controlling terminal.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY

// isSymlinkErr reports the error an O_NOFOLLOW open gives for a link:
// ELOOP (Linux, macOS) or EMLINK (FreeBSD, NetBSD).
func isSymlinkErr(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

func ownerOf(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// blocking puts a regular file opened with O_NONBLOCK back in blocking
// mode, as every other file the tool has.
func blocking(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
