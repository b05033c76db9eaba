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
	"github.com/falcon-triage/falcon-triage/ui/status"
)

// onKey routes a key: quit now first (whatever is open), then the layer in
// front, then the screen in front (overview, detail, list).
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	scope := keymap.Anywhere
	if m.detail != nil && !m.ov.Shown() {
		scope = keymap.InDetail // its own keys: / n N search its text
	}
	act, bound := m.o.Keys.MatchIn(msg.String(), scope)
	switch {
	case bound && act == keymap.ForceQuit:
		return m.forceQuit()
	case m.conn.pending:
		return m.onConnectingKey(act)
	case m.stack.Top() == nil && !bound:
		return nil
	}
	// A word that answered an earlier key goes with the next key that
	// acts, in a layer too (a key typed in a field edits it); a key bound
	// to nothing acts not.
	m.bar.KeyActed()
	switch {
	case m.stack.Top() != nil:
		return m.onLayer(msg)
	case m.o.ReadOnly && m.o.Keys.Writes(act):
		// Read-only is one property of an action, checked here and nowhere
		// else.
		m.bar.Say("read-only: writes are disabled")
		return nil
	case m.ten.switching != nil && m.o.Keys.Writes(act):
		// Writes wait for the tenant to be known: none is sent into one
		// the console is leaving.
		m.bar.Say("switching tenants: writes wait until the switch has landed")
		return nil
	}
	if cmd, ok := m.onAnywhereKey(act); ok {
		return cmd
	}
	if m.ov.Shown() {
		return m.onOverviewKey(msg)
	}
	if m.detail != nil {
		if cmd, handled := m.onDetailKey(msg); handled {
			return cmd
		}
	}
	if act == keymap.Top && m.detail == nil && m.lv != nil && len(m.lv.New()) > 0 {
		return m.takeNew() // g goes to the rows ▲ N new announces
	}
	if out, cmd, ok := m.list.Update(msg); ok {
		return m.applyList(out, cmd)
	}
	if cmd, ok := m.onViewKey(act, msg.String()); ok {
		return cmd
	}
	return m.onListKey(act)
}

// onConnectingKey takes a key while the console logs in: q quits, r tries
// again after a failure.
func (m *Model) onConnectingKey(act keymap.Action) tea.Cmd {
	switch {
	case act == keymap.Quit:
		return m.quit()
	case act == keymap.Refresh && m.conn.err != "":
		return m.connect()
	}
	return nil
}

// onAnywhereKey takes the keys that mean the same on every screen.
func (m *Model) onAnywhereKey(act keymap.Action) (tea.Cmd, bool) {
	switch act {
	case keymap.Overview:
		return m.toggleOverview(), true
	case keymap.Help:
		titles, groups := keyHelp{m}.groups()
		why := m.apiName() + ": " + m.b.Why()
		if m.lv != nil {
			why += "; " + m.lv.Source()
			titles, groups = liveHelp(titles, groups, m.lv)
		}
		m.stack.OpenHelp(titles, groups, why, m.o.ReadOnly)
		return nil, true
	case keymap.Quit:
		// In a layer q closes it, as esc does; on the list it quits.
		if m.detail != nil {
			m.detail = nil
			return nil, true
		}
		if q, ok := m.popDrill(); ok && !m.ov.Shown() {
			m.ov.Show(true)
			m.bar.Clear()
			return m.startQuery(q, nil, -1), true
		}
		return m.askQuit(), true
	case keymap.Suspend:
		return tea.Suspend, true
	}
	return nil, false
}

// onListKey takes the keys of the list that are not the list's own moves
// and marks: actions on the targets, the query, layers to open.
func (m *Model) onListKey(act keymap.Action) tea.Cmd {
	if cmd, ok := m.onActionKey(act); ok {
		return cmd
	}
	if cmd, ok := m.onQueryKey(act); ok {
		return cmd
	}
	switch act {
	case keymap.Jump:
		return m.openInput(modal.JumpField, "", nil)
	case keymap.Open:
		m.openDetail()
	case keymap.Back:
		return m.back()
	case keymap.GoBack:
		if m.detail == nil {
			return m.goBack()
		}
	case keymap.MarkAll:
		m.askMarkAll()
	case keymap.RelativeTime:
		return m.toggleRelativeTimes()
	case keymap.NextRow, keymap.PrevRow:
		// The detail follows the cursor: reading one detection after
		// another without closing it.
		m.list.Step(map[keymap.Action]int{keymap.NextRow: 1, keymap.PrevRow: -1}[act])
		if m.detail != nil {
			m.openDetail()
		}
	case keymap.Copy:
		m.openCopy()
	case keymap.Export:
		return m.askExport()
	case keymap.Tenant:
		return m.onTenantKey()
	case keymap.Incident:
		return m.onIncidentKey()
	}
	return m.ensure()
}

