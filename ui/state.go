package ui

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
)

// session is what the next start restores: after a dropped SSH connection
// the analyst comes back to the same filter, sort and row.
type session struct {
	Filter     string `json:"filter"`
	Q          string `json:"q"`
	Sort       string `json:"sort"`
	ShowHidden bool   `json:"show_hidden"`
	Row        int    `json:"row"`
	// CommentDraft is the comment being written, kept across a dropped
	// connection.
	CommentDraft string `json:"comment_draft,omitempty"`
}

const (
	sessionFile = "session.json"
	historyFile = "filter-history.json"
	historyMax  = 100
)

// stateStore reads and writes the console's state files, 0600 in a 0700
// folder. A store with no folder does nothing.
type stateStore struct{ dir string }

func (s stateStore) load(name string, v any) bool {
	if s.dir == "" {
		return false
	}
	raw, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// save writes atomically: a crash mid-write leaves the old file.
func (s stateStore) save(name string, v any) error {
	if s.dir == "" {
		return nil
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // filters are full of > and <
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	raw := buf.Bytes()
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

// pushHistory puts f at the front of the history, once.
func pushHistory(h []string, f string) []string {
	if f == "" {
		return h
	}
	out := []string{f}
	for _, x := range h {
		if x != f && len(out) < historyMax {
			out = append(out, x)
		}
	}
	return out
}
