package fake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests of the service as today's tenants meet it: strict sorts, the
// combined endpoint, the documented action parameters, the token form,
// scopes, stale Detects and the other products' alerts.

func jsonBody(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDetectsSortsOnlyDocumentedFields(t *testing.T) {
	c := newClient(t, Options{})
	cases := []struct {
		sort string
		want int
	}{
		{"first_behavior|asc", 200},
		{"last_behavior|desc", 200},
		{"max_severity|desc", 200},
		{"max_confidence|asc", 200},
		{"adversary_id|desc", 200},
		{"device.hostname|asc", 200},
		{"date_updated|desc", 400},
		{"status|asc", 400},
		{"max_severity", 400},
		{"max_severity.desc", 400},
		{"device.hostname.asc", 400},
		{"max_severity|DESC", 400},
		{"max_severity|", 400},
		{"|desc", 400},
	}
	for _, tc := range cases {
		s, env := query(c, "limit=5&sort="+url.QueryEscape(tc.sort))
		if s != tc.want {
			t.Errorf("sort %q: %d %s, want %d", tc.sort, s, firstError(env), tc.want)
		}
		if s == 400 && !strings.Contains(firstError(env), "field|asc or field|desc") {
			t.Errorf("sort %q: unclear message %q", tc.sort, firstError(env))
		}
	}
}

// combined asks the combined endpoint for one page.
func combined(c *client, body map[string]any) (int, map[string]any) {
	c.t.Helper()
	s, env, _ := c.do("POST", "/alerts/combined/alerts/v1", jsonBody(body))
	return s, env
}

func afterOf(env map[string]any) string {
	a, _ := env["meta"].(map[string]any)["pagination"].(map[string]any)["after"].(string)
	return a
}

func TestCombinedDefaultSortAndCursor(t *testing.T) {
	c := newClient(t, Options{})
	s, env := combined(c, map[string]any{"limit": 50})
	if s != 200 {
		t.Fatalf("first page: %d %s", s, firstError(env))
	}
	docs := env["resources"].([]any)
	for i := 1; i < len(docs); i++ {
		prev, cur := docs[i-1].(map[string]any)["created_timestamp"].(string), docs[i].(map[string]any)["created_timestamp"].(string)
		if mustTime(t, prev).Before(mustTime(t, cur)) {
			t.Fatalf("default order is not created_timestamp|desc at %d: %s before %s", i, prev, cur)
		}
	}
	// Without a sort, the default order is what the cursor belongs to.
	after := afterOf(env)
	if after == "" {
		t.Fatal("no after cursor on a first page")
	}
	cases := []struct {
		name string
		body map[string]any
		want int
	}{
		{"same query", map[string]any{"limit": 50, "after": after}, 200},
		{"the default sort spelled out", map[string]any{"limit": 50, "after": after, "sort": "created_timestamp|desc"}, 200},
		{"another sort", map[string]any{"limit": 50, "after": after, "sort": "timestamp|desc"}, 400},
		{"another filter", map[string]any{"limit": 50, "after": after, "filter": "status:'new'"}, 400},
		{"a forged cursor", map[string]any{"limit": 50, "after": "bm90LWEtY3Vyc29y"}, 400},
	}
	for _, tc := range cases {
		if s, env := combined(c, tc.body); s != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, s, firstError(env), tc.want)
		}
	}

	// A walk with the cursor sees every alert once.
	seen := map[string]bool{}
	body := map[string]any{"limit": 1000, "filter": "product:'epp',product:'idp'", "sort": "timestamp|asc"}
	for {
		s, env := combined(c, body)
		if s != 200 {
			t.Fatalf("walk: %d %s", s, firstError(env))
		}
		for _, d := range env["resources"].([]any) {
			id := d.(map[string]any)["composite_id"].(string)
			if seen[id] {
				t.Fatalf("%s seen twice", id)
			}
			seen[id] = true
		}
		if body["after"] = afterOf(env); body["after"] == "" {
			break
		}
	}
	_, env = queryAlerts(c, "limit=1&filter="+url.QueryEscape("product:'epp',product:'idp'"))
	if len(seen) != total(env) {
		t.Fatalf("the walk saw %d alerts of %d", len(seen), total(env))
	}
}