// onActionKey takes the keys that change the targets: the rows captured
// now, the detail's row while it is open.
func (m *Model) onActionKey(act keymap.Action) (tea.Cmd, bool) {
	switch act {
	case keymap.Status:
		t := m.targets()
		m.stack.OpenStatus(t, m.statusSummary(t), false)
		return nil, true
	case keymap.Assign:
		return m.stack.OpenPicker(m.targets()), true
	case keymap.Comment:
		return m.stack.OpenComment(m.targets()), true
	case keymap.Hide:
		return m.apply(m.run.Hide(m.targets())), true
	case keymap.Tag:
		if m.f.Tags == "" {
			m.bar.Say("tags are an Alerts API feature; this tenant is on the Detects API")
			return nil, true
		}
		return m.openInput(modal.TagField, "+", m.targets()), true
	case keymap.Contain:
		return m.containKey(), true
	case keymap.Undo:
		return m.applyHosts(m.run.Undo()), true
	case keymap.Redo:
		return m.applyHosts(m.run.Redo()), true
	case keymap.Retry:
		return m.apply(m.run.Retry()), true
	}
	return nil, false
}

// onQueryKey takes the keys that change the list's query.
func (m *Model) onQueryKey(act keymap.Action) (tea.Cmd, bool) {
	q := m.list.Latest()
	switch act {
	case keymap.Filter:
		return m.openInput(modal.FilterField, q.Filter, nil), true
	case keymap.Search:
		return m.openInput(modal.SearchField, q.Q, nil), true
	case keymap.QuickFilter:
		m.stack.OpenQuick(q.Filter)
		return nil, true
	case keymap.SortNext:
		// The sort menu: every field the backend sorts on; o again takes
		// the next one.
		m.stack.OpenSort(q.Sort)
		return nil, true
	case keymap.ToggleHidden:
		q.ShowHidden = !q.ShowHidden
	case keymap.SortFlip:
		q.Sort.Desc = !q.Sort.Desc
	case keymap.Refresh:
		return m.refresh(), true
	default:
		return nil, false
	}
	return m.startQuery(q, nil, -1), true
}

// refresh reads the query asked for last again, every row anew, keeping
// the cursor's place (a new query asked for is refreshed from the top).
func (m *Model) refresh() tea.Cmd {
	m.rows.Invalidate()
	m.bar.Set(status.Word{Text: "refreshing…", Life: status.UntilLoaded}) // until the query lands
	keep := m.list.Cursor()
	if m.list.Pending() {
		keep = -1
	}
	return tea.Batch(m.startQuery(m.list.Latest(), nil, keep), m.views.Recount())
}

// toggleRelativeTimes shows times as "5m ago", or as dates; relative, they
// are redrawn once a minute.
func (m *Model) toggleRelativeTimes() tea.Cmd {
	p := m.list.Prefs()
	p.RelTimes = !p.RelTimes
	m.list.SetPrefs(p)
	if !p.RelTimes {
		return nil
	}
	m.relGen++
	return m.minuteTick()
}

// askMarkAll asks to mark every row matching the filter, saying how many.
func (m *Model) askMarkAll() {
	a, text, ok := m.list.AskMarkAll()
	if !ok {
		m.bar.Say(text)
		return
	}
	m.stack.Push(&modal.Prompt{Text: text, Answers: [][2]string{{"y", "mark them"}, {"n", "cancel"}}, Tag: a})
}

