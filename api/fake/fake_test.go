package fake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var base = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// client is a bare HTTP client of the fake: these tests speak the wire
// format, not the project's client.
type client struct {
	t   *testing.T
	srv *httptest.Server
	s   *Server
	tok string
}

func newClient(t *testing.T, o Options) *client {
	t.Helper()
	if o.Count == 0 {
		o.Count = 200
	}
	if o.Seed == 0 {
		o.Seed = 3
	}
	o.Base = base
	s, srv := NewServer(o)
	t.Cleanup(srv.Close)
	c := &client{t: t, srv: srv, s: s}
	status, body, _ := c.form("/oauth2/token", url.Values{"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}})
	if status != http.StatusCreated {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.Unmarshal(body, &tok)
	c.tok = tok.AccessToken
	return c
}

func (c *client) form(path string, v url.Values) (int, []byte, http.Header) {
	resp, err := http.PostForm(c.srv.URL+path, v)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (c *client) do(method, path, body string) (int, map[string]any, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var env map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		c.t.Fatalf("%s %s: not an envelope: %v", method, path, err)
	}
	return resp.StatusCode, env, resp.Header
}

func firstError(env map[string]any) string {
	errs, _ := env["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["message"].(string)
}

func query(c *client, params string) (int, map[string]any) {
	status, env, _ := c.do("GET", "/detects/queries/detects/v1?"+params, "")
	return status, env
}

func total(env map[string]any) int {
	return int(env["meta"].(map[string]any)["pagination"].(map[string]any)["total"].(float64))
}

func TestAuth(t *testing.T) {
	c := newClient(t, Options{TokenTTL: time.Minute})
	status, _, h := c.form("/oauth2/token", url.Values{"client_id": {DemoClientID}, "client_secret": {"nope"}})
	if status != http.StatusForbidden || h.Get("X-Cs-Traceid") == "" {
		t.Fatalf("bad secret: %d", status)
	}
	tok := c.tok
	c.tok = ""
	if s, env := query(c, ""); s != 401 || !strings.Contains(firstError(env), "invalid bearer token") {
		t.Fatalf("no token: %d", s)
	}
	c.tok = tok
	if s, _ := query(c, ""); s != 200 {
		t.Fatalf("good token: %d", s)
	}
	req, _ := http.NewRequest("POST", c.srv.URL+"/oauth2/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DemoClientID, DemoClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v", err)
	}
	resp.Body.Close()
	if s, _ := query(c, ""); s != 401 {
		t.Fatalf("revoked token still works: %d", s)
	}
}

func TestPagingLimits(t *testing.T) {
	c := newClient(t, Options{})
	s, env := query(c, "")
	if ids := env["resources"].([]any); s != 200 || len(ids) != 100 {
		t.Fatalf("default limit: %d ids", len(ids))
	}
	for params, want := range map[string]string{
		"limit=10000":           "limit must be an integer between 0 and 9999",
		"offset=9990&limit=10":  "limit + offset must be less than 10000",
		"offset=-1":             "offset must be a non-negative integer",
		"sort=status|asc":       "Invalid sort",
		"sort=max_severity|up":  "Invalid sort",
		"filter=status:'new'+":  "Invalid filter",
		"filter=nope:1":         `unknown field "nope"`,
		"filter=max_severity:x": "is not a number",
	} {
		k, v, _ := strings.Cut(params, "=")
		if k == "filter" {
			params = "filter=" + url.QueryEscape(v)
		}
		s, env := query(c, params)
		if s != 400 || !strings.Contains(firstError(env), want) {
			t.Errorf("%s: %d %q, want 400 %q", params, s, firstError(env), want)
		}
	}
}

func TestFQL(t *testing.T) {
	c := newClient(t, Options{})
	count := func(filter string) int {
		t.Helper()
		s, env := query(c, "limit=1&filter="+url.QueryEscape(filter))
		if s != 200 {
			t.Fatalf("%s: %d %s", filter, s, firstError(env))
		}
		return total(env)
	}
	all := count("")
	newN, closedN := count("status:'new'"), count("status:'closed'")
	if newN == 0 || closedN == 0 {
		t.Fatal("no new or closed detections in the data")
	}
	cases := map[string]int{
		"status:['new','closed']":                     newN + closedN,
		"status:'new',status:'closed'":                newN + closedN,
		"status:!'new'":                               all - newN,
		"status:!['new','closed']":                    all - newN - closedN,
		"(status:'new',status:'closed')+status:'new'": newN,
		"status:'new'+max_severity:>=0":               newN,
		"max_severity:>100":                           0,
		"assigned_to_uid:null,assigned_to_uid:!null":  all,
		"last_behavior:>'2000-01-01T00:00:00Z'":       all,
		"last_behavior:<'2000-01-01'":                 0,
		"device.platform_name:'Windows',device.platform_name:'Linux',device.platform_name:'Mac'": all,
		"device.hostname:*'*'":          all,
		"behaviors.tactic:~'EXECUTION'": count("behaviors.tactic:'Execution'"),
	}
	for f, want := range cases {
		if got := count(f); got != want {
			t.Errorf("%s: %d, want %d", f, got, want)
		}
	}
	// A quoted value with the syntax inside it stays one value.
	if n := count(`device.hostname:'it\'s+x,y'`); n != 0 {
		t.Fatalf("quoting: %d", n)
	}
	if s, env := query(c, "q=powershell&limit=1"); s != 200 || total(env) == 0 || total(env) == all {
		t.Fatalf("q: %d of %d", total(env), all)
	}
}

func TestSummariesAndUpdateRules(t *testing.T) {
	c := newClient(t, Options{})
	ids := c.s.IDs()
	body := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	s, env, _ := c.do("POST", "/detects/entities/summaries/GET/v1", body(map[string]any{"ids": []string{ids[0], "ldt:x:1"}}))
	if s != 404 || len(env["resources"].([]any)) != 1 || !strings.Contains(firstError(env), "ldt:x:1") {
		t.Fatalf("partial: %d %v", s, env["errors"])
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = ids[i%len(ids)]
	}
	if s, _, _ := c.do("POST", "/detects/entities/summaries/GET/v1", body(map[string]any{"ids": many})); s != 400 {
		t.Fatalf("1001 ids read: %d", s)
	}
	patch := func(v map[string]any) (int, string) {
		s, env, _ := c.do("PATCH", "/detects/entities/detects/v2", body(v))
		return s, firstError(env)
	}
	if s, msg := patch(map[string]any{"ids": ids[:2], "comment": "alone"}); s != 400 || !strings.Contains(msg, "comment") {
		t.Fatalf("comment alone: %d %s", s, msg)
	}
	if s, _ := patch(map[string]any{"ids": ids[:2], "status": "done"}); s != 400 {
		t.Fatalf("unknown status: %d", s)
	}
	if s, _ := patch(map[string]any{"ids": many, "status": "closed"}); s != 400 {
		t.Fatalf("1001 ids written: %d", s)
	}
	if s, msg := patch(map[string]any{"ids": ids[:2], "assigned_to_uuid": "not-a-user"}); s != 400 || !strings.Contains(msg, "not a user") {
		t.Fatalf("unknown user: %d %s", s, msg)
	}
	u := c.s.Users()[1]
	s, env, _ = c.do("PATCH", "/detects/entities/detects/v2", body(map[string]any{"ids": ids[:2], "status": "closed", "comment": "done", "assigned_to_uuid": u.UUID}))
	if s != 200 || env["meta"].(map[string]any)["writes"].(map[string]any)["resources_affected"].(float64) != 2 {
		t.Fatalf("update: %d %v", s, env)
	}
	d, _ := c.s.Detection(ids[1])
	if d["status"] != "closed" || d["assigned_to_name"] != u.Name() || len(c.s.Comments(ids[1])) != 1 {
		t.Fatalf("state after update: %v %v", d["status"], d["assigned_to_name"])
	}
}

func TestRateLimit(t *testing.T) {
	now := base
	c := newClient(t, Options{RateLimit: 3, Now: func() time.Time { return now }})
	for i := 0; i < 3; i++ {
		_, _, h := c.do("GET", "/detects/queries/detects/v1?limit=1", "")
		if h.Get("X-Ratelimit-Remaining") != fmt.Sprint(2-i) || h.Get("X-Ratelimit-Limit") != "3" {
			t.Fatalf("remaining %s after %d", h.Get("X-Ratelimit-Remaining"), i+1)
		}
	}
	s, _, h := c.do("GET", "/detects/queries/detects/v1?limit=1", "")
	if s != 429 || h.Get("X-Ratelimit-Retryafter") == "" {
		t.Fatalf("over budget: %d", s)
	}
	now = now.Add(61 * time.Second)
	if s, _, _ := c.do("GET", "/detects/queries/detects/v1?limit=1", ""); s != 200 {
		t.Fatalf("after the window: %d", s)
	}
}

func TestSameSeedSameData(t *testing.T) {
	a, _ := generate(GenOptions{Count: 300, Seed: 9, Base: base})
	b, _ := generate(GenOptions{Count: 300, Seed: 9, Base: base})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("the same seed gave other data")
	}
	c, _ := generate(GenOptions{Count: 300, Seed: 10, Base: base})
	jc, _ := json.Marshal(c)
	if string(ja) == string(jc) {
		t.Fatal("another seed gave the same data")
	}
	hostile, hidden := 0, 0
	platforms := map[string]bool{}
	for _, d := range a {
		platforms[d.Device.PlatformName] = true
		if !d.ShowInUI {
			hidden++
		}
		if strings.ContainsAny(d.Behaviors[0].Cmdline+d.Behaviors[0].Filename+d.Device.Hostname, "\x1b\u202e") || len(d.Behaviors[0].Cmdline) > 10000 {
			hostile++
		}
	}
	if hostile == 0 || hidden == 0 || len(platforms) != 3 {
		t.Fatalf("hostile %d, hidden %d, platforms %v", hostile, hidden, platforms)
	}
}

// TestWireMatchesRecorded holds the fake's answers against the recorded
// real ones: every key the fake sends must be one the service sends, with a
// value of the same JSON kind.
func TestWireMatchesRecorded(t *testing.T) {
	c := newClient(t, Options{})
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "summaries.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	_ = json.Unmarshal(raw, &rec)
	_, env, _ := c.do("POST", "/detects/entities/summaries/GET/v1", `{"ids":["`+c.s.IDs()[0]+`","ldt:nope:1"]}`)
	compareKeys(t, "envelope", env, rec)
	var qrec map[string]any
	raw, _ = os.ReadFile(filepath.Join("..", "..", "testdata", "query_detects.json"))
	_ = json.Unmarshal(raw, &qrec)
	_, qenv := query(c, "limit=2")
	compareKeys(t, "query", qenv, qrec)
}

func compareKeys(t *testing.T, path string, got, want any) {
	t.Helper()
	switch g := got.(type) {
	case map[string]any:
		w, ok := want.(map[string]any)
		if !ok {
			t.Errorf("%s: an object where the service has %T", path, want)
			return
		}
		for k, v := range g {
			wv, ok := w[k]
			if !ok {
				if path == "envelope.meta" && k == "pagination" {
					continue
				}
				t.Errorf("%s.%s: the service has no such key", path, k)
				continue
			}
			compareKeys(t, path+"."+k, v, wv)
		}
	case []any:
		w, ok := want.([]any)
		if !ok {
			t.Errorf("%s: an array where the service has %T", path, want)
			return
		}
		if len(g) > 0 && len(w) > 0 {
			compareKeys(t, path+"[0]", g[0], w[0])
		}
	default:
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) && want != nil {
			t.Errorf("%s: %T where the service has %T", path, got, want)
		}
	}
}
