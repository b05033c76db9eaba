package modal

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

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

// comment edits the draft for the rows captured when c was pressed.
type comment struct{ targets []string }

// OpenComment opens the comment box on the draft for targets.
func (s *Stack) OpenComment(targets []string) tea.Cmd {
	s.draft.resize(s.width)
	s.draft.ta.SetHeight(6)
	s.Push(&comment{targets: targets})
	return s.draft.ta.Focus()
}

func (x *comment) update(s *Stack, msg tea.Msg) (any, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch k := km.String(); k {
		case "esc":
			s.Pop(x)
			s.draft.ta.Blur()
			return DraftKept{}, nil
		case "ctrl+s", "ctrl+t":
			return x.send(s, k == "ctrl+t")
		}
	}
	var cmd tea.Cmd
	s.draft.ta, cmd = s.draft.ta.Update(msg)
	return nil, cmd
}

// send sends the draft, or first asks for a status to send it with.
func (x *comment) send(s *Stack, withStatus bool) (any, tea.Cmd) {
	text := strings.TrimSpace(s.draft.Value())
	if text == "" {
		return Say{"the comment is empty"}, nil
	}
	s.Pop(x)
	s.draft.ta.Blur()
	if withStatus {
		return StatusWithComment{Targets: x.targets}, nil
	}
	return Act{Verb: "Comment", Change: model.Change{Comment: text}, Targets: x.targets, Draft: true}, nil
}

func (x *comment) view(s *Stack) string {
	st := s.st
	n := len(x.targets)
	title := fmt.Sprintf("Comment on %s %s", screen.Commas(n), s.rowWord(n))
	w := s.draft.ta.Width()
	return st.Menu.Render(st.Label.Render(screen.Truncate(title, w)) + "\n" + s.draft.ta.View() + "\n" +
		st.Dim.Render(screen.Wrap("ctrl+s send · ctrl+t send with a status · esc keep the draft", w)))
}
