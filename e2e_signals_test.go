package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestFatalSignalsRestoreTheTerminalAndRevoke sends signals to the running
// console from outside, as kill does. SIGABRT once left the terminal raw,
// wrote no crash report and left the token alive: now the terminal is as it
// was (the shell's stty sees lines and echo), the report is written with the
// stacks, the token is revoked and the status is 70. kill -INT quits as q
// does: status 0, no report. SIGQUIT, whose stacks the Go runtime would
// print raw, is a crash as SIGABRT is.
func TestFatalSignalsRestoreTheTerminalAndRevoke(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range []struct {
		sig    syscall.Signal
		name   string
		status int
	}{
		{syscall.SIGABRT, "SIGABRT", 70},
		{syscall.SIGQUIT, "SIGQUIT", 70},
		{syscall.SIGINT, "SIGINT", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := startFake(t, bin, "--count", "100")
			state := t.TempDir()
			// After the console, the shell says how it ended and what the
			// terminal's modes are.
			tm := newTmux(t, 100, 40, consoleEnv(t, url, state),
				"sh", "-c", `"$0" "$@"; echo "exited with status $?"; stty -a`, bin)
			tm.keepDeadPane()
			tm.waitFor("the first rows", func(sc string) bool { return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") })
			if err := syscall.Kill(consolePID(t, tm), c.sig); err != nil {
				t.Fatal(err)
			}
			status := tm.waitDead()
			sc := tm.captureJoined()
			waitUntil(t, "stty's report", func() bool { sc = tm.captureJoined(); return strings.Contains(sc, "icanon") })
			modes := strings.Fields(sc[strings.Index(sc, "exited with status"):])
			for _, want := range []string{"icanon", "echo", "isig"} {
				if !slices.Contains(modes, want) {
					t.Fatalf("the terminal is left without %s (raw); the pane:\n%s", want, sc)
				}
			}
			if status != c.status {
				t.Fatalf("exit status %d, want %d; the pane:\n%s", status, c.status, sc)
			}
			if st := fakeStats(t, url); st["unrevoked"] != 0.0 || revokes(t, url) != 1 {
				t.Fatalf("after %s: %v tokens not revoked, %v revokes", c.name, st["unrevoked"], revokes(t, url))
			}
			crashes, _ := filepath.Glob(filepath.Join(state, "falcon-triage", "crash-*.log"))
			if c.status != 70 {
				if len(crashes) != 0 {
					t.Fatalf("%s wrote a crash report: %v", c.name, crashes)
				}
				return
			}
			if len(crashes) != 1 || !strings.Contains(sc, "falcon-triage: stopped by "+c.name+", a crash") || !strings.Contains(sc, crashes[0]) {
				t.Fatalf("crash report %v, not named on the terminal:\n%s", crashes, sc)
			}
			raw, _ := os.ReadFile(crashes[0])
			if !strings.Contains(string(raw), "goroutine ") || strings.Contains(string(raw), "demo-client-secret") {
				t.Fatalf("the crash report:\n%.2000s", raw)
			}
		})
	}
}

// consolePID is the pid of the program the pane's shell runs: the process
// whose parent is the pane's (from /proc, field 4 of stat).
func consolePID(t *testing.T, tm *tmuxTerm) int {
	t.Helper()
	out, err := exec.Command("tmux", "-L", tm.socket, "display-message", "-p", "#{pane_pid}").Output()
	if err != nil {
		t.Fatal(err)
	}
	shell := strings.TrimSpace(string(out))
	procs, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc here to find the console's pid: %v", err)
	}
	for _, p := range procs {
		raw, err := os.ReadFile(filepath.Join("/proc", p.Name(), "stat"))
		if err != nil {
			continue
		}
		st := string(raw)
		if f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:]); len(f) > 1 && f[1] == shell {
			pid, _ := strconv.Atoi(p.Name())
			return pid
		}
	}
	t.Fatal("no program under the pane's shell")
	return 0
}
