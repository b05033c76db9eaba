package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// streamClock is a virtual clock: the client's timers and the fake's Now.
// Every timer asked for is announced; the test fires the ones it wants.
type streamClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*streamTimer
	asked  chan struct{}
	lastD  time.Duration
}

type streamTimer struct {
	d time.Duration
	c chan time.Time
}

func newStreamClock() *streamClock {
	return &streamClock{now: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC), asked: make(chan struct{}, 1000)}
}

func (k *streamClock) Now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.now
}

func (k *streamClock) advance(d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.now = k.now.Add(d)
}

func (k *streamClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := &streamTimer{d: d, c: make(chan time.Time, 1)}
	k.mu.Lock()
	k.timers = append(k.timers, t)
	k.lastD = d
	k.mu.Unlock()
	k.asked <- struct{}{}
	return t.c, func() {}
}

// timer waits for the next timer asked for that match says is the one,
// leaving the others.
func (k *streamClock) timer(t *testing.T, what string, match func(time.Duration) bool) *streamTimer {
	t.Helper()
	for {
		k.mu.Lock()
		for i, x := range k.timers {
			if match(x.d) {
				k.timers = slices.Delete(k.timers, i, i+1)
				k.mu.Unlock()
				return x
			}
		}
		k.mu.Unlock()
		select {
		case <-k.asked:
		case <-time.After(20 * time.Second):
			t.Fatalf("no %s timer was asked for", what)
		}
	}
}

func (x *streamTimer) fire() { x.c <- time.Time{} }

func isBackoff(d time.Duration) bool { return d <= maxStreamBackoff }

func exactly(want time.Duration) func(time.Duration) bool {
	return func(d time.Duration) bool { return d == want }
}

type streamEnv struct {
	f     *fake.Server
	url   string
	clock *streamClock
	c     *Client
}

func newStreamEnv(t *testing.T, o fake.Options) *streamEnv {
	t.Helper()
	clock := newStreamClock()
	o.Now = clock.Now
	o.DetectsGone = true
	if o.Count == 0 {
		o.Count = 30
	}
	// Keep-alives only when a test sends them.
	o.Ticker = func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	f, srv := fake.NewServer(o)
	t.Cleanup(srv.Close)
	t.Cleanup(f.Close)
	e := &streamEnv{f: f, url: srv.URL, clock: clock}
	e.c = e.client(t, "falcontriagetest")
	return e
}

