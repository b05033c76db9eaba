package ui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
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
	if model.Holds(m.list.Latest().Filter, clause) {
		m.bar.Say("already filtered on " + screen.Sanitize(clause))
		return nil
	}
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

// ownWords puts the filter as the analyst wrote it in place of the filter
// the console sent (theirs with the clauses it adds, show_in_ui:true)
// where the service's refusal quotes it.
func (m *Model) ownWords(why string, in *modal.Input) string {
	typed := strings.TrimSpace(in.Value())
	sent := m.list.Effective(list.Query{Filter: typed, ShowHidden: m.list.Latest().ShowHidden})
	if in.Kind() != modal.FilterField || typed == "" || sent == typed {
		return why
	}
	return strings.ReplaceAll(why, sent, typed)
}

// checkFirstFilter drops a filter the last session left that this backend
// cannot take (one written for Detects, on a tenant moved to Alerts), rather
// than send it: the list starts without it, and the filter line opens with
// it and the reason, to mend it.
func (m *Model) checkFirstFilter() {
	if f := m.list.First().Filter; !m.stack.CheckFilter(f, m.list.History()) {
		m.list.DropFirstFilter()
	}
}

// pivot is what a change of the list's query left: the query and the row
// the cursor was on, by id and by place.
type pivot struct {
	q   list.Query
	id  string
	row int
}

// maxPivots is how many steps backspace can go back.
const maxPivots = 100

// goingBack is the origin of a query backspace asked for: its landing is
// not itself a step to go back to.
type goingBack struct{}

// pivoted keeps what a landing query left (a filter typed, a quick
// filter, + or -, a drill-down, a sort, . or a search), for backspace.
func (m *Model) pivoted(l *list.Landing) {
	if _, back := l.Origin.(goingBack); back || l.First || l.Left == l.Query {
		return
	}
	if _, sw := l.Origin.(*viewSwitch); sw {
		return // another view's query: backspace stays within a view
	}
	m.pivots = append(m.pivots, pivot{q: l.Left, id: l.LeftID, row: l.LeftRow})
	if len(m.pivots) > maxPivots {
		m.pivots = slices.Delete(m.pivots, 0, len(m.pivots)-maxPivots)
	}
}

// goBack returns to the filter, sort and row the last pivot left, as a
// browser's back does, saying where it went.
func (m *Model) goBack() tea.Cmd {
	if m.cancelPivot() {
		return nil
	}
	if len(m.pivots) == 0 {
		m.bar.Say("nothing to go back to: the filter and sort are those the session started with")
		return nil
	}
	p := m.pivots[len(m.pivots)-1]
	m.pivots = m.pivots[:len(m.pivots)-1]
	if n := len(m.drills); n > 0 && m.drills[n-1] == p.q {
		m.drills = m.drills[:n-1] // back out of the drill-down, too
	}
	m.bar.Say("back to " + describeQuery(p.q))
	return tea.Batch(m.list.StartOn(p.q, goingBack{}, p.row, p.id), m.bar.Spin())
}

// cancelPivot takes a backspace pressed while a pivot is in flight: the
// pivot is dropped and the list stays where the analyst was when the key
// was pressed, one step back, not two (its step is kept only once it
// lands). A refresh or a way back in flight is no pivot: it reports false.
func (m *Model) cancelPivot() bool {
	q, origin, ok := m.list.Asked()
	if _, back := origin.(goingBack); !ok || back || q == m.list.Current() || !m.list.Cancel(nil) {
		return false
	}
	m.undoSwitch(origin)
	cur := m.list.Current()
	if n := len(m.drills); n > 0 && m.drills[n-1] == cur {
		// The drill-down never landed: back to the overview it was
		// asked from.
		m.drills = m.drills[:n-1]
		m.ov.Show(true)
	}
	m.bar.Say("back to " + describeQuery(cur) + ": the query in flight is cancelled")
	return true
}

// describeQuery says a query in a few words: its filter, search, sort and
// hidden rows.
func describeQuery(q list.Query) string {
	parts := []string{"no filter"}
	if q.Filter != "" {
		parts[0] = "filter " + q.Filter
	}
	if q.Q != "" {
		parts = append(parts, "search "+q.Q)
	}
	dir := "↓"
	if !q.Sort.Desc {
		dir = "↑"
	}
	parts = append(parts, "sorted by "+q.Sort.Field+" "+dir)
	if q.ShowHidden {
		parts = append(parts, "hidden rows shown")
	}
	return screen.Sanitize(strings.Join(parts, " · "))
}
