package fake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Flight Control (MSSP): the fake's tenant may be a parent with children,
// each a tenant of its own data (its own seed, its CID in every composite
// id). A token asked with member_cid=<child> acts in that child: every call
// under it is answered from the child's data. A member_cid that is not a
// child is refused 403 on the token request, as the service does.

// Child is a child tenant of the fake's (a Flight Control parent).
type Child struct {
	// CID is the child's customer id: 32 hex digits.
	CID string
	// Name is what the service calls it: typed by people, so anything.
	Name string
	// Count and Seed generate the child's data (Count 0: 300 alerts).
	Count int
	Seed  uint64
}

// DemoChildren are n children with plain names, for --demo and
// `falcon-triage fake --children n`; each has its own data.
func DemoChildren(n int) []Child {
	names := []string{"Northwind Traders", "Contoso Health", "Fabrikam Retail", "Tailspin Logistics", "Woodgrove Bank",
		"Adatum Labs", "Litware Energy", "Proseware Media"}
	out := make([]Child, 0, n)
	for i := range n {
		name := fmt.Sprintf("Child tenant %d", i+1)
		if i < len(names) {
			name = names[i]
		}
		out = append(out, Child{CID: ChildCID(i), Name: name, Count: 300 + 100*(i%3), Seed: uint64(101 + i)})
	}
	return out
}

// ChildCID is the CID DemoChildren gives the i-th child.
func ChildCID(i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "falcon-triage demo child %d", i))
	return hex.EncodeToString(sum[:16])
}

// mssp is the parent's side: its children, made when first used, and the
// tokens that act in them.
type mssp struct {
	mu       sync.Mutex
	children []*childTenant
	byCID    map[string]*childTenant
	// tokens are the child tokens issued here, each to its child's fake.
	tokens map[string]*Server
	// acting are the children a token was issued for: their streams'
	// feeds are read here, on their session tokens.
	acting []*Server
	// members are the member_cid of every token request, in order ("" for
	// none): the request log a test reads.
	members []string
}

type childTenant struct {
	Child
	modified time.Time
	mu       sync.Mutex // guards srv and closed
	srv      *Server
	closed   bool // the parent is closed: a child made now does not move
}

func newMSSP(o Options) *mssp {
	m := &mssp{byCID: map[string]*childTenant{}, tokens: map[string]*Server{}}
	for i, c := range o.Children {
		if c.Count == 0 {
			c.Count = 300
		}
		ct := &childTenant{Child: c, modified: o.Base.Add(-time.Duration(i) * 24 * time.Hour)}
		m.children = append(m.children, ct)
		m.byCID[strings.ToLower(c.CID)] = ct
	}
	return m
}

// server is the child's fake, made on first use with the parent's
// credentials, clock and API world. Its world moves as the parent's does
// (the demo's children too see incidents arrive), until the parent's Close
// closes it.
func (c *childTenant) server(parent Options) *Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv == nil {
		o := parent
		o.Children, o.GenOptions = nil, GenOptions{Count: c.Count, Seed: c.Seed, Base: parent.Base, CID: strings.ToLower(c.CID)}
		if c.closed {
			o.ArriveEvery, o.ChangeEvery = 0, 0
		}
		c.srv = New(o)
	}
	return c.srv
}

// close closes the child's fake, if made; one made later does not move.
func (c *childTenant) close() {
	c.mu.Lock()
	c.closed = true
	srv := c.srv
	c.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// closeChildren closes every child's fake (the parent's Close).
func (m *mssp) closeChildren() {
	m.mu.Lock()
	kids := slices.Clone(m.children)
	m.mu.Unlock()
	for _, c := range kids {
		c.close()
	}
}

// member records a token request's member_cid and finds its child: nil
// and true for none (the parent itself, or its own CID), false for a CID
// that is no child.
func (s *Server) member(mc string) (*Server, bool) {
	s.mssp.mu.Lock()
	s.mssp.members = append(s.mssp.members, mc)
	c := s.mssp.byCID[strings.ToLower(mc)]
	s.mssp.mu.Unlock()
	switch {
	case mc == "" || strings.EqualFold(mc, s.opts.cid()):
		return nil, true
	case c == nil:
		return nil, false
	}
	return c.server(s.opts), true
}

// issueChild hands a token issued here to the child it acts in.
func (s *Server) issueChild(child *Server, tok string, exp time.Time) {
	child.mu.Lock()
	child.tokens[tok] = exp
	child.mu.Unlock()
	s.mssp.mu.Lock()
	s.mssp.tokens[tok] = child
	if !slices.Contains(s.mssp.acting, child) {
		s.mssp.acting = append(s.mssp.acting, child)
	}
	s.mssp.mu.Unlock()
}

// revokeChild revokes a child token (revoked where it was issued: here).
func (s *Server) revokeChild(tok string) {
	s.mssp.mu.Lock()
	child := s.mssp.tokens[tok]
	delete(s.mssp.tokens, tok)
	s.mssp.mu.Unlock()
	if child != nil {
		child.mu.Lock()
		delete(child.tokens, tok)
		child.mu.Unlock()
	}
}

// expireChildren expires every child token, as ExpireTokens does the
// parent's.
func (s *Server) expireChildren() {
	s.mssp.mu.Lock()
	defer s.mssp.mu.Unlock()
	for tok, child := range s.mssp.tokens {
		child.mu.Lock()
		delete(child.tokens, tok)
		child.mu.Unlock()
	}
}

// childFor is the child a request's bearer token acts in, if any.
func (s *Server) childFor(r *http.Request) *Server {
	if strings.HasPrefix(r.URL.Path, "/oauth2/") || strings.HasPrefix(r.URL.Path, "/_fake/") {
		return nil
	}
	if r.URL.Path == streamPath {
		return s.feedChild(r)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil
	}
	s.mssp.mu.Lock()
	defer s.mssp.mu.Unlock()
	return s.mssp.tokens[tok]
}

// MemberCIDs are the member_cid of every token request so far, in order
// ("" for a request without one).
func (s *Server) MemberCIDs() []string {
	s.mssp.mu.Lock()
	defer s.mssp.mu.Unlock()
	return slices.Clone(s.mssp.members)
}

// Child is the fake of a child tenant (made if it was not yet), for tests;
// nil for a CID that is no child.
func (s *Server) Child(cid string) *Server {
	s.mssp.mu.Lock()
	c := s.mssp.byCID[strings.ToLower(cid)]
	s.mssp.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.server(s.opts)
}

// flightControl answers 403 as the service does to an API client without
// the Flight Control scope, or to a tenant that is no parent.
func (s *Server) flightControl(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, m *meta) {
		m.PoweredBy = "mssp"
		if s.opts.DenyFlightControl || len(s.mssp.children) == 0 {
			s.writeError(w, m, http.StatusForbidden, "access denied, authorization failed")
			return
		}
		h(w, r, m)
	}
}

