package ui

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"
	"go.uber.org/goleak"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

var testBase = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

type harness struct {
	fake      *fake.Server
	srv       *httptest.Server
	traffic   *traffic
	src       Source
	client    *api.Client
	auditPath string
}

// newHarness serves a fake with count detections and builds a Detects
// source on it, as main does.
func newHarness(t testing.TB, count int, mod ...func(*fake.Options)) *harness {
	t.Helper()
	return newBackendHarness(t, "detects", count, mod...)
}

// newBackendHarness is newHarness on the named API; for "alerts" the fake's
// Detects endpoints are decommissioned, as on today's tenants.
func newBackendHarness(t testing.TB, backend string, count int, mod ...func(*fake.Options)) *harness {
	t.Helper()
	noLeaks(t) // first: it checks after the server and the audit log are closed
	o := fake.Options{GenOptions: fake.GenOptions{Count: count, Seed: 11, Base: testBase}, DetectsGone: backend == "alerts"}
	for _, f := range mod {
		f(&o)
	}
	f := fake.New(o)
	tr := &traffic{}
	srv := httptest.NewServer(tr.count(f))
	t.Cleanup(srv.Close)
	id, secret := f.Credentials()
	// Waits are capped short: the tests inject 429s and 5xx bursts and must
	// not sleep through the service's retry times.
	c, err := api.New(api.Config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	audit, err := api.OpenAudit(auditPath, api.Who{ClientID: id, OSUser: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	var b model.Backend = api.NewDetects(c)
	if backend == "alerts" {
		b = api.NewAlerts(c, nil)
	}
	return &harness{fake: f, srv: srv, traffic: tr, client: c, auditPath: auditPath, src: Source{
		Backend: api.Audited{Backend: b, Log: audit}, Label: "DEMO", CID: fake.DemoCID, People: c,
		ConsoleURL: func(d *model.Detection) string { return "https://falcon.crowdstrike.com/x/" + d.ID }}}
}

// hangBound bounds a wait that only a hang misses: generous, so that a
// loaded machine (two cores, -race, the whole suite) never does.
const hangBound = 60 * time.Second

// clock is a test's clock: it moves only when the test says.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(at time.Time) *clock { return &clock{now: at} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// leakChecked are the tests noLeaks already checks.
var leakChecked sync.Map

// noLeaks fails the test if a goroutine it started outlives it: its
// program, a command, a writer, a read. It checks once the cleanups
// registered before it have run (the harness calls it first, so the server
// and the audit log are closed by then), with goleak's own retries, as
// TestMain does; goroutines running when it was called are not the
// test's. The connections of an HTTP server may stay open until the test
// that made the server ends (a subtest's check runs first): the harness's
// check, after the server is closed, and TestMain see them. A failed test
// may leave its program running: it is not checked (TestMain reports it).
func noLeaks(t testing.TB) {
	t.Helper()
	if _, dup := leakChecked.LoadOrStore(t, true); dup {
		return
	}
	opts := []goleak.Option{goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest/v2.NewTestModel.func2"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
	}
	t.Cleanup(func() {
		defer leakChecked.Delete(t)
		if t.Failed() {
			return
		}
		if err := goleak.Find(opts...); err != nil {
			t.Errorf("goroutines outlived the test: %v", err)
		}
	})
}

// traffic counts the requests a harness's fake answers and the bytes of
// its answers, token requests included.
type traffic struct {
	requests, bytes atomic.Int64
}

func (tr *traffic) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.requests.Add(1)
		h.ServeHTTP(countingResponse{w, tr}, r)
	})
}

type countingResponse struct {
	http.ResponseWriter
	tr *traffic
}

func (c countingResponse) Write(b []byte) (int, error) {
	c.tr.bytes.Add(int64(len(b)))
	return c.ResponseWriter.Write(b)
}

func (c countingResponse) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (h *harness) options(t testing.TB) Options {
	// FreshFor -1: every action reads its rows again, so the tests that
	// change the fake under the console are seen by the conflict check.
	return Options{Source: h.src, StateDir: t.TempDir(), Location: time.UTC, Now: func() time.Time { return testBase }, FreshFor: -1}
}

// term drives a model through teatest and keeps a terminal emulator fed
// with everything the program wrote, so tests read the screen the analyst
// would see (the renderer writes only changed cells, so the byte stream
// alone does not hold whole words).
type term struct {
	t   testing.TB
	tm  *teatest.TestModel
	mu  sync.Mutex
	emu *vt.Emulator
	raw []byte
}

func startScreen(t testing.TB, m tea.Model, w, h int) *term {
	t.Helper()
	noLeaks(t)
	// The ASCII profile: screen.Styles reduce to bold and reverse, as goldens want.
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	emu := vt.NewEmulator(w, h)
	drained := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, emu); close(drained) }()
	// Closing the input pipe ends the drain; Emulator.Close would race
	// with it on the emulator's closed flag.
	t.Cleanup(func() { _ = emu.InputPipe().(*io.PipeWriter).Close(); <-drained })
	return &term{t: t, tm: tm, emu: emu}
}

// waitFor waits until the screen satisfies cond; it fails the test with
// the last screen after hangBound. It polls the output as
// teatest.WaitFor does, but reports the screen rather than raw bytes.
func (s *term) waitFor(what string, cond func(sc string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(hangBound)
	for {
		b, err := io.ReadAll(s.tm.Output())
		if err != nil {
			s.t.Fatal(err)
		}
		s.mu.Lock()
		// Without a tty the renderer writes bare newlines, counting on the
		// terminal's output mapping (ONLCR) to return the carriage.
		_, _ = s.emu.Write(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")))
		s.raw = append(s.raw, b...)
		last := s.emu.String()
		s.mu.Unlock()
		if cond(last) {
			return last
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s: not on screen after %v; the screen:\n%s", what, hangBound, last)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *term) waitText(text string) string {
	s.t.Helper()
	return s.waitFor(text, func(sc string) bool { return strings.Contains(sc, text) })
}

// settled is a screen whose rows have all loaded.
func settled(sc string) bool {
	return strings.Contains(sc, " of ") && !strings.Contains(sc, "loading") && !strings.Contains(sc, "…    ldt:")
}

func (s *term) key(keys ...string) {
	for _, k := range keys {
		s.tm.Send(keyPress(k))
	}
}

func (s *term) typeText(text string) {
	for _, r := range text {
		s.tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (s *term) quit() *Model {
	s.t.Helper()
	// q closes a layer (the detail, a drill-down) before it quits: a second
	// q quits then, and is dropped if the first already did.
	s.key("q", "q")
	return s.final()
}

// final waits for the program to end and closes it as main does: the
// writes still in flight and the state files.
func (s *term) final() *Model {
	s.t.Helper()
	m := s.tm.FinalModel(s.t, teatest.WithFinalTimeout(hangBound)).(*Model)
	m.Close(hangBound)
	return m
}

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "ctrl+d":
		return tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "ctrl+t":
		return tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl}
	case "ctrl+a":
		return tea.KeyPressMsg{Code: 'a', Mod: tea.ModCtrl}
	case "ctrl+r":
		return tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	case "ctrl+q":
		return tea.KeyPressMsg{Code: 'q', Mod: tea.ModCtrl}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+e":
		return tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// screenLines splits a screen into its lines.
func screenLines(sc string) []string { return strings.Split(sc, "\n") }

// cursorLine returns the list line holding the cursor glyph.
func cursorLine(sc string) string {
	for _, l := range screenLines(sc) {
		if strings.HasPrefix(l, "▶") {
			return l
		}
	}
	return ""
}