func queryAlerts(c *client, params string) (int, map[string]any) {
	c.t.Helper()
	s, env, _ := c.do("GET", "/alerts/queries/alerts/v2?"+params, "")
	return s, env
}

func TestAlertActionParameters(t *testing.T) {
	c := newClient(t, Options{})
	ids := c.s.AlertIDs()
	id := ids[0]
	patch := func(ids []string, acts ...any) (int, string) {
		t.Helper()
		s, env, _ := c.do("PATCH", "/alerts/entities/alerts/v3", jsonBody(map[string]any{"composite_ids": ids, "action_parameters": acts}))
		return s, firstError(env)
	}
	act := func(name string, value any) map[string]any { return map[string]any{"name": name, "value": value} }
	if s, msg := patch([]string{id}, act("add_tag", "verdict/true_positive"), act("add_tag", "verdict/benign"), act("add_tag", "keep")); s != 200 {
		t.Fatalf("add tags: %d %s", s, msg)
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = ids[i%len(ids)]
	}
	cases := []struct {
		name string
		ids  []string
		acts []any
		want int
	}{
		{"remove_tags_by_prefix", []string{id}, []any{act("remove_tags_by_prefix", "verdict/")}, 200},
		{"an empty show_in_ui", []string{id}, []any{act("show_in_ui", ""), act("update_status", "in_progress")}, 200},
		{"remove_tags_by_prefix without a prefix", []string{id}, []any{act("remove_tags_by_prefix", "")}, 400},
		{"a JSON boolean", []string{id}, []any{act("show_in_ui", true)}, 400},
		{"an unknown action", []string{id}, []any{act("set_verdict", "true_positive")}, 400},
		{"ignored as a status", []string{id}, []any{act("update_status", "ignored")}, 400},
		{"a verdict as a status", []string{id}, []any{act("update_status", "true_positive")}, 400},
		{"false_positive as a status", []string{id}, []any{act("update_status", "false_positive")}, 400},
		{"1001 ids", many, []any{act("update_status", "closed")}, 413},
	}
	for _, tc := range cases {
		if s, msg := patch(tc.ids, tc.acts...); s != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, s, msg, tc.want)
		}
	}
	a, _ := c.s.Alert(id)
	if tags := fmt.Sprint(a["tags"]); tags != "[keep]" {
		t.Errorf("tags after remove_tags_by_prefix: %s", tags)
	}
	if a["show_in_ui"] != true || a["status"] != "in_progress" {
		t.Errorf("an empty show_in_ui changed visibility or stopped the status: %v %v", a["show_in_ui"], a["status"])
	}
}

