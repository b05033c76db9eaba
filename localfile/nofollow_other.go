//go:build !unix

package localfile

import (
	"io/fs"
	"os"
)

// Without O_NOFOLLOW, the Lstat before the open is the only check.
const noFollow = 0

const openFlags = 0

func isSymlinkErr(error) bool { return false }

// ownerOf knows no owner where there are no uids.
func ownerOf(fs.FileInfo) (int, bool) { return 0, false }

func blocking(*os.File) error { return nil }
