//go:build unix

package api

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/falcon-triage/falcon-triage/localfile"
)

// lockRun marks the run alive for as long as this process holds it: an
// exclusive lock on runs/RUN.lock beside the audit log. Consoles sharing a
// state folder see which runs are still going (runAlive) and leave their
// batches in flight alone. release drops the lock and the file.
func lockRun(dir, run string) (release func(), err error) {
	runs := filepath.Join(dir, "runs")
	if err := localfile.PrivateDir(runs); err != nil {
		return nil, err
	}
	path := filepath.Join(runs, run+".lock")
	f, err := localfile.Open(path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = os.Remove(path)
		f.Close()
	}, nil
}

// runAlive reports a run whose console still holds its lock.
func runAlive(dir, run string) bool {
	if !isRunID(run) {
		return false // none this console wrote: never a path of its own
	}
	f, err := localfile.Open(filepath.Join(dir, "runs", run+".lock"), os.O_RDONLY)
	if err != nil {
		return false // no lock: a run of an older console, or one that ended
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true
	}
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return false
}
