package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/falcon-triage/falcon-triage/ui"
)

// fatalSignals end the console the way q does: the session saved, the
// writes in flight given their ten seconds, the terminal restored, the
// summary line left and every token revoked. SIGINT is one of them: in the
// console ctrl+c is a key, so a SIGINT comes from outside (kill -INT) and
// asks for the same graceful end. SIGQUIT and SIGABRT ask for a dump: they
// are crashes, with a crash report holding every goroutine's stack (through
// the stderr guard, secrets removed) and exit status 70, where the Go
// runtime would print the stacks raw and leave the terminal raw.
var fatalSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGABRT}

func isCrashSignal(sig os.Signal) bool { return sig == syscall.SIGQUIT || sig == syscall.SIGABRT }

// program is what the watch needs of the running Bubble Tea program.
type program interface {
	Send(tea.Msg)
	Kill()
}

// signalWatch ends the console on the first fatal signal. Should the console
// not end within grace (an Update that never returns), or a second signal
// come, the program is killed, which restores the terminal at once; should
// even that not end it, emergency ends the process.
type signalWatch struct {
	sigs      <-chan os.Signal
	ended     <-chan struct{} // closed when the program has ended
	grace     time.Duration
	crash     func(os.Signal)
	emergency func()
}

func (w signalWatch) run(p program) {
	var sig os.Signal
	select {
	case sig = <-w.sigs:
	case <-w.ended:
		return
	}
	if isCrashSignal(sig) {
		w.crash(sig)
	}
	// Send waits while the event loop is busy; a kill releases it.
	go p.Send(ui.ShutdownMsg{})
	for _, next := range []func(){func() { go p.Kill() }, w.emergency} {
		select {
		case <-w.ended:
			return
		case <-w.sigs:
		case <-time.After(w.grace):
		}
		next()
	}
}

var signalNames = map[os.Signal]string{
	os.Interrupt: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP", syscall.SIGQUIT: "SIGQUIT", syscall.SIGABRT: "SIGABRT",
}

// dumpStacks writes, under a line saying why, every goroutine's stack, as
// the runtime would for SIGQUIT: w is the stderr guard, which redacts it
// and keeps it in the crash report.
func dumpStacks(w io.Writer, sig os.Signal) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	fmt.Fprintf(w, "falcon-triage: stopped by %s, a crash: the terminal is restored and the token revoked\n", signalNames[sig])
	fmt.Fprintf(w, "every goroutine's stack at the signal:\n%s", buf)
}

// ttyState is the terminal as it was before the console started, for the
// emergency exit: Bubble Tea restores it on every other path.
type ttyState struct {
	in    *os.File
	out   io.Writer
	state *term.State
}

func saveTTY(in *os.File, out io.Writer) ttyState {
	st, _ := term.GetState(in.Fd())
	return ttyState{in: in, out: out, state: st}
}

// restore puts the line discipline back (echo, lines, signals) and leaves
// the alternate screen, with the cursor shown and bracketed paste off.
func (t ttyState) restore() {
	if t.state != nil {
		_ = term.Restore(t.in.Fd(), t.state)
		_, _ = io.WriteString(t.out, "\x1b[?2004l\x1b[?25h\x1b[?1049l")
	}
}