func TestTokenCredentialsInTheFormOnly(t *testing.T) {
	c := newClient(t, Options{Region: "US-2"})
	basic := func(form url.Values) (int, http.Header) {
		req, _ := http.NewRequest("POST", c.srv.URL+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(DemoClientID, DemoClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	cases := []struct {
		name string
		form url.Values
		want int
	}{
		{"basic auth alone", url.Values{}, 400},
		{"basic auth and the id only in the form", url.Values{"client_id": {DemoClientID}}, 400},
		{"basic auth and the form", url.Values{"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}, 201},
	}
	for _, tc := range cases {
		if s, _ := basic(tc.form); s != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, s, tc.want)
		}
	}
	s, _, h := c.form("/oauth2/token", url.Values{"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}})
	if s != 201 || h.Get("X-Cs-Region") != "US-2" {
		t.Fatalf("form: %d, region %q (the service's case must come through as given)", s, h.Get("X-Cs-Region"))
	}
}

func TestScopesAndRetiredEndpoints(t *testing.T) {
	ep := []struct {
		name, method, path, body string
	}{
		{"detects query", "GET", "/detects/queries/detects/v1?limit=1", ""},
		{"detects summaries", "POST", "/detects/entities/summaries/GET/v1", `{"ids":["ldt:x:1"]}`},
		{"detects update", "PATCH", "/detects/entities/detects/v2", `{"ids":["ldt:x:1"],"status":"closed"}`},
		{"detects aggregates", "POST", "/detects/aggregates/detects/GET/v1", `[{"name":"s","type":"terms","field":"status"}]`},
		{"alerts query", "GET", "/alerts/queries/alerts/v2?limit=1", ""},
		{"alerts combined", "POST", "/alerts/combined/alerts/v1", `{"limit":1}`},
		{"alerts get", "POST", "/alerts/entities/alerts/v2", `{"composite_ids":["x"]}`},
		{"alerts update", "PATCH", "/alerts/entities/alerts/v3", `{"composite_ids":["x"],"action_parameters":[{"name":"update_status","value":"closed"}]}`},
		{"alerts aggregates", "POST", "/alerts/aggregates/alerts/v2", `[{"name":"p","type":"terms","field":"product"}]`},
	}
	// want is the status of each endpoint above, in order.
	cases := []struct {
		name string
		o    Options
		want []int
	}{
		{"full scopes", Options{}, []int{200, 404, 404, 200, 200, 200, 200, 404, 200}},
		{"alerts only", Options{DetectsForbidden: true}, []int{403, 403, 403, 403, 200, 200, 200, 404, 200}},
		{"detects only", Options{AlertsForbidden: true}, []int{200, 404, 404, 200, 403, 403, 403, 403, 403}},
		{"no combined", Options{CombinedForbidden: true}, []int{200, 404, 404, 200, 200, 403, 200, 404, 200}},
		{"decommissioned", Options{DetectsGone: true}, []int{404, 404, 405, 404, 200, 200, 200, 404, 200}},
		{"retiring", Options{DetectsWritesGone: true}, []int{200, 404, 405, 200, 200, 200, 200, 404, 200}},
		{"stale", Options{DetectsStale: true}, []int{200, 404, 404, 200, 200, 200, 200, 404, 200}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.o)
			for i, e := range ep {
				s, env, _ := c.do(e.method, e.path, e.body)
				if s != tc.want[i] {
					t.Errorf("%s: %d %s, want %d", e.name, s, firstError(env), tc.want[i])
				}
				if s == 403 && firstError(env) != "access denied, authorization failed" {
					t.Errorf("%s: 403 says %q", e.name, firstError(env))
				}
			}
		})
	}
}

func TestStaleDetects(t *testing.T) {
	for _, stale := range []bool{false, true} {
		t.Run(fmt.Sprint("stale=", stale), func(t *testing.T) {
			now := base.Add(time.Hour)
			c := newClient(t, Options{DetectsStale: stale, Now: func() time.Time { return now }})
			_, env := query(c, "limit=1")
			before := total(env)
			id := c.s.IDs()[0]
			s, env, _ := c.do("PATCH", "/detects/entities/detects/v2", jsonBody(map[string]any{"ids": []string{id}, "status": "in_progress", "comment": "looking"}))
			if s != 200 || env["meta"].(map[string]any)["writes"].(map[string]any)["resources_affected"].(float64) != 1 {
				t.Fatalf("update: %d %s", s, firstError(env))
			}
			_, env, _ = c.do("POST", "/detects/entities/summaries/GET/v1", jsonBody(map[string]any{"ids": []string{id}}))
			got := env["resources"].([]any)[0].(map[string]any)["status"]
			if (got == "in_progress") == stale {
				t.Errorf("status read back %v after an update, stale %v", got, stale)
			}

			resp, err := http.Post(c.srv.URL+"/_fake/incidents", "application/json", strings.NewReader(`{"count": 3}`))
			if err != nil {
				t.Fatal(err)
			}
			var hook struct{ IDs []string }
			_ = json.NewDecoder(resp.Body).Decode(&hook)
			resp.Body.Close()
			added := hook.IDs
			if len(added) != 3 {
				t.Fatalf("the hook added %d incidents", len(added))
			}
			_, env = query(c, "limit=1")
			if want := before + 3*map[bool]int{false: 1, true: 0}[stale]; total(env) != want {
				t.Errorf("%d detections after 3 new incidents, want %d", total(env), want)
			}
			s, _, _ = c.do("POST", "/detects/entities/summaries/GET/v1", jsonBody(map[string]any{"ids": added}))
			if want := map[bool]int{false: 200, true: 404}[stale]; s != want {
				t.Errorf("summaries of the new detections: %d, want %d", s, want)
			}
			// Alerts follows the tenant either way.
			_, env = queryAlerts(c, "limit=1&filter="+url.QueryEscape("status:'new'+created_timestamp:>'"+base.Add(-1).Format("2006-01-02T15:04:05Z")+"'"))
			if total(env) == 0 {
				t.Error("the new incidents are missing from Alerts")
			}
		})
	}
}

// required are the fields the published schema (detects.ExternalAlert)
// marks required, with the JSON kind each has; mitre_attack is in newer
// schemas.
var required = map[string]string{
	"agent_id": "string", "aggregate_id": "string", "assigned_to_name": "string", "assigned_to_uid": "string",
	"assigned_to_uuid": "string", "cid": "string", "composite_id": "string", "confidence": "number",
	"crawled_timestamp": "time", "created_timestamp": "time", "data_domains": "array", "description": "string",
	"display_name": "string", "email_sent": "bool", "external": "bool", "id": "string", "name": "string",
	"objective": "string", "pattern_id": "number", "platform": "string", "product": "string", "scenario": "string",
	"seconds_to_resolved": "number", "seconds_to_triaged": "number", "severity": "number", "severity_name": "string",
	"show_in_ui": "bool", "source_products": "array", "source_vendors": "array", "status": "string", "tactic": "string",
	"tactic_id": "string", "tags": "array", "technique": "string", "technique_id": "string", "timestamp": "time",
	"type": "string", "updated_timestamp": "time", "mitre_attack": "array",
	"is_aggregated": "bool", "resolution": "string",
}

func TestAlertsCarryTheSchemasRequiredFields(t *testing.T) {
	c := newClient(t, Options{GenOptions: GenOptions{Count: 600}})
	byProduct := map[string][]map[string]any{}
	body := map[string]any{"limit": 1000}
	for {
		s, env := combined(c, body)
		if s != 200 {
			t.Fatalf("%d %s", s, firstError(env))
		}
		for _, d := range env["resources"].([]any) {
			a := d.(map[string]any)
			byProduct[fmt.Sprint(a["product"])] = append(byProduct[fmt.Sprint(a["product"])], a)
		}
		if body["after"] = afterOf(env); body["after"] == "" {
			break
		}
	}
	products := []string{"epp", "idp", "ngsiem", "cwpp", "thirdparty", "xdr", "mobile"}
	for _, p := range products {
		if len(byProduct[p]) == 0 {
			t.Errorf("no %s alerts", p)
		}
	}
	for p, as := range byProduct {
		if !slices.Contains(products, p) {
			t.Errorf("unexpected product %q", p)
		}
		if p != "epp" && len(as) >= len(byProduct["epp"]) {
			t.Errorf("%d %s alerts, more than the endpoint's %d", len(as), p, len(byProduct["epp"]))
		}
	}
	kind := func(v any) string {
		switch x := v.(type) {
		case string:
			if _, err := parseTime(x); err == nil {
				return "time"
			}
			return "string"
		case float64:
			return "number"
		case bool:
			return "bool"
		case []any:
			return "array"
		}
		return fmt.Sprintf("%T", v)
	}
	for p, as := range byProduct {
		for _, a := range as {
			for f, want := range required {
				v, ok := a[f]
				if !ok {
					t.Fatalf("%s alert %s has no %s", p, a["composite_id"], f)
				}
				if got := kind(v); got != want && (want != "string" || got != "time") {
					t.Fatalf("%s alert %s: %s is a %s, want a %s", p, a["composite_id"], f, got, want)
				}
			}
		}
	}
	endpointOnly := []string{"device", "filename", "filepath", "cmdline", "sha256", "md5", "parent_details", "pattern_disposition_details"}
	identity := []string{"source_account_name", "source_account_upn", "source_endpoint_host_name", "source_endpoint_ip_address", "target_account_name"}
	for _, a := range byProduct["epp"] {
		for _, f := range endpointOnly {
			if _, ok := a[f]; !ok {
				t.Fatalf("epp alert without %s", f)
			}
		}
	}
	for _, a := range byProduct["idp"] {
		for _, f := range endpointOnly {
			if _, ok := a[f]; ok {
				t.Fatalf("idp alert with %s", f)
			}
		}
		for _, f := range identity {
			if s, _ := a[f].(string); s == "" {
				t.Fatalf("idp alert without %s", f)
			}
		}
	}
	for _, p := range []string{"ngsiem", "thirdparty"} {
		for _, a := range byProduct[p] {
			if v := a["source_vendors"].([]any); len(v) == 0 || v[0] == "CrowdStrike" {
				t.Fatalf("%s alert with vendors %v", p, v)
			}
		}
	}
}

func TestProductFieldsFilterSortAndAggregate(t *testing.T) {
	c := newClient(t, Options{GenOptions: GenOptions{Count: 600}})
	count := func(filter string) int {
		t.Helper()
		s, env := queryAlerts(c, "limit=1&filter="+url.QueryEscape(filter))
		if s != 200 {
			t.Fatalf("%s: %d %s", filter, s, firstError(env))
		}
		return total(env)
	}
	all, epp, idp := count(""), count("product:'epp'"), count("product:'idp'")
	if epp == 0 || idp == 0 || epp+idp >= all {
		t.Fatalf("all %d, epp %d, idp %d", all, epp, idp)
	}
	cases := map[string]int{
		"product:!'epp'":                                                   all - epp,
		"product:'idp'+device.hostname:null":                               idp,
		"product:'idp'+source_account_name:!null":                          idp,
		"product:'epp'+source_account_name:null":                           epp,
		"source_account_upn:*'*@corp.example'":                             idp,
		"type:'ldt'":                                                       epp,
		"source_vendors:'CrowdStrike'+product:'epp'":                       epp,
		"mitre_attack.tactic_id:'TA0008',mitre_attack.tactic_id:!'TA0008'": all,
	}
	for f, want := range cases {
		if got := count(f); got != want {
			t.Errorf("%s: %d, want %d", f, got, want)
		}
	}
	if count("target_account_name:'Administrator'") == 0 || count("source_products:'Falcon Identity Protection'") != idp {
		t.Error("identity fields do not filter")
	}

	s, env := queryAlerts(c, "limit=10000&sort=product|asc")
	if s != 200 {
		t.Fatalf("sort on product: %d %s", s, firstError(env))
	}
	ids := env["resources"].([]any)
	first, _ := c.s.Alert(ids[0].(string))
	last, _ := c.s.Alert(ids[len(ids)-1].(string))
	if first["product"] != "cwpp" || last["product"] != "xdr" {
		t.Errorf("product|asc runs from %v to %v", first["product"], last["product"])
	}

	s, env, _ = c.do("POST", "/alerts/aggregates/alerts/v2", `[{"name":"products","type":"terms","field":"product","size":10,"filter":"show_in_ui:true,show_in_ui:false"}]`)
	if s != 200 {
		t.Fatalf("terms on product: %d %s", s, firstError(env))
	}
	got := map[string]int{}
	for _, b := range env["resources"].([]any)[0].(map[string]any)["buckets"].([]any) {
		b := b.(map[string]any)
		got[fmt.Sprint(b["label"])] = int(b["count"].(float64))
	}
	if len(got) != 7 || got["epp"] != epp || got["idp"] != idp {
		t.Errorf("terms on product: %v (epp %d, idp %d)", got, epp, idp)
	}
}

func TestUsersCarryEmail(t *testing.T) {
	c := newClient(t, Options{})
	u := c.s.Users()[2]
	_, env, _ := c.do("POST", "/user-management/entities/users/GET/v1", jsonBody(map[string]any{"ids": []string{u.UUID}}))
	got := env["resources"].([]any)[0].(map[string]any)
	if got["email"] != u.UID || got["uid"] != u.UID || !strings.Contains(u.UID, "@") {
		t.Fatalf("user %v", got)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := parseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
