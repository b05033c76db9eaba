//go:build !unix

package localfile

// Without O_NOFOLLOW, the Lstat before the open is the only check.
const noFollow = 0

func isSymlinkErr(error) bool { return false }
