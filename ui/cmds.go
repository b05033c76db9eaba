package ui

import (
	"sync"

	tea "charm.land/bubbletea/v2"
)

// commands counts the console's commands that are running. Bubble Tea
// runs each command in a goroutine of its own and does not wait for them
// when the program ends (a read still out, a tick); Close waits for them,
// once the root context is cancelled, so none outlives the console.
type commands struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while none runs
}

func newCommands() *commands {
	idle := make(chan struct{})
	close(idle)
	return &commands{idle: idle}
}

// track counts cmd while it runs, and the commands of a batch it returns
// alike (Bubble Tea runs those in goroutines of their own).
func (c *commands) track(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		c.start()
		defer c.end()
		msg := cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			tracked := make(tea.BatchMsg, len(batch))
			for i, b := range batch {
				tracked[i] = c.track(b)
			}
			return tracked
		}
		return msg
	}
}

func (c *commands) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		c.idle = make(chan struct{})
	}
	c.n++
}

func (c *commands) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n--; c.n == 0 {
		close(c.idle)
	}
}

// Idle is closed once no command runs (until the next one starts).
func (c *commands) Idle() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idle
}
