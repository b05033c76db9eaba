package main

import "golang.org/x/sys/unix"

// keepSecretsInMemory keeps the process's memory, which holds the client
// secret and the tokens, to itself: no core dump (not even one the
// system's core_pattern would collect for root), and neither ptrace nor
// /proc/PID/mem or environ for other processes of the same user.
func keepSecretsInMemory() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		return err
	}
	return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
