package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/live"
	"github.com/falcon-triage/falcon-triage/ui/modal"
)

// The stream names as new an alert the list counted in its total but has
// not loaded (a late report, or the replay of the minutes before the
// stream opened): page 1 of many loaded, sorted by time, an alert older
// than the last loaded row is no news, and g goes to the one really new.
func TestLiveAlertBeyondTheLoadedRowsIsNotNew(t *testing.T) {
	r := newLiveRig(t, 766)
	hs := &handStream{ch: make(chan model.LiveBatch)}
	r.o.Source.Streamer = handStreamer{s: hs}
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	older := r.topIDs(t, 500)[499] // far below page 1
	added := r.newAlerts(t, 1)
	events := []model.LiveEvent{{Kind: model.LiveNew, ID: older}}
	for _, id := range added {
		events = append(events, model.LiveEvent{Kind: model.LiveNew, ID: id})
	}
	hs.send(t, model.LiveBatch{Source: "stream", Current: testBase, Events: events})
	s.waitText(fmt.Sprintf("▲ %d new", len(added)))
	s.key("g")
	sc := s.waitFor("the new rows in", func(sc string) bool { return !saysNew(sc) && settled(sc) })
	// The rows g brought in say so in their gutter, until the next query.
	if n := broughtRows(sc); n != len(added) {
		t.Fatalf("%d rows marked ▲ after g, want the %d brought in:\n%s", n, len(added), sc)
	}
	s.key("r")
	s.waitFor("the refresh", func(sc string) bool { return settled(sc) && broughtRows(sc) == 0 })
	m := s.quit()
	if !slices.Contains(added, m.list.CursorID()) {
		t.Fatalf("g put the cursor on %s, not on a new row %v (the older one is %s)", m.list.CursorID(), added, older)
	}
}

// liveDriver is a console on the fake's Alerts with live on, driven by
// hand (every answer held back until the test delivers it); its intervals
// pass at once (their ticks are held like any answer). A stream, if given,
// is read from a buffered channel, so the driver never blocks on it.
func liveDriver(t *testing.T, count int, hs *handStream, mod ...func(*Options)) (*driver, *liveRig) {
	t.Helper()
	r := newLiveRig(t, count)
	r.o.LiveWait = func(ctx context.Context, _ time.Duration) bool { return ctx.Err() == nil }
	if hs != nil {
		r.o.Source.Streamer = handStreamer{s: hs}
	}
	for _, f := range mod {
		f(&r.o)
	}
	d := newDriver(t, r.o)
	t.Cleanup(func() { _ = d.m.Close(hangBound) })
	return d, r
}

// isLive reports a live answer of the type named ("pollMsg", "matchMsg",
// …), or any live answer for "".
func isLive(name string) func(tea.Msg) bool {
	return func(m tea.Msg) bool {
		if tm, ok := m.(tenantMsg); ok {
			m = tm.msg
		}
		_, ok := m.(live.Msg)
		return ok && (name == "" || fmt.Sprintf("%T", m) == "live."+name)
	}
}

// settleButLive runs and delivers every answer but live's, which stay
// held.
func (d *driver) settleButLive() {
	d.t.Helper()
	for i := 0; ; i++ {
		d.run()
		j := slices.IndexFunc(d.held, func(m tea.Msg) bool { return !isLive("")(m) })
		if j < 0 {
			return
		}
		if i > 10000 {
			d.t.Fatalf("the console does not settle: %s", d.heldTypes())
		}
		msg := d.held[j]
		d.held = append(d.held[:j], d.held[j+1:]...)
		d.send(msg)
	}
}

// filterTo applies a filter typed on the list, every answer but live's
// delivered.
func (d *driver) filterTo(f string) {
	d.key("/")
	d.settleButLive()
	d.typeText(f)
	d.key("enter")
	d.settleButLive()
	if d.m.list.Current().Filter != f {
		d.t.Fatalf("the filter did not land: %q", d.m.list.Current().Filter)
	}
}

// A poll asked for the list under one filter that lands once the list
// shows another counts nothing: its rows matched the old filter.
func TestLivePollAnswerForAnotherFilterCountsNothing(t *testing.T) {
	d, r := liveDriver(t, 200, nil)
	d.settleButLive()
	r.newAlerts(t, 3)
	deliver(d, isLive("tickMsg"))
	d.run() // the poll asked, under the list's filter of now
	d.filterTo("status:'closed'")
	deliver(d, isLive("pollMsg"))
	if sc := d.screen(); strings.Contains(sc, "▲") {
		t.Fatalf("rows of the filter left counted new:\n%s", sc)
	}
}

