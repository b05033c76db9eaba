package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
)

// panickyBackend panics on the second read of details, once the screen is
// up.
type panickyBackend struct {
	model.Backend
	calls *atomic.Int32
}

func (b panickyBackend) Details(ctx context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	if b.calls.Add(1) > 1 {
		panic("a bug in a command")
	}
	return b.Backend.Details(ctx, ids)
}

// syncBuffer is a bytes.Buffer safe for the program's writer and the test.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

// A panic in a command (here, reading details) is that command's answer
// with an error: the console goes on and says so.
func TestPanicInACommandIsAMessage(t *testing.T) {
	h := newHarness(t, 200)
	o := h.options(t)
	o.Source.Backend = panickyBackend{h.src.Backend, &atomic.Int32{}}
	d := newDriver(t, o)
	d.settle()
	for range 5 {
		d.key("pgdown")
		d.settle()
	}
	if d.quit || !d.m.bar.Word().Err || !strings.Contains(d.m.bar.Word().Text, "internal error: a bug in a command") {
		t.Fatalf("after the panic: quit %v, message %q", d.quit, d.m.bar.Word().Text)
	}
}

// statusBomb panics when the status menu asks for the statuses: a panic in
// the program's own loop (View), not in a command.
type statusBomb struct{ model.Backend }

func (statusBomb) Statuses() []model.Status { panic("a bug in View") }

// A panic in Update or View ends the program with ErrProgramPanic (main
// exits non-zero with a crash report) and the terminal restored.
func TestPanicInTheLoopEndsTheProgramCleanly(t *testing.T) {
	m := New(Options{Source: Source{Backend: statusBomb{newMemBackend(500)}, Label: "DEMO"}, Location: time.UTC})
	out := &syncBuffer{wrote: make(chan struct{}, 1)}
	p := tea.NewProgram(m, tea.WithInput(&bytes.Buffer{}), tea.WithOutput(out), tea.WithWindowSize(80, 24), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	<-out.wrote // the screen is up
	p.Send(keyPress("s"))
	select {
	case err := <-done:
		if !errors.Is(err, tea.ErrProgramPanic) {
			t.Fatalf("the program ended with %v", err)
		}
	case <-time.After(hangBound):
		p.Kill()
		t.Fatal("the program did not end after a panic")
	}
	raw := out.Bytes()
	entered := bytes.LastIndex(raw, []byte("\x1b[?1049h"))
	left := bytes.LastIndex(raw, []byte("\x1b[?1049l"))
	if entered < 0 || left < entered {
		t.Fatalf("the alternate screen was not left: the terminal was not restored: %q", raw)
	}
}
