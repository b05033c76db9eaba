package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/falcon-triage/falcon-triage/model"
)

// Flight Control (MSSP): a parent tenant's API client lists its children
// and acts in one by asking its token with member_cid (scope "Flight
// Control: read").

// childPage is how many child CIDs one query asks for: the service's
// default is 10, PSFalcon's most 5,000.
var childPage = 500

// childChunk is how many children one entities request reads.
const childChunk = 100

// flightControlHint is what a 403 on the mssp endpoints means.
const flightControlHint = "listing child tenants needs the Flight Control: read scope on this API client"

// wireChild is domain.ChildLink, as the entities endpoint answers it.
type wireChild struct {
	ChildCID  string   `json:"child_cid"`
	ChildOf   string   `json:"child_of"`
	Checksum  string   `json:"checksum"`
	ChildGCID string   `json:"child_gcid"`
	Name      string   `json:"name"`
	Status    string   `json:"status"`
	Domains   []string `json:"domains"`
}

// childPages is how many pages of child CIDs one listing reads at most.
var childPages = 100

// Children lists every child of the client's tenant, newest change first:
// the child CIDs a page at a time, then their names in chunks. Ids the
// entities endpoint does not know (a 207 with an error entry each) are
// listed by their CID alone. A 403 wraps model.ErrNoFlightControl.
//
// The walk ends on an empty page, a page that adds no CID not seen, or
// the total reached, whatever the total says; and at model.MaxChildren
// children or childPages pages at most: then the children read so far are
// returned with an error wrapping model.ErrManyChildren.
func (c *Client) Children(ctx context.Context) ([]model.Tenant, error) {
	var cids []string
	var many error
	seen := map[string]bool{}
	for offset, pages := 0, 0; ; pages++ {
		if pages == childPages {
			many = fmt.Errorf("%w: the listing did not end after %d pages", model.ErrManyChildren, childPages)
			break
		}
		v := url.Values{"sort": {"last_modified_timestamp|desc"}, "limit": {strconv.Itoa(childPage)}, "offset": {strconv.Itoa(offset)}}
		var page []string
		env, err := c.do(ctx, call{op: "list child tenants", method: http.MethodGet, path: "/mssp/queries/children/v1", query: v, read: true,
			answer: answerFor(childPage, idBytes), into: &page})
		if err != nil {
			return nil, flightControl(err)
		}
		added := 0
		for _, id := range page {
			if id == "" || seen[id] {
				continue
			}
			if len(cids) == model.MaxChildren {
				many = fmt.Errorf("%w: more than %d", model.ErrManyChildren, model.MaxChildren)
				break
			}
			seen[id] = true
			cids = append(cids, id)
			added++
		}
		if many != nil {
			break
		}
		offset += len(page)
		total := env.Meta.Pagination.total()
		// An empty page, or one of children listed already, ends the walk
		// whatever the total says: a total that grows as children are
		// added, or one that lies, never makes it endless.
		if added == 0 || total < 0 || offset >= total {
			break
		}
	}
	byCID := make(map[string]wireChild, len(cids))
	for start := 0; start < len(cids); start += childChunk {
		ids := cids[start:min(start+childChunk, len(cids))]
		var got []wireChild
		_, err := c.do(ctx, call{op: "read child tenants", method: http.MethodPost, path: "/mssp/entities/children/GET/v2",
			body: map[string][]string{"ids": ids}, read: true, ids: ids, answer: answerFor(len(ids), 4<<10), into: &got})
		if err != nil {
			return nil, flightControl(err)
		}
		for _, ch := range got {
			byCID[ch.ChildCID] = ch
		}
	}
	out := make([]model.Tenant, 0, len(cids))
	for _, cid := range cids {
		ch := byCID[cid]
		out = append(out, model.Tenant{CID: cid, Name: ch.Name, Status: ch.Status, Domains: ch.Domains})
	}
	return out, many
}

// flightControl names the scope a 403 on the mssp endpoints lacks.
func flightControl(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusForbidden {
		e.Hint, e.Err = flightControlHint, model.ErrNoFlightControl
	}
	return err
}

// cidForm is a customer id: 32 hex digits, with or without the checksum
// the console shows after a dash.
var cidForm = regexp.MustCompile(`^[0-9A-Fa-f]{32}(-[0-9A-Fa-f]{2})?$`)

// ForMember logs in as the child cid of the client's tenant ("" the
// parent itself, with no member_cid): a client of its own, with one token
// (asked with member_cid) from the host this one uses now. The token is revoked by the new client's Close. This client is
// left as it is: the caller closes it once it has moved (its tokens then
// revoked where they were issued). A CID that is not a child is refused by
// the service with 403 on the token request.
func (c *Client) ForMember(ctx context.Context, cid string) (*Client, error) {
	if cid != "" && !cidForm.MatchString(cid) {
		return nil, &Error{Op: "switch tenant", Err: fmt.Errorf("%q is not a customer id (32 hex digits)", cid)}
	}
	cfg := c.cfg
	cfg.MemberCID = cid
	c.mu.Lock()
	nc := &Client{cfg: cfg, tr: c.tr, http: c.http, clouds: c.clouds, base: c.base, cloud: c.cloud}
	c.mu.Unlock()
	if err := nc.Login(ctx); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusForbidden {
			e.Op = "switch tenant"
			e.Messages = nil
			e.Hint = "not a child of this API client's tenant, or the client lacks Flight Control"
		}
		_ = nc.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return nc, nil
}
