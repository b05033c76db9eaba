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

// followIncident gives the open detail its row's incident count, asking
// for it once when no answer is held nor asked for.
func (m *Model) followIncident() tea.Cmd {
	if m.detail == nil || m.b == nil {
		return nil
	}
	d, ok := m.rows.Peek(m.detail.ID())
	if !ok {
		return nil
	}
	link, noLink := m.consoleLink(d)
	if d.AggregateID == "" || m.f.AggregateID == "" {
		m.detail.SetExtras(detail.Extras{Link: link, NoLink: noLink})
		return nil
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
	m.detail.SetExtras(detail.Extras{Incident: got, Link: link, NoLink: noLink})
	return cmd
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
