package fake

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// The fake refuses what the service refuses: each case was once forgiven
// here while a stricter server answered 400.

func TestCombinedRefusesLimitZero(t *testing.T) {
	c := newClient(t, Options{DetectsGone: true})
	if s, env := combined(c, map[string]any{"limit": 0}); s != 400 || !strings.Contains(firstError(env), "limit") {
		t.Fatalf("limit 0: %d %s, want 400 naming the limit", s, firstError(env))
	}
	s, env := combined(c, map[string]any{})
	if s != 200 || len(env["resources"].([]any)) != 100 {
		t.Fatalf("no limit: %d, %v rows, want the default 100", s, len(env["resources"].([]any)))
	}
}

func TestFilterPropertiesCountEveryClause(t *testing.T) {
	c := newClient(t, Options{})
	clauses := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, "max_severity:!"+string(rune('1'+i%9)))
		}
		return strings.Join(parts, "+")
	}
	if s, env := query(c, "filter="+url.QueryEscape(clauses(20))); s != 200 {
		t.Fatalf("20 clauses: %d %s", s, firstError(env))
	}
	if s, env := query(c, "filter="+url.QueryEscape(clauses(21))); s != 400 || !strings.Contains(firstError(env), "21 properties") {
		t.Fatalf("21 clauses on one field: %d %s, want 400", s, firstError(env))
	}
}

func TestAggregateRangesAndIntervalsAsTheServiceTakesThem(t *testing.T) {
	c := newClient(t, Options{})
	agg := func(req map[string]any) (int, string) {
		s, env, _ := c.do("POST", "/detects/aggregates/detects/GET/v1", jsonBody([]any{req}))
		return s, firstError(env)
	}
	rng := func(ranges string) map[string]any {
		var r []any
		if err := json.Unmarshal([]byte(ranges), &r); err != nil {
			t.Fatal(err)
		}
		return map[string]any{"name": "sev", "type": "range", "field": "max_severity", "ranges": r}
	}
	hist := func(interval string) map[string]any {
		return map[string]any{"name": "h", "type": "date_histogram", "field": "created_timestamp", "interval": interval}
	}
	cases := []struct {
		what string
		req  map[string]any
		want int
	}{
		{"both bounds", rng(`[{"From":0,"To":50},{"From":50,"To":101}]`), 200},
		{"From only", rng(`[{"From":80}]`), 400},
		{"To only", rng(`[{"To":80}]`), 400},
		{"lowercase keys", rng(`[{"from":0,"to":50}]`), 400},
		{"interval day", hist("day"), 200},
		{"interval hour", hist("hour"), 200},
		{"interval 1d", hist("1d"), 400},
		{"interval 24h", hist("24h"), 400},
		{"no interval", hist(""), 400},
	}
	for _, tc := range cases {
		if s, msg := agg(tc.req); s != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.what, s, msg, tc.want)
		}
	}
}

func TestDetectsRefusesAnEmptyAssignee(t *testing.T) {
	c := newClient(t, Options{})
	ids := c.s.IDs()
	s, env, _ := c.do("PATCH", "/detects/entities/detects/v2", jsonBody(map[string]any{"ids": ids[:1], "assigned_to_uuid": ""}))
	if s != 400 || !strings.Contains(firstError(env), "not a user of this customer") {
		t.Fatalf("assigned_to_uuid \"\": %d %s, want 400", s, firstError(env))
	}
}

func TestFailCombinedFailsOnlyTheCombinedEndpoint(t *testing.T) {
	c := newClient(t, Options{DetectsGone: true})
	c.s.SetFaults(Faults{FailCombined: 2, CombinedStatus: 502})
	if s, _ := queryAlerts(c, "limit=1"); s != 200 {
		t.Fatalf("queries during a combined fault: %d", s)
	}
	for i := range 2 {
		if s, _ := combined(c, map[string]any{"limit": 1}); s != 502 {
			t.Fatalf("combined request %d: %d, want 502", i+1, s)
		}
	}
	if s, _ := combined(c, map[string]any{"limit": 1}); s != 200 {
		t.Fatalf("combined after the fault: %d", s)
	}
}
