//go:build !unix

package main

import "os"

// redirectFD2 leaves file descriptor 2 alone where there is no dup2: the
// guard then covers os.Stderr only.
func redirectFD2(w *os.File) (*os.File, func(), error) { return os.Stderr, nil, nil }