// The same of a match asked for the stream's new alerts: the list's
// filter changed meanwhile, nothing is counted; and a batch that lands
// while the list's query is asked for is matched against no filter (which
// would match every product's alert).
func TestLiveMatchAnswerForAnotherFilterCountsNothing(t *testing.T) {
	hs := &handStream{ch: make(chan model.LiveBatch, 3)}
	d, r := liveDriver(t, 200, hs)
	d.run()
	deliver(d, isLive("openedMsg")) // the stream opens before the list lands
	older := r.topIDs(t, 150)[149]
	var events []model.LiveEvent
	for _, id := range r.newAlerts(t, 3) {
		events = append(events, model.LiveEvent{Kind: model.LiveNew, ID: id})
	}
	hs.ch <- model.LiveBatch{Source: "stream", Current: testBase, Events: []model.LiveEvent{{Kind: model.LiveNew, ID: older}}}
	hs.ch <- model.LiveBatch{Source: "stream", Current: testBase, Events: events}
	d.run()
	deliver(d, isLive("batchMsg"))
	d.run()
	if n := slices.IndexFunc(d.held, isLive("matchMsg")); n >= 0 {
		t.Fatal("a batch landing while the list's query is asked for was matched (against no filter)")
	}
	d.settleButLive()
	hs.ch <- model.LiveBatch{Source: "stream", Current: testBase} // quiet: the next read
	deliver(d, isLive("batchMsg"))
	d.run() // the match asked, under the list's filter of now
	d.filterTo("status:'closed'")
	deliver(d, isLive("matchMsg"))
	if sc := d.screen(); strings.Contains(sc, "▲") {
		t.Fatalf("rows of the filter left counted new:\n%s", sc)
	}
}

// A busy stream does not starve the views' counts: fifty batches with news
// cost one aggregate request (one in flight at a time, at most one per
// RecountGap from live), the tabs show their counts, and the recount owed
// goes with the first answer past the gap.
func TestLiveBusyStreamRecountsTheViewsOncePerGap(t *testing.T) {
	r := newLiveRig(t, 200)
	r.o.Views = threeViews
	hs := &handStream{ch: make(chan model.LiveBatch)}
	r.o.Source.Streamer = handStreamer{s: hs}
	s := startScreen(t, New(r.o), 120, 30)
	counted := func(sc string) bool { return settled(sc) && !strings.Contains(screenLines(sc)[1], "…") }
	s.waitFor("rows and counts", counted)
	before := r.h.fake.Count("aggregates")
	for range 50 {
		hs.send(t, model.LiveBatch{Source: "stream", Current: testBase,
			Events: []model.LiveEvent{{Kind: model.LiveChanged, ID: "not-a-row-on-screen"}}})
	}
	hs.send(t, model.LiveBatch{Source: "stream", Current: testBase}) // the 50th has landed
	s.waitFor("the counts", func(sc string) bool { return counted(sc) && r.h.fake.Count("aggregates") > before })
	if n := r.h.fake.Count("aggregates") - before; n != 1 {
		t.Fatalf("%d aggregate requests for 50 batches within %s, want 1", n, RecountGap)
	}
	r.clock.Advance(RecountGap)
	hs.send(t, model.LiveBatch{Source: "stream", Current: testBase.Add(RecountGap)})
	hs.send(t, model.LiveBatch{Source: "stream", Current: testBase.Add(RecountGap)})
	s.waitFor("the owed recount", func(sc string) bool { return counted(sc) && r.h.fake.Count("aggregates") >= before+2 })
	m := s.quit()
	if n := r.h.fake.Count("aggregates") - before; n != 2 {
		t.Fatalf("%d aggregate requests, want the owed one past the gap too", n)
	}
	for i := range threeViews {
		if m.views.Count(i) < 0 {
			t.Fatalf("view %d has no count", i+1)
		}
	}
}

// broughtRows counts the list's rows marked ▲ in their gutter.
func broughtRows(sc string) int {
	n := 0
	for _, l := range screenLines(sc)[3:] {
		if r := []rune(l); len(r) > 1 && r[1] == '▲' {
			n++
		}
	}
	return n
}

// saysNew reports the header's ▲ N new.
func saysNew(sc string) bool { return strings.Contains(strings.Join(screenLines(sc)[:3], "\n"), "▲") }

