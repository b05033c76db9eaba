package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
)

// liveRig is a console on the fake's Alerts with live on, its ticker in the
// test's hand: tick() lets one interval pass, once the console waits for it.
type liveRig struct {
	h     *harness
	o     Options
	ticks chan struct{}
	waits atomic.Int64 // intervals the console began to wait for
	clock *clock
}

func newLiveRig(t *testing.T, count int) *liveRig {
	t.Helper()
	r := &liveRig{h: newBackendHarness(t, "alerts", count), ticks: make(chan struct{}), clock: newClock(testBase)}
	r.o = r.h.options(t)
	r.o.Live, r.o.Now = true, r.clock.Now
	r.o.LiveWait = func(ctx context.Context, d time.Duration) bool {
		r.waits.Add(1)
		select {
		case <-r.ticks:
			return true
		case <-ctx.Done():
			return false
		}
	}
	return r
}

// tick lets an interval pass: it returns once the console has taken it.
func (r *liveRig) tick(t *testing.T) {
	t.Helper()
	select {
	case r.ticks <- struct{}{}:
	case <-time.After(hangBound):
		t.Fatal("the console never waited for the next interval")
	}
}

// newAlerts adds n incidents to the fake and returns their alerts the list
// shows (not hidden), as the service names them.
func (r *liveRig) newAlerts(t *testing.T, n int) []string {
	t.Helper()
	var aggs []string
	for _, id := range r.h.fake.AddIncidents(n) {
		parts := strings.Split(id, ":")
		aggs = append(aggs, "aggind:"+parts[1]+":"+parts[2])
	}
	b := api.NewAlerts(r.h.client, nil)
	page, err := b.Query(context.Background(), model.Query{Filter: model.And(model.In("aggregate_id", aggs), "show_in_ui:true"), Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return page.IDs
}

// asOther changes rows as another analyst would: another API client.
func (r *liveRig) asOther(t *testing.T, c model.Change) {
	t.Helper()
	id, secret := r.h.fake.Credentials()
	other, err := api.New(api.Config{ClientID: id, ClientSecret: secret, BaseURL: r.h.srv.URL, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.NewAlerts(other, nil).Update(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// listLines are the screen's list rows (no header, no footer).
func listLines(sc string) string {
	l := screenLines(sc)
	return strings.Join(l[3:len(l)-3], "\n")
}

// New alerts arriving never move the cursor nor the rows on screen: the
// header counts them, and g brings them in with the cursor on the first.
func TestLiveNewRowsNeverMoveTheCursor(t *testing.T) {
	r := newLiveRig(t, 200)
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	s.key("j", "j", "j", "j")
	before := s.waitFor("the cursor on row 5", func(sc string) bool { return rowOf(sc) == 5 })
	r.tick(t) // the first poll: nothing new
	var added []string
	for range 3 {
		added = append(added, r.newAlerts(t, 2)...)
		r.tick(t)
		want := fmt.Sprintf("▲ %d new", len(added))
		sc := s.waitText(want)
		if rowOf(sc) != 5 || cursorLine(sc) != cursorLine(before) {
			t.Fatalf("the cursor moved as alerts arrived:\nbefore %q\nafter  %q", cursorLine(before), cursorLine(sc))
		}
		if listLines(sc) != listLines(before) {
			t.Fatalf("the rows on screen changed as alerts arrived:\n%s\n---\n%s", listLines(before), listLines(sc))
		}
	}
	s.key("g")
	s.waitFor("the new rows in", func(sc string) bool { return !strings.Contains(sc, "▲") && settled(sc) && rowOf(sc) == 1 })
	m := s.quit()
	if !slices.Contains(added, m.list.CursorID()) {
		t.Fatalf("g left the cursor on %s, not on a new row (%v)", m.list.CursorID(), added)
	}
	for _, id := range added {
		if !slices.Contains(m.list.IDs(), id) {
			t.Fatalf("g did not bring in %s", id)
		}
	}
}

// rowOf is the screen row (from 1) of the cursor among the list's rows.
func rowOf(sc string) int {
	for i, l := range screenLines(sc)[3:] {
		if strings.HasPrefix(l, "▶") {
			return i + 1
		}
	}
	return 0
}

var _ = tea.Quit
