package modal

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// draft is the comment being written: kept when the box closes, across a
// dropped connection (the session), and cleared only once it was applied.
type draft struct{ ta textarea.Model }

func newDraft(text string) *draft {
	ta := textarea.New()
	tas := ta.Styles()
	tas.Cursor.Blink = false // a blinking cursor repaints while idle
	ta.SetStyles(tas)
	ta.SetVirtualCursor(true) // it sits in a box: draw the cursor in place
	ta.ShowLineNumbers = false
	ta.Placeholder = "What did you find? (ctrl+s sends, ctrl+t sends with a status, esc keeps the draft)"
	ta.CharLimit = 8000
	ta.SetValue(text)
	return &draft{ta: ta}
}

func (d *draft) resize(width int) { d.ta.SetWidth(max(20, min(100, width-6))) }

// Value is the draft's text.
func (d *draft) Value() string { return d.ta.Value() }

// Draft is the comment draft's text.
func (s *Stack) Draft() string { return s.draft.Value() }

// ClearDraftIf clears the draft when it still holds text, the comment that
// was applied: words typed since stay. It reports whether it cleared it.
func (s *Stack) ClearDraftIf(text string) bool {
	if strings.TrimSpace(s.draft.Value()) != text {
		return false
	}
	s.draft.ta.Reset()
	return true
}

// comment edits the draft for the rows captured when c was pressed. With
// a status, it is the reason that status requires: ctrl+s sends both
// together. picking: the template menu is open.
type comment struct {
	targets []string
	status  *model.Status
	picking bool
}

// OpenComment opens the comment box on the draft for targets.
func (s *Stack) OpenComment(targets []string) tea.Cmd {
	return s.openComment(&comment{targets: targets})
}

func (s *Stack) openComment(x *comment) tea.Cmd {
	s.draft.resize(s.width)
	s.draft.ta.SetHeight(6)
	s.Push(x)
	return s.draft.ta.Focus()
}

func (x *comment) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if ok && x.picking {
		return x.pick(s, km.String())
	}
	if ok {
		k := km.String()
		switch k {
		case "esc":
			s.Pop(x)
			s.draft.ta.Blur()
			if x.status != nil {
				return DraftKept{Why: "nothing sent: " + x.status.Label() + " needs a reason (the draft is kept)"}, nil
			}
			return DraftKept{}, nil
		case "ctrl+s", "ctrl+t":
			return x.send(s, k == "ctrl+t" && x.status == nil)
		}
		if act, ok := s.Keys.MatchIn(k, keymap.InComment); ok && act == keymap.Template {
			if len(s.Templates) == 0 {
				return Say{"no comment templates: name some under comment_templates in the config file"}, nil
			}
			x.picking = true
			return nil, nil
		}
	}
	var cmd tea.Cmd
	s.draft.ta, cmd = s.draft.ta.Update(msg)
	return nil, cmd
}

// pick takes a key of the template menu: a template is inserted at the
// cursor, filled from the rows the comment is for.
func (x *comment) pick(s *Stack, k string) (any, tea.Cmd) {
	if k == "esc" {
		x.picking = false
		return nil, nil
	}
	t, ok := s.template(k)
	if !ok {
		return nil, nil
	}
	x.picking = false
	s.draft.ta.InsertString(s.fill(t.Text, x.targets))
	return nil, nil
}

// send sends the draft (with the status it is the reason for), or first
// asks for a status to send it with.
func (x *comment) send(s *Stack, withStatus bool) (any, tea.Cmd) {
	text := strings.TrimSpace(s.draft.Value())
	if text == "" {
		if x.status != nil {
			return Say{x.status.Label() + " needs a reason: type it, ctrl+s sends both (esc sends nothing)"}, nil
		}
		return Say{"the comment is empty"}, nil
	}
	s.Pop(x)
	s.draft.ta.Blur()
	switch {
	case x.status != nil:
		return Act{Verb: "Status → " + x.status.Label() + " with a comment", Change: model.Change{Status: x.status, Comment: text},
			Targets: x.targets, Draft: true}, nil
	case withStatus:
		return StatusWithComment{Targets: x.targets}, nil
	}
	return Act{Verb: "Comment", Change: model.Change{Comment: text}, Targets: x.targets, Draft: true}, nil
}

func (x *comment) view(s *Stack) string {
	st := s.st
	n := len(x.targets)
	title := fmt.Sprintf("Comment on %s %s", screen.Commas(n), s.rowWord(n))
	hint := "ctrl+s send · ctrl+t send with a status · esc keep the draft"
	if x.status != nil {
		title = fmt.Sprintf("%s %s → %s: a reason is required", screen.Commas(n), s.rowWord(n), x.status.Label())
		hint = "ctrl+s sends the status with the comment · esc sends nothing, keeps the draft"
	}
	if k := s.Keys.Get(keymap.Template).Keys(); len(k) > 0 && len(s.Templates) > 0 {
		hint += " · " + k[0] + " templates"
	}
	w := s.draft.ta.Width()
	box := st.Label.Render(screen.Truncate(title, w)) + "\n" + s.draft.ta.View() + "\n" + st.Dim.Render(screen.Wrap(hint, w))
	if x.picking {
		box += "\n" + st.Label.Render("Insert a template (esc: back to the comment)")
		for _, it := range s.templateItems() {
			box += "\n" + st.MenuKey.Render(screen.PadRight(it[0], 3)) + " " + screen.Truncate(screen.Sanitize(it[1]), w-4)
		}
	}
	return st.Menu.Render(box)
}
