// Package modal is the console's one stack of layers: prompts, menus, the
// text fields on the bottom line, the assignee picker, the comment box and
// help, each an explicit mode with its own keys. The layer on top takes
// every key; esc closes it.
//
// A layer never acts: a key that decides something hands back a choice (a
// status for its targets, a filter to run, a person to assign, a prompt's
// answer with its tag) for the console to carry out. An action's layer
// holds the targets captured when its key was pressed, so what it acts on
// is what its title said. What a key means is fixed when it is pressed: a
// layer an answer raises (Raise) waits while another is open and takes no
// key until it has been on screen.
package modal

import (
	"context"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/people"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// Layer is one layer of the stack.
type Layer interface {
	// update takes a key or another message (a paste, an answer the layer
	// asked for) and returns what the analyst chose, if anything.
	update(s *Stack, msg tea.Msg) (any, tea.Cmd)
	view(s *Stack) string
}

// SavedFilter is a filter the config file names.
type SavedFilter struct{ Name, Filter string }

// Deps are what the layers need of the console.
type Deps struct {
	Keys keymap.KeyMap
	// Me is the analyst, for "mine" and the picker's "Me".
	Me           model.User
	SavedFilters []SavedFilter
	// Dir and People are the people the picker offers and the tenant's
	// user search (nil: none).
	Dir    *people.Directory
	People people.People
	// Ctx bounds the picker's searches: the console's root context.
	Ctx context.Context
	// ArmAfter is how long a raised layer is on screen before it takes
	// keys.
	ArmAfter time.Duration
	// Templates are the comment box's templates, in name order;
	// RequireComment the statuses set only with a comment; Peek reads a
	// row from the store, to fill a template.
	Templates      []CommentTemplate
	RequireComment []model.Status
	Peek           func(id string) (*model.Detection, bool)
	// Adds are the clauses the console adds to a filter it sends now
	// (show_in_ui:true, unless hidden rows are shown): a filter is checked
	// with them against the service's count of clauses.
	Adds func() []string
}

// Stack is the stack of layers.
type Stack struct {
	Deps
	f        model.Fields
	statuses func() []model.Status
	rowWord  func(n int) string
	layers   []Layer
	waiting  []raised
	arming   Layer // the raised layer on top, not taking keys yet
	draft    *draft
	drafts   []SavedDraft // the kept drafts, each for its own rows
	editing  string       // the key of the draft the box was last opened on
	width    int
	height   int
	st       *screen.Styles // set for the view being drawn
}

// raised is a layer an answer asks for; what names it in the footer while
// it waits; owner is what it asks about (an action), to drop it with.
type raised struct {
	layer Layer
	what  string
	owner any
}

// ArmMsg says a raised layer has been on screen long enough to take keys;
// the console routes it back (it is a Msg).
type ArmMsg struct{ layer Layer }

// Msg is a message the stack's layers asked for: the console routes it
// back.
type Msg interface{ modalMsg() }

func (ArmMsg) modalMsg()   {}
func (usersMsg) modalMsg() {}

// New makes the stack; drafts are the comment drafts a last session left.
func New(d Deps, drafts []SavedDraft) *Stack {
	return &Stack{Deps: d, draft: newDraft(), drafts: drafts, rowWord: func(n int) string { return screen.Plural(n, "detection") }}
}

// Connected tells the stack the backend's fields, the statuses it takes
// and the word for its rows (alerts, or detections).
func (s *Stack) Connected(f model.Fields, statuses func() []model.Status, rowWord func(n int) string) {
	s.f, s.statuses, s.rowWord = f, statuses, rowWord
}

// Resize fits the layers to the terminal.
func (s *Stack) Resize(width, height int) {
	s.width, s.height = width, height
	for _, x := range s.layers {
		if in, ok := x.(*Input); ok {
			in.fit(width)
		}
		if p, ok := x.(*picker); ok {
			p.ti.SetWidth(max(10, min(60, width-16)))
		}
	}
	s.draft.resize(width)
}

// Push opens a layer the analyst's key asked for: it takes the next key.
func (s *Stack) Push(x Layer) { s.layers = append(s.layers, x) }

// Raise queues a layer an answer asks for. It never opens over another
// layer (a field being typed in, a menu, the picker), but waits, announced
// in the footer, until the analyst is back at the list or the detail
// (OpenWaiting).
func (s *Stack) Raise(x Layer, what string, owner any) {
	s.waiting = append(s.waiting, raised{layer: x, what: what, owner: owner})
}

// DropRaised forgets the layers raised for owner, which has ended.
func (s *Stack) DropRaised(owner any) {
	s.waiting = slices.DeleteFunc(s.waiting, func(r raised) bool { return r.owner == owner })
}

// Waiting names the first raised layer waiting to open, or "".
func (s *Stack) Waiting() string {
	if len(s.waiting) == 0 {
		return ""
	}
	return s.waiting[0].what
}

// OpenWaiting opens the first raised layer once no other is open. It takes
// no key until it has been on screen for ArmAfter: a key typed as it
// appeared was meant for what was there before, and is not its answer.
func (s *Stack) OpenWaiting() tea.Cmd {
	if len(s.layers) > 0 || len(s.waiting) == 0 {
		return nil
	}
	r := s.waiting[0]
	s.waiting = s.waiting[1:]
	s.Push(r.layer)
	s.arming = r.layer
	var focus tea.Cmd
	if in, ok := r.layer.(*Input); ok {
		focus = in.ti.Focus()
	}
	return tea.Batch(focus, tea.Tick(s.ArmAfter, func(time.Time) tea.Msg { return ArmMsg{r.layer} }))
}

// Arming reports a layer on top that does not take keys yet.
func (s *Stack) Arming() bool { return s.arming != nil && s.Top() == s.arming }

// closer is a layer with something to stop when it closes.
type closer interface{ close() }

// Pop removes x from the stack wherever it is.
func (s *Stack) Pop(x Layer) {
	for i, y := range s.layers {
		if y == x {
			s.layers = slices.Delete(s.layers, i, i+1)
			if c, ok := x.(closer); ok {
				c.close()
			}
			return
		}
	}
}

// On reports whether x is on the stack.
func (s *Stack) On(x Layer) bool { return slices.Contains(s.layers, x) }

// Top is the layer in front, or nil.
func (s *Stack) Top() Layer {
	if n := len(s.layers); n > 0 {
		return s.layers[n-1]
	}
	return nil
}

// Len counts the layers open.
func (s *Stack) Len() int { return len(s.layers) }

// Update takes a message for the stack: a key for the layer on top (none
// while it is arming: the key answers nothing and the choice is nil), or an
// answer a layer asked for. It returns what the analyst chose, if anything.
func (s *Stack) Update(msg tea.Msg) (any, tea.Cmd) {
	switch msg := msg.(type) {
	case ArmMsg:
		if s.arming == msg.layer {
			s.arming = nil
		}
		return nil, nil
	case usersMsg:
		return msg.picker.answer(s, msg)
	case tea.KeyPressMsg:
		if s.Arming() {
			return Say{"that key was not taken: a question had just opened; read it, then answer"}, nil
		}
	}
	if top := s.Top(); top != nil {
		return top.update(s, msg)
	}
	return nil, nil
}

// Busy reports a layer waiting for the service (the picker's search).
func (s *Stack) Busy() bool {
	for _, x := range s.layers {
		if p, ok := x.(*picker); ok && p.searching != "" {
			return true
		}
	}
	return false
}

// View draws the layer in front as a box to lay over the screen, or "" when
// the one in front is a field on the bottom line (InputLine) or none is
// open.
func (s *Stack) View(st *screen.Styles) string {
	top := s.Top()
	if top == nil {
		return ""
	}
	if _, ok := top.(*Input); ok {
		return ""
	}
	s.st = st
	return top.view(s)
}

// InputInFront is the bottom line's text field, if one is open.
func (s *Stack) InputInFront() *Input {
	for i := len(s.layers) - 1; i >= 0; i-- {
		if in, ok := s.layers[i].(*Input); ok {
			return in
		}
	}
	return nil
}

// accepts reports a status the backend takes in an update.
func (s *Stack) accepts(st model.Status) bool { return slices.Contains(s.statuses(), st) }

// TopName says what the layer in front is: "prompt", "menu:status",
// "menu:quick", "menu:sort", "menu:copy", "picker", "comment", "help", or
// "field:filter" and the like; "" when none is open.
func (s *Stack) TopName() string {
	switch x := s.Top().(type) {
	case *Prompt:
		return "prompt"
	case *statusMenu:
		return "menu:status"
	case *quickMenu:
		return "menu:quick" + strings.TrimSuffix(":"+x.kind, ":")
	case *sortMenu:
		return "menu:sort"
	case *copyMenu:
		return "menu:copy"
	case *picker:
		return "picker"
	case *tenantPicker:
		return "picker:tenant"
	case *comment:
		return "comment"
	case *help:
		return "help"
	case *Input:
		return "field:" + [...]string{"filter", "search", "host", "jump", "tag", "export", "detail-search"}[x.kind]
	}
	return ""
}
