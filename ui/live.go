package ui

import (
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/live"
	"github.com/falcon-triage/falcon-triage/ui/screen"
	"github.com/falcon-triage/falcon-triage/ui/status"
)

// Notify is when and how new alerts are announced (the config's notify).
type Notify = live.Notify

// MinPollInterval is the shortest poll interval the console takes.
const MinPollInterval = live.MinEvery

// liveHooks are what another part of the console adds to live: the views'
// filters, polled with the list's, and their recount after a batch.
type liveHooks struct {
	filters func() []string
	recount func() tea.Cmd
	// owed: a batch with news landed since the last recount, sent at
	// last (at most one per RecountGap from live).
	owed bool
	last time.Time
}

// RecountGap is the least time between two recounts of the views asked
// by live: a busy stream costs one aggregate request per gap, not one per
// batch (r, and the console's own changes, recount at once).
const RecountGap = 10 * time.Second

// SetLiveViews makes live poll the views' filters with the list's (filters
// returns each view's filter as sent) and call recount after every batch
// that lands, so the views' counts stay current. Either may be nil.
func (m *Model) SetLiveViews(filters func() []string, recount func() tea.Cmd) {
	m.hooks = liveHooks{filters: filters, recount: recount}
}

// newLive makes the live part, nil when the console keeps a snapshot.
func (m *Model) newLive() *live.Live {
	if !m.o.Live {
		return nil
	}
	return live.New(live.Deps{Rows: m.rows, Ctx: m.ctx, Streamer: m.o.Source.Streamer, Every: m.o.PollInterval,
		Wait: m.o.LiveWait, Now: m.o.Now, Location: m.o.Location, Notify: m.o.Notify, Names: m.dir.Name})
}

// startLive opens the stream or starts polling, once connected.
func (m *Model) startLive() tea.Cmd {
	if m.lv == nil {
		return nil
	}
	return m.lv.Start(m.b)
}

// liveScreen is what the list shows, for a live answer landing now.
func (m *Model) liveScreen() live.Screen {
	ids := m.list.IDs()
	held := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		held[id] = struct{}{}
	}
	sc := live.Screen{Holds: func(id string) bool { _, ok := held[id]; return ok },
		Done: m.list.Done(), Sort: m.list.Current().Sort, Gen: m.list.Gen(), Asked: m.list.AskedAt()}
	if m.list.Context() != nil && !m.list.Pending() {
		// The list on screen, as its query was sent; none while a query is
		// asked for (its rows are about to be replaced).
		sc.Filter = m.list.Effective(m.list.Current())
	}
	if n := len(ids); n > 0 {
		// The last loaded row read: the rows loaded further down are not
		// read yet, and a row sorting after this one may be among them.
		for i := n - 1; i >= 0 && sc.Last == nil; i-- {
			sc.Last, _ = m.rows.Peek(ids[i])
		}
		sc.Shown = ids[min(n, m.list.Top()):min(n, m.list.Top()+m.rowsOnScreen())]
	}
	if m.hooks.filters != nil {
		sc.Extra = m.hooks.filters()
	}
	return sc
}

// onLive takes a live answer: it changes what is drawn, never the cursor,
// a mark, a draft or what the next key means.
func (m *Model) onLive(msg live.Msg) tea.Cmd {
	if m.lv == nil {
		return nil
	}
	out, cmd := m.lv.Update(msg, m.liveScreen())
	if _, isErr := m.bar.Message("", false); out.Say != "" && !isErr {
		// That live polls, in one line (the help says why); a word about a
		// failure stays in front of it, and the next key takes it back.
		m.bar.Set(status.Word{Text: out.Say})
	}
	if out.Landed && m.hooks.recount != nil {
		m.hooks.owed = true
	}
	if now := m.o.Now(); m.hooks.owed && now.Sub(m.hooks.last) >= RecountGap {
		// Owed, it goes with the next live answer past the gap (the
		// stream's quiet batches, the next poll).
		m.hooks.owed, m.hooks.last = false, now
		cmd = tea.Batch(cmd, m.hooks.recount())
	}
	return cmd
}

// notification is the notification owed, once no text field is open.
func (m *Model) notification() tea.Cmd {
	if m.lv == nil {
		return nil
	}
	return m.lv.Notification(m.stack.InputInFront() != nil)
}

// newRows is the header's count of rows new to the list, "" for none.
func (m *Model) newRows() string {
	if m.lv == nil || len(m.lv.New()) == 0 || m.ov.Shown() {
		return ""
	}
	return "▲ " + screen.Commas(len(m.lv.New())) + " new"
}

// liveOrigin is the query g asked for, to land on the first new row.
type liveOrigin struct{ ids []string }

// takeNew brings the new rows in (the query asked again) and goes to the
// first of them; marks, being by id, stay.
func (m *Model) takeNew() tea.Cmd {
	ids := slices.Clone(m.lv.New())
	m.bar.Set(status.Word{Text: "bringing in " + screen.Commas(len(ids)) + " new " + m.rowWord(len(ids)) + "…", Life: status.UntilLoaded})
	return tea.Batch(m.list.Start(m.list.Latest(), liveOrigin{ids}, 0), m.bar.Spin())
}

// landedLive is told of every query landing: what live said of the rows
// before is over (the new ones are in, the changed ones read); g's own
// landing puts the cursor on the first new row.
func (m *Model) landedLive(l *list.Landing) tea.Cmd {
	if m.lv == nil {
		return nil
	}
	m.lv.Landed()
	o, ok := l.Origin.(liveOrigin)
	if !ok {
		return nil
	}
	m.lv.Brought(o.ids)
	ids := m.list.IDs()
	for i, id := range ids {
		if slices.Contains(o.ids, id) {
			return m.applyList(m.list.MoveTo(i))
		}
	}
	return nil
}

// liveGlyph is a row's glyph: the triage runner's first, then ≠ for a row
// another analyst changed, then ▲ for a row g brought in (until the next
// query).
func (m *Model) liveGlyph(id string) string {
	if g := m.run.Glyph(id); g != "" || m.lv == nil {
		return g
	}
	if _, ok := m.lv.NoteOf(id); ok {
		return "≠"
	}
	if m.lv.WasBrought(id) {
		return "▲"
	}
	return ""
}

// liveNote says what another analyst did to the row, "" if nothing seen.
func (m *Model) liveNote(id string) string {
	if m.lv == nil {
		return ""
	}
	if n, ok := m.lv.NoteOf(id); ok {
		return "≠ " + m.lv.Words(n)
	}
	return ""
}

// liveHelp adds to the help's body where live rows come from and why
// (the footer says it in short, the help's title cut to its width).
func liveHelp(titles []string, groups [][]key.Binding, lv *live.Live) ([]string, [][]key.Binding) {
	b := key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "go to the new rows ▲ counts · "+lv.Source()))
	return append(titles, "Live"), append(groups, []key.Binding{b})
}