func (e *streamEnv) client(t *testing.T, app string) *Client {
	t.Helper()
	id, secret := e.f.Credentials()
	c, err := New(Config{ClientID: id, ClientSecret: secret, BaseURL: e.url, StreamAppID: app, StreamClock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func open(t *testing.T, c *Client) model.Stream {
	t.Helper()
	st, err := c.OpenStream(context.Background())
	if err != nil {
		t.Fatalf("OpenStream: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// batch waits for the next batch.
func batch(t *testing.T, st model.Stream) model.LiveBatch {
	t.Helper()
	select {
	case b, ok := <-st.Events():
		if !ok {
			t.Fatal("the stream ended")
		}
		return b
	case <-time.After(20 * time.Second):
		t.Fatal("no batch came")
	}
	return model.LiveBatch{}
}

// events reads batches until n events came.
func events(t *testing.T, st model.Stream, n int) []model.LiveEvent {
	t.Helper()
	var out []model.LiveEvent
	for len(out) < n {
		b := batch(t, st)
		if b.Source != "stream" {
			t.Fatalf("source %q", b.Source)
		}
		out = append(out, b.Events...)
	}
	if len(out) != n {
		t.Fatalf("%d events, want %d: %+v", len(out), n, out)
	}
	return out
}

// newAlerts adds n incidents and returns their alerts' ids.
func newAlerts(f *fake.Server, n int) []string {
	before := map[string]bool{}
	for _, id := range f.AlertIDs() {
		before[id] = true
	}
	f.AddIncidents(n)
	var ids []string
	for _, id := range f.AlertIDs() {
		if !before[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

func eventIDs(evs []model.LiveEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func TestStreamBringsNewAlertsAndOtherAnalystsChanges(t *testing.T) {
	e := newStreamEnv(t, fake.Options{})
	st := open(t, e.c)
	if b := batch(t, st); len(b.Events) != 0 || b.Current.IsZero() || b.Note != "" {
		t.Fatalf("first batch (the connection's own audit event only): %+v", b)
	}
	added := newAlerts(e.f, 1)
	got := events(t, st, len(added))
	if !slices.Equal(eventIDs(got), added) {
		t.Fatalf("new alerts %v, want %v", eventIDs(got), added)
	}
	for i, ev := range got {
		if ev.Kind != model.LiveNew || ev.Severity <= 0 || ev.At.IsZero() || ev.Offset == 0 || (i > 0 && ev.Offset <= got[i-1].Offset) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}

	if err := e.f.ChangeAsOther(added[0], "bruno", "closed"); err != nil {
		t.Fatal(err)
	}
	ch := events(t, st, 1)[0]
	if ch.Kind != model.LiveChanged || ch.ID != added[0] || ch.By != "bruno.costa@corp.example" || ch.What != "status closed" {
		t.Fatalf("another analyst's change: %+v", ch)
	}
	if err := e.f.ChangeAsOther(added[0], "dana", ""); err != nil {
		t.Fatal(err)
	}
	if ch := events(t, st, 1)[0]; ch.What != "assigned to dana.levy@corp.example" || ch.By != "dana.levy@corp.example" {
		t.Fatalf("another analyst's assignment: %+v", ch)
	}

	// The console's own write comes back as its API client's.
	status := model.StatusInProgress
	if _, err := NewAlerts(e.c, nil).Update(context.Background(), model.Change{IDs: added[:1], Status: &status, Comment: "looking"}); err != nil {
		t.Fatal(err)
	}
	own := events(t, st, 1)[0]
	if id, _ := e.f.Credentials(); own.By != id || own.ID != added[0] || !strings.Contains(own.What, "status in progress") || !strings.Contains(own.What, "commented") {
		t.Fatalf("own write: %+v", own)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.f.WaitStreamConnections(ctx, 0); err != nil {
		t.Fatalf("after Close: %v", err)
	}
	if _, ok := <-st.Events(); ok {
		t.Fatal("the batches' channel is open after Close")
	}
}

func TestStreamLeavesOutHistoryOnItsFirstConnection(t *testing.T) {
	e := newStreamEnv(t, fake.Options{})
	old := newAlerts(e.f, 1)
	e.clock.advance(10 * time.Minute)
	st := open(t, e.c)
	fresh := newAlerts(e.f, 1)
	var got []model.LiveEvent
	for len(got) < len(fresh) {
		got = append(got, batch(t, st).Events...)
	}
	if !slices.Equal(eventIDs(got), fresh) {
		t.Fatalf("got %v, want only the alerts since the stream opened %v (not %v)", eventIDs(got), fresh, old)
	}
}

func TestStreamOfAnAppIDHeldElsewhereIsBusy(t *testing.T) {
	e := newStreamEnv(t, fake.Options{})
	st := open(t, e.c)
	batch(t, st) // the feed is open
	_, err := e.client(t, "falcontriagetest").OpenStream(context.Background())
	if !errors.Is(err, model.ErrNoStream) || !strings.Contains(err.Error(), "held by another console") {
		t.Fatalf("second console: %v", err)
	}
	// Another appId has its own stream.
	other := open(t, e.client(t, "falcontriageother"))
	batch(t, other)
	if n := e.f.StreamConnections(); n != 2 {
		t.Fatalf("%d feeds open, want 2", n)
	}
}

func TestStreamWithoutTheScopeSaysWhichScope(t *testing.T) {
	e := newStreamEnv(t, fake.Options{DenyStreamScope: true})
	_, err := e.c.OpenStream(context.Background())
	if !errors.Is(err, model.ErrNoStream) || StatusOf(err) != http.StatusForbidden || !strings.Contains(err.Error(), "Event streams: read") {
		t.Fatalf("without the scope: %v", err)
	}
}

// allOnce checks that every id came exactly once.
func allOnce(t *testing.T, got []model.LiveEvent, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, ev := range got {
		seen[ev.ID]++
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("%s came %d times", id, seen[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d events, want %d", len(got), len(want))
	}
}

// newOnly reads batches until n LiveNew events came, noting the notes.
func newOnly(t *testing.T, st model.Stream, n int) ([]model.LiveEvent, []string) {
	t.Helper()
	var got []model.LiveEvent
	var notes []string
	for len(got) < n {
		b := batch(t, st)
		if b.Note != "" {
			notes = append(notes, b.Note)
		}
		for _, ev := range b.Events {
			if ev.Kind == model.LiveNew {
				got = append(got, ev)
			}
		}
	}
	return got, notes
}

func TestStreamResumesAfterADropWithNothingMissedOrTwice(t *testing.T) {
	e := newStreamEnv(t, fake.Options{})
	st := open(t, e.c)
	batch(t, st)
	first := newAlerts(e.f, 2)
	got, _ := newOnly(t, st, len(first))

	e.f.DropStreams()
	b := batch(t, st)
	if !strings.Contains(b.Note, "reconnecting") || b.Err == nil {
		t.Fatalf("after the drop: %+v", b)
	}
	// Alerts arrive while the stream is down.
	during := newAlerts(e.f, 2)
	e.clock.timer(t, "reconnection", isBackoff).fire()
	more, _ := newOnly(t, st, len(during))
	got = append(got, more...)
	after := newAlerts(e.f, 1)
	more, _ = newOnly(t, st, len(after))
	got = append(got, more...)
	allOnce(t, got, slices.Concat(first, during, after))
	if n := e.f.Count("stream-discover"); n != 2 {
		t.Fatalf("%d discoveries, want 2", n)
	}
}

func TestStreamRefreshesItsSessionAtNineTenthsOfTheInterval(t *testing.T) {
	e := newStreamEnv(t, fake.Options{StreamInterval: 600 * time.Second})
	st := open(t, e.c)
	batch(t, st)
	for range 3 {
		tm := e.clock.timer(t, "refresh", func(d time.Duration) bool { return d > maxStreamBackoff })
		if tm.d != 540*time.Second {
			t.Fatalf("refresh after %s, want 540s (9/10 of 600 s)", tm.d)
		}
		e.clock.advance(tm.d)
		tm.fire()
	}
	e.clock.timer(t, "refresh", exactly(540*time.Second))
	// 1620 s after it opened, the session of 600 s lives on.
	added := newAlerts(e.f, 1)
	allOnce(t, events(t, st, len(added)), added)
	if r, d, f := e.f.Count("stream-refresh"), e.f.Count("stream-discover"), e.f.Count("stream-feed"); r != 3 || d != 1 || f != 1 {
		t.Fatalf("refreshes %d, discoveries %d, feeds %d; want 3, 1, 1", r, d, f)
	}
}

func TestStreamSessionNotRefreshedIsClosedAndTheStreamResumes(t *testing.T) {
	e := newStreamEnv(t, fake.Options{StreamInterval: 600 * time.Second})
	st := open(t, e.c)
	batch(t, st)
	e.clock.timer(t, "refresh", exactly(540*time.Second)) // never fired
	e.clock.advance(601 * time.Second)
	lost := newAlerts(e.f, 1) // wakes the feed, which finds its session lapsed
	b := batch(t, st)
	if len(b.Events) != 0 || !strings.Contains(b.Note, "reconnecting") {
		t.Fatalf("after the session lapsed: %+v", b)
	}
	e.clock.timer(t, "reconnection", isBackoff).fire()
	got, _ := newOnly(t, st, len(lost))
	allOnce(t, got, lost)
	if n := e.f.Count("stream-discover"); n != 2 {
		t.Fatalf("%d discoveries, want 2", n)
	}
}

// TestStreamIdleHour measures what an idle hour on the stream costs.
// Bearer tokens are renewed by real time, whatever the stream does: they
// live the hour here, so that only the stream's own requests are counted.
func TestStreamIdleHour(t *testing.T) {
	e := newStreamEnv(t, fake.Options{TokenTTL: 2 * time.Hour})
	st := open(t, e.c)
	batch(t, st)
	start := e.clock.Now()
	for {
		tm := e.clock.timer(t, "refresh", func(d time.Duration) bool { return d > maxStreamBackoff })
		if e.clock.Now().Add(tm.d).Sub(start) > time.Hour {
			break
		}
		e.clock.advance(tm.d)
		tm.fire()
	}
	counts := map[string]int{}
	for _, op := range []string{"stream-discover", "stream-feed", "stream-refresh", "token"} {
		counts[op] = e.f.Count(op)
	}
	t.Logf("an idle hour on the stream: %v", counts)
	if counts["stream-discover"] != 1 || counts["stream-feed"] != 1 || counts["stream-refresh"] != 2 || counts["token"] != 1 {
		t.Fatalf("an idle hour: %v; want 1 discovery, 1 feed, 2 refreshes", counts)
	}
}

func TestStreamBacksOffBoundedAndJittered(t *testing.T) {
	s := &liveStream{clock: newStreamClock(), out: make(chan model.LiveBatch, 100)}
	k := s.clock.(*streamClock)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	attempt := 0
	for i := range 12 {
		go func() { k.timer(t, "backoff", isBackoff).fire() }()
		s.backoff(ctx, &attempt, errors.New("cut"))
		base := min(time.Second<<i, time.Minute)
		d := k.lastAsked()
		if d < base/2 || d > base {
			t.Fatalf("wait %d: %s, want within [%s, %s]", i, d, base/2, base)
		}
	}
}

func (k *streamClock) lastAsked() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastD
}

func TestFeedOnlyOnTheCloudsDomainOrTheAPIHost(t *testing.T) {
	for _, tc := range []struct {
		base, feed string
		ok         bool
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/sensors/entities/datafeed/v1/0?appId=x", true},
		{"https://api.us-2.crowdstrike.com", "https://firehose.us-2.crowdstrike.com/sensors/entities/datafeed/v1/0?appId=x", true},
		{"https://api.us-gov-2.crowdstrike.mil", "https://firehose.us-gov-2.crowdstrike.mil/sensors/entities/datafeed/v1/0", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:9090/sensors/entities/datafeed/v1/0", false},
		{"http://127.0.0.1:8080", "http://localhost:8080/sensors/entities/datafeed/v1/0", false},
		{"https://api.crowdstrike.com", "http://firehose.crowdstrike.com/sensors/entities/datafeed/v1/0", false},
		{"https://api.crowdstrike.com", "https://firehose.crowdstrike.com.evil.example/x", false},
		{"https://api.crowdstrike.com", "https://evilcrowdstrike.com/x", false},
		{"https://api.crowdstrike.com", "https://user:pw@firehose.crowdstrike.com/x", false},
		{"https://api.crowdstrike.com", "https://firehose.crowdstrike.mil/x", false},
		{"https://api.crowdstrike.com", "/sensors/entities/datafeed/v1/0", false},
	} {
		c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: tc.base})
		if err != nil {
			t.Fatal(err)
		}
		s := &liveStream{c: c}
		_, err = s.checkFeed(tc.feed)
		if (err == nil) != tc.ok {
			t.Errorf("base %s, feed %s: %v, want accepted %v", tc.base, tc.feed, err, tc.ok)
		}
		if err != nil && !errors.Is(err, model.ErrNoStream) {
			t.Errorf("a refused feed must let the console poll: %v", err)
		}
	}
}

// hostile is a service that answers the token and discovery as told, and
// records every request's credentials, wherever sent.
type hostile struct {
	mu   sync.Mutex
	seen []string // "host path Authorization"
}

func (h *hostile) record(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen = append(h.seen, r.Host+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
}

func (h *hostile) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.seen)
}

const (
	hostileBearer  = "BEARER-hostile-0123456789"
	hostileSession = "SESSION-hostile-0123456789"
)

// hostileAPI serves the token and a discovery naming feed (a URL, or a
// path on the API itself) with the interval given; feed, when not nil,
// serves the API's own feed path.
func hostileAPI(t *testing.T, h *hostile, feedURL func(api string) string, interval string, feed http.HandlerFunc) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.record(r)
		w.Header().Set("X-Cs-Traceid", "trace-"+hostileSession)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/oauth2/token":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":1799}`, hostileBearer)
		case "/sensors/entities/datafeed/v2":
			one := fmt.Sprintf(`{"dataFeedURL":%q,"sessionToken":{"token":%q,"expiration":"x"},"refreshActiveSessionURL":"https://elsewhere.example/steal","refreshActiveSessionInterval":%s}`,
				feedURL(srv.URL), hostileSession, interval)
			res := one
			if feedURL(srv.URL) == "partitions" {
				res = one + "," + one
			}
			fmt.Fprintf(w, `{"meta":{"powered_by":"FalconHose"},"resources":[%s],"errors":[]}`, res)
		case "/feed":
			if feed != nil {
				feed(w, r)
				return
			}
			fallthrough
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"errors":[{"code":404,"message":"not here %s"}]}`, r.Header.Get("Authorization"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func hostileClient(t *testing.T, base string, clock StreamClock) *Client {
	t.Helper()
	c, err := New(Config{ClientID: "id", ClientSecret: "secret-hostile-0123", BaseURL: base, StreamAppID: "falcontriagetest", StreamClock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func noTokens(t *testing.T, s string) {
	t.Helper()
	for _, tok := range []string{hostileBearer, hostileSession, "secret-hostile-0123"} {
		if strings.Contains(s, tok) {
			t.Fatalf("a credential in %q", s)
		}
	}
}

func TestStreamSendsNoTokenToAForeignFeed(t *testing.T) {
	var foreign hostile
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreign.record(r) }))
	defer evil.Close()
	var h hostile
	api := hostileAPI(t, &h, func(string) string { return evil.URL + "/sensors/entities/datafeed/v1/0?appId=falcontriagetest" }, "1800", nil)
	c := hostileClient(t, api.URL, newStreamClock())
	_, err := c.OpenStream(context.Background())
	if !errors.Is(err, model.ErrNoStream) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a feed on a foreign host: %v", err)
	}
	noTokens(t, err.Error())
	if got := foreign.requests(); len(got) != 0 {
		t.Fatalf("the foreign host was sent %v", got)
	}
}

func TestStreamFollowsNoRedirectWithItsToken(t *testing.T) {
	var foreign hostile
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreign.record(r) }))
	defer evil.Close()
	var h hostile
	clock := newStreamClock()
	api := hostileAPI(t, &h, func(api string) string { return api + "/feed" }, "1800", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/feed?token="+r.Header.Get("Authorization"), http.StatusTemporaryRedirect)
	})
	c := hostileClient(t, api.URL, clock)
	st := open(t, c)
	b := batch(t, st)
	if b.Err == nil || !strings.Contains(b.Err.Error(), "redirected") || !strings.Contains(b.Note, "reconnecting") {
		t.Fatalf("a redirected feed: %+v", b)
	}
	noTokens(t, b.Err.Error()+b.Note)
	_ = st.Close()
	if got := foreign.requests(); len(got) != 0 {
		t.Fatalf("the redirect was followed: %v", got)
	}
	for _, r := range h.requests() {
		if strings.Contains(r, "/feed") && !strings.HasSuffix(r, "Token "+hostileSession) {
			t.Fatalf("the feed was sent %q", r)
		}
		if !strings.Contains(r, "/feed") && strings.Contains(r, hostileSession) {
			t.Fatalf("the session token went to the API: %q", r)
		}
	}
}

func TestStreamSurvivesAHostileFeed(t *testing.T) {
	for _, tc := range []struct {
		interval string
		refresh  time.Duration
	}{
		{"-5", 54 * time.Second}, {"1e300", 1620 * time.Second}, {`"x"`, 1620 * time.Second}, {"0.001", 54 * time.Second},
	} {
		t.Run(tc.interval, func(t *testing.T) {
			var h hostile
			clock := newStreamClock()
			huge := strings.Repeat("A", 3<<20)
			api := hostileAPI(t, &h, func(api string) string { return api + "/feed" }, tc.interval, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				fmt.Fprint(w, "\n\n"+huge+"\n")
				fmt.Fprint(w, "{not json\n")
				fmt.Fprint(w, `{"metadata":{"offset":-3,"eventType":"EppDetectionSummaryEvent"},"event":{"CompositeId":7}}`+"\n")
				fmt.Fprint(w, `{"metadata":{"offset":"x","eventType":12},"event":[]}`+"\n")
				fmt.Fprint(w, `{"metadata":{"offset":5,"eventType":"UserActivityAuditEvent"},"event":{"OperationName":"detection_update","Attributes":{"composite_id":["a","b"],"update_status":{"x":1}}}}`+"\n")
				fmt.Fprint(w, `{"metadata":{"offset":6,"eventType":"EppDetectionSummaryEvent","eventCreationTime":99999999999999999999},"event":{"CompositeId":"cid:ind:ok","Severity":1000}}`+"\n")
				fmt.Fprint(w, `{"metadata":{"offset":6,"eventType":"EppDetectionSummaryEvent"},"event":{"CompositeId":"cid:ind:again"}}`+"\n")
				fmt.Fprint(w, `{"metadata":{"offset":7,"eventType":"AuthActivityAuditEvent"},"event":{"OperationName":"streamStarted"}}`+"\n")
				fmt.Fprint(w, `{"metadata":{"offset":8,"eventType":"SomethingNew"},"event":{"CompositeId":"cid:ind:unknown"}}`+"\n")
				fmt.Fprint(w, `null`+"\n"+`[]`+"\n"+hostileSession+"\n")
			})
			c := hostileClient(t, api.URL, clock)
			st := open(t, c)
			if tm := clock.timer(t, "refresh", func(d time.Duration) bool { return d > time.Second*50 }); tm.d != tc.refresh {
				t.Fatalf("refresh interval %s: refresh after %s, want %s", tc.interval, tm.d, tc.refresh)
			}
			var got []model.LiveEvent
			var notes []string
			for {
				b := batch(t, st)
				noTokens(t, b.Note)
				if b.Err != nil {
					noTokens(t, b.Err.Error())
				}
				notes = append(notes, b.Note)
				got = append(got, b.Events...)
				if strings.Contains(b.Note, "reconnecting") {
					break
				}
			}
			_ = st.Close()
			want := []string{"a", "b", "cid:ind:ok"}
			if !slices.Equal(eventIDs(got), want) {
				t.Fatalf("events %+v, want ids %v", got, want)
			}
			if got[0].What != "" || got[2].Severity != 0 || !got[2].At.IsZero() {
				t.Fatalf("hostile fields taken: %+v", got)
			}
			all := strings.Join(notes, "|")
			if !strings.Contains(all, "too long") || !strings.Contains(all, "unreadable") {
				t.Fatalf("notes %q say nothing of the lines skipped", all)
			}
		})
	}
}

func TestStreamTakenByAnotherConsoleWhileDownEndsForPolling(t *testing.T) {
	e := newStreamEnv(t, fake.Options{})
	st := open(t, e.c)
	batch(t, st)
	e.f.DropStreams()
	batch(t, st) // reconnecting
	// Another console of the same install opens the stream meanwhile.
	other := open(t, e.client(t, "falcontriagetest"))
	batch(t, other)
	for {
		e.clock.timer(t, "reconnection", isBackoff).fire()
		b, ok := <-st.Events()
		if !ok {
			t.Fatal("the stream ended without saying why")
		}
		if b.Err != nil && errors.Is(b.Err, model.ErrNoStream) {
			if !strings.Contains(b.Err.Error(), "held by another console") || !strings.Contains(b.Note, "polling") {
				t.Fatalf("last batch: %+v", b)
			}
			if _, ok := <-st.Events(); ok {
				t.Fatal("the stream goes on after a batch said ErrNoStream")
			}
			break
		}
	}
	if n := e.f.Count("stream-discover"); n != 2+streamBusyRetries+1 {
		t.Fatalf("%d discoveries, want %d", n, 2+streamBusyRetries+1)
	}
}

func TestStreamTellsNothingButTheTimeAtMostOnceASecond(t *testing.T) {
	k := newStreamClock()
	s := &liveStream{clock: k, out: make(chan model.LiveBatch, 10)}
	ctx := context.Background()
	quiet := func() model.LiveBatch { return model.LiveBatch{Source: "stream", Current: k.Now()} }
	s.emit(ctx, quiet())
	s.emit(ctx, quiet())
	s.emit(ctx, model.LiveBatch{Source: "stream", Current: k.Now(), Note: "reconnecting"})
	s.emit(ctx, quiet()) // all is well again: told
	s.emit(ctx, quiet())
	k.advance(time.Second)
	s.emit(ctx, quiet())
	s.emit(ctx, model.LiveBatch{Source: "stream", Current: k.Now(), Events: []model.LiveEvent{{ID: "a"}}})
	if n := len(s.out); n != 5 {
		t.Fatalf("%d batches told, want 5", n)
	}
}

func TestStreamEndsWithItsContext(t *testing.T) {
	e := newStreamEnv(t, fake.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	st, err := e.c.OpenStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	batch(t, st)
	cancel()
	for range st.Events() {
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := e.f.WaitStreamConnections(wctx, 0); err != nil {
		t.Fatalf("after the context ended: %v", err)
	}
}

func TestStreamOfSeveralPartitionsIsLeftForPolling(t *testing.T) {
	var h hostile
	api := hostileAPI(t, &h, func(string) string { return "partitions" }, "1800", nil)
	_, err := hostileClient(t, api.URL, newStreamClock()).OpenStream(context.Background())
	if !errors.Is(err, model.ErrNoStream) || !strings.Contains(err.Error(), "2 partitions") {
		t.Fatalf("two partitions: %v", err)
	}
}

// refuser is an API whose feed stays open and silent and whose session
// refresh always answers status: it counts what the stream asks.
type refuser struct {
	srv                                    *httptest.Server
	refreshes, tokens, revokes, discovered atomic.Int64
}

func newRefuser(t *testing.T, status int) *refuser {
	t.Helper()
	r := &refuser{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, q *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case q.URL.Path == "/oauth2/token":
			n := r.tokens.Add(1)
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"access_token":"tok-%d-0123456789","token_type":"bearer","expires_in":1799}`, n)
		case q.URL.Path == "/oauth2/revoke":
			r.revokes.Add(1)
			fmt.Fprint(w, `{"meta":{},"resources":[],"errors":[]}`)
		case q.URL.Path == "/sensors/entities/datafeed/v2":
			r.discovered.Add(1)
			fmt.Fprintf(w, `{"meta":{},"resources":[{"dataFeedURL":%q,"sessionToken":{"token":"SESSION-0123456789","expiration":"x"},"refreshActiveSessionURL":"x","refreshActiveSessionInterval":60}],"errors":[]}`, r.srv.URL+"/feed")
		case q.URL.Path == "/feed":
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-q.Context().Done()
		case strings.HasPrefix(q.URL.Path, "/sensors/entities/datafeed-actions/"):
			r.refreshes.Add(1)
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"meta":{},"resources":[],"errors":[{"code":%d,"message":"no"}]}`, status)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// TestStreamRefreshRefusedTriesOnceMoreThenReconnects: a refresh refused
// is tried once more, then the feed is closed and the stream found again
// after the backoff; a 401 fetches at most one new token a connection. An
// hour of it costs a few requests, then the stream ends for polling.
func TestStreamRefreshRefusedTriesOnceMoreThenReconnects(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			r := newRefuser(t, status)
			clock := newStreamClock()
			c := hostileClient(t, r.srv.URL, clock)
			t.Cleanup(func() { _ = c.Close(context.Background()) })
			st := open(t, c)
			var last model.LiveBatch
			ended := make(chan struct{})
			go func() {
				defer close(ended)
				for b := range st.Events() {
					last = b
				}
			}()
			start := clock.Now()
		loop:
			for clock.Now().Sub(start) < time.Hour {
				var tm *streamTimer
				for tm == nil {
					clock.mu.Lock()
					if len(clock.timers) > 0 {
						tm, clock.timers = clock.timers[0], clock.timers[1:]
					}
					clock.mu.Unlock()
					if tm == nil {
						select {
						case <-clock.asked:
						case <-ended:
							break loop
						case <-time.After(20 * time.Second):
							t.Fatal("no timer and no end")
						}
					}
				}
				clock.advance(tm.d)
				tm.fire()
			}
			select {
			case <-ended:
			case <-time.After(20 * time.Second):
				t.Fatalf("still streaming after an hour of refusals: %d refreshes", r.refreshes.Load())
			}
			t.Logf("refresh refused with %d for %s: %d refreshes, %d discoveries, %d tokens, %d revokes", status, clock.Now().Sub(start), r.refreshes.Load(), r.discovered.Load(), r.tokens.Load(), r.revokes.Load())
			perConn := int64(2)
			if status == http.StatusUnauthorized {
				perConn = 3 // the first try's 401 fetches one new token
			}
			if n := r.refreshes.Load(); n != perConn*streamFailures {
				t.Errorf("%d refresh requests, want %d", n, perConn*streamFailures)
			}
			if n, want := r.tokens.Load(), 1+(perConn-2)*streamFailures; n != want {
				t.Errorf("%d tokens, want %d", n, want)
			}
			if !errors.Is(last.Err, model.ErrNoStream) || !strings.Contains(last.Note, "polling") {
				t.Errorf("last batch %+v", last)
			}
		})
	}
}

// TestStreamEventsNeverCarryACredential: a feed echoing the session token,
// the bearer token and the client secret in events (plainly and in JSON
// escapes) hands none to an event's id, who or what, nor to a note.
func TestStreamEventsNeverCarryACredential(t *testing.T) {
	var h hostile
	clock := newStreamClock()
	api := hostileAPI(t, &h, func(api string) string { return api + "/feed" }, "1800", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		for i, tok := range []string{hostileSession, hostileBearer, "secret-hostile-0123", `SESSION-host\u0069le-0123456789`} {
			fmt.Fprintf(w, `{"metadata":{"offset":%d,"eventType":"UserActivityAuditEvent"},"event":{"OperationName":"detection_update","UserId":"by %s","Attributes":{"composite_id":["x%s"],"assign_to_name":["%s"],"add_tag":["%s"]}}}`+"\n", 2*i+1, tok, tok, tok, tok)
			fmt.Fprintf(w, `{"metadata":{"offset":%d,"eventType":"EppDetectionSummaryEvent"},"event":{"CompositeId":"%s"}}`+"\n", 2*i+2, tok)
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	st := open(t, hostileClient(t, api.URL, clock))
	var got []model.LiveEvent
	for len(got) < 8 {
		b := batch(t, st)
		noTokens(t, b.Note)
		if b.Err != nil {
			noTokens(t, b.Err.Error())
		}
		got = append(got, b.Events...)
	}
	for _, e := range got {
		noTokens(t, e.ID+" "+e.By+" "+e.What)
		if !strings.Contains(e.ID+e.By+e.What, "[redacted]") {
			t.Fatalf("an event lost more than the credential: %+v", e)
		}
	}
}

// TestStreamFailingOnEveryConnectEndsForPolling: a feed refused on every
// connection is tried again with the backoff, says nothing is current
// meanwhile, and after streamFailures in a row ends for polling.
func TestStreamFailingOnEveryConnectEndsForPolling(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var h hostile
			clock := newStreamClock()
			api := hostileAPI(t, &h, func(api string) string { return api + "/feed" }, "1800", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
			})
			st := open(t, hostileClient(t, api.URL, clock))
			for i := 1; ; i++ {
				b, ok := <-st.Events()
				if !ok {
					t.Fatal("the stream ended without saying why")
				}
				if !b.Current.IsZero() {
					t.Fatalf("batch %d says the rows are current while nothing was read: %+v", i, b)
				}
				if errors.Is(b.Err, model.ErrNoStream) {
					if i != streamFailures || !strings.Contains(b.Err.Error(), "failed 5 times") || !strings.Contains(b.Note, "polling instead") {
						t.Fatalf("last batch %d: %+v", i, b)
					}
					break
				}
				if i > streamFailures {
					t.Fatalf("still reconnecting after %d failures", i)
				}
				clock.timer(t, "reconnection", isBackoff).fire()
			}
			if _, ok := <-st.Events(); ok {
				t.Fatal("the stream goes on after its last batch")
			}
		})
	}
}

// TestStreamOffsetsStartingAgainAreANewSequence: offsets going back (or
// leaping absurdly far) are a new sequence, said in a note: its events
// come, and a reconnection resumes from its offsets.
func TestStreamOffsetsStartingAgainAreANewSequence(t *testing.T) {
	var h hostile
	clock := newStreamClock()
	var mu sync.Mutex
	var asked []string
	conn := 0
	api := hostileAPI(t, &h, func(api string) string { return api + "/feed" }, "1800", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conn++
		n := conn
		asked = append(asked, r.URL.Query().Get("offset"))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
		ev := func(off uint64, id string) {
			fmt.Fprintf(w, `{"metadata":{"offset":%d,"eventType":"EppDetectionSummaryEvent"},"event":{"CompositeId":%q}}`+"\n", off, id)
		}
		if n == 1 {
			ev(1<<64-1, "first")
			ev(1, "real-1")
			ev(2, "real-2")
			ev(2, "real-2-again")
			ev(3+offsetLeap+1, "leap")
			ev(3, "real-3")
			return // the feed ends: reconnect
		}
		ev(3, "real-3-again")
		ev(4, "real-4")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	st := open(t, hostileClient(t, api.URL, clock))
	var got, notes []string
	for !slices.Contains(got, "real-4") {
		b := batch(t, st)
		got = append(got, eventIDs(b.Events)...)
		if b.Note != "" {
			notes = append(notes, b.Note)
		}
		if strings.Contains(b.Note, "reconnecting") {
			clock.timer(t, "reconnection", isBackoff).fire()
		}
	}
	if want := []string{"first", "real-1", "real-2", "leap", "real-3", "real-4"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if all := strings.Join(notes, "|"); !strings.Contains(all, "started again at 3") {
		t.Fatalf("notes %q say nothing of the new sequence", all)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(asked, []string{"", "3"}) {
		t.Fatalf("offsets asked %q, want the new sequence's", asked)
	}
}

// TestStreamOfAFlightControlChild: a console in a child tenant (a token
// asked with its member_cid) reads the child's stream: its new alerts, not
// the parent's.
func TestStreamOfAFlightControlChild(t *testing.T) {
	e := newStreamEnv(t, fake.Options{Children: fake.DemoChildren(1)})
	cid := fake.ChildCID(0)
	id, secret := e.f.Credentials()
	c, err := New(Config{ClientID: id, ClientSecret: secret, BaseURL: e.url, MemberCID: cid, StreamAppID: "falcontriagechild", StreamClock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	st := open(t, c)
	if b := batch(t, st); b.Err != nil || b.Current.IsZero() {
		t.Fatalf("the child's feed: %+v", b)
	}
	newAlerts(e.f, 1) // the parent's: not the child's news
	added := newAlerts(e.f.Child(cid), 2)
	got, _ := newOnly(t, st, len(added))
	allOnce(t, got, added)
}
