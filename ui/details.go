package ui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

type detailsMsg struct {
	stamp   uint64
	ids     []string
	found   []model.Detection
	missing map[string]string
	err     error
}

// fetchDetails reads rows for the screen, under the context of the query
// they belong to: a query replaced cancels its reads.
func (m *Model) fetchDetails(ctx context.Context, ids []string) tea.Cmd {
	b, stamp := m.b, m.rows.Stamp()
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return detailsMsg{stamp: stamp, ids: ids, err: err} })
		found, missing, err := b.Details(ctx, ids)
		return detailsMsg{stamp: stamp, ids: ids, found: found, missing: missing, err: err}
	}
}

func (m *Model) onDetails(msg detailsMsg) tea.Cmd {
	m.rows.Store(msg.stamp, msg.found) // the detail, if it shows one of these, follows
	m.rows.Done(msg.ids, msg.missing, msg.err)
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) && m.ctx.Err() == nil {
		m.setErr(fmt.Errorf("reading %d %s: %w (r retries)", len(msg.ids), m.rowWord(len(msg.ids)), msg.err))
	}
	return m.ensure()
}
