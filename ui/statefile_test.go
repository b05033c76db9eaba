package ui

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBadStateFilesAreSetAsideNotLost puts a named pipe at the filter
// history (it hung the console) and a file the console did not write at the
// session: the console starts at once without them, says so in the footer,
// keeps both beside the new files, and saves this run's history.
func TestBadStateFilesAreSetAsideNotLost(t *testing.T) {
	h := newHarness(t, 100)
	o := h.options(t)
	o.Restore = true
	fifo := filepath.Join(o.StateDir, historyFile)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	const garbage = "{\"filter\": \"status:'new'\", \"row\": \"twelve\"}\n"
	if err := os.WriteFile(filepath.Join(o.StateDir, sessionFile), []byte(garbage), 0o600); err != nil {
		t.Fatal(err)
	}
	made := make(chan *Model, 1)
	go func() { made <- New(o) }()
	var m *Model
	select {
	case m = <-made:
	case <-time.After(hangBound): // only a hang misses this
		if w, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
			defer w.Close()
		}
		t.Fatal("the console waits on a named pipe at the filter history")
	}
	word := m.bar.Word()
	if !word.Err || !strings.Contains(word.Text, "started without the filter history") || !strings.Contains(word.Text, "named pipe") ||
		!strings.Contains(word.Text, "started without the last session") {
		t.Fatalf("the footer says %+v", word)
	}
	if q := m.list.Latest(); q.Filter != "" {
		t.Fatalf("half of a session it could not read was restored: %+v", q)
	}
	aside := func(name string) string {
		t.Helper()
		found, _ := filepath.Glob(filepath.Join(o.StateDir, name+".refused-*"))
		if len(found) != 1 || !strings.Contains(word.Text, filepath.Base(found[0])) {
			t.Fatalf("%s: set aside as %v, footer %q", name, found, word.Text)
		}
		return found[0]
	}
	if fi, err := os.Lstat(aside(historyFile)); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was not kept: %v %v", fi, err)
	}
	if raw, _ := os.ReadFile(aside(sessionFile)); string(raw) != garbage {
		t.Fatalf("the session set aside holds %q", raw)
	}

	s := startScreen(t, m, 80, 24)
	s.waitFor("first rows", settled)
	s.key("f", "s", "n")
	s.waitText("filter: status:'new'")
	s.quit()
	raw, err := os.ReadFile(fifo)
	if err != nil || !strings.Contains(string(raw), "status:'new'") {
		t.Fatalf("this run's history was not saved: %v %q", err, raw)
	}
}
