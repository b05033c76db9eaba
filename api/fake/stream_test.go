package fake

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// discover asks for the stream of app and returns its first resource, or
// nil for an empty answer.
func (c *client) discover(app string) (int, map[string]any) {
	c.t.Helper()
	status, env, _ := c.do("GET", "/sensors/entities/datafeed/v2?format=json&appId="+app, "")
	res, _ := env["resources"].([]any)
	if len(res) == 0 {
		return status, nil
	}
	r, _ := res[0].(map[string]any)
	return status, r
}

// feedLines is an open feed, read line by line.
type feedLines struct {
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

// openFeed connects to a feed with the authorization given.
func (c *client) openFeed(feedURL, auth string) (*feedLines, int) {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", feedURL, nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	f := &feedLines{resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}
	c.t.Cleanup(f.close)
	if resp.StatusCode != http.StatusOK {
		f.close()
	}
	return f, resp.StatusCode
}

func (f *feedLines) close() {
	f.cancel()
	_ = f.resp.Body.Close()
}

// event reads the next line as an event (or "" for a keep-alive).
func (f *feedLines) event(t *testing.T) (eventType string, offset int, ev map[string]any) {
	t.Helper()
	line, err := f.r.ReadString('\n')
	if err != nil {
		t.Fatalf("the feed ended: %v", err)
	}
	if strings.TrimSpace(line) == "" {
		return "", 0, nil
	}
	var e struct {
		Metadata struct {
			Offset    int    `json:"offset"`
			EventType string `json:"eventType"`
		} `json:"metadata"`
		Event map[string]any `json:"event"`
	}
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		t.Fatalf("not an event: %q", line)
	}
	return e.Metadata.EventType, e.Metadata.Offset, e.Event
}

func session(r map[string]any) (feed, token string) {
	tok, _ := r["sessionToken"].(map[string]any)
	feed, _ = r["dataFeedURL"].(string)
	token, _ = tok["token"].(string)
	return feed, token
}

func waitFeeds(t *testing.T, s *Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitStreamConnections(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func TestStreamOneFeedPerAppID(t *testing.T) {
	c := newClient(t, Options{})
	status, r := c.discover("console1")
	if status != http.StatusOK || r == nil || r["refreshActiveSessionInterval"] != float64(1800) || !strings.Contains(r["refreshActiveSessionURL"].(string), "action_name=refresh_active_stream_session") {
		t.Fatalf("discovery: %d %v", status, r)
	}
	feed, tok := session(r)
	f, status := c.openFeed(feed, "Token "+tok)
	if status != http.StatusOK {
		t.Fatalf("feed: %d", status)
	}
	if typ, off, ev := f.event(t); typ != "AuthActivityAuditEvent" || off != 1 || ev["OperationName"] != "streamStarted" {
		t.Fatalf("first event: %s %d %v", typ, off, ev)
	}
	if status, r := c.discover("console1"); status != http.StatusOK || r != nil {
		t.Fatalf("discovery while the feed is open: %d %v, want 200 and no stream", status, r)
	}
	if _, r := c.discover("console2"); r == nil {
		t.Fatal("another appId has no stream")
	}
	f.close()
	waitFeeds(t, c.s, 0)
	if _, r := c.discover("console1"); r == nil {
		t.Fatal("the appId stays busy once its feed is gone")
	}
}

func TestStreamFeedWantsTheSessionTokenAlone(t *testing.T) {
	c := newClient(t, Options{})
	_, r := c.discover("console1")
	feed, tok := session(r)
	for _, auth := range []string{"Bearer " + c.tok, "Token " + c.tok, "Bearer " + tok, "", "Token "} {
		if _, status := c.openFeed(feed, auth); status != http.StatusUnauthorized {
			t.Errorf("feed with %q: %d, want 401", auth, status)
		}
	}
	if _, status := c.openFeed(feed, "Token "+tok); status != http.StatusOK {
		t.Fatalf("feed with its session token: %d", status)
	}
}

func TestStreamWithoutTheScopeIsForbidden(t *testing.T) {
	c := newClient(t, Options{DenyStreamScope: true})
	if status, _ := c.discover("console1"); status != http.StatusForbidden {
		t.Fatalf("discovery without the scope: %d", status)
	}
}

func TestStreamResumesFromAnOffsetAndTellsEveryUpdate(t *testing.T) {
	c := newClient(t, Options{DetectsGone: true})
	c.s.AddIncidents(1)
	ids := c.s.AlertIDs()
	id := ids[len(ids)-1]
	if status, env, _ := c.do("PATCH", "/alerts/entities/alerts/v3", `{"composite_ids":["`+id+`"],"action_parameters":[{"name":"update_status","value":"closed"}]}`); status != http.StatusOK {
		t.Fatalf("update: %d %v", status, env)
	}
	last := c.s.StreamEvents()
	_, r := c.discover("console1")
	feed, tok := session(r)
	f, _ := c.openFeed(feed+"&offset="+strconv.Itoa(last), "Token "+tok)
	typ, off, ev := f.event(t)
	attrs, _ := ev["Attributes"].(map[string]any)
	if typ != "UserActivityAuditEvent" || off != last || ev["UserId"] != DemoClientID || attrs["composite_id"] != id || attrs["update_status"] != "closed" {
		t.Fatalf("the event at offset %d: %s %d %v", last, typ, off, ev)
	}
	if typ, off, _ := f.event(t); typ != "AuthActivityAuditEvent" || off != last+1 {
		t.Fatalf("then: %s %d", typ, off)
	}
}

func TestStreamSessionLapsesWithoutARefresh(t *testing.T) {
	var mu sync.Mutex
	now := base
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	keepAlive := make(chan time.Time)
	c := newClient(t, Options{Now: clock, StreamInterval: 600 * time.Second, TokenTTL: 24 * time.Hour,
		Ticker: func(time.Duration) (<-chan time.Time, func()) { return keepAlive, func() {} }})
	_, r := c.discover("console1")
	feed, tok := session(r)
	f, _ := c.openFeed(feed, "Token "+tok)
	f.event(t)
	refresh := r["refreshActiveSessionURL"].(string)[len(c.srv.URL):]
	advance(500 * time.Second)
	if status, env, _ := c.do("POST", refresh, ""); status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, env)
	}
	advance(500 * time.Second) // 1000 s: alive, refreshed at 500 s
	keepAlive <- time.Time{}
	if typ, _, _ := f.event(t); typ != "" {
		t.Fatalf("a keep-alive was %q", typ)
	}
	advance(601 * time.Second)
	keepAlive <- time.Time{}
	if line, err := f.r.ReadString('\n'); err == nil {
		t.Fatalf("the feed goes on after its session lapsed: %q", line)
	}
	if status, _, _ := c.do("POST", refresh, ""); status != http.StatusBadRequest {
		t.Fatalf("refresh of a closed session: %d", status)
	}
	if _, status := c.openFeed(feed, "Token "+tok); status != http.StatusUnauthorized {
		t.Fatalf("feed on a closed session: %d", status)
	}
}

