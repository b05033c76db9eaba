package ui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// onKey routes a key: quit now first (whatever is open), then the modal on
// top, then the screen in front (overview, detail, list).
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	act, bound := m.o.Keys.Match(k)
	if bound && act == keymap.ForceQuit {
		return m.forceQuit()
	}
	if m.conn.pending {
		switch act {
		case keymap.Quit:
			return m.quit()
		case keymap.Refresh:
			if m.conn.err != "" {
				return m.connect()
			}
		}
		return nil
	}
	if m.stack.Top() != nil {
		return m.onLayer(msg)
	}

	if !bound {
		return nil
	}
	// Read-only is one property of an action, checked here and nowhere else.
	if m.o.ReadOnly && m.o.Keys.Writes(act) {
		m.say("read-only: writes are disabled")
		return nil
	}
	switch act {
	case keymap.Overview:
		return m.toggleOverview()
	case keymap.Help:
		titles, groups := keyHelp{m}.groups()
		m.stack.OpenHelp(titles, groups, m.apiName()+": "+m.b.Why(), m.o.ReadOnly)
		return nil
	case keymap.Quit:
		// In a layer q closes it, as esc does; on the list it quits.
		if m.detail != nil {
			m.detail = nil
			return nil
		}
		if q, ok := m.popDrill(); ok && !m.ov.Shown() {
			m.ov.Show(true)
			m.msg = flash{}
			return m.startQuery(q, nil, -1)
		}
		return m.askQuit()
	case keymap.Suspend:
		return tea.Suspend
	}
	if m.ov.Shown() {
		return m.onOverviewKey(msg)
	}
	if m.detail != nil {
		if cmd, handled := m.onDetailKey(msg); handled {
			return cmd
		}
	}
	return m.onListKey(act)
}

func (m *Model) onListKey(act keymap.Action) tea.Cmd {
	l := m.list
	rows := m.rowsOnScreen()
	switch act {
	case keymap.Down:
		l.move(1, rows)
	case keymap.Up:
		l.move(-1, rows)
	case keymap.HalfDown:
		l.page(rows/2, rows)
	case keymap.HalfUp:
		l.page(-rows/2, rows)
	case keymap.PageDown:
		l.page(rows, rows)
	case keymap.PageUp:
		l.page(-rows, rows)
	case keymap.Top:
		l.cursor, l.top = 0, 0
	case keymap.Bottom:
		if l.cur.done {
			l.move(len(l.ids()), rows)
		} else {
			l.toEnd = true
			m.msg = flash{text: "going to the end: loading every row…", loading: true}
		}
	case keymap.Jump:
		return m.openInput(modal.JumpField, "", nil)
	case keymap.Open:
		m.openDetail()
	case keymap.Back:
		return m.back()
	case keymap.Mark:
		l.toggleMark()
		l.move(1, rows)
	case keymap.RangeMark:
		l.markRange() // the footer counts the marks
	case keymap.MarkScreen:
		l.markScreen(rows)
	case keymap.MarkAll:
		return m.markAll()
	case keymap.RestoreMarks:
		if n := l.restoreMarks(); n > 0 {
			m.say(fmt.Sprintf("%s marks back", screen.Commas(n)))
		} else {
			m.say("no cleared marks to bring back")
		}
	case keymap.Status:
		t := m.targets()
		m.stack.OpenStatus(t, m.statusSummary(t), false)
	case keymap.Assign:
		return m.stack.OpenPicker(m.targets())
	case keymap.Comment:
		return m.stack.OpenComment(m.targets())
	case keymap.Hide:
		return m.apply(m.run.Hide(m.targets()))
	case keymap.Tag:
		if m.f.Tags == "" {
			m.say("tags are an Alerts API feature; this tenant is on the Detects API")
			return nil
		}
		return m.openInput(modal.TagField, "+", m.targets())
	case keymap.Undo:
		return m.apply(m.run.Undo())
	case keymap.Redo:
		return m.apply(m.run.Redo())
	case keymap.Retry:
		return m.apply(m.run.Retry())
	case keymap.Filter:
		return m.openInput(modal.FilterField, l.latest().filter, nil)
	case keymap.Search:
		return m.openInput(modal.SearchField, l.latest().q, nil)
	case keymap.QuickFilter:
		m.stack.OpenQuick()
	case keymap.ToggleHidden:
		q := l.latest()
		q.showHidden = !q.showHidden
		return m.startQuery(q, nil, -1)
	case keymap.SortNext:
		// The sort menu: every field the backend sorts on; o again takes
		// the next one.
		m.stack.OpenSort(l.latest().sort)
	case keymap.SortFlip:
		q := l.latest()
		q.sort.Desc = !q.sort.Desc
		return m.startQuery(q, nil, -1)
	case keymap.Refresh:
		m.rows.Invalidate()
		m.msg = flash{text: "refreshing…", loading: true} // until the query lands
		keep := l.cursor
		if l.pend != nil {
			keep = -1 // a new query asked for: refresh that one, from the top
		}
		return m.startQuery(l.latest(), nil, keep)
	case keymap.SeverityNum:
		m.prefs.sevNum = !m.prefs.sevNum
	case keymap.RelativeTime:
		m.prefs.relTimes = !m.prefs.relTimes
		if m.prefs.relTimes {
			m.prefs.relGen++
			return minuteTick(m.prefs.relGen)
		}
	case keymap.NextRow, keymap.PrevRow:
		// The detail follows the cursor: reading one detection after
		// another without closing it.
		step := 1
		if act == keymap.PrevRow {
			step = -1
		}
		l.move(step, rows)
		if m.detail != nil {
			m.openDetail()
		}
	case keymap.Copy:
		id := l.cursorID()
		if m.detail != nil {
			id = m.detail.ID()
		}
		if d, ok := m.rows.Peek(id); ok {
			link := ""
			if m.o.Source.ConsoleURL != nil {
				link = m.o.Source.ConsoleURL(d)
			}
			m.stack.OpenCopy(d, m.detail.Behaviour(d), link)
		} else {
			m.say("nothing to copy yet: the row is still loading")
		}
	}
	return m.ensure()
}

