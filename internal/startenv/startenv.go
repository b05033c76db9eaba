// Package startenv keeps TMUX from the packages initialised after it, for
// the start only.
//
// Inside tmux, colorprofile runs `tmux info` (a process: 20 ms on an idle
// machine, over 100 ms on a busy one) each time it detects the terminal's
// colours: lipgloss's package-level writer does at init, Bubble Tea's
// renderer and its program each again before the first frame. The console
// detects the profile once, without it (main's colourOptions), and asks
// tmux afterwards, off the path to the first frame.
//
// It imports os alone: the spec initialises, among the packages whose
// imports are done, the first by import path, so this one runs before
// golang.org/x/sys and github.com/xo/terminfo, which colorprofile, and so
// lipgloss, import (TestStartenvRunsBeforeLipgloss). main calls Restore
// first thing: the process and what it starts see TMUX as it was.
package startenv

import "os"

var tmux, inTmux = os.LookupEnv("TMUX")

func init() {
	if inTmux {
		_ = os.Unsetenv("TMUX")
	}
}

// Restore gives TMUX back to the environment, and reports whether the
// console runs inside tmux.
func Restore() bool {
	if inTmux {
		_ = os.Setenv("TMUX", tmux)
	}
	return inTmux
}
