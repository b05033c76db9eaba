package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/localfile"
	"github.com/falcon-triage/falcon-triage/termsafe"
	"github.com/falcon-triage/falcon-triage/ui/modal"
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
	// View is the view (config views:) the console was on.
	View string `json:"view,omitempty"`
	// CommentDrafts are the comments being written, each with the rows it
	// is for, kept across a dropped connection.
	CommentDrafts []modal.SavedDraft `json:"comment_drafts,omitempty"`
	// CommentDraft is a draft an older session saved without its rows:
	// read, never written.
	CommentDraft string `json:"comment_draft,omitempty"`
}

// drafts are the comment drafts to restore; an older session's draft,
// which did not record its rows, comes back as one for no rows yet.
func (s session) drafts() []modal.SavedDraft {
	if s.CommentDraft != "" && len(s.CommentDrafts) == 0 {
		return []modal.SavedDraft{{Text: s.CommentDraft}}
	}
	return s.CommentDrafts
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
	mu      sync.Mutex // guards pending and kept
	pending map[string][]byte
	// kept are the files a refused load could not move aside: this run
	// leaves them as they are rather than write over them.
	kept  map[string]bool
	write sync.Mutex // one writer at a time, in the order taken
}

type saveErrMsg struct{ err error }

func newStateStore(dir string) *stateStore {
	return &stateStore{dir: dir, pending: map[string][]byte{}, kept: map[string]bool{}}
}

// stateMax caps a state file: a session is a few hundred bytes, the filter
// history a few KB.
const stateMax = 1 << 20

// stateNames say what each file is, for messages.
var stateNames = map[string]string{sessionFile: "last session", historyFile: "filter history"}

// load reads the file name into v; a missing file is no state. One the
// console cannot use (not a regular file, another user's, a link, larger
// than stateMax, not the JSON it writes) is never lost silently: it is moved
// aside, beside the new one this run saves, and the error says where; when
// it cannot be moved, this run leaves it as it is and saves none.
func (s *stateStore) load(name string, v any) error {
	if s.dir == "" {
		return nil
	}
	path := filepath.Join(s.dir, name)
	raw, err := localfile.ReadFile(path, stateMax)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		if err = json.Unmarshal(raw, v); err == nil {
			return nil
		}
		reflect.ValueOf(v).Elem().SetZero()
		err = fmt.Errorf("%s is not what the console writes (%v)", path, err)
	}
	what := stateNames[name]
	aside := path + ".refused-" + time.Now().UTC().Format("20060102T150405Z")
	if rerr := os.Rename(path, aside); rerr != nil {
		s.mu.Lock()
		s.kept[name] = true
		s.mu.Unlock()
		return fmt.Errorf("started without the %s: %w; left as it is, and this run saves no %s", what, err, what)
	}
	return fmt.Errorf("started without the %s: %w; moved aside, beside it, to %s", what, err, filepath.Base(aside))
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
		s.mu.Lock()
		kept := s.kept[name]
		s.mu.Unlock()
		if kept {
			continue
		}
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
