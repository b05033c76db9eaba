package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The filter history and the session are files a person may cat: a host
// name the service wrote, added to a filter, is kept escaped there and
// read back whole.
func TestStateFilesHoldNoRawFormatCharacters(t *testing.T) {
	dir := t.TempDir()
	filter := "device.hostname:'STRICT-HOST\u0600\U000110bd\u202e'"
	st := newStateStore(dir)
	st.stage(historyFile, []string{filter})
	if err := st.flush(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, historyFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(raw), "\u0600\U000110bd\u202e") || !strings.Contains(string(raw), `\u0600`) {
		t.Fatalf("the history file holds the raw characters: %q", raw)
	}
	var back []string
	if err := newStateStore(dir).load(historyFile, &back); err != nil || len(back) != 1 || back[0] != filter {
		t.Fatalf("read back %q, want %q", back, filter)
	}
}
