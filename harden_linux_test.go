package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestNoCoreDumpHoldsTheSecret: once the process holds the secret, a core
// dump (SIGABRT with core dumps on) would hold it and the token: none is
// written, and other processes of the user cannot read its memory.
func TestNoCoreDumpHoldsTheSecret(t *testing.T) {
	if err := keepSecretsInMemory(); err != nil {
		t.Fatal(err)
	}
	if d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); err != nil || d != 0 {
		t.Fatalf("dumpable %d (%v), want 0", d, err)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil || lim.Cur != 0 || lim.Max != 0 {
		t.Fatalf("core size limit %+v (%v), want 0", lim, err)
	}
}
