package ui

import (
	"fmt"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// session is what the running console would restore now.
func (m *Model) session() session {
	q := m.list.Latest()
	return session{Filter: q.Filter, Q: q.Q, Sort: q.Sort.String(), ShowHidden: q.ShowHidden, Row: m.list.Cursor(),
		RowID: m.list.CursorID(), View: m.viewName(), CommentDrafts: m.stack.Drafts()}
}

// saveSession writes the session off the Update path.
func (m *Model) saveSession() tea.Cmd {
	return m.store.save(sessionFile, m.session())
}

// quit ends the program; writes already queued still go out (main waits
// for them), as the quit prompt promises. An export running stops, its
// rows so far kept in its .partial file, which main names on exit.
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.quitExport()
	m.store.stage(sessionFile, m.session())
	return tea.Quit
}

// forceQuit ends the program now: nothing that has not started is sent,
// and what was waiting is recorded as not sent.
func (m *Model) forceQuit() tea.Cmd {
	m.cancel()
	return m.quit()
}

// askQuit quits, asking first while changes are in flight or an export
// runs.
func (m *Model) askQuit() tea.Cmd {
	_, acting := m.run.Running()
	if !acting && m.exp == nil {
		return m.quit()
	}
	m.stack.Push(&modal.Prompt{
		TextFn: func() string {
			q := ""
			switch a, ok := m.run.Running(); {
			case ok && !a.Sent:
				q = fmt.Sprintf("%s has not been sent yet: quit anyway? Nothing of it will be sent.", a.Verb)
			case ok:
				q = fmt.Sprintf("%s is still being sent: quit anyway? What is in flight finishes and what is queued goes for up to 10 seconds; the rest is recorded as not sent.", a.Verb)
			}
			r := m.exp
			switch {
			case r != nil && q == "":
				return fmt.Sprintf("an export is running (%s): quit anyway? The rows so far stay in %s.partial", r.brief(), screen.Sanitize(filepath.Base(r.f.path)))
			case r != nil:
				return fmt.Sprintf("%s An export is running too (%s): its rows so far stay in %s.partial.", q, r.brief(), screen.Sanitize(filepath.Base(r.f.path)))
			case q != "":
				return q
			case acting:
				return "The last action has finished: quit?"
			}
			return "The export has ended: quit?"
		},
		Answers: [][2]string{{"y", "quit"}, {"n", "stay"}},
		Tag:     quitPrompt{},
	})
	return nil
}

// Sending reports changes still being sent: Close waits for them.
func (m *Model) Sending() bool {
	a, ok := m.run.Running()
	return ok && a.Sent
}

// StopWaiting ends a Close early, as a quit now does: what has not left is
// not sent, and is recorded so; what is in flight ends unknown.
func (m *Model) StopWaiting() {
	m.stopOnce.Do(func() { close(m.stopWait) })
	m.cancel()
}

// Close waits, at most timeout, for the updates still being sent when the
// program ended (quit, SIGTERM, SIGHUP: a quit now sends nothing new), so
// they finish and are recorded in the audit log rather than cut off, and
// writes the state files still pending. Then it cancels the console's
// context, so the reads still out (a re-read, a page, a search) end, and
// waits for the commands still running: Bubble Tea does not, and none may
// outlive the console. It reports whether every update finished.
func (m *Model) Close(timeout time.Duration) bool {
	end := time.Now().Add(timeout)
	m.store.flush()
	done := make(chan struct{})
	go func() { m.run.Wait(); close(done) }()
	// The writes that left are waited for (a quit now cancelled only
	// what had not), unless StopWaiting says stop.
	finished := waitUntil(done, end, m.stopWait)
	// The program has ended: nothing more is asked of the service. Out of
	// time, what has not left is not sent, and is recorded so.
	m.cancel()
	if m.lv != nil {
		m.lv.Close() // the stream's connection is gone before Close returns
	}
	m.abandonSwitch() // a switch never applied: its token revoked
	grace := time.Now().Add(2 * time.Second)
	if !finished {
		waitUntil(done, grace)
	}
	// A command cancelled ends at once; one decoding an answer ends when it
	// has decoded it.
	limit := later(end, grace)
	select {
	case <-m.stopWait:
		limit = grace // told to stop waiting: the grace, no more
	default:
	}
	waitUntil(m.cmds.Idle(), limit)
	return finished
}

// waitUntil waits for c to close, at most until t or until stop (if
// given) closes; it reports whether c did.
func waitUntil(c <-chan struct{}, t time.Time, stop ...<-chan struct{}) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	var halt <-chan struct{}
	if len(stop) > 0 {
		halt = stop[0]
	}
	select {
	case <-c:
		return true
	case <-timer.C:
		return false
	case <-halt:
		return false
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