func TestWorldMovesOnItsTickersUntilClose(t *testing.T) {
	arrive, change := make(chan time.Time), make(chan time.Time)
	c := newClient(t, Options{DetectsGone: true, ArriveEvery: 20 * time.Second, ChangeEvery: 45 * time.Second,
		Ticker: func(d time.Duration) (<-chan time.Time, func()) {
			switch d {
			case 20 * time.Second:
				return arrive, func() {}
			case 45 * time.Second:
				return change, func() {}
			}
			return nil, func() {}
		}})
	t.Cleanup(c.s.Close)
	before := len(c.s.AlertIDs())
	arrive <- time.Time{}
	change <- time.Time{} // handed over once the arrival is done
	change <- time.Time{} // and once the first change is done
	if n := len(c.s.AlertIDs()); n <= before {
		t.Fatalf("no alert arrived: %d, then %d", before, n)
	}
	_, r := c.discover("console1")
	feed, tok := session(r)
	f, _ := c.openFeed(feed, "Token "+tok)
	var summaries, audits int
	users := map[string]bool{}
	for _, u := range c.s.Users() {
		users[u.UID] = true
	}
	for audits < 2 {
		typ, _, ev := f.event(t)
		switch typ {
		case "EppDetectionSummaryEvent":
			summaries++
			if id, _ := ev["CompositeId"].(string); !strings.Contains(id, ":ind:") {
				t.Fatalf("summary without its composite id: %v", ev)
			}
		case "UserActivityAuditEvent":
			audits++
			attrs, _ := ev["Attributes"].(map[string]any)
			id, _ := attrs["composite_id"].(string)
			a, _ := c.s.Alert(id)
			if !users[ev["UserId"].(string)] || a == nil || a["updated_timestamp"] == "" {
				t.Fatalf("another analyst's change: %v (alert %v)", ev, a)
			}
		}
	}
	if summaries == 0 || audits != 2 {
		t.Fatalf("%d summaries, %d changes, want some and 2", summaries, audits)
	}
	c.s.Close()
	select {
	case arrive <- time.Time{}:
		t.Fatal("the world moves after Close")
	default:
	}
}

func TestStreamHooksForAnotherProcess(t *testing.T) {
	c := newClient(t, Options{DetectsGone: true})
	id := c.s.AlertIDs()[0]
	resp, err := http.Post(c.srv.URL+"/_fake/change", "application/json", strings.NewReader(`{"id":"`+id+`","user":"bruno","status":"in_progress"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a, _ := c.s.Alert(id); resp.StatusCode != http.StatusNoContent || a["status"] != "in_progress" {
		t.Fatalf("change hook: %d, alert %v", resp.StatusCode, a["status"])
	}
	_, r := c.discover("console1")
	feed, tok := session(r)
	f, _ := c.openFeed(feed, "Token "+tok)
	f.event(t)
	f.event(t)
	resp, err = http.Post(c.srv.URL+"/_fake/streams/drop", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if line, err := f.r.ReadString('\n'); err == nil {
		t.Fatalf("the feed goes on after the drop: %q", line)
	}
}