// queryChildren is GET /mssp/queries/children/v1: child CIDs, a page at a
// time (limit default 10, at most 5,000), sorted by last change.
func (s *Server) queryChildren(w http.ResponseWriter, r *http.Request, m *meta) {
	qv := r.URL.Query()
	offset, limit := 0, 10
	var err error
	if v := qv.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			s.writeError(w, m, http.StatusBadRequest, "offset must be a non-negative integer")
			return
		}
	}
	if v := qv.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 5000 {
			s.writeError(w, m, http.StatusBadRequest, "limit must be between 1 and 5000")
			return
		}
	}
	desc := true
	switch qv.Get("sort") {
	case "", "last_modified_timestamp|desc", "last_modified_timestamp.desc":
	case "last_modified_timestamp|asc", "last_modified_timestamp.asc":
		desc = false
	default:
		s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("Invalid sort: %q; give last_modified_timestamp|asc or last_modified_timestamp|desc", qv.Get("sort")))
		return
	}
	want := ""
	if f := qv.Get("filter"); f != "" {
		v, ok := strings.CutPrefix(f, "cid:'")
		if !ok || !strings.HasSuffix(v, "'") {
			s.writeError(w, m, http.StatusBadRequest, "Invalid filter: only cid:'<cid>' is supported")
			return
		}
		want = strings.ToLower(strings.TrimSuffix(v, "'"))
	}
	kids := slices.Clone(s.mssp.children)
	slices.SortStableFunc(kids, func(a, b *childTenant) int {
		if desc {
			return b.modified.Compare(a.modified)
		}
		return a.modified.Compare(b.modified)
	})
	ids := []string{}
	for _, c := range kids {
		if want == "" || strings.ToLower(c.CID) == want {
			ids = append(ids, c.CID)
		}
	}
	total := len(ids)
	ids = ids[min(offset, total):min(offset+limit, total)]
	m.Pagination = &pagination{Offset: offset, Limit: limit, Total: total}
	s.write(w, http.StatusOK, envelope{Meta: *m, Resources: ids})
}

// wireChildLink is domain.ChildLink.
type wireChildLink struct {
	ChildCID  string   `json:"child_cid"`
	ChildOf   string   `json:"child_of"`
	Checksum  string   `json:"checksum"`
	ChildGCID string   `json:"child_gcid"`
	Name      string   `json:"name"`
	Status    string   `json:"status"`
	Domains   []string `json:"domains"`
}

// getChildren is POST /mssp/entities/children/GET/v2 {"ids": [...]}: the
// children asked for; ids it does not know get an error entry each (207
// when some were found, 404 when none).
func (s *Server) getChildren(w http.ResponseWriter, r *http.Request, m *meta) {
	var body idsBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || len(body.IDs) == 0 {
		s.writeError(w, m, http.StatusBadRequest, "ids are required in the body")
		return
	}
	if len(body.IDs) > 5000 {
		s.writeError(w, m, http.StatusBadRequest, "at most 5000 ids")
		return
	}
	out := []wireChildLink{}
	var errs []apiError
	for _, id := range body.IDs {
		c := s.mssp.byCID[strings.ToLower(id)]
		if c == nil {
			errs = append(errs, apiError{Code: http.StatusNotFound, Message: "child CID not found", ID: id})
			continue
		}
		sum := fnv.New32a()
		sum.Write([]byte(c.CID))
		out = append(out, wireChildLink{ChildCID: c.CID, ChildOf: s.opts.cid(), Checksum: fmt.Sprintf("%02X", sum.Sum32()&0xff),
			Name: c.Name, Status: "active", Domains: []string{strings.ToLower(strings.ReplaceAll(c.Name, " ", "")) + ".example"}})
	}
	status := http.StatusOK
	switch {
	case len(errs) > 0 && len(out) == 0:
		status = http.StatusNotFound
	case len(errs) > 0:
		status = http.StatusMultiStatus
	}
	s.write(w, status, envelope{Meta: *m, Resources: out, Errors: errs})
}