// back closes the topmost layer of the list, or stops the load in front:
// an action not yet sent, a query asked for, a mark-all in flight; then
// marks are cleared (M brings them back), then a drill-down returns to the
// overview, then the message goes.
func (m *Model) back() tea.Cmd {
	l := m.list
	if out, ok := m.run.Cancel(); ok {
		// Still looking a login up or reading the rows: nothing has been
		// sent, and esc stops it.
		return m.apply(out, nil)
	}
	if verb, ok := m.run.Stop(); ok {
		m.say(verb + ": stopping: the batches not sent yet stay unsent (R sends them); those in flight finish")
		return nil
	}
	if l.pend != nil && l.cur.ctx != nil {
		// (The first query has no list to keep: esc leaves it be.)
		l.pend.cancel()
		l.pend = nil
		m.say("the query asked for was cancelled: the list keeps its last query")
		return nil
	}
	if l.toEnd || l.target >= 0 {
		l.toEnd, l.target = false, -1
		m.say(fmt.Sprintf("stopped loading: %s rows loaded", screen.Commas(len(l.ids()))))
		return nil
	}
	if l.stopMarkAll() {
		m.say("marking every match cancelled")
		return nil
	}
	if n := l.clearMarks(); n > 0 {
		m.say(fmt.Sprintf("%s marks cleared (M brings them back)", screen.Commas(n)))
		return nil
	}
	if q, ok := m.popDrill(); ok {
		m.ov.Show(true)
		m.msg = flash{} // the drill-down's hint is done with
		return m.startQuery(q, nil, -1)
	}
	m.msg = flash{}
	return nil
}

// targets are what an action's key acts on: the detection the detail
// shows while it is open (the one being read, whatever is marked), else
// the marked rows or the cursor row.
func (m *Model) targets() []string {
	if m.detail != nil {
		return []string{m.detail.ID()}
	}
	return m.list.targets()
}

