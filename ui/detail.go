package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/detail"
	"github.com/falcon-triage/falcon-triage/ui/modal"
)

// openDetail opens the detail of the row under the cursor, or says it is
// loading; the row's read, when it lands, fills it in.
func (m *Model) openDetail() {
	id := m.list.CursorID()
	if id == "" {
		return
	}
	if m.detail == nil || m.detail.ID() != id {
		next := detail.New(id, m.o.Keys, m.height)
		if m.detail != nil {
			// J and K keep the search: n finds the same text in the next row.
			next.SetQuery(m.detail.Query())
		}
		m.detail = next
	}
	m.detail.Follow(m.rows, m.f, m.o.Location)
}

// onDetailKey takes the keys that mean something else while the detail is
// open; it reports whether the key was the detail's.
func (m *Model) onDetailKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	out, _ := m.detail.Update(msg)
	if out.Say != "" {
		m.bar.Say(out.Say)
	}
	switch {
	case out.Close:
		m.detail = nil
	case out.Search:
		return m.openInput(modal.DetailSearchField, m.detail.Query(), nil), true
	case out.Pattern != "":
		return m.openInput(modal.FilterField, model.And(m.list.Latest().Filter, out.Pattern), nil), true
	case out.Filter != "":
		if m.width < sidePaneWidth {
			// A pivot shows the list it asks for: the full-screen detail
			// closes now, with the key, not when the rows land.
			m.detail = nil
		}
		return m.addClause(out.Filter), true
	}
	return nil, out.Handled
}

// followDetail shows the row's newest values once the store has them (a
// read landing, an action's preview, its re-read, a rollback): the detail
// never shows stale values.
func (m *Model) followDetail() {
	if m.detail != nil {
		m.detail.Follow(m.rows, m.f, m.o.Location)
	}
}
