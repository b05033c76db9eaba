//go:build !linux

package main

// keepSecretsInMemory does nothing here: the process's dumpability is a
// Linux setting; elsewhere core dumps are the system's and the user's.
func keepSecretsInMemory() error { return nil }
