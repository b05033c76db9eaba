package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// hostClock is the fake's clock, moved by the test.
type hostClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *hostClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *hostClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newHostsEnv(t *testing.T, o fake.Options) (*env, *HostsAPI, *hostClock) {
	t.Helper()
	clock := &hostClock{t: testBase}
	o.Now = clock.now
	e := newEnv(t, o)
	return e, NewHosts(e.client), clock
}

// madeUpAIDs are AIDs no host of the fake has.
func madeUpAIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%032x", 0xf00d0000+i)
	}
	return out
}

// requestSizes are the sizes of the Hosts API requests of one kind.
func requestSizes(f *fake.Server, op string) []int {
	var out []int
	for _, r := range f.HostRequests() {
		if r.Op == op {
			out = append(out, r.IDs)
		}
	}
	return out
}

func TestHostsAreReadInRequestsOf5000(t *testing.T) {
	e, h, _ := newHostsEnv(t, fake.Options{})
	real := e.fake.HostIDs()
	if len(real) < 10 {
		t.Fatalf("the fake has %d hosts", len(real))
	}
	aids := append(slices.Clone(real), madeUpAIDs(5100)...)
	found, missing, err := h.Hosts(context.Background(), aids)
	if err != nil {
		t.Fatal(err)
	}
	if got := requestSizes(e.fake, "hosts-get"); !slices.Equal(got, []int{5000, len(aids) - 5000}) {
		t.Fatalf("requests of %v ids, want 5000 and the rest", got)
	}
	if len(found) != len(real) || len(missing) != 5100 {
		t.Fatalf("found %d of %d, %d missing", len(found), len(real), len(missing))
	}
	for _, id := range madeUpAIDs(5100)[:3] {
		if !strings.Contains(missing[id], id) {
			t.Fatalf("the reason for %s does not name it: %q", id, missing[id])
		}
	}
	hst := found[0]
	if hst.ID != real[0] || hst.Hostname == "" || hst.Platform == "" || hst.OSVersion == "" || hst.AgentVersion == "" ||
		hst.Status != model.HostNormal || hst.FirstSeen.IsZero() || hst.LastSeen.IsZero() || hst.LocalIP == "" || hst.MACAddress == "" {
		t.Fatalf("host %+v", hst)
	}
}

func TestContainIsSentInRequestsOf500AndRefusalsNameTheirHost(t *testing.T) {
	e, h, _ := newHostsEnv(t, fake.Options{})
	real := e.fake.HostIDs()[:3]
	unknown := madeUpAIDs(998)
	aids := append(slices.Clone(real), unknown...)
	res, err := h.Contain(context.Background(), model.Contain, aids)
	if err != nil {
		t.Fatal(err)
	}
	if got := requestSizes(e.fake, "hosts-action"); !slices.Equal(got, []int{500, 500, 1}) {
		t.Fatalf("requests of %v ids, want 500, 500, 1", got)
	}
	if !slices.Equal(res.Accepted, real) || len(res.Refused) != len(unknown) || len(res.Done)+len(res.Unknown)+len(res.NotSent) != 0 {
		t.Fatalf("accepted %v, %d refused, done %v, unknown %v", res.Accepted, len(res.Refused), res.Done, res.Unknown)
	}
	// The fake names the host in the message only: each reason is the
	// one about its own host.
	for _, id := range unknown {
		if !strings.Contains(res.Refused[id], id) {
			t.Fatalf("the refusal of %s is %q", id, res.Refused[id])
		}
	}
	if res.TraceID == "" {
		t.Fatal("no trace id")
	}
	for _, id := range real {
		if got := e.fake.Host(id); got != "containment_pending" {
			t.Fatalf("%s is %s", id, got)
		}
	}
}

func TestContainmentIsPendingUntilTheSensorAcknowledges(t *testing.T) {
	e, h, clock := newHostsEnv(t, fake.Options{ContainAfter: 10 * time.Second})
	ctx := context.Background()
	aid := e.fake.HostIDs()[0]
	status := func() model.HostStatus {
		t.Helper()
		found, _, err := h.Hosts(ctx, []string{aid})
		if err != nil || len(found) != 1 {
			t.Fatalf("read: %v %v", err, found)
		}
		return found[0].Status
	}
	if _, err := h.Contain(ctx, model.Contain, []string{aid}); err != nil {
		t.Fatal(err)
	}
	clock.add(9 * time.Second)
	if s := status(); s != model.HostContainmentPending || !s.Pending() {
		t.Fatalf("after 9s: %s", s)
	}
	clock.add(time.Second)
	if s := status(); s != model.HostContained {
		t.Fatalf("after 10s: %s", s)
	}
	// Lifting goes the same way back.
	res, err := h.Contain(ctx, model.ActionFor(model.HostContained), []string{aid})
	if err != nil || !slices.Equal(res.Accepted, []string{aid}) {
		t.Fatalf("lift: %v %+v", err, res)
	}
	if s := status(); s != model.HostLiftPending {
		t.Fatalf("lifting: %s", s)
	}
	clock.add(10 * time.Second)
	if s := status(); s != model.HostNormal {
		t.Fatalf("lifted: %s", s)
	}
}

