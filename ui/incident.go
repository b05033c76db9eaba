package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/detail"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// incidents caches, per tenant and aggregate_id, how many alerts share an
// incident: one count request per incident however often its alerts'
// details are opened.
type incidents struct {
	epoch int // the tenant the counts are of
	n     map[string]detail.IncidentCount
	open  string // the row whose detail was followed last
}

// incidentMsg is a count's answer, carrying what it was asked for.
type incidentMsg struct {
	epoch int
	agg   string
	n     int
	err   error
}

// followIncident gives the open detail what the console reads beside its
// row: its incident count (asked once when no answer is held nor asked
// for), its console link and its activity.
func (m *Model) followIncident() tea.Cmd {
	if m.detail == nil || m.b == nil {
		return nil
	}
	d, ok := m.rows.Peek(m.detail.ID())
	if !ok {
		return nil
	}
	link, noLink := m.consoleLink(d)
	act, actCmd := m.followActivity(d.ID)
	if d.AggregateID == "" || m.f.AggregateID == "" {
		m.detail.SetExtras(detail.Extras{Link: link, NoLink: noLink, Activity: act})
		return actCmd
	}
	c := &m.inc
	if c.n == nil || c.epoch != m.ten.epoch {
		c.epoch, c.n = m.ten.epoch, map[string]detail.IncidentCount{}
	}
	agg := d.AggregateID
	got, known := c.n[agg]
	opened := c.open != d.ID
	c.open = d.ID
	var cmd tea.Cmd
	// A count that failed is asked again when a detail opens on it, not
	// at every message.
	if !known || got.Failed != "" && opened {
		got = detail.IncidentCount{Counting: true}
		c.n[agg] = got
		cmd = countIncident(m.ctx, m.b, m.f.AggregateID, agg, m.ten.epoch)
	}
	m.detail.SetExtras(detail.Extras{Incident: got, Link: link, NoLink: noLink, Activity: act})
	return tea.Batch(cmd, actCmd)
}

// countIncident counts the alerts of aggregate agg: one query, one id
// asked for, its total read.
func countIncident(ctx context.Context, b model.Backend, field, agg string, epoch int) tea.Cmd {
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return incidentMsg{epoch: epoch, agg: agg, err: err} })
		page, err := b.Query(ctx, model.Query{Filter: model.Eq(field, agg), Limit: 1})
		return incidentMsg{epoch: epoch, agg: agg, n: page.Total, err: err}
	}
}

// onIncident stores a count where it was asked: for its tenant and its
// incident, whatever row is open now.
func (m *Model) onIncident(msg incidentMsg) tea.Cmd {
	if msg.epoch != m.inc.epoch || m.inc.n == nil {
		return nil // asked in a tenant the console has left
	}
	if msg.err != nil {
		// Said, and asked again when a detail next opens on it.
		m.inc.n[msg.agg] = detail.IncidentCount{Failed: screen.Sanitize(errText(msg.err))}
		return nil
	}
	m.inc.n[msg.agg] = detail.IncidentCount{N: msg.n, Counted: true}
	return nil
}

// onIncidentKey is I: the list filtered on the row's incident (a pivot
// backspace undoes, as +).
func (m *Model) onIncidentKey() tea.Cmd {
	id := m.list.CursorID()
	if m.detail != nil {
		id = m.detail.ID()
	}
	d, ok := m.rows.Peek(id)
	switch {
	case m.f.AggregateID == "" || m.f.Product == "":
		m.bar.Say("Detects: a detection is itself its incident (its behaviours); I lists an Alerts incident")
		return nil
	case !ok:
		m.bar.Say("the row is still loading: I lists its incident once it is read")
		return nil
	case d.AggregateID == "":
		m.bar.Say("this alert names no incident (no aggregate_id)")
		return nil
	}
	if m.width < sidePaneWidth {
		m.detail = nil // the full-screen detail closes to show the list
	}
	return m.addClause(model.Eq(m.f.AggregateID, d.AggregateID))
}

// consoleLink is the row's page in the Falcon console, or why there is
// none: main names no console host for a base URL that is no Falcon
// cloud's (a fake, a proxy).
func (m *Model) consoleLink(d *model.Detection) (link, why string) {
	if m.o.Source.ConsoleURL != nil {
		link = m.o.Source.ConsoleURL(d)
	}
	if link == "" {
		why = "no link: the API's base URL is no known Falcon cloud (a fake or a proxy), so the console's host is unknown"
	}
	return link, why
}

// activities caches, per row, what the audit log records of it, read
// again when the row changes (a change of ours lands as a new version).
type activities map[string]*activityRead

type activityRead struct {
	version uint64
	a       *detail.Activity
}

// activityMsg is a read's answer, for the row and version it was asked
// for.
type activityMsg struct {
	id      string
	version uint64
	items   []model.Activity
	err     error
}

// followActivity gives the detail its row's activity, reading the audit
// log again (off the loop) once the row changed since the last read.
func (m *Model) followActivity(id string) (*detail.Activity, tea.Cmd) {
	ar, ok := m.b.(model.ActivityReader)
	if !ok {
		return nil, nil
	}
	if m.act == nil {
		m.act = activities{}
	}
	v := m.rows.Version(id)
	got := m.act[id]
	if got != nil && (got.version == v || got.a.Reading) {
		return got.a, nil
	}
	prev := []model.Activity(nil)
	if got != nil {
		prev = got.a.Items // shown while the new read runs
	}
	got = &activityRead{version: v, a: &detail.Activity{Items: prev, Reading: true}}
	m.act[id] = got
	ctx := m.ctx
	return got.a, func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return activityMsg{id: id, version: v, err: err} })
		items, err := ar.Activity(ctx, id, activityLimit)
		return activityMsg{id: id, version: v, items: items, err: err}
	}
}

// activityLimit is how many changes of a row the detail lists.
const activityLimit = 10

// onActivity stores a read for the row and version it was asked for.
func (m *Model) onActivity(msg activityMsg) tea.Cmd {
	got := m.act[msg.id]
	if got == nil || got.version != msg.version {
		return nil // a newer read is under way
	}
	a := &detail.Activity{Items: msg.items}
	if msg.err != nil {
		a.Failed = screen.Sanitize(errText(msg.err))
	}
	got.a = a
	if got.version != m.rows.Version(msg.id) {
		got.version = 0 // the row changed meanwhile: read again
	}
	return nil
}
