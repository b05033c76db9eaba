package fake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAChildsTokenSeesTheChildsHosts: a member_cid token reads and
// contains the child's hosts; the parent's token finds none of them.
func TestAChildsTokenSeesTheChildsHosts(t *testing.T) {
	kids := DemoChildren(2)
	c := newClient(t, Options{Children: kids, DetectsGone: true})
	_, body, _ := c.form("/oauth2/token", url.Values{"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}, "member_cid": {kids[0].CID}})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("child token: %s", body)
	}
	child := c.s.mssp.byCID[strings.ToLower(kids[0].CID)].server(c.s.opts)
	aid := child.HostIDs()[0]
	parent := c.tok
	if status, _, _ := c.do(http.MethodPost, "/devices/entities/devices/v2", `{"ids":["`+aid+`"]}`); status != http.StatusNotFound {
		t.Fatalf("the parent's token reads the child's host: %d", status)
	}
	c.tok = tok.AccessToken
	status, env, _ := c.do(http.MethodPost, "/devices/entities/devices/v2", `{"ids":["`+aid+`"]}`)
	res, _ := env["resources"].([]any)
	if status != http.StatusOK || len(res) != 1 || !strings.EqualFold(fmt.Sprint(res[0].(map[string]any)["cid"]), kids[0].CID) {
		t.Fatalf("the child's host with the child's token: %d %v", status, res)
	}
	if status, _, _ := c.do(http.MethodPost, "/devices/entities/devices-actions/v2?action_name=contain", `{"ids":["`+aid+`"]}`); status != http.StatusAccepted {
		t.Fatalf("containing the child's host: %d", status)
	}
	if got := child.Host(aid); got != "containment_pending" {
		t.Fatalf("the child's host is %q", got)
	}
	c.tok = parent
	if len(c.s.HostRequests()) != 1 {
		t.Fatalf("the parent logged %v", c.s.HostRequests())
	}
}