func TestAlreadyInTheStateIsDone(t *testing.T) {
	e, h, clock := newHostsEnv(t, fake.Options{})
	ctx := context.Background()
	ids := e.fake.HostIDs()
	a, b := ids[0], ids[1]
	if _, err := h.Contain(ctx, model.Contain, []string{a}); err != nil {
		t.Fatal(err)
	}
	// Pending to the state asked for: the whole answer is a 409.
	res, err := h.Contain(ctx, model.Contain, []string{a})
	if err != nil || !slices.Equal(res.Done, []string{a}) || len(res.Accepted)+len(res.Refused)+len(res.Unknown) != 0 {
		t.Fatalf("409: %v %+v", err, res)
	}
	clock.add(5 * time.Second)
	// One contained, one not: the one is done, the other taken.
	res, err = h.Contain(ctx, model.Contain, []string{a, b})
	if err != nil || !slices.Equal(res.Done, []string{a}) || !slices.Equal(res.Accepted, []string{b}) {
		t.Fatalf("mixed: %v %+v", err, res)
	}
	// Lifting a host that is not contained is done too.
	res, err = h.Contain(ctx, model.LiftContainment, []string{ids[2]})
	if err != nil || !slices.Equal(res.Done, []string{ids[2]}) {
		t.Fatalf("lift of a normal host: %v %+v", err, res)
	}
}

func TestWithoutTheHostsScopesTheErrorNamesTheScope(t *testing.T) {
	e, h, _ := newHostsEnv(t, fake.Options{DenyHostsRead: true, DenyHostsWrite: true})
	ctx := context.Background()
	aids := e.fake.HostIDs()[:2]
	_, _, err := h.Hosts(ctx, aids)
	if StatusOf(err) != http.StatusForbidden || !strings.Contains(err.Error(), "Hosts: read") {
		t.Fatalf("read: %v", err)
	}
	res, err := h.Contain(ctx, model.Contain, aids)
	if StatusOf(err) != http.StatusForbidden || !strings.Contains(err.Error(), "Hosts: write") || strings.Contains(err.Error(), "Hosts: read") {
		t.Fatalf("contain: %v", err)
	}
	if len(res.Refused) != 2 || len(res.Accepted)+len(res.Done)+len(res.Unknown) != 0 {
		t.Fatalf("result %+v", res)
	}
	if e.fake.Host(aids[0]) != "normal" {
		t.Fatal("contained without the scope")
	}
}

func TestARefusalAsAWholeStopsTheRequestsLeft(t *testing.T) {
	e, h, _ := newHostsEnv(t, fake.Options{DenyHostsWrite: true})
	aids := madeUpAIDs(1200)
	res, err := h.Contain(context.Background(), model.Contain, aids)
	if StatusOf(err) != http.StatusForbidden {
		t.Fatal(err)
	}
	if n := e.fake.Count("hosts-action"); n != 1 {
		t.Fatalf("%d requests after a 403", n)
	}
	if len(res.Refused) != 500 || len(res.NotSent) != 700 {
		t.Fatalf("%d refused, %d not sent", len(res.Refused), len(res.NotSent))
	}
}

