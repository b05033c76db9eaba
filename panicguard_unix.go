//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// redirectFD2 points file descriptor 2 at w and returns the real stderr (a
// copy of the old descriptor 2) and how to put it back.
func redirectFD2(w *os.File) (*os.File, func(), error) {
	saved, err := unix.Dup(2)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.Dup2(int(w.Fd()), 2); err != nil {
		unix.Close(saved)
		return nil, nil, err
	}
	real := os.NewFile(uintptr(saved), "/dev/stderr")
	return real, func() { _ = unix.Dup2(saved, 2) }, nil
}
