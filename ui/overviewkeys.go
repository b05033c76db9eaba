package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/status"
)

// toggleOverview puts the overview in front of the list, or back; shown, it
// is read again if its counts are not for the list's query.
func (m *Model) toggleOverview() tea.Cmd {
	m.ov.Show(!m.ov.Shown())
	if q := m.list.Current(); m.ov.Shown() && m.ov.Stale(m.list.Effective(q), q.Q) {
		return m.loadOverview()
	}
	return nil
}

// loadOverview asks for the overview of the list's query.
func (m *Model) loadOverview() tea.Cmd {
	q := m.list.Current()
	return tea.Batch(m.ov.Load(m.list.Effective(q), q.Q), m.bar.Spin())
}

// onOverviewKey takes a key on the overview: a drill-down opens the list
// filtered to the bucket; filter, search, quick filters and hidden rows
// act on the list's query as on the list.
func (m *Model) onOverviewKey(msg tea.KeyPressMsg) tea.Cmd {
	out, cmd := m.ov.Update(msg)
	switch {
	case out.Say != "":
		m.bar.Say(out.Say)
	case out.Drill != "":
		q := m.list.Latest()
		drill := q
		drill.Filter = model.And(q.Filter, out.Drill)
		if err := m.refusedQuery(drill); err != nil {
			m.bar.Set(status.Word{Text: err.Error(), Err: true})
			return cmd
		}
		m.drills = append(m.drills, q)
		q = drill
		m.ov.Show(false)
		m.bar.Say(drillWord(out.Drill, m.width-2))
		return m.startQuery(q, nil, -1)
	case out.Key == keymap.Filter, out.Key == keymap.Search, out.Key == keymap.QuickFilter, out.Key == keymap.ToggleHidden:
		return m.onListKey(out.Key)
	}
	if cmd != nil {
		return tea.Batch(cmd, m.bar.Spin())
	}
	return nil
}

// popDrill returns the query the last drill-down left.
func (m *Model) popDrill() (list.Query, bool) {
	if len(m.drills) == 0 {
		return list.Query{}, false
	}
	q := m.drills[len(m.drills)-1]
	m.drills = m.drills[:len(m.drills)-1]
	return q, true
}

// drillWord says which bucket a drill-down lists, on one line of width
// cells: the bucket's clauses while they fit, then … (the filter line
// shows the whole filter), never a clause cut in its middle.
func drillWord(drill string, width int) string {
	const head, tail = "drill-down: ", " · esc: overview"
	room := width - screen.Width(head) - screen.Width(tail)
	shown := ""
	clauses := model.SplitAnd(drill)
	for i, c := range clauses {
		c = screen.Sanitize(c)
		next := c
		if i > 0 {
			next = shown + "+" + c
		}
		if fits := room - 2*min(1, len(clauses)-1-i); screen.Width(next) > fits { // room for +… unless last
			if shown == "" {
				return head + "…" + tail
			}
			return head + shown + "+…" + tail
		}
		shown = next
	}
	return head + shown + tail
}
