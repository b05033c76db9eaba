package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/status"
	"github.com/falcon-triage/falcon-triage/ui/views"
)

// The views (config views:) as tabs: the root routes their keys and
// answers to ui/views, which keeps the definitions, what each view left
// and the counts.

// viewSwitch is the origin of the query a switch to a view asks for: its
// landing is no pivot (backspace stays within a view), and reopens the
// detail the view left open. from and to are the views, st what the view
// switched to brings (for a switch cancelled or refused: see undoSwitch).
type viewSwitch struct {
	from, to int
	st       views.State
}

// viewSavedMsg answers S's write of the config file.
type viewSavedMsg struct {
	def   View
	field *modal.Input
	path  string
	err   error
}

// replaceView is the prompt asking to replace a view of the same name.
type replaceView struct {
	def   View
	field *modal.Input
}

// newViews makes the views of the options.
func newViews(m *Model) *views.Views {
	defs := make([]views.Def, len(m.o.Views))
	for i, v := range m.o.Views {
		defs[i] = views.Def(v)
	}
	return views.New(m.ctx, defs)
}

// firstView opens the console on the first view, or on the view a restored
// session was on, with its query and row; a session from before the views
// (or naming one no longer there) gives way to the first view.
func (m *Model) firstView(restored *session, first *list.Query) {
	if m.views.Len() == 0 {
		return
	}
	if i := m.views.Index(restored.View); i >= 0 && restored.View != "" {
		m.views.SetCurrent(i)
		return
	}
	m.views.SetCurrent(0) // a tenant entered opens on its first view too
	d := m.views.Def(0)
	*first = list.Query{Filter: d.Filter, Sort: model.ParseSort(d.Sort)}
	if first.Sort.Field == "" {
		// The backend's default sort, once known; never the zero query,
		// which the products scope would take as no view at all.
		first.Sort.Desc = true
	}
	restored.Row, restored.RowID = 0, ""
}

// viewName is the current view's name, "" without views.
func (m *Model) viewName() string {
	if m.views.Len() == 0 {
		return ""
	}
	return m.views.Def(m.views.Current()).Name
}

// RecountViews reads every view's count again, in one request: the hook
// live updates call after each batch of new or changed rows. Nil without
// views.
func (m *Model) RecountViews() tea.Cmd { return m.views.Recount() }

// ViewFilters are the filters every view is read with, as sent: what live
// polling watches besides the list's own.
func (m *Model) ViewFilters() []string { return m.views.Filters() }

// onViewsMsg takes the views' answers: counts, and S's write.
func (m *Model) onViewsMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case views.Msg:
		m.views.Update(msg)
		return m.views.Owed(), true
	case viewSavedMsg:
		return m.onViewSaved(msg), true
	}
	return nil, false
}

// onViewKey takes the list's view keys: a digit, [ and ], S.
func (m *Model) onViewKey(act keymap.Action, key string) (tea.Cmd, bool) {
	n, cur := m.views.Len(), m.views.Current()
	switch act {
	case keymap.View:
		if len(key) == 1 && key[0] >= '1' && key[0] <= '9' {
			return m.switchView(int(key[0] - '1')), true // a digit is its view, whatever a config took
		}
		return m.switchView(slices.Index(m.o.Keys.Get(keymap.View).Keys(), key)), true
	case keymap.ViewPrev:
		return m.switchView((cur - 1 + max(1, n)) % max(1, n)), true
	case keymap.ViewNext:
		return m.switchView((cur + 1) % max(1, n)), true
	case keymap.SaveView:
		return m.askSaveView(), true
	}
	return nil, false
}

// switchView leaves the current view, keeping its query, cursor, marks,
// detail and back steps, and goes to view i as it was left (or as its
// definition says, the first time): its query is read again and the
// cursor lands on the same row, by id.
func (m *Model) switchView(i int) tea.Cmd {
	n, cur := m.views.Len(), m.views.Current()
	switch {
	case n == 0:
		m.bar.Say("no views: list them under views: in the config file, or save one with S")
		return nil
	case m.b == nil || i < 0:
		return nil
	case i >= n:
		m.bar.Say(fmt.Sprintf("no view %d: there are %d (README: Views)", i+1, n))
		return nil
	case m.views.Unusable(i) != "":
		m.bar.Set(status.Word{Text: screen.Sanitize(m.views.Unusable(i)), Err: true})
		return nil
	case i == cur && !m.views.Modified(i, m.list.Latest()):
		m.bar.Say(screen.Sanitize(fmt.Sprintf("already on view %d, %s", i+1, m.views.Def(i).Name)))
		return nil
	case i == cur:
		// Back to the view's own query: a pivot, which backspace undoes.
		return m.startQuery(m.views.Query(i), nil, -1)
	}
	m.views.Leave(cur, views.State{Query: m.list.Latest(), Row: m.list.Cursor(), RowID: m.list.CursorID(),
		Marks: m.list.SwapMarks(nil), Detail: m.detail != nil, Back: m.pivots})
	st, ok := m.views.Left(i)
	if !ok {
		st = views.State{Query: m.views.Query(i), Row: -1}
	}
	m.list.SwapMarks(st.Marks)
	m.pivots, _ = st.Back.([]pivot)
	m.detail = nil
	m.views.SetCurrent(i)
	sw := &viewSwitch{from: cur, to: i, st: st}
	if !ok {
		// A view not visited yet opens at its top.
		return tea.Batch(m.list.StartAtTop(st.Query, sw), m.bar.Spin())
	}
	return tea.Batch(m.list.StartOn(st.Query, sw, st.Row, st.RowID), m.bar.Spin())
}

