package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// fakeTmux puts a tmux on PATH that notes each call in the file it
// returns and prints a tmux info with 24-bit colour.
func fakeTmux(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\necho '  Tc: (flag) true'\n"
	if err := os.WriteFile(filepath.Join(dir, "tmux"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return log
}

// Inside tmux, the profile Bubble Tea starts with is detected without
// running tmux: the first frame does not wait for a process.
func TestColourOptionsRunNoTmux(t *testing.T) {
	log := fakeTmux(t)
	env := []string{"TTY_FORCE=1", "TERM=xterm-256color", "TMUX=/tmp/tmux-0/default,1,0"}
	if p := colorprofile.Detect(os.Stdout, env); p != colorprofile.TrueColor {
		t.Fatalf("the fake tmux is not asked by colorprofile: %v", p)
	}
	os.Remove(log)
	_, p := colourOptions(os.Stdout, env, &tmuxColour{})
	if p != colorprofile.ANSI256 {
		t.Errorf("profile %v, want 256 colours from TERM", p)
	}
	if _, err := os.Stat(log); err == nil {
		b, _ := os.ReadFile(log)
		t.Errorf("tmux ran before the first frame: %q", b)
	}
}

// lipgloss's package-level writer detects the colours at init: it runs no
// tmux either (internal/startenv hides TMUX before it). The test binary
// is run again with TMUX set, a forced terminal and the fake tmux.
func TestStartenvRunsBeforeLipgloss(t *testing.T) {
	if os.Getenv("FT_STARTENV_CHILD") != "" {
		return
	}
	log := fakeTmux(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestStartenvRunsBeforeLipgloss$")
	cmd.Env = append(os.Environ(), "FT_STARTENV_CHILD=1", "TTY_FORCE=1", "TERM=xterm-256color", "TMUX=/tmp/tmux-0/default,1,0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if b, err := os.ReadFile(log); err == nil {
		t.Errorf("tmux ran at init: %q", b)
	}
}

// Once the console runs, tmux is asked: 24-bit colour when it passes it
// on, and it stays on when the program's own first profile comes later.
func TestTmuxColourTurnsOnTrueColourAfterStart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		info   string
		err    error
		inTmux bool
		have   colorprofile.Profile
		want   bool
	}{
		{"Tc", "  Tc: (flag) true\n", nil, true, colorprofile.ANSI256, true},
		{"RGB", "  RGB: (flag) true\n", nil, true, colorprofile.ANSI256, true},
		{"no Tc", "  Tc: [missing]\n", nil, true, colorprofile.ANSI256, false},
		{"tmux fails", "", errors.New("no server"), true, colorprofile.ANSI256, false},
		{"not in tmux", "  Tc: (flag) true\n", nil, false, colorprofile.ANSI256, false},
		{"NO_COLOR", "  Tc: (flag) true\n", nil, true, colorprofile.ASCII, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked := false
			c := &tmuxColour{run: func(context.Context) ([]byte, error) { asked = true; return []byte(tc.info), tc.err }}
			var sent []tea.Msg
			stop := c.ask(func(m tea.Msg) { sent = append(sent, m) }, tc.have, tc.inTmux)
			if c.answered != nil {
				<-c.answered
			}
			stop()
			if asked != (tc.inTmux && tc.have == colorprofile.ANSI256) {
				t.Errorf("tmux asked: %v", asked)
			}
			if got := len(sent) == 1 && sent[0] == (tea.ColorProfileMsg{Profile: colorprofile.TrueColor}); got != tc.want || len(sent) > 1 {
				t.Errorf("sent %v, want 24-bit colour: %v", sent, tc.want)
			}
			late := c.filter(nil, tea.ColorProfileMsg{Profile: colorprofile.ANSI256})
			if got := late == (tea.ColorProfileMsg{Profile: colorprofile.TrueColor}); got != tc.want {
				t.Errorf("the program's first profile after tmux's became %v", late)
			}
		})
	}
}
