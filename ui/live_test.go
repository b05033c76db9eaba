package ui

import (
	"context"
	"fmt"
	"regexp"
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
	s.waitFor("the new rows in", func(sc string) bool { return !saysNew(sc) && settled(sc) && rowOf(sc) == 1 })
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

// handStream is a hand-made event stream: the test sends its batches.
type handStream struct {
	ch     chan model.LiveBatch
	closed atomic.Bool
}

func (s *handStream) Events() <-chan model.LiveBatch { return s.ch }
func (s *handStream) Close() error                   { s.closed.Store(true); return nil }

type handStreamer struct {
	s   *handStream
	err error
}

func (h handStreamer) OpenStream(context.Context) (model.Stream, error) {
	if h.err != nil {
		return nil, h.err
	}
	return h.s, nil
}

// send hands the console a batch, once it reads the stream.
func (s *handStream) send(t *testing.T, b model.LiveBatch) {
	t.Helper()
	select {
	case s.ch <- b:
	case <-time.After(hangBound):
		t.Fatal("the console never read the stream")
	}
}

// topIDs are the first n rows of the list as it opens (newest first).
func (r *liveRig) topIDs(t *testing.T, n int) []string {
	t.Helper()
	page, err := api.NewAlerts(r.h.client, nil).Query(context.Background(),
		model.Query{Filter: "show_in_ui:true", Sort: model.Sort{Field: "timestamp", Desc: true}, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	return page.IDs
}

// A row another analyst closed says so, on its row, in the footer and in
// the detail; polling does not know who, the stream does.
func TestLiveRowChangedByAnotherAnalyst(t *testing.T) {
	for _, via := range []string{"poll", "stream"} {
		t.Run(via, func(t *testing.T) {
			r := newLiveRig(t, 200)
			hs := &handStream{ch: make(chan model.LiveBatch)}
			if via == "stream" {
				r.o.Source.Streamer = handStreamer{s: hs}
			}
			s := startScreen(t, New(r.o), 120, 30)
			s.waitFor("rows", settled)
			id := r.topIDs(t, 3)[2]
			closed := model.StatusClosed
			r.asOther(t, model.Change{IDs: []string{id}, Status: &closed})
			want := "closed by another analyst at "
			if via == "poll" {
				r.tick(t)
			} else {
				want = "closed by carol@corp.example at "
				hs.send(t, model.LiveBatch{Source: "stream", Current: testBase,
					Events: []model.LiveEvent{{Kind: model.LiveChanged, ID: id, By: "carol@corp.example"}}})
			}
			sc := s.waitFor("the row marked", func(sc string) bool { return strings.HasPrefix(screenLines(sc)[5], " ≠") })
			if rowOf(sc) != 1 || strings.Contains(sc, want) {
				t.Fatalf("the cursor moved, or the footer spoke of a row it is not on:\n%s", sc)
			}
			if !strings.Contains(screenLines(sc)[5], "Closed") {
				t.Fatalf("the row does not show its new status:\n%s", sc)
			}
			s.key("j", "j")
			s.waitText("≠ " + want)
			s.key("enter")
			sc = s.waitText("Status")
			if !strings.Contains(screenLines(sc)[2], want) {
				t.Fatalf("the detail does not say who closed the row:\n%s", sc)
			}
			s.quit()
		})
	}
}

// The console's own write, echoed back by the stream, is not another
// analyst's: the row it wrote carries no mark, while a row another analyst
// closed in the same batch does.
func TestLiveOwnWriteEchoIsNotAnotherAnalyst(t *testing.T) {
	r := newLiveRig(t, 200)
	hs := &handStream{ch: make(chan model.LiveBatch)}
	r.o.Source.Streamer = handStreamer{s: hs}
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	ids := r.topIDs(t, 2)
	s.key("s", "c")
	waitMessage(s, "Status → Closed: 1 of 1 applied")
	closed := model.StatusClosed
	r.asOther(t, model.Change{IDs: ids[1:], Status: &closed})
	hs.send(t, model.LiveBatch{Source: "stream", Current: testBase, Events: []model.LiveEvent{
		{Kind: model.LiveChanged, ID: ids[0], By: "api-client-of-this-console"},
		{Kind: model.LiveChanged, ID: ids[1], By: "carol@corp.example"}}})
	sc := s.waitFor("the other analyst's row marked", func(sc string) bool { return strings.HasPrefix(screenLines(sc)[4], " ≠") })
	if strings.Contains(screenLines(sc)[3], "≠") || strings.Contains(sc, "by api-client") {
		t.Fatalf("the console's own write was taken for another analyst's:\n%s", sc)
	}
	s.quit()
	if !hs.closed.Load() {
		t.Fatal("the stream outlived the console")
	}
}

// A live answer landing while the analyst types in the filter line changes
// nothing of the text typed, nor where the next key goes.
func TestLiveAnswerWhileTypingInTheFilter(t *testing.T) {
	r := newLiveRig(t, 200)
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	s.key("j", "j")
	s.key("/")
	s.waitText("filter")
	s.typeText("status:'new'")
	s.waitText("status:'new'")
	added := r.newAlerts(t, 2)
	r.tick(t)
	s.waitText(fmt.Sprintf("▲ %d new", len(added)))
	s.typeText("+severity:>=50")
	sc := s.waitText("status:'new'+severity:>=50")
	if rowOf(sc) != 3 {
		t.Fatalf("the cursor moved while typing:\n%s", sc)
	}
	s.key("enter")
	s.waitFor("the filter applied", func(sc string) bool {
		return strings.Contains(sc, "filter: status:'new'+severity:>=50") && settled(sc)
	})
	s.quit()
}

// A stream refused (another console holds it) leaves polling, which says
// why and still brings new alerts.
func TestLivePollsWhenTheStreamIsRefused(t *testing.T) {
	r := newLiveRig(t, 200)
	r.o.Source.Streamer = handStreamer{err: fmt.Errorf("%w: held by another console", model.ErrNoStream)}
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	s.waitText("live: polling every 30s (? says why)")
	s.key("?")
	s.waitText("Keys ·")
	// The help's Live section, scrolled to (the help is longer than the
	// screen).
	scroll := regexp.MustCompile(`\((\d+)–(\d+) of (\d+)\)`)
	sc := s.waitText("scroll (")
	for !strings.Contains(sc[strings.Index(sc, "\n"):], "another console") {
		at := scroll.FindStringSubmatch(sc)
		if at == nil || at[2] == at[3] {
			break // the end of the help
		}
		s.key("j")
		sc = s.waitFor("the help scrolled", func(sc string) bool {
			now := scroll.FindStringSubmatch(sc)
			return now != nil && now[1] != at[1]
		})
	}
	for _, w := range []string{"polling", "every", "held", "another", "console"} {
		if !strings.Contains(sc[strings.Index(sc, "\n"):], w) {
			t.Fatalf("the help's body does not say why live polls (%q):\n%s", w, sc)
		}
	}
	s.key("esc")
	added := r.newAlerts(t, 1)
	r.tick(t)
	s.waitText(fmt.Sprintf("▲ %d new", len(added)))
	s.quit()
}

// Live pauses while the rate budget is low, says so, and polls again once
// it is not.
func TestLivePausesWhileTheRateBudgetIsLow(t *testing.T) {
	r := newLiveRig(t, 200)
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	s.tm.Send(RateMsg{Limit: 6000, Remaining: 100})
	s.waitText("live paused: rate budget low")
	r.newAlerts(t, 1)
	before := r.h.fake.Count("query")
	r.tick(t)
	r.tick(t) // the console waits again: the first interval was taken, and paused
	if n := r.h.fake.Count("query"); n != before {
		t.Fatalf("%d queries while paused", n-before)
	}
	s.tm.Send(RateMsg{Limit: 6000, Remaining: 5000})
	s.waitFor("live resumed", func(sc string) bool { return !strings.Contains(sc, "paused") })
	r.tick(t)
	s.waitText("▲")
	if n := r.h.fake.Count("query"); n != before+1 {
		t.Fatalf("%d queries after the pause, want 1", n-before)
	}
	s.quit()
}

// New alerts above the threshold notify at most once a minute, and never
// while a text field is open: the one owed goes when it closes.
func TestLiveNotifiesOnceAMinuteAndNeverWhileTyping(t *testing.T) {
	r := newLiveRig(t, 200)
	r.o.Notify = Notify{Severity: 1, Via: "osc9"}
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	sent := func() int { return strings.Count(string(s.raw), "\x1b]9;falcon-triage: ") }
	waitSent := func(n int) string {
		t.Helper()
		return s.waitFor(fmt.Sprintf("%d notifications", n), func(string) bool { return sent() >= n })
	}
	n := len(r.newAlerts(t, 2))
	r.tick(t)
	waitSent(1)
	// Two more polls bring more within the minute: the second lands after
	// any notification the first could have sent.
	for range 2 {
		n += len(r.newAlerts(t, 1))
		r.tick(t)
		s.waitText(fmt.Sprintf("▲ %d new", n))
	}
	if sent() != 1 {
		t.Fatalf("%d notifications within a minute", sent())
	}
	r.clock.Advance(61 * time.Second)
	r.tick(t)
	waitSent(2)
	s.key("/")
	s.waitText("filter")
	r.newAlerts(t, 1)
	r.clock.Advance(61 * time.Second)
	r.tick(t)
	r.tick(t)
	if sent() != 2 {
		t.Fatalf("a notification while the filter line was open")
	}
	s.typeText("x")
	s.key("esc")
	waitSent(3)
	s.quit()
}

// With live off (--no-live, live: false) the console is a snapshot: no
// interval is waited for and nothing is polled.
func TestNoLiveSendsNoPoll(t *testing.T) {
	r := newLiveRig(t, 200)
	r.o.Live = false
	s := startScreen(t, New(r.o), 120, 30)
	sc := s.waitFor("rows", settled)
	r.newAlerts(t, 2)
	before := r.h.fake.Count("query")
	s.key("j")
	s.waitFor("the cursor on row 2", func(sc string) bool { return rowOf(sc) == 2 })
	if r.waits.Load() != 0 || r.h.fake.Count("query") != before || strings.Contains(sc, "live") {
		t.Fatalf("live with live off: %d waits, %d queries", r.waits.Load(), r.h.fake.Count("query")-before)
	}
	s.quit()
}

// An idle hour of polling every 30 s, on a virtual clock: one query an
// interval, nothing else (no detail read: no row changed), and the screen
// repainted only when the minute the header shows changes. The numbers go
// in the README's Live section.
func TestLiveIdleHourCost(t *testing.T) {
	for _, backend := range []string{"alerts", "detects"} {
		t.Run(backend, func(t *testing.T) {
			r := newLiveRig(t, 200)
			if backend == "detects" {
				h := newBackendHarness(t, "detects", 200)
				r.h, r.o.Source = h, h.src
			}
			s := startScreen(t, New(r.o), 120, 30)
			s.waitFor("rows", settled)
			r.tick(t)
			s.waitText("live 12:00")
			reqs, sent := r.h.traffic.requests.Load(), r.h.traffic.bytes.Load()
			queries, reads := r.h.fake.Count("query"), r.h.fake.Count("summaries")
			s.waitFor("all drawn", func(string) bool { return true })
			drawn := len(s.raw)
			const polls = 120 // an hour at 30 s
			for range polls {
				r.clock.Advance(30 * time.Second)
				r.tick(t)
			}
			sc := s.waitText("live 13:00") // the last poll has landed
			painted := len(s.raw) - drawn
			t.Logf("%s, idle hour polling every 30s: %d requests (%d queries, %d detail reads), %d bytes received, %d bytes written to the terminal",
				backend, r.h.traffic.requests.Load()-reqs, r.h.fake.Count("query")-queries, r.h.fake.Count("summaries")-reads,
				r.h.traffic.bytes.Load()-sent, painted)
			if n := r.h.fake.Count("query") - queries; n != polls {
				t.Errorf("%d queries in an idle hour, want %d", n, polls)
			}
			if n := r.h.fake.Count("summaries") - reads; n != 0 {
				t.Errorf("%d detail reads in an idle hour", n)
			}
			if strings.Contains(sc, "▲") || strings.Contains(sc, "≠") {
				t.Fatalf("an idle hour announced changes:\n%s", sc)
			}
			// A repaint a minute, of the header's time: some 60 small ones.
			if painted > 60*200 {
				t.Errorf("%d bytes written in an idle hour", painted)
			}
			s.quit()
		})
	}
}

// The stream's new alerts are counted once the list's filter is asked
// about them (the stream names every product's, the list shows its own);
// a stream that ends leaves polling, which says so.
func TestLiveStreamNewAlertsCountedThenPolling(t *testing.T) {
	r := newLiveRig(t, 200)
	hs := &handStream{ch: make(chan model.LiveBatch)}
	r.o.Source.Streamer = handStreamer{s: hs}
	s := startScreen(t, New(r.o), 120, 30)
	s.waitFor("rows", settled)
	s.key("/")
	s.typeText("severity:>=60")
	s.key("enter")
	s.waitFor("the filter applied", func(sc string) bool { return strings.Contains(sc, "filter: severity:>=60") && settled(sc) })
	added := r.newAlerts(t, 4)
	page, err := api.NewAlerts(r.h.client, nil).Query(context.Background(),
		model.Query{Filter: model.And(model.In("composite_id", added), "severity:>=60"), Limit: 500})
	if err != nil || len(page.IDs) == 0 || len(page.IDs) == len(added) {
		t.Fatalf("want some of the new alerts at 60 or more, some under: %v %d of %d", err, len(page.IDs), len(added))
	}
	events := make([]model.LiveEvent, len(added))
	for i, id := range added {
		events[i] = model.LiveEvent{Kind: model.LiveNew, ID: id}
	}
	hs.send(t, model.LiveBatch{Source: "stream", Current: testBase.Add(time.Minute), Events: events})
	sc := s.waitText(fmt.Sprintf("▲ %d new", len(page.IDs)))
	if !strings.Contains(sc, "live 12:01") || strings.Contains(sc, "poll") {
		t.Fatalf("the header does not say the stream's time:\n%s", sc)
	}
	close(hs.ch)
	s.waitText("live: polling every 30s (? says why)")
	s.quit()
}

// The views' hook: their filters are polled in the same one request, new
// rows still counted under the list's own filter, and their recount asked
// only after a batch with news.
func TestLiveViewsHook(t *testing.T) {
	r := newLiveRig(t, 200)
	m := New(r.o)
	var recounts atomic.Int64
	m.SetLiveViews(func() []string { return []string{"severity:>=90"} }, func() tea.Cmd { recounts.Add(1); return nil })
	s := startScreen(t, m, 120, 30)
	s.waitFor("rows", settled)
	before := r.h.fake.Count("query")
	r.tick(t)
	r.tick(t) // the first poll landed, with no news
	if recounts.Load() != 0 || r.h.fake.Count("query") != before+1 {
		t.Fatalf("%d recounts and %d queries for a poll with no news", recounts.Load(), r.h.fake.Count("query")-before)
	}
	added := r.newAlerts(t, 2)
	r.tick(t)
	s.waitText(fmt.Sprintf("▲ %d new", len(added)))
	if recounts.Load() == 0 {
		t.Fatal("no recount after a batch with news")
	}
	s.quit()
}
