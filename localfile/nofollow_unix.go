//go:build unix

package localfile

import (
	"errors"
	"syscall"
)

const noFollow = syscall.O_NOFOLLOW

// isSymlinkErr reports the error an O_NOFOLLOW open gives for a link:
// ELOOP (Linux, macOS) or EMLINK (FreeBSD, NetBSD).
func isSymlinkErr(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}
