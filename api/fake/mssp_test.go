package fake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestFlightControlEndpoints: the children query pages 10 by default and
// refuses a limit out of range; the entities endpoint answers 207 with an
// error entry per unknown id (404 when it knows none); an API client
// without the scope, or a tenant without children, gets 403.
func TestFlightControlEndpoints(t *testing.T) {
	kids := DemoChildren(23)
	c := newClient(t, Options{Children: kids})
	status, env, _ := c.do("GET", "/mssp/queries/children/v1", "")
	ids, _ := env["resources"].([]any)
	if status != http.StatusOK || len(ids) != 10 || total(env) != 23 || ids[0] != kids[0].CID {
		t.Fatalf("default page: %d, %d ids of %d, first %v", status, len(ids), total(env), ids[0])
	}
	_, env, _ = c.do("GET", "/mssp/queries/children/v1?limit=5&offset=20&sort=last_modified_timestamp.asc", "")
	if ids, _ = env["resources"].([]any); len(ids) != 3 || ids[0] != kids[2].CID {
		t.Fatalf("ascending from 20: %v", ids)
	}
	for _, q := range []string{"limit=0", "limit=5001", "sort=name|asc", "offset=-1", "filter=name:'x'"} {
		if status, _, _ := c.do("GET", "/mssp/queries/children/v1?"+q, ""); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, status)
		}
	}
	unknown := strings.Repeat("f", 32)
	status, env, _ = c.do("POST", "/mssp/entities/children/GET/v2", `{"ids":["`+kids[4].CID+`","`+unknown+`"]}`)
	res, _ := env["resources"].([]any)
	if status != http.StatusMultiStatus || len(res) != 1 || res[0].(map[string]any)["name"] != kids[4].Name ||
		res[0].(map[string]any)["child_of"] != DemoCID || !strings.Contains(firstError(env), "not found") {
		t.Fatalf("207: %d %v", status, env)
	}
	if status, _, _ := c.do("POST", "/mssp/entities/children/GET/v2", `{"ids":["`+unknown+`"]}`); status != http.StatusNotFound {
		t.Fatalf("only unknown ids: %d", status)
	}
	for name, o := range map[string]Options{"no scope": {Children: kids, DenyFlightControl: true}, "no children": {}} {
		c := newClient(t, o)
		if status, _, _ := c.do("GET", "/mssp/queries/children/v1", ""); status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, status)
		}
	}
}

// TestMemberCIDTokens: a token asked with a child's member_cid serves that
// child's alerts (its CID in the composite ids) and its revoke ends it; a
// member_cid that is no child is refused 403 on the token request.
func TestMemberCIDTokens(t *testing.T) {
	kids := DemoChildren(2)
	c := newClient(t, Options{Children: kids, DetectsGone: true})
	token := func(member string) (int, string) {
		status, body, _ := c.form("/oauth2/token", url.Values{"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}, "member_cid": {member}})
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal(body, &tok)
		return status, tok.AccessToken
	}
	if status, _ := token(strings.Repeat("a", 32)); status != http.StatusForbidden {
		t.Fatalf("a CID that is no child: %d", status)
	}
	status, tok := token(kids[1].CID)
	if status != http.StatusCreated {
		t.Fatalf("child token: %d", status)
	}
	parent := c.tok
	c.tok = tok
	status, env, _ := c.do("GET", "/alerts/queries/alerts/v2?limit=5", "")
	ids, _ := env["resources"].([]any)
	if status != http.StatusOK || len(ids) == 0 || !strings.HasPrefix(ids[0].(string), kids[1].CID+":") {
		t.Fatalf("the child's alerts: %d %v", status, ids)
	}
	c.tok = parent
	if _, env, _ = c.do("GET", "/alerts/queries/alerts/v2?limit=5", ""); !strings.HasPrefix(env["resources"].([]any)[0].(string), DemoCID+":") {
		t.Fatalf("the parent's token reads the child: %v", env["resources"])
	}
	if got := c.s.MemberCIDs(); len(got) != 3 || got[0] != "" || got[2] != kids[1].CID {
		t.Fatalf("member_cids %q", got)
	}
	if n := c.s.Unrevoked(); n != 2 {
		t.Fatalf("%d unrevoked, want the parent's and the child's", n)
	}
	req, _ := http.NewRequest("POST", c.srv.URL+"/oauth2/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.SetBasicAuth(DemoClientID, DemoClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.tok = tok
	if status, _, _ := c.do("GET", "/alerts/queries/alerts/v2?limit=5", ""); status != http.StatusUnauthorized || c.s.Unrevoked() != 1 {
		t.Fatalf("a revoked child token: %d, %d unrevoked", status, c.s.Unrevoked())
	}
}

// TestCloseClosesTheChildren: a child's fake moves as the parent's does
// (its own world's goroutine) until the parent's Close, which ends it; a
// child first used after Close does not move. Nothing outlives Close.
func TestCloseClosesTheChildren(t *testing.T) {
	kids := DemoChildren(2)
	s := New(Options{GenOptions: GenOptions{Count: 20, Seed: 3, Base: base}, Children: kids,
		ArriveEvery: time.Hour, ChangeEvery: time.Hour})
	before := len(s.Child(kids[0].CID).AlertIDs())
	if before == 0 {
		t.Fatal("the child has no alerts")
	}
	s.Close()
	goleak.VerifyNone(t)
	if len(s.Child(kids[1].CID).AlertIDs()) == 0 {
		t.Fatal("a child made after Close has no alerts")
	}
	goleak.VerifyNone(t)
}
