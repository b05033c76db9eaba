package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

var testBase = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// sleeps records the waits the transport asked for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

type env struct {
	fake   *fake.Server
	srv    *httptest.Server
	client *Client
	det    *Detects
	sleeps *sleeps
}

func newEnv(t testing.TB, o fake.Options) *env {
	t.Helper()
	if o.Count == 0 {
		o.Count = 300
	}
	if o.Seed == 0 {
		o.Seed = 7
	}
	o.Base = testBase
	f, srv := fake.NewServer(o)
	t.Cleanup(srv.Close)
	id, secret := f.Credentials()
	sl := &sleeps{}
	c, err := New(Config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: f, srv: srv, client: c, det: NewDetects(c), sleeps: sl}
}

func TestQueryPagesAndTotal(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	p, err := e.det.Query(ctx, model.Query{Sort: model.Sort{Field: "last_behavior", Desc: true}, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.IDs) != 50 || p.Total != 300 {
		t.Fatalf("got %d ids, total %d; want 50 of 300", len(p.IDs), p.Total)
	}
	p2, err := e.det.Query(ctx, model.Query{Sort: model.Sort{Field: "last_behavior", Desc: true}, Offset: 50, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if p2.IDs[0] == p.IDs[0] {
		t.Fatal("offset ignored")
	}
	dets, missing, err := e.det.Details(ctx, append(p.IDs[:2], p2.IDs[:1]...))
	if err != nil || len(missing) != 0 || len(dets) != 3 {
		t.Fatalf("details: %v %v %d", err, missing, len(dets))
	}
	if !dets[0].LastBehavior.After(dets[1].LastBehavior) && !dets[0].LastBehavior.Equal(dets[1].LastBehavior) {
		t.Fatal("not sorted by last_behavior desc")
	}
	if e.fake.Count("token") != 1 {
		t.Fatalf("token fetched %d times, want 1", e.fake.Count("token"))
	}
}

func TestQueryLimits(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	cases := []struct {
		name string
		q    model.Query
		want string
	}{
		{"window", model.Query{Offset: 9000, Limit: 1000}, "limit + offset must be less than 10000"},
		{"limit", model.Query{Limit: 10000}, "limit must be an integer between 0 and 9999"},
		{"sort field", model.Query{Sort: model.Sort{Field: "status"}, Limit: 1}, "Invalid sort"},
		{"bad filter", model.Query{Filter: "status:'new'+", Limit: 1}, "Invalid filter"},
		{"unknown field", model.Query{Filter: "colour:'red'", Limit: 1}, `unknown field "colour"`},
		{"not a number", model.Query{Filter: "max_severity:>'high'", Limit: 1}, "is not a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.det.Query(ctx, c.q)
			var ae *Error
			if !errors.As(err, &ae) || ae.Status != 400 || !strings.Contains(ae.Error(), c.want) {
				t.Fatalf("got %v, want a 400 saying %q", err, c.want)
			}
			if ae.TraceID == "" {
				t.Fatal("no trace id on the error")
			}
		})
	}
}

func TestFilterQuotingCannotChangeMeaning(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	all, _ := e.det.Query(ctx, model.Query{Limit: 500})
	for _, host := range []string{"it's+x,y", `a\'+status:'new`, "x'],status:['new"} {
		p, err := e.det.Query(ctx, model.Query{Filter: model.Eq("device.hostname", host), Limit: 500})
		if err != nil {
			t.Fatalf("%q: %v", host, err)
		}
		if p.Total != 0 {
			t.Fatalf("a quoted host name %q matched %d of %d detections", host, p.Total, all.Total)
		}
	}
}

func TestDetailsPartialAndChunked(t *testing.T) {
	e := newEnv(t, fake.Options{GenOptions: fake.GenOptions{Count: 1500}})
	ctx := context.Background()
	ids := e.fake.IDs()
	dets, missing, err := e.det.Details(ctx, append([]string{"ldt:0000:404"}, ids...))
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) != 1500 || len(missing) != 1 || missing["ldt:0000:404"] == "" {
		t.Fatalf("got %d detections, missing %v", len(dets), missing)
	}
	if n := e.fake.Count("summaries"); n != 2 {
		t.Fatalf("%d summaries requests for 1501 ids, want 2", n)
	}
}

func TestUpdateAndRefusals(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	ids := e.fake.IDs()[:3]
	st := model.StatusInProgress
	u := e.fake.Users()[2]
	res, err := e.det.Update(ctx, model.Change{IDs: ids, Status: &st, AssigneeUUID: &u.UUID, Comment: "looking"})
	if err != nil || res.Affected != 3 || len(res.Refused) != 0 {
		t.Fatalf("update: %v %+v", err, res)
	}
	d, _ := e.fake.Detection(ids[0])
	if d["status"] != "in_progress" || d["assigned_to_uid"] != u.UID {
		t.Fatalf("fake state: %v %v", d["status"], d["assigned_to_uid"])
	}
	if c := e.fake.Comments(ids[1]); len(c) != 1 || c[0] != "looking" {
		t.Fatalf("comments %v", c)
	}
	if _, err := e.det.Update(ctx, model.Change{IDs: ids, Comment: "alone"}); !errors.Is(err, ErrCommentAlone) {
		t.Fatalf("comment alone: %v", err)
	}
	bad := model.Status("done")
	if _, err := e.det.Update(ctx, model.Change{IDs: ids, Status: &bad}); StatusOf(err) != 400 {
		t.Fatalf("unknown status: %v", err)
	}
	e.fake.SetFaults(fake.Faults{RefuseIDs: map[string]bool{ids[1]: true}})
	cl := model.StatusClosed
	res, err = e.det.Update(ctx, model.Change{IDs: append(ids, "ldt:nope:1"), Status: &cl})
	if err != nil {
		t.Fatal(err)
	}
	if res.Affected != 2 || len(res.Refused) != 2 || res.Refused[ids[1]] == "" || res.Refused["ldt:nope:1"] == "" {
		t.Fatalf("partial refusal: %+v", res)
	}
}

func TestAggregates(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	from, to := 60.0, 80.0
	aggs, err := e.det.Aggregate(ctx, []model.AggregateRequest{
		{Name: "status", Type: "terms", Field: "status", Size: 3, SubAggregates: []model.AggregateRequest{{Name: "host", Type: "terms", Field: "device.hostname", Size: 2}}},
		{Name: "high", Type: "range", Field: "max_severity", Ranges: []model.AggregateRange{{From: &from, To: &to}}},
		{Name: "hosts", Type: "cardinality", Field: "device.hostname"},
		{Name: "hist", Type: "date_histogram", Field: "created_timestamp", Interval: "day"},
		{Name: "ttr", Type: "percentiles", Field: "seconds_to_resolved"},
		{Name: "avg", Type: "avg", Field: "max_severity"},
		{Name: "recent", Type: "date_range", Field: "last_behavior", DateRanges: []model.DateRange{{From: "2026-11-19T12:00:00Z", To: "2026-11-21T00:00:00Z"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(aggs) != 7 {
		t.Fatalf("%d results", len(aggs))
	}
	var sum int64
	for _, b := range aggs[0].Buckets {
		sum += b.Count
		if len(b.SubAggregates) != 1 || len(b.SubAggregates[0].Buckets) == 0 {
			t.Fatalf("bucket %s has no sub-aggregate", b.Label)
		}
	}
	if sum+aggs[0].SumOtherDocCount != 300 || len(aggs[0].Buckets) != 3 {
		t.Fatalf("terms: %d buckets, %d + other %d", len(aggs[0].Buckets), sum, aggs[0].SumOtherDocCount)
	}
	p, _ := e.det.Query(ctx, model.Query{Filter: "max_severity:>=60+max_severity:<80", Limit: 1})
	if aggs[1].Buckets[0].Count != int64(p.Total) {
		t.Fatalf("range count %d, query total %d", aggs[1].Buckets[0].Count, p.Total)
	}
	if aggs[2].Buckets[0].Value == nil || *aggs[2].Buckets[0].Value < 2 {
		t.Fatal("cardinality without value")
	}
	if _, err := e.det.Aggregate(ctx, []model.AggregateRequest{{Name: "x", Type: "bogus", Field: "status"}}); StatusOf(err) != 400 {
		t.Fatalf("bad type: %v", err)
	}
}

func Test429WaitsForRetryAfter(t *testing.T) {
	e := newEnv(t, fake.Options{})
	e.client.Login(context.Background())
	e.fake.SetFaults(fake.Faults{Burst429: 2})
	if _, err := e.det.Query(context.Background(), model.Query{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	waits := e.sleeps.all()
	if len(waits) != 2 {
		t.Fatalf("waits %v, want two", waits)
	}
	for _, w := range waits {
		if w < time.Second || w > 3*time.Second {
			t.Fatalf("wait %v: the fake asked for about 2 s", w)
		}
	}
	if n := e.fake.Count("query"); n != 3 {
		t.Fatalf("%d query requests, want 3", n)
	}
}

func TestRetryAfterCorrectedForSkewAndCapped(t *testing.T) {
	tr := &transport{maxWait: 30 * time.Second, now: func() time.Time { return time.Unix(1_000_000, 0) }}
	resp := &http.Response{Header: http.Header{}}
	// The local clock is an hour slow; the service says "retry in 5 s".
	server := time.Unix(1_003_600, 0)
	resp.Header.Set("Date", server.UTC().Format(http.TimeFormat))
	resp.Header.Set("X-Ratelimit-Retryafter", "1003605")
	if got := tr.retryAfter(resp); got != 5*time.Second {
		t.Fatalf("skewed clock: waited %v, want 5s", got)
	}
	resp.Header.Del("Date")
	if got := tr.retryAfter(resp); got != 30*time.Second {
		t.Fatalf("no Date and an hour of skew: waited %v, want the 30s cap", got)
	}
}

func TestReadsRetry5xxWritesDoNot(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	e.client.Login(ctx)
	e.fake.SetFaults(fake.Faults{Fail5xx: 2})
	if _, _, err := e.det.Details(ctx, e.fake.IDs()[:2]); err != nil {
		t.Fatalf("read after two 503s: %v", err)
	}
	if n := e.fake.Count("summaries"); n != 3 {
		t.Fatalf("%d summaries requests, want 3", n)
	}
	e.fake.SetFaults(fake.Faults{Fail5xx: 1})
	st := model.StatusClosed
	_, err := e.det.Update(ctx, model.Change{IDs: e.fake.IDs()[:1], Status: &st})
	if StatusOf(err) != 503 {
		t.Fatalf("write after a 503: %v", err)
	}
	if n := e.fake.Count("update"); n != 1 {
		t.Fatalf("a write was sent %d times", n)
	}
}

func TestDroppedConnections(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	e.client.Login(ctx)
	e.fake.SetFaults(fake.Faults{Drop: 1})
	if _, err := e.det.Query(ctx, model.Query{Limit: 5}); err != nil {
		t.Fatalf("read after a dropped connection: %v", err)
	}
	e.fake.SetFaults(fake.Faults{DropAfterApply: 1})
	st := model.StatusClosed
	_, err := e.det.Update(ctx, model.Change{IDs: e.fake.IDs()[:1], Status: &st})
	var ae *Error
	if !errors.As(err, &ae) || !ae.Unknown {
		t.Fatalf("write with a lost answer: %v, want an unknown outcome", err)
	}
	if len(e.fake.Patches()) != 1 {
		t.Fatal("the write was retried")
	}
}

func TestTokenExpiryMidSession(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	if _, err := e.det.Query(ctx, model.Query{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	e.fake.ExpireTokens()
	if _, err := e.det.Query(ctx, model.Query{Limit: 1}); err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	if n := e.fake.Count("token"); n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
}

func TestShortTokenLifetimeRefreshesBeforeExpiry(t *testing.T) {
	e := newEnv(t, fake.Options{TokenTTL: 30 * time.Second})
	ctx := context.Background()
	for range 3 {
		if _, err := e.det.Query(ctx, model.Query{Limit: 1}); err != nil {
			t.Fatal(err)
		}
	}
	// A token with under a minute left is replaced before use, so no
	// request is ever sent with one about to lapse.
	if n := e.fake.Count("token"); n != 3 {
		t.Fatalf("%d token requests, want one per call", n)
	}
}

func TestAutodiscovery(t *testing.T) {
	home, homeSrv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: 10, Seed: 1, Base: testBase}, Region: "us-2"})
	defer homeSrv.Close()
	eu, euSrv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: 10, Seed: 1, Base: testBase}, Region: "us-2"})
	defer euSrv.Close()
	id, secret := home.Credentials()
	c, err := New(Config{ClientID: id, ClientSecret: secret, Cloud: "autodiscover", Clouds: map[string]string{"us-1": homeSrv.URL, "us-2": euSrv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewDetects(c).Query(context.Background(), model.Query{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if c.Cloud() != "us-2" || c.BaseURL() != euSrv.URL {
		t.Fatalf("landed on %s %s", c.Cloud(), c.BaseURL())
	}
	if home.Count("query") != 0 || eu.Count("query") != 1 || eu.Count("token") != 1 {
		t.Fatal("the query did not go to the discovered region")
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "missing credentials"},
		{Config{ClientID: "a", ClientSecret: "b", Cloud: "mars-1"}, `unknown cloud "mars-1"`},
		{Config{ClientID: "a", ClientSecret: "b", BaseURL: "http://falcon.example.com"}, "refusing plain http://"},
		{Config{ClientID: "a", ClientSecret: "b", BaseURL: "ftp://x"}, "scheme must be https"},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg.BaseURL, err, c.want)
		}
	}
	for _, ok := range []string{"http://127.0.0.1:8080", "http://[::1]:1", "http://localhost:9", "https://api.crowdstrike.com/"} {
		if _, err := CheckBaseURL(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}

func TestBadCredentialsNeverShowTheSecret(t *testing.T) {
	_, srv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: 1, Seed: 1, Base: testBase}})
	defer srv.Close()
	const secret = "SUPERSECRET-0xDEADBEEF"
	c, _ := New(Config{ClientID: "someone", ClientSecret: secret, BaseURL: srv.URL})
	err := c.Login(context.Background())
	if StatusOf(err) != 403 || !strings.Contains(err.Error(), "authorization failed") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatal("the secret is in the error")
	}
	if TraceOf(err) == "" {
		t.Fatal("no trace id")
	}
}

func TestRevokeOnClose(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	if err := e.client.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if e.fake.Count("revoke") != 1 {
		t.Fatal("token not revoked")
	}
}

func TestUsers(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	want := e.fake.Users()[3]
	u, err := e.client.UserByLogin(ctx, want.UID)
	if err != nil || u.UUID != want.UUID {
		t.Fatalf("by login: %v %+v", err, u)
	}
	found, err := e.client.FindUsers(ctx, want.LastName[:3])
	if err != nil || len(found) == 0 {
		t.Fatalf("find: %v %v", err, found)
	}
	d := newEnv(t, fake.Options{DenyUserScope: true})
	if _, err := d.client.FindUsers(ctx, "a"); StatusOf(err) != 403 {
		t.Fatalf("without the scope: %v", err)
	}
}

func TestWalkerPastTheWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("pages 15,000 detections")
	}
	for _, c := range []struct {
		name string
		o    fake.Options
		sort model.Sort
	}{
		{"by time", fake.Options{GenOptions: fake.GenOptions{Count: 15000, Seed: 3}}, model.Sort{Field: "last_behavior", Desc: true}},
		{"one severity", fake.Options{GenOptions: fake.GenOptions{Count: 12000, Seed: 4, OneSeverity: 50}}, model.Sort{Field: "max_severity", Desc: true}},
		{"severity ascending", fake.Options{GenOptions: fake.GenOptions{Count: 12500, Seed: 5}}, model.Sort{Field: "max_severity"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.o)
			w := model.NewWalker(e.det, model.Query{Sort: c.sort}, 9999)
			all, err := w.All(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, id := range all {
				if seen[id] {
					t.Fatalf("%s twice", id)
				}
				seen[id] = true
			}
			if len(seen) != c.o.Count || w.Total() != c.o.Count {
				t.Fatalf("walked %d of %d (total %d)", len(seen), c.o.Count, w.Total())
			}
		})
	}
}

// One document too large for any answer is refused alone: the others of
// its batch are read.
func TestOneHugeDocumentHidesNoOther(t *testing.T) {
	huge := strings.Repeat("A", 9<<20)
	srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ IDs []string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		var docs []string
		for _, id := range body.IDs {
			cmd := "ok"
			if id == "ldt:bad" {
				cmd = huge
			}
			docs = append(docs, `{"detection_id":"`+id+`","status":"new","behaviors":[{"cmdline":"`+cmd+`"}]}`)
		}
		_, _ = w.Write([]byte(`{"meta":{},"resources":[` + strings.Join(docs, ",") + `],"errors":[]}`))
	}))
	defer srv.Close()
	c, err := New(Config{ClientID: "a", ClientSecret: "b", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	found, missing, err := NewDetects(c).Details(context.Background(), []string{"ldt:a", "ldt:bad", "ldt:c", "ldt:d"})
	if err != nil || len(found) != 3 || missing["ldt:bad"] == "" {
		t.Fatalf("found %d, missing %v, %v", len(found), missing, err)
	}
}

// withToken answers the token endpoint as the service does (201, a bearer
// token) and every other request with next, in JSON.
func withToken(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth2/token" {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"bearer","expires_in":1799}`))
			return
		}
		next(w, r)
	})
}

// TestACAFileOthersCanWriteIsRefused: whoever can write the CA file can add
// a certificate of theirs and read the secret on its way: a CA file
// writable by group or others is refused, naming the fix.
func TestACAFileOthersCanWriteIsRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o620, 0o602, 0o664} {
		path := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(path, []byte("-----BEGIN CERTIFICATE-----\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCA(path); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
}