func TestOnlyTwoActionsCanBeSent(t *testing.T) {
	e, h, _ := newHostsEnv(t, fake.Options{})
	if _, err := h.Contain(context.Background(), model.ContainAction{}, e.fake.HostIDs()[:1]); err == nil {
		t.Fatal("the zero action was sent")
	}
	if n := e.fake.Count("hosts-action"); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

// hostileHosts is a client of a service that answers the Hosts API with
// body, whatever was asked.
func hostileHosts(t *testing.T, status int, body func(r *http.Request) string) *HostsAPI {
	t.Helper()
	srv := httptest.NewServer(withToken(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body(r)))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	return NewHosts(c)
}

func TestHostileContainmentAnswers(t *testing.T) {
	ctx := context.Background()
	aids := madeUpAIDs(3)
	other := strings.Repeat("e", 32)
	long := strings.Repeat("é", 1<<19)
	cases := []struct {
		name   string
		status int
		body   string
		check  func(t *testing.T, res model.ContainResult, err error)
	}{
		{"202 with no resources", 202, `{"meta":{},"resources":[],"errors":[]}`, func(t *testing.T, res model.ContainResult, err error) {
			if err != nil || !slices.Equal(res.Unknown, aids) {
				t.Fatalf("%v %+v", err, res)
			}
		}},
		{"202 with null resources", 202, `{"meta":{}}`, func(t *testing.T, res model.ContainResult, err error) {
			if err != nil || !slices.Equal(res.Unknown, aids) {
				t.Fatalf("%v %+v", err, res)
			}
		}},
		{"resources not asked for", 202, `{"resources":[{"id":"` + other + `"},{"id":"` + aids[1] + `"},{"id":"` + strings.ToUpper(aids[2]) + `"}]}`,
			func(t *testing.T, res model.ContainResult, err error) {
				if err != nil || !slices.Equal(res.Accepted, aids[1:]) || !slices.Equal(res.Unknown, aids[:1]) {
					t.Fatalf("%v %+v", err, res)
				}
			}},
		{"resources of another shape", 202, `{"resources":"nope","errors":[{"code":500,"message":"` + aids[0] + ` failed"}]}`,
			func(t *testing.T, res model.ContainResult, err error) {
				if err != nil || res.Refused[aids[0]] == "" || !slices.Equal(res.Unknown, aids[1:]) {
					t.Fatalf("%v %+v", err, res)
				}
			}},
		{"bad JSON", 202, `{"resources":[{"id":`, func(t *testing.T, res model.ContainResult, err error) {
			if err == nil || !slices.Equal(res.Unknown, aids) {
				t.Fatalf("%v %+v", err, res)
			}
		}},
		{"a long message in capitals", 202, `{"resources":[],"errors":[{"code":400,"message":"host ` + strings.ToUpper(aids[0]) + " " + long + `"}]}`,
			func(t *testing.T, res model.ContainResult, err error) {
				why := res.Refused[aids[0]]
				if err != nil || why == "" || len(why) > maxReason+len("…") || !strings.HasPrefix(why, "host "+strings.ToUpper(aids[0])) {
					t.Fatalf("%v %d %q…", err, len(why), why[:min(len(why), 60)])
				}
			}},
		{"a message naming two hosts", 202, `{"errors":[{"code":400,"message":"` + aids[0] + "," + aids[2] + ` offline"}]}`,
			func(t *testing.T, res model.ContainResult, err error) {
				if err != nil || len(res.Refused) != 2 || res.Refused[aids[1]] != "" {
					t.Fatalf("%v %+v", err, res)
				}
			}},
		{"a huge body", 202, `{"resources":[],"errors":[{"code":400,"message":"` + strings.Repeat("x", 4<<20) + `"}]}`,
			func(t *testing.T, res model.ContainResult, err error) {
				if !tooLarge(err) || !slices.Equal(res.Unknown, aids) {
					t.Fatalf("%v %+v", err, res)
				}
			}},
		{"a 500", 500, `{"errors":[{"code":500,"message":"boom"}]}`, func(t *testing.T, res model.ContainResult, err error) {
			if StatusOf(err) != 500 || !slices.Equal(res.Unknown, aids) {
				t.Fatalf("%v %+v", err, res)
			}
		}},
		{"a 400 naming nobody", 400, `{"errors":[{"code":400,"message":"bad"}]}`, func(t *testing.T, res model.ContainResult, err error) {
			if StatusOf(err) != 400 || len(res.Refused) != 3 || res.Refused[aids[0]] != "bad" {
				t.Fatalf("%v %+v", err, res)
			}
		}},
		{"a 409 naming nobody", 409, `{"errors":[{"code":409,"message":"already in that state"}]}`, func(t *testing.T, res model.ContainResult, err error) {
			if err != nil || !slices.Equal(res.Done, aids) {
				t.Fatalf("%v %+v", err, res)
			}
		}},
		{"a 409 that is not JSON", 409, `<html>conflict</html>`, func(t *testing.T, res model.ContainResult, err error) {
			if StatusOf(err) != 409 || len(res.Refused) != 3 || len(res.Done) != 0 {
				t.Fatalf("%v %+v", err, res)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := hostileHosts(t, c.status, func(*http.Request) string { return c.body })
			res, err := h.Contain(ctx, model.Contain, aids)
			sent := len(res.Accepted) + len(res.Done) + len(res.Refused) + len(res.Unknown) + len(res.NotSent)
			if sent != len(aids) {
				t.Fatalf("%d hosts accounted for, of %d: %+v", sent, len(aids), res)
			}
			c.check(t, res, err)
		})
	}
}

func TestHostileHostsAnswers(t *testing.T) {
	ctx := context.Background()
	aids := madeUpAIDs(2)
	other := strings.Repeat("e", 32)
	h := hostileHosts(t, 200, func(*http.Request) string {
		return `{"resources":[{"device_id":"` + other + `","hostname":"intruder"},{"device_id":"` + aids[0] + `","hostname":"a","status":"contained","first_seen":"not a time"},{"device_id":"` + aids[0] + `","hostname":"again"}]}`
	})
	found, missing, err := h.Hosts(ctx, aids)
	if err != nil || len(found) != 1 || found[0].Hostname != "a" || found[0].Status != model.HostContained || !found[0].FirstSeen.IsZero() {
		t.Fatalf("%v %+v", err, found)
	}
	if len(missing) != 1 || missing[aids[1]] == "" {
		t.Fatalf("missing %v", missing)
	}
	bad := hostileHosts(t, 200, func(*http.Request) string { return `{"resources":{"device_id":1}}` })
	if _, _, err := bad.Hosts(ctx, aids); err == nil {
		t.Fatal("an unreadable answer read")
	}
}

// TestContainmentIsAudited: the log records the hosts, the action, their
// statuses before and after and the outcome, in records the readers of
// the log pass over.
func TestContainmentIsAudited(t *testing.T) {
	e, h, _ := newHostsEnv(t, fake.Options{})
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log := openTestAudit(t, path)
	a := AuditedHosts{Hosts: h, Log: log}
	ids := e.fake.HostIDs()
	unknown := madeUpAIDs(1)[0]
	res, err := a.Contain(context.Background(), model.Contain, []string{ids[0], unknown})
	if err != nil || !slices.Equal(res.Accepted, ids[:1]) {
		t.Fatalf("%v %+v", err, res)
	}
	recs, torn := logLines(t, path)
	if len(torn) != 0 || len(recs) != 2 {
		t.Fatalf("%d records, torn %q", len(recs), torn)
	}
	sent, out := recs[0], recs[1]
	if sent.Event != EventContainSent || sent.Containment != "contain" || !slices.Equal(sent.IDs, []string{ids[0], unknown}) ||
		sent.HostsBefore[ids[0]] != "normal" || sent.Backend != "hosts" {
		t.Fatalf("sent %+v", sent)
	}
	if out.Event != EventContainResult || out.Batch != sent.Batch || out.Outcome != "partial" || out.HostsAfter[ids[0]] != "containment_pending" ||
		!strings.Contains(out.Refused[unknown], unknown) || out.TraceID == "" {
		t.Fatalf("result %+v", out)
	}
	// Containments are no alert rows: a start reports nothing of them,
	// and the run's tally counts no row.
	u, err := ReadUnreported(path)
	if err != nil || u.Any() {
		t.Fatalf("unreported %v %+v", err, u)
	}
	if tally := log.Tally(); tally.Any() {
		t.Fatalf("tally %+v", tally)
	}
}

func TestAContainmentThatCannotBeLoggedIsNotSent(t *testing.T) {
	e, h, _ := newHostsEnv(t, fake.Options{})
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log := openTestAudit(t, path)
	log.f = &fullDisk{auditFile: log.f, failFrom: 1}
	res, err := AuditedHosts{Hosts: h, Log: log}.Contain(context.Background(), model.Contain, e.fake.HostIDs()[:1])
	if err == nil || len(res.NotSent) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	if n := e.fake.Count("hosts-action"); n != 0 {
		t.Fatalf("%d containments sent", n)
	}
}

// TestFiftyAlertsOnTenHosts: their details read each host once through the
// cache, and one aggregation counts every host's alerts of the last seven
// days, matching the alerts themselves.
func TestFiftyAlertsOnTenHosts(t *testing.T) {
	e, h, _ := newHostsEnv(t, fake.Options{GenOptions: fake.GenOptions{Count: 2000}})
	ctx := context.Background()
	b := NewAlerts(e.client, nil)
	// Fifty alerts spread over ten hosts.
	var alerts []map[string]any
	hosts := map[string]bool{}
	for _, id := range e.fake.AlertIDs() {
		a, _ := e.fake.Alert(id)
		dev, _ := a["device"].(map[string]any)
		aid, _ := dev["device_id"].(string)
		if aid == "" || !hosts[aid] && len(hosts) == 10 {
			continue
		}
		hosts[aid] = true
		alerts = append(alerts, a)
		if len(alerts) == 50 {
			break
		}
	}
	if len(alerts) != 50 || len(hosts) != 10 {
		t.Fatalf("%d alerts on %d hosts", len(alerts), len(hosts))
	}
	aidOf := func(a map[string]any) string { return a["device"].(map[string]any)["device_id"].(string) }

	cache := model.NewHostCache()
	for _, a := range alerts {
		need := cache.Need([]string{aidOf(a)})
		if len(need) == 0 {
			continue
		}
		found, missing, err := h.Hosts(ctx, need)
		cache.Done(need, found, missing, err)
		if _, ok := cache.Host(aidOf(a)); !ok {
			t.Fatalf("host %s not cached: %s", aidOf(a), cache.Failed(aidOf(a)))
		}
	}
	if got := requestSizes(e.fake, "hosts-get"); len(got) != 10 || slices.Max(got) != 1 {
		t.Fatalf("host reads %v, want each of 10 hosts once", got)
	}

	before := e.fake.Count("aggregates")
	var aids []string
	for _, a := range alerts {
		aids = append(aids, aidOf(a))
	}
	counts, err := model.AlertCounts(ctx, b, aids, testBase)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count("aggregates") - before; n != 1 {
		t.Fatalf("%d aggregation requests", n)
	}
	want := map[string]int64{}
	week := testBase.Add(-7 * 24 * time.Hour)
	for _, id := range e.fake.AlertIDs() {
		a, _ := e.fake.Alert(id)
		dev, _ := a["device"].(map[string]any)
		aid, _ := dev["device_id"].(string)
		created, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(a["created_timestamp"]))
		if hosts[aid] && !created.Before(week) {
			want[aid]++
		}
	}
	total := int64(0)
	for aid := range hosts {
		if counts[aid] != want[aid] {
			t.Fatalf("host %s: counted %d, the alerts say %d", aid, counts[aid], want[aid])
		}
		total += counts[aid]
	}
	if total == 0 || len(counts) != 10 {
		t.Fatalf("counts %v", counts)
	}
}

func TestTheFakesHostsAnswerAsTheServiceDoes(t *testing.T) {
	e, _, _ := newHostsEnv(t, fake.Options{})
	ctx := context.Background()
	ids := e.fake.HostIDs()
	get := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		k := call{op: "probe", method: method, path: path, read: true}
		if body != nil {
			k.body = body
		}
		env, err := e.client.do(ctx, k)
		m := map[string]any{}
		if env != nil {
			m["resources"] = string(env.Resources.raw)
		}
		return StatusOf(err), m
	}
	if st, m := get(http.MethodGet, "/devices/entities/devices/v2?ids="+ids[0]+"&ids="+ids[1], nil); st != 0 || !strings.Contains(m["resources"].(string), ids[1]) {
		t.Fatalf("GET: %d %v", st, m)
	}
	many := "?ids=" + strings.Join(madeUpAIDs(101), "&ids=")
	if st, _ := get(http.MethodGet, "/devices/entities/devices/v2"+many, nil); st != 400 {
		t.Fatalf("GET of 101: %d", st)
	}
	if st, _ := get(http.MethodPost, "/devices/entities/devices/v2", map[string]any{"ids": madeUpAIDs(5001)}); st != 400 {
		t.Fatalf("POST of 5001: %d", st)
	}
	if st, _ := get(http.MethodPost, "/devices/entities/devices-actions/v2?action_name=contain", map[string]any{"ids": madeUpAIDs(501)}); st != 400 {
		t.Fatalf("contain 501: %d", st)
	}
	if st, _ := get(http.MethodPost, "/devices/entities/devices-actions/v2?action_name=isolate", map[string]any{"ids": ids[:1]}); st != 400 || e.fake.Host(ids[0]) != "normal" {
		t.Fatalf("unknown action: %d", st)
	}
	if n := e.fake.Count("hosts-get"); n != 3 {
		t.Fatalf("hosts-get counted %d", n)
	}
}
