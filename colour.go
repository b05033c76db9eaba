package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// colourOptions gives Bubble Tea the terminal's colour profile and an
// environment without TMUX, so that neither it nor its renderer runs
// `tmux info` before the first frame (see internal/startenv): inside tmux
// the profile is the environment's and terminfo's, and tc asks tmux
// afterwards whether it passes 24-bit colour on.
func colourOptions(out io.Writer, environ []string, tc *tmuxColour) ([]tea.ProgramOption, colorprofile.Profile) {
	env := make([]string, 0, len(environ))
	for _, e := range environ {
		if !strings.HasPrefix(e, "TMUX=") {
			env = append(env, e)
		}
	}
	p := colorprofile.Detect(out, env)
	return []tea.ProgramOption{tea.WithEnvironment(env), tea.WithColorProfile(p), tea.WithFilter(tc.filter)}, p
}

// tmuxColour is tmux's word on 24-bit colour, asked once the console runs.
type tmuxColour struct {
	// run is `tmux info` (tests replace it).
	run  func(context.Context) ([]byte, error)
	true atomic.Bool
	// answered is closed once tmux's answer is taken (nil when tmux is
	// not asked).
	answered chan struct{}
}

// filter keeps 24-bit colour on once tmux said it passes it: the
// program's own first profile may reach the event loop after tmux's.
func (c *tmuxColour) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	if p, ok := msg.(tea.ColorProfileMsg); ok && c.true.Load() && p.Profile >= colorprofile.ANSI256 {
		return tea.ColorProfileMsg{Profile: colorprofile.TrueColor}
	}
	return msg
}

// ask asks tmux, as colorprofile would have before the first frame,
// whether it passes 24-bit colour on, and if so sends the program the
// profile. It runs until the answer or stop, which waits for it.
func (c *tmuxColour) ask(send func(tea.Msg), have colorprofile.Profile, inTmux bool) (stop func()) {
	if !inTmux || have >= colorprofile.TrueColor || have < colorprofile.ANSI256 {
		// Not in tmux, nothing to gain, or colours are off (NO_COLOR,
		// not a terminal): tmux cannot turn them on.
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	c.answered = make(chan struct{})
	wg.Go(func() {
		defer close(c.answered)
		out, err := c.run(ctx)
		if err == nil && ctx.Err() == nil && tmuxTrueColor(out) {
			c.true.Store(true)
			send(tea.ColorProfileMsg{Profile: colorprofile.TrueColor})
		}
	})
	return func() { cancel(); wg.Wait() }
}

// tmuxInfo is `tmux info`'s output.
func tmuxInfo(ctx context.Context) ([]byte, error) {
	return exec.CommandContext(ctx, "tmux", "info").Output()
}

// tmuxTrueColor reads `tmux info` as colorprofile does: a Tc or RGB
// capability set to true.
func tmuxTrueColor(info []byte) bool {
	for line := range bytes.SplitSeq(info, []byte("\n")) {
		if (bytes.Contains(line, []byte("Tc")) || bytes.Contains(line, []byte("RGB"))) && bytes.Contains(line, []byte("true")) {
			return true
		}
	}
	return false
}
