package modal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// draft is the comment box's editor. The text it edits is one of the kept
// drafts: each belongs to the rows it was written for (the targets captured
// when the box was opened), kept when the box closes, across a dropped
// connection (the session), and cleared only once it was applied. A box
// opened for other rows starts empty: a draft never goes to rows it was not
// written for.
type draft struct{ ta textarea.Model }

func newDraft() *draft {
	ta := textarea.New()
	tas := ta.Styles()
	tas.Cursor.Blink = false // a blinking cursor repaints while idle
	ta.SetStyles(tas)
	ta.SetVirtualCursor(true) // it sits in a box: draw the cursor in place
	ta.ShowLineNumbers = false
	ta.CharLimit = 8000
	return &draft{ta: ta}
}

func (d *draft) resize(width int) { d.ta.SetWidth(max(20, min(100, width-6))) }

// SavedDraft is a kept comment draft: Rows names the rows it was written
// for (DraftKey of their ids), N counts them; Rows "" is a draft a session
// saved before drafts named their rows.
type SavedDraft struct {
	Rows string `json:"rows"`
	N    int    `json:"n"`
	Text string `json:"text"`
}

// DraftKey names a set of rows, whatever their order: a hash, so that a
// draft for 100,000 rows stays a few bytes in the session file.
func DraftKey(ids []string) string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	h := sha256.New()
	for _, id := range sorted {
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Drafts are the kept drafts, for the session.
func (s *Stack) Drafts() []SavedDraft { return slices.Clone(s.drafts) }

// Draft is the text of the draft the box was last opened on.
func (s *Stack) Draft() string { return s.draftText(s.editing) }

func (s *Stack) draftText(key string) string {
	if i := s.draftAt(key); i >= 0 {
		return s.drafts[i].Text
	}
	return ""
}

func (s *Stack) draftAt(key string) int {
	return slices.IndexFunc(s.drafts, func(d SavedDraft) bool { return d.Rows == key })
}

// keep records the editor's text as the draft for key (n rows); an empty
// one is no draft.
func (s *Stack) keep(key string, n int) {
	text := s.draft.ta.Value()
	i := s.draftAt(key)
	switch {
	case strings.TrimSpace(text) == "" && i >= 0:
		s.drafts = slices.Delete(s.drafts, i, i+1)
	case strings.TrimSpace(text) == "":
	case i >= 0:
		s.drafts[i].Text = text
	default:
		s.drafts = append(s.drafts, SavedDraft{Rows: key, N: n, Text: text})
	}
}

// ClearDraftIf clears the draft for the rows key names when it still holds
// text, the comment that was applied: words typed since stay. It reports
// whether it cleared it.
func (s *Stack) ClearDraftIf(key, text string) bool {
	i := s.draftAt(key)
	if i < 0 || strings.TrimSpace(s.drafts[i].Text) != text {
		return false
	}
	s.drafts = slices.Delete(s.drafts, i, i+1)
	if key == s.editing {
		s.draft.ta.Reset()
	}
	return true
}

// DraftKeptWord is the footer's word when the box closed keeping its
// draft, or "" when it holds none.
func (s *Stack) DraftKeptWord() string {
	i := s.draftAt(s.editing)
	if i < 0 {
		return ""
	}
	n := s.drafts[i].N
	return fmt.Sprintf("comment draft kept for these %s %s: c on them reopens it", screen.Commas(n), s.rowWord(n))
}

// othersKept says which drafts for other rows than key are kept, or "".
func (s *Stack) othersKept(key string) string {
	var n, rows int
	for _, d := range s.drafts {
		if d.Rows != key {
			n++
			rows += d.N
		}
	}
	switch {
	case n == 0:
		return ""
	case n == 1:
		return fmt.Sprintf("a draft for %s other %s is kept (c on them reopens it)", screen.Commas(rows), s.rowWord(rows))
	}
	return fmt.Sprintf("%d drafts for other rows are kept (c on their rows reopens each)", n)
}

// comment edits the draft for the rows captured when c was pressed. With
// a status, it is the reason that status requires: ctrl+s sends both
// together. picking: the template menu is open.
type comment struct {
	targets []string
	key     string // DraftKey(targets): the draft it edits
	others  string // the word on drafts kept for other rows
	legacy  bool   // the draft is a last session's that did not record its rows
	status  *model.Status
	picking bool
}

// OpenComment opens the comment box on the draft for targets.
func (s *Stack) OpenComment(targets []string) tea.Cmd {
	return s.openComment(&comment{targets: targets})
}

func (s *Stack) openComment(x *comment) tea.Cmd {
	x.key = DraftKey(x.targets)
	s.editing = x.key
	if i := s.draftAt(""); i >= 0 && s.draftAt(x.key) < 0 {
		// A last session's draft that did not record its rows goes to
		// the first box opened, saying so.
		s.drafts[i].Rows, s.drafts[i].N = x.key, len(x.targets)
		x.legacy = true
	}
	s.draft.ta.SetValue(s.draftText(x.key))
	x.others = s.othersKept(x.key)
	s.draft.ta.Placeholder = "What did you find? (ctrl+s sends, ctrl+t sends with a status, esc keeps the draft)"
	if x.status != nil {
		s.draft.ta.Placeholder = "Why " + x.status.Label() + "? (ctrl+s sends it with the status, esc sends nothing)"
	}
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
	s.keep(x.key, len(x.targets))
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
	s.keep(x.key, len(x.targets))
	return nil, nil
}

// send sends the draft (with the status it is the reason for), or first
// asks for a status to send it with.
func (x *comment) send(s *Stack, withStatus bool) (any, tea.Cmd) {
	text := strings.TrimSpace(s.draftText(x.key))
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
			Targets: x.targets, Draft: x.key}, nil
	case withStatus:
		return StatusWithComment{Targets: x.targets}, nil
	}
	return Act{Verb: "Comment", Change: model.Change{Comment: text}, Targets: x.targets, Draft: x.key}, nil
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
	if x.legacy {
		hint += " · the last session's draft: it did not record its rows, check it is for these"
	}
	if x.others != "" {
		hint += " · " + x.others
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