// viewLanded reopens the detail a view left open, once its rows are back.
func (m *Model) viewLanded(l *list.Landing) {
	if s, ok := l.Origin.(*viewSwitch); ok && s.st.Detail {
		m.openDetail()
	}
}

// undoSwitch takes back a switch whose query was cancelled (esc,
// backspace) or refused, origin being what asked for the query dropped:
// the list still shows the view switched from, and it is the current one
// again with its marks, back steps and detail; the view switched to keeps
// what it brought. It reports whether origin was a switch.
func (m *Model) undoSwitch(origin any) bool {
	s, ok := origin.(*viewSwitch)
	if !ok || m.views.Current() != s.to {
		return ok
	}
	left, _ := m.views.Left(s.from)
	s.st.Marks, s.st.Back = m.list.SwapMarks(left.Marks), m.pivots
	m.views.Leave(s.to, s.st)
	m.pivots, _ = left.Back.([]pivot)
	m.views.SetCurrent(s.from)
	if left.Detail {
		m.openDetail()
	}
	return true
}

// tabLine is the views' header line, "" without views.
func (m *Model) tabLine() string {
	if m.views.Len() == 0 {
		return ""
	}
	cur := m.views.Current()
	reverse := lipgloss.NewStyle().Reverse(true)
	return m.views.Tabs(m.width, m.views.Modified(cur, m.list.Latest()), views.Styles{
		Current: func(s string) string { return reverse.Render(s) },
		Sep:     m.st.HeaderDim.Render(" │ "),
	})
}

// askSaveView opens the field for the name of the view S saves, holding
// the current view's name.
func (m *Model) askSaveView() tea.Cmd {
	if m.o.SaveView == nil {
		m.bar.Say("views cannot be saved here: this console has no config file to write")
		return nil
	}
	return m.openInput(modal.ViewNameField, m.viewName(), nil)
}

// saveViewAs saves the list's filter and sort (as asked last) as the view
// the field names, asking first to replace one of that name.
func (m *Model) saveViewAs(c modal.SaveView) tea.Cmd {
	q := m.list.Latest()
	def := View{Name: c.Name, Filter: q.Filter, Sort: q.Sort.String()}
	if m.views.Index(c.Name) >= 0 {
		m.askReplaceView(def, c.Field)
		return nil
	}
	return m.writeView(def, c.Field, false)
}

func (m *Model) askReplaceView(def View, field *modal.Input) {
	m.stack.Push(&modal.Prompt{Text: screen.Sanitize(fmt.Sprintf("A view %q exists: replace it with this filter and sort?", def.Name)),
		Answers: [][2]string{{"y", "replace it"}, {"n", "keep it"}}, Tag: replaceView{def: def, field: field}})
}

// answerReplaceView writes the view on y; else the name field stays, as
// typed, saying the view is kept.
func (m *Model) answerReplaceView(t replaceView, key string) tea.Cmd {
	if key == "y" {
		return m.writeView(t.def, t.field, true)
	}
	t.field.Refused("not saved: the view " + screen.Sanitize(t.def.Name) + " is kept (type another name, or esc)")
	return nil
}

// writeView writes the view to the config file off the Update path.
func (m *Model) writeView(def View, field *modal.Input, replace bool) tea.Cmd {
	save := m.o.SaveView
	return tea.Batch(func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return viewSavedMsg{def: def, field: field, err: err} })
		path, err := save(def, replace)
		return viewSavedMsg{def: def, field: field, path: path, err: err}
	}, m.bar.Spin())
}

// onViewSaved takes the write's answer: the view becomes a tab, the
// current one (it is the list's query), and the counts are read again; a
// refusal stays in the name field, the name as typed.
func (m *Model) onViewSaved(msg viewSavedMsg) tea.Cmd {
	if msg.err != nil {
		if errors.Is(msg.err, ErrViewExists) {
			// The file has it though this console did not (edited
			// meanwhile): ask, as for a view the console knows.
			m.askReplaceView(msg.def, msg.field)
			return nil
		}
		why := "not saved: " + screen.Sanitize(screen.ErrMessage(msg.err))
		msg.field.Refused(why)
		if !m.stack.On(msg.field) {
			m.bar.Set(status.Word{Text: why, Err: true})
		}
		return nil
	}
	if strings.TrimSpace(msg.field.Value()) == msg.def.Name {
		m.stack.Pop(msg.field)
	} else {
		// Typed in since enter: the field stays, its keys are its own.
		msg.field.Refused("")
	}
	i := m.views.Put(views.Def(msg.def))
	m.views.SetCurrent(i)
	key := fmt.Sprintf("key %d", i+1)
	if i >= views.Digits {
		key = "[ ] reach it" // digits reach the first nine
	}
	m.bar.Say(screen.Sanitize(fmt.Sprintf("view %q saved to %s (%s)", msg.def.Name, msg.path, key)))
	m.list.Fit(m.width, m.rowsOnScreen()) // a first view adds the tabs' line
	return tea.Batch(m.views.Recount(), m.saveSession())
}
