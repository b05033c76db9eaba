package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/termsafe"
)

// session is what the next start restores: after a dropped SSH connection
// the analyst comes back to the same filter, sort and row.
type session struct {
	Filter     string `json:"filter"`
	Q          string `json:"q"`
	Sort       string `json:"sort"`
	ShowHidden bool   `json:"show_hidden"`
	Row        int    `json:"row"`
	// RowID is the detection the cursor was on: the list may have moved.
	RowID string `json:"row_id,omitempty"`
	// CommentDraft is the comment being written, kept across a dropped
	// connection.
	CommentDraft string `json:"comment_draft,omitempty"`
}

const (
	sessionFile = "session.json"
	historyFile = "filter-history.json"
)

// stateStore reads and writes the console's state files, 0600 in a 0700
// folder, off the Update path: save encodes at once (cheap) and returns a
// command that writes; writes of one file are ordered, the newest wins, and
// flush writes what is still pending when the program ends. A store with no
// folder does nothing.
type stateStore struct {
	dir     string
	mu      sync.Mutex // guards pending
	pending map[string][]byte
	write   sync.Mutex // one writer at a time, in the order taken
}

type saveErrMsg struct{ err error }

func newStateStore(dir string) *stateStore {
	return &stateStore{dir: dir, pending: map[string][]byte{}}
}

func (s *stateStore) load(name string, v any) bool {
	if s.dir == "" {
		return false
	}
	raw, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// stage queues v for name, to be written by the next flush.
func (s *stateStore) stage(name string, v any) {
	if s.dir == "" {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // filters are full of > and <
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return
	}
	s.mu.Lock()
	// A filter may hold a host name the service wrote; the file is one a
	// person may cat.
	s.pending[name] = termsafe.JSON(buf.Bytes())
	s.mu.Unlock()
}

// save stages v and returns the command that writes it.
func (s *stateStore) save(name string, v any) tea.Cmd {
	if s.dir == "" {
		return nil
	}
	s.stage(name, v)
	return func() tea.Msg {
		if err := s.flush(); err != nil {
			return saveErrMsg{fmt.Errorf("saving the console's state: %w", err)}
		}
		return nil
	}
}

// flush writes every file staged, each atomically.
func (s *stateStore) flush() error {
	s.write.Lock()
	defer s.write.Unlock()
	s.mu.Lock()
	todo := s.pending
	s.pending = map[string][]byte{}
	s.mu.Unlock()
	var first error
	for name, raw := range todo {
		if err := s.writeFile(name, raw); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// writeFile writes atomically: a crash mid-write leaves the old file.
func (s *stateStore) writeFile(name string, raw []byte) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(s.dir, name))
}