// keyHelp is the keymap as bubbles' help.KeyMap for the screen in front:
// the footer and ? are generated from the bindings in force, overrides
// included, and read-only offers no write key.
type keyHelp struct {
	m *Model
}

var (
	listShort     = []keymap.Action{keymap.Down, keymap.Mark, keymap.Status, keymap.Assign, keymap.Comment, keymap.Filter, keymap.Help, keymap.Quit}
	detailShort   = []keymap.Action{keymap.AddFilter, keymap.ExcludeFilter, keymap.Status, keymap.Assign, keymap.Comment, keymap.Copy, keymap.Back, keymap.Help}
	overviewShort = []keymap.Action{keymap.Down, keymap.Open, keymap.Window, keymap.Overview, keymap.Filter, keymap.Help, keymap.Quit}
)

// shortWords name the footer's keys in a word each, so the line fits 80
// columns.
var shortWords = map[keymap.Action]string{
	keymap.Down: "move", keymap.Open: "detail", keymap.Mark: "mark", keymap.Status: "status",
	keymap.Assign: "assign", keymap.Comment: "comment", keymap.Filter: "filter", keymap.Help: "help",
	keymap.Quit: "quit", keymap.AddFilter: "filter on", keymap.ExcludeFilter: "exclude", keymap.Copy: "copy",
	keymap.Back: "close", keymap.Window: "window", keymap.Overview: "list",
}

func (h keyHelp) binding(a keymap.Action, short bool) (key.Binding, bool) {
	m := h.m
	if m.o.ReadOnly && m.o.Keys.Writes(a) || a == keymap.Tag && m.f.Tags == "" {
		return key.Binding{}, false // no write key in read-only; no tags on Detects
	}
	kb := m.o.Keys.Get(a)
	keys := kb.Keys()
	if len(keys) == 0 {
		return key.Binding{}, false
	}
	if short {
		word := shortWords[a]
		if a == keymap.Open && m.ov.Shown() {
			word = "drill down"
		}
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], word)), true
	}
	return kb, true
}

// ShortHelp implements help.KeyMap: the footer's keys for the screen in
// front.
func (h keyHelp) ShortHelp() []key.Binding {
	acts := listShort
	switch {
	case h.m.ov.Shown():
		acts = overviewShort
	case h.m.detail != nil:
		acts = detailShort
	}
	if h.m.width < 80 {
		// Narrow: help and quit first, so they are never the keys cut.
		acts = append([]keymap.Action{keymap.Help, keymap.Quit},
			slices.DeleteFunc(slices.Clone(acts), func(a keymap.Action) bool { return a == keymap.Help || a == keymap.Quit })...)
	}
	out := make([]key.Binding, 0, len(acts))
	for _, a := range acts {
		if kb, ok := h.binding(a, true); ok {
			out = append(out, kb)
		}
	}
	return out
}

// FullHelp implements help.KeyMap: every binding in force, by group.
func (h keyHelp) FullHelp() [][]key.Binding {
	_, cols := h.groups()
	return cols
}

// groups are the full help's sections with their titles.
func (h keyHelp) groups() (titles []string, out [][]key.Binding) {
	for _, g := range keymap.Groups {
		var col []key.Binding
		for _, kb := range h.m.o.Keys.Bindings() {
			if kb.Group != g {
				continue
			}
			if b, ok := h.binding(kb.Action, false); ok {
				col = append(col, b)
			}
		}
		if len(col) > 0 {
			titles, out = append(titles, g), append(out, col)
		}
	}
	return titles, out
}

func (m *Model) helpLine() string {
	hm := help.New()
	hm.ShortSeparator = "  "
	hm.Styles.ShortKey = m.st.MenuKey
	hm.Styles.ShortDesc = lipgloss.NewStyle()
	hm.Styles.ShortSeparator = lipgloss.NewStyle()
	hm.SetWidth(m.width - 1)
	return " " + hm.ShortHelpView(keyHelp{m}.ShortHelp())
}