// A notification owed while the filter line is open waits until it
// closes: no sequence is written while a text field is in front.
func TestLiveNotificationWaitsForTheFieldToClose(t *testing.T) {
	d, r := liveDriver(t, 200, nil, func(o *Options) { o.Notify = Notify{Severity: 1, Via: "osc9"} })
	d.settleButLive()
	r.newAlerts(t, 2)
	d.key("/")
	d.settleButLive()
	deliver(d, isLive("tickMsg"))
	d.run()
	deliver(d, isLive("pollMsg"))
	d.run()
	if !saysNew(d.screen()) {
		t.Fatalf("the poll brought nothing:\n%s", d.screen())
	}
	if n := holds[tea.RawMsg](d); n != 0 {
		t.Fatalf("%d sequences written while the filter line was open", n)
	}
	d.key("esc")
	d.run()
	raw := takeLast[tea.RawMsg](d)
	if !strings.HasPrefix(fmt.Sprint(raw.Msg), "\x1b]9;falcon-triage: ") {
		t.Fatalf("not the notification: %q", raw.Msg)
	}
}

// The poll watches the views' filters too: a row changed that only a view
// other than the list's shows (closed, it left the list's filter) still
// makes the tabs count again.
func TestLivePollWatchesTheViews(t *testing.T) {
	d, r := liveDriver(t, 200, nil, withViews(threeViews[0], threeViews[1]))
	d.settleButLive()
	page, err := api.NewAlerts(r.h.client, nil).Query(context.Background(),
		model.Query{Filter: "severity:>=70+status:'new'+show_in_ui:true", Limit: 1})
	if err != nil || len(page.IDs) != 1 {
		t.Fatalf("no alert of view 2 to close: %v", err)
	}
	closed := model.StatusClosed
	r.asOther(t, model.Change{IDs: page.IDs, Status: &closed})
	before := r.h.fake.Count("aggregates")
	deliver(d, isLive("tickMsg"))
	d.run()
	deliver(d, isLive("pollMsg"))
	d.settleButLive()
	if n := r.h.fake.Count("aggregates") - before; n != 1 {
		t.Fatalf("%d recounts after a change only view 2 shows, want 1", n)
	}
}

// The console's own write is its own only while the row holds what it
// wrote: another analyst changing the same row within the window is
// another analyst's change, and says so.
func TestLiveAnotherChangeAfterOwnWriteIsShown(t *testing.T) {
	r := newLiveRig(t, 200)
	hs := &handStream{ch: make(chan model.LiveBatch)}
	r.o.Source.Streamer = handStreamer{s: hs}
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	ids := r.topIDs(t, 1)
	s.key("s", "c")
	waitMessage(s, "Status → Closed: 1 of 1 applied")
	reopened := model.StatusInProgress
	r.asOther(t, model.Change{IDs: ids, Status: &reopened})
	hs.send(t, model.LiveBatch{Source: "stream", Current: testBase, Events: []model.LiveEvent{
		{Kind: model.LiveChanged, ID: ids[0], By: "carol@corp.example"}}})
	s.waitFor("the row marked", func(sc string) bool { return strings.HasPrefix(screenLines(sc)[3], "▶≠") })
	s.waitText("≠ in progress by carol@corp.example")
	s.quit()
}

// A poll of the parent tenant, held back until the console is in a child,
// counts nothing there: its rows are another tenant's.
func TestLiveAnswerOfTheTenantLeftCountsNothing(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	o := h.options(t)
	o.Tenants, o.IDChunk, o.Live = ten, 20, true
	o.LiveWait = func(ctx context.Context, _ time.Duration) bool { return ctx.Err() == nil }
	d := newDriver(t, o)
	d.epochs = true
	t.Cleanup(func() { _ = d.m.Close(hangBound) })
	d.run()
	d.settleButLive()
	h.fake.AddIncidents(3)
	deliver(d, isLive("tickMsg"))
	d.run()
	late := d.held[slices.IndexFunc(d.held, isLive("pollMsg"))]
	d.held = slices.DeleteFunc(d.held, isLive(""))
	d.key("p")
	d.run()
	deliver[childrenMsg](d)
	d.run()
	d.send(takeStamped[modal.ArmMsg](d))
	d.typeText("north")
	d.key("enter")
	d.run()
	deliver[switchedMsg](d)
	d.settleButLive()
	if !allOf(d.m.list.IDs(), kids[0].CID) {
		t.Fatalf("not in the child: %v", d.m.list.IDs())
	}
	d.send(late)
	d.run()
	if saysNew(d.screen()) {
		t.Fatalf("the parent's poll counted new rows in the child:\n%s", d.screen())
	}
}