// openCopy opens the copy menu on the detail's row, else the cursor's,
// with the values it holds now.
func (m *Model) openCopy() {
	id := m.list.CursorID()
	if m.detail != nil {
		id = m.detail.ID()
	}
	filter := m.list.Current().Filter
	d, ok := m.rows.Peek(id)
	if !ok {
		if filter != "" {
			m.stack.OpenCopy(nil, nil, "", filter) // no row yet: the filter still is
			return
		}
		m.bar.Say("nothing to copy yet: the row is still loading")
		return
	}
	link := ""
	if m.o.Source.ConsoleURL != nil {
		link = m.o.Source.ConsoleURL(d)
	}
	m.stack.OpenCopy(d, m.detail.Behaviour(d), link, filter)
}

// back stops what is loading or sending, in turn (an action not yet sent,
// the batches of a change not sent yet, a query asked for, G, a
// mark-all), then clears the marks (M brings them back), then a drill-down
// returns to the overview, then the message goes.
func (m *Model) back() tea.Cmd {
	if out, ok := m.run.Cancel(); ok {
		// Still looking a login up or reading the rows: nothing has been
		// sent, and esc stops it.
		return m.apply(out, nil)
	}
	if verb, ok := m.run.Stop(); ok {
		m.bar.Say(verb + ": stopping: the batches not sent yet stay unsent (R sends them); those in flight finish")
		return nil
	}
	if m.stopExport() || m.stopListing() {
		return nil
	}
	_, origin, _ := m.list.Asked()
	if what := m.list.Stop(); what != "" {
		if !m.list.Pending() {
			m.undoSwitch(origin) // a view switch stopped: back on the view the list shows
		}
		m.bar.Say(what)
		return nil
	}
	if n := m.list.ClearMarks(); n > 0 {
		m.bar.Say(fmt.Sprintf("%s marks cleared (M brings them back)", screen.Commas(n)))
		return nil
	}
	m.bar.Clear() // the drill-down's hint, or any word, is done with
	if q, ok := m.popDrill(); ok {
		m.ov.Show(true)
		return m.startQuery(q, nil, -1)
	}
	return nil
}

// targets are what an action's key acts on: the detection the detail
// shows while it is open (the one being read, whatever is marked), else
// the marked rows or the cursor row.
func (m *Model) targets() []string {
	if m.detail != nil {
		return []string{m.detail.ID()}
	}
	return m.list.Targets()
}

// keyHelp is the keymap as bubbles' help.KeyMap for the screen in front:
// the footer and ? are generated from the bindings in force, overrides
// included, and read-only offers no write key.
type keyHelp struct {
	m *Model
}

var (
	listShort     = []keymap.Action{keymap.Down, keymap.Mark, keymap.Status, keymap.Assign, keymap.Comment, keymap.Filter, keymap.Help, keymap.Quit}
	listWide      = []keymap.Action{keymap.Down, keymap.Mark, keymap.Status, keymap.Assign, keymap.Comment, keymap.Filter, keymap.Export, keymap.Help, keymap.Quit}
	detailShort   = []keymap.Action{keymap.AddFilter, keymap.ExcludeFilter, keymap.Status, keymap.Assign, keymap.Comment, keymap.Copy, keymap.DetailSearch, keymap.Back, keymap.Help}
	overviewShort = []keymap.Action{keymap.Down, keymap.Open, keymap.Window, keymap.Overview, keymap.Filter, keymap.Help, keymap.Quit}
)

// shortWords name the footer's keys in a word each, so the line fits 80
// columns.
var shortWords = map[keymap.Action]string{
	keymap.Down: "move", keymap.Open: "detail", keymap.Mark: "mark", keymap.Status: "status",
	keymap.Assign: "assign", keymap.Comment: "comment", keymap.Filter: "filter", keymap.Help: "help",
	keymap.Quit: "quit", keymap.AddFilter: "filter on", keymap.ExcludeFilter: "exclude", keymap.Copy: "copy",
	keymap.Back: "close", keymap.Window: "window", keymap.Overview: "list", keymap.Export: "export",
	keymap.DetailSearch: "search",
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
	case h.m.width >= 100:
		acts = listWide // room for e too
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
	if answers, ok := m.stack.FooterKeys(); ok {
		// A prompt in front takes its answers alone: the list's keys
		// would not work.
		kbs := make([]key.Binding, 0, len(answers))
		for _, a := range answers {
			kbs = append(kbs, key.NewBinding(key.WithKeys(a[0]), key.WithHelp(a[0], a[1])))
		}
		return " " + hm.ShortHelpView(kbs)
	}
	return " " + hm.ShortHelpView(keyHelp{m}.ShortHelp())
}
