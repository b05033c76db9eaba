package list

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// DetailsMsg answers a read of the rows on screen.
type DetailsMsg struct {
	stamp   uint64
	ids     []string
	found   []model.Detection
	missing map[string]string
	err     error
}

// fetchDetails reads rows for the screen, under the context of the query
// they belong to: a query replaced cancels its reads.
func (l *List) fetchDetails(ctx context.Context, ids []string) tea.Cmd {
	b, stamp := l.b, l.Rows.Stamp()
	return func() (msg tea.Msg) {
		defer screen.Recover(&msg, func(err error) tea.Msg { return DetailsMsg{stamp: stamp, ids: ids, err: err} })
		found, missing, err := b.Details(ctx, ids)
		return DetailsMsg{stamp: stamp, ids: ids, found: found, missing: missing, err: err}
	}
}

func (l *List) onDetails(msg DetailsMsg) tea.Cmd {
	l.Rows.Store(msg.stamp, msg.found) // the detail, if it shows one of these, follows
	l.Rows.Done(msg.ids, msg.missing, msg.err)
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) && l.Ctx.Err() == nil {
		l.setErr(fmt.Errorf("reading %d %s: %w (r retries)", len(msg.ids), l.rowWord(len(msg.ids)), msg.err))
	}
	return l.ensure()
}
