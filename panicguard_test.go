package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPanicReportIsShortSanitisedAndSecretFree(t *testing.T) {
	const secret = "CANARY-panic-5ecret"
	real, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = real
	defer func() { os.Stderr = saved }()
	state := t.TempDir()
	g, err := guardStderr(state, secret)
	if err != nil {
		t.Fatal(err)
	}
	// What Bubble Tea prints for a panic whose value carries hostile data
	// and a secret, then its stack.
	fmt.Fprintf(os.Stderr, "Caught panic:\r\n\r\nbad host \x1b]0;owned\x07 with %s and Authorization: Bearer fk1.abcdef\r\n\r\nRestoring terminal...\r\n\r\n", secret)
	for i := 0; i < 30; i++ {
		fmt.Fprintf(os.Stderr, "goroutine frame %d %s\r\n", i, secret)
	}
	g.restore()
	out, _ := os.ReadFile(real.Name())
	screen := string(out)
	if strings.Contains(screen, secret) || strings.Contains(screen, "fk1.abcdef") || strings.ContainsAny(screen, "\x1b\x07") {
		t.Fatalf("the report leaks:\n%q", screen)
	}
	if n := strings.Count(screen, "\n"); n > 8 {
		t.Fatalf("a %d-line report on screen", n)
	}
	files, _ := filepath.Glob(filepath.Join(state, "crash-*.log"))
	if len(files) != 1 || !strings.Contains(screen, files[0]) {
		t.Fatalf("crash file %v not named in %q", files, screen)
	}
	fi, _ := os.Stat(files[0])
	raw, _ := os.ReadFile(files[0])
	if fi.Mode().Perm() != 0o600 || strings.Contains(string(raw), secret) || !strings.Contains(string(raw), "goroutine frame 29") {
		t.Fatalf("crash file mode %v:\n%s", fi.Mode().Perm(), raw)
	}
}
