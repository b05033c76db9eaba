package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/ui"
)

// console stands for the running program: it ends on the shutdown message
// unless stuck (an Update that never returns), and always on a kill.
type console struct {
	stuck  bool
	got    chan tea.Msg
	killed chan struct{}
	ended  chan struct{}
}

func newConsole(stuck bool) *console {
	return &console{stuck: stuck, got: make(chan tea.Msg, 1), killed: make(chan struct{}), ended: make(chan struct{})}
}

func (c *console) Send(msg tea.Msg) {
	c.got <- msg
	if !c.stuck {
		close(c.ended)
	}
}

func (c *console) Kill() {
	close(c.killed)
	if c.stuck {
		return // stuck past the kill too
	}
	select {
	case <-c.ended:
	default:
		close(c.ended)
	}
}

// watch runs the signal watch on c until it returns, and says what it did.
func watch(c *console, grace time.Duration, sigs ...os.Signal) (crashed []os.Signal, emergency bool) {
	ch := make(chan os.Signal, len(sigs))
	for _, s := range sigs {
		ch <- s
	}
	signalWatch{sigs: ch, ended: c.ended, grace: grace,
		crash:     func(s os.Signal) { crashed = append(crashed, s) },
		emergency: func() { emergency = true },
	}.run(c)
	return crashed, emergency
}

// TestEveryFatalSignalQuitsAsQDoes: SIGINT (kill -INT: in the console
// ctrl+c is a key), SIGTERM and SIGHUP quit as q does; SIGQUIT and SIGABRT
// too, and they are crashes, with a report.
func TestEveryFatalSignalQuitsAsQDoes(t *testing.T) {
	for _, sig := range fatalSignals {
		c := newConsole(false)
		crashed, emergency := watch(c, time.Hour, sig)
		if msg := <-c.got; msg != (ui.ShutdownMsg{}) {
			t.Fatalf("%v: sent %T, want the console's quit", sig, msg)
		}
		wantCrash := sig == syscall.SIGQUIT || sig == syscall.SIGABRT
		if (len(crashed) == 1) != wantCrash || emergency {
			t.Fatalf("%v: crash report %v, emergency %v", sig, crashed, emergency)
		}
		select {
		case <-c.killed:
			t.Fatalf("%v: a console that quits was killed", sig)
		default:
		}
	}
}

// TestAStuckConsoleIsKilledThenEnded: a console that does not quit is
// killed (Bubble Tea restores the terminal), and one stuck past that is
// ended by the emergency exit rather than left running, unkillable but by
// SIGKILL, with the terminal raw.
func TestAStuckConsoleIsKilledThenEnded(t *testing.T) {
	c := newConsole(true)
	crashed, emergency := watch(c, time.Millisecond, syscall.SIGABRT)
	<-c.killed
	if len(crashed) != 1 || !emergency {
		t.Fatalf("crash report %v, emergency %v", crashed, emergency)
	}
}

// TestASecondSignalKillsAtOnce: a second signal does not wait for the
// grace.
func TestASecondSignalKillsAtOnce(t *testing.T) {
	c := newConsole(false)
	c.stuck = true // stuck on the quit, ended by the kill
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-c.killed
		close(c.ended)
	}()
	if _, emergency := watch(c, time.Hour, syscall.SIGTERM, syscall.SIGTERM); emergency {
		t.Fatal("a console the kill ended was ended again")
	}
	<-done
}

func TestTheStacksAreInTheReport(t *testing.T) {
	var b strings.Builder
	dumpStacks(&b, syscall.SIGABRT)
	if out := b.String(); !strings.HasPrefix(out, "falcon-triage: stopped by SIGABRT, a crash") || !strings.Contains(out, "TestTheStacksAreInTheReport") {
		t.Fatalf("the report:\n%.400s", out)
	}
}
