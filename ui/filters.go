package ui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// statusSummary says the current statuses of the rows an action will touch.
func (m *Model) statusSummary(ids []string) string {
	counts := map[string]int{}
	var order []string
	unknown := 0
	for _, id := range ids {
		d, ok := m.rows.Peek(id)
		if !ok {
			unknown++
			continue
		}
		l := screen.Sanitize(screen.StatusLabel(d))
		if counts[l] == 0 {
			order = append(order, l)
		}
		counts[l]++
	}
	slices.Sort(order)
	var parts []string
	for _, l := range order {
		parts = append(parts, fmt.Sprintf("%s %s", screen.Commas(counts[l]), l))
	}
	if unknown > 0 {
		parts = append(parts, screen.Commas(unknown)+" not loaded")
	}
	return strings.Join(parts, ", ")
}

// quickFilter puts a quick filter's clause in place of any on its field.
func (m *Model) quickFilter(clause string) tea.Cmd {
	return m.applyClause(model.Replace(m.list.Latest().Filter, clause), clause)
}

// addClause narrows the filter asked for last by one clause (+ and - in
// the detail).
func (m *Model) addClause(clause string) tea.Cmd {
	return m.applyClause(model.And(m.list.Latest().Filter, clause), clause)
}

func (m *Model) applyClause(filter, clause string) tea.Cmd {
	q := m.list.Latest()
	if q.Filter == filter || strings.Contains(q.Filter, clause) && filter == model.And(q.Filter, clause) {
		m.bar.Say("already filtered on " + clause)
		return nil
	}
	if !m.stack.CheckFilter(filter, m.list.History()) {
		return nil
	}
	q.Filter = filter
	// A refusal opens the filter line with the clause in it.
	return m.startQuery(q, m.stack.NewRefusable(q.Filter), -1)
}

// openInput opens a field on the bottom line; the filter line walks the
// filter history.
func (m *Model) openInput(k modal.InputKind, text string, targets []string) tea.Cmd {
	return m.stack.OpenInput(k, text, m.list.History(), targets)
}
