// Package fake is a fake CrowdStrike Falcon API: an http.Handler, like
// net/http/httptest's servers, that behaves as the real service does, its
// limits and quirks included (OAuth2 with 201 answers, envelopes, FQL, the
// 10,000 window, rate limits, partial 404s, comment-only updates refused).
//
// It serves the embedded demo and every test. It must never share a wire
// struct with the client in package api, and must never be kinder than the
// real service: a fake that forgives hides bugs users will meet.
package fake

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Demo credentials the fake accepts unless told otherwise.
const (
	DemoClientID     = "demo-client-id"
	DemoClientSecret = "demo-client-secret"
)

// Options configure a fake server.
type Options struct {
	GenOptions
	ClientID     string
	ClientSecret string
	// TokenTTL is how long tokens live (default 30 minutes, as the real one).
	TokenTTL time.Duration
	// RateLimit is the requests per minute of the tenant (default 6000).
	RateLimit int
	// Region is what X-Cs-Region says on token answers (default us-1).
	Region string
	// Now is the fake's clock (default time.Now).
	Now func() time.Time
	// DenyUserScope answers 403 on the user management endpoints, as for an
	// API client without that scope.
	DenyUserScope bool
	// DetectsGone answers the Detects endpoints as decommissioned: 404, and
	// 405 for the update, as the real service does since 2025.
	DetectsGone bool
	// DetectsWritesGone keeps the Detects reads but answers the update
	// 405, as tenants did while the endpoints were being retired.
	DetectsWritesGone bool
	// DetectsForbidden is an API client created today, with the Alerts
	// scopes only: every Detects endpoint answers 403.
	DetectsForbidden bool
	// DetectsStale serves Detects reads that no longer follow the tenant:
	// queries, summaries and aggregates show the state at start, updates
	// answer 200 and change nothing, and incidents added later (see
	// AddIncidents) reach Alerts only.
	DetectsStale bool
	// AlertsForbidden is an old API client with the Detects scopes only:
	// every Alerts endpoint answers 403.
	AlertsForbidden bool
	// CombinedForbidden answers 403 on the combined alerts endpoint only.
	CombinedForbidden bool
	// DenyStreamScope answers 403 on the Event Streams endpoints, as for
	// an API client without the Event streams: read scope.
	DenyStreamScope bool
	// StreamInterval is a stream session's refresh interval (default
	// 1800 s, as the service); StreamKeepAlive the feed's keep-alive
	// period (default 30 s).
	StreamInterval, StreamKeepAlive time.Duration
	// ArriveEvery adds an incident, and ChangeEvery has another analyst
	// change an open alert, at each tick (0: never), until Close.
	ArriveEvery, ChangeEvery time.Duration
	// Ticker makes the fake's tickers (default time.NewTicker): tests
	// drive the world and the keep-alives with channels of their own.
	Ticker func(d time.Duration) (<-chan time.Time, func())
	// Children make the tenant a Flight Control parent (see mssp.go);
	// DenyFlightControl answers the mssp endpoints 403, as for an API
	// client without the Flight Control: read scope.
	Children          []Child
	DenyFlightControl bool
	// DenyHostsRead and DenyHostsWrite answer 403 on the Hosts API's
	// reads and containment actions, as for an API client without the
	// Hosts: read or Hosts: write scope.
	DenyHostsRead, DenyHostsWrite bool
	// ContainAfter is how long a sensor takes to acknowledge a
	// containment or its lift, by Now (default 5s).
	ContainAfter time.Duration
}

// Server is the fake Falcon API.
type Server struct {
	opts Options
	now  func() time.Time

	mu        sync.Mutex
	dets      []*detection
	byID      map[string]*detection
	alerts    []*alert
	alertByID map[string]*alert
	users     []user
	tokens    map[string]time.Time
	unrevoked map[string]bool // issued here and never revoked here, expired or not
	window    []time.Time     // request times inside the rate limit window
	faults    Faults
	held      chan struct{} // closed when HoldUpdates is lifted
	heldQ     chan struct{} // closed when HoldQueries is lifted
	counts    map[string]int
	patches   [][]string
	added     uint64 // batches of AddIncidents so far
	hosts     *hostTable
	mux       *http.ServeMux
	stream    *streamState
	world     world
	mssp      *mssp // the children of a Flight Control parent
}

// Faults are injected misbehaviours, consumed as requests arrive.
type Faults struct {
	// Latency delays every API answer.
	Latency time.Duration
	// Fail5xx answers the next N API requests with 503.
	Fail5xx int
	// Burst429 answers the next N API requests with 429.
	Burst429 int
	// Drop closes the connection of the next N API requests without an answer.
	Drop int
	// DropAfterApply applies the next N updates and then drops the connection,
	// so the client cannot know the outcome.
	DropAfterApply int
	// RefuseIDs makes updates refuse these ids with a 400 error entry.
	RefuseIDs map[string]bool
	// UnreadableAnswers applies the next N updates and answers each with a
	// 200 whose body is not JSON (a proxy's page, a cut answer).
	UnreadableAnswers int
	// NameUnsentIDs adds to the answers of the next N updates an error
	// entry for an id they did not send, as a service mixing up requests
	// would.
	NameUnsentIDs int
	// LoseUpdates answers the next N updates 200 with no error, applying
	// nothing: resources_affected says 0.
	LoseUpdates int
	// FailCombined answers the next N requests to the combined alerts
	// endpoint with CombinedStatus (default 500), the other endpoints
	// answering as usual.
	FailCombined   int
	CombinedStatus int
	// HoldUpdates keeps every update waiting, before it is applied, until
	// faults are set without it: a test sees a write in flight for as long
	// as it needs, without timing.
	HoldUpdates bool
	// HoldQueries keeps every query (ids, or the combined alerts) waiting
	// the same way, once the next PassQueries have gone through: an
	// export, or a page, stays under way where the test wants it.
	HoldQueries bool
	PassQueries int
}

// New makes a fake with generated data.
func New(o Options) *Server {
	if o.ClientID == "" {
		o.ClientID, o.ClientSecret = DemoClientID, DemoClientSecret
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = 30 * time.Minute
	}
	if o.RateLimit == 0 {
		o.RateLimit = 6000
	}
	if o.Region == "" {
		o.Region = "us-1"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Base.IsZero() {
		o.Base = o.Now().Truncate(time.Hour)
	}
	s := &Server{opts: o, now: o.Now, tokens: map[string]time.Time{}, unrevoked: map[string]bool{}, counts: map[string]int{}, byID: map[string]*detection{}}
	s.stream, s.world.done = newStreamState(), make(chan struct{})
	if o.DetectsGone {
		// Today's tenant (the demo's): every request is for Alerts, so
		// they are derived now, each detection's on the other core while
		// the next detections are made, rather than on the first request.
		s.dets, s.users, s.alerts = generateWithAlerts(o.GenOptions)
		s.alertByID = make(map[string]*alert, len(s.alerts))
		for _, a := range s.alerts {
			s.alertByID[a.CompositeID] = a
		}
	} else {
		s.dets, s.users = generate(o.GenOptions)
	}
	for _, d := range s.dets {
		s.byID[d.DetectionID] = d
	}
	s.mssp = newMSSP(o)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", s.token)
	mux.HandleFunc("POST /oauth2/revoke", s.revoke)
	detects := func(h handler) handler { return s.forbidden(o.DetectsForbidden, s.detects(h)) }
	alerts := func(h handler) handler { return s.forbidden(o.AlertsForbidden, h) }
	mux.HandleFunc("GET /detects/queries/detects/v1", s.api("query", detects(s.queryDetects)))
	mux.HandleFunc("POST /detects/entities/summaries/GET/v1", s.api("summaries", detects(s.summaries)))
	mux.HandleFunc("PATCH /detects/entities/detects/v2", s.api("update", detects(s.update)))
	mux.HandleFunc("POST /detects/aggregates/detects/GET/v1", s.api("aggregates", detects(s.aggregates)))
	mux.HandleFunc("GET /alerts/queries/alerts/v2", s.api("query", alerts(s.queryAlerts)))
	mux.HandleFunc("POST /alerts/combined/alerts/v1", s.api("query", alerts(s.forbidden(o.CombinedForbidden, s.combinedAlerts))))
	mux.HandleFunc("POST /alerts/entities/alerts/v2", s.api("summaries", alerts(s.getAlerts)))
	mux.HandleFunc("PATCH /alerts/entities/alerts/v3", s.api("update", alerts(s.updateAlerts)))
	mux.HandleFunc("POST /alerts/aggregates/alerts/v2", s.api("aggregates", alerts(s.aggregateAlerts)))
	s.routeStreams(mux)
	mux.HandleFunc("GET /user-management/queries/users/v1", s.api("users-query", s.queryUsers))
	mux.HandleFunc("POST /user-management/entities/users/GET/v1", s.api("users-get", s.getUsers))
	mux.HandleFunc("GET /mssp/queries/children/v1", s.api("children-query", s.flightControl(s.queryChildren)))
	mux.HandleFunc("POST /mssp/entities/children/GET/v2", s.api("children-get", s.flightControl(s.getChildren)))
	mux.HandleFunc("GET /devices/entities/devices/v2", s.api("hosts-get", s.getHosts))
	mux.HandleFunc("POST /devices/entities/devices/v2", s.api("hosts-get", s.getHosts))
	mux.HandleFunc("POST /devices/entities/devices-actions/v2", s.api("hosts-action", s.hostsAction))
	// Not part of the Falcon API: hooks for scripts and end-to-end tests
	// driving a fake in another process.
	mux.HandleFunc("GET /_fake/stats", s.stats)
	mux.HandleFunc("POST /_fake/faults", s.setFaults)
	mux.HandleFunc("POST /_fake/incidents", s.addIncidents)
	mux.HandleFunc("/", s.api("unknown", func(w http.ResponseWriter, r *http.Request, m *meta) {
		s.writeError(w, m, http.StatusNotFound, "404: Page Not Found")
	}))
	s.mux = mux
	s.startWorld()
	return s
}

// NewServer starts a fake on a loopback port, like httptest.NewServer.
// Close the returned server when done.
func NewServer(o Options) (*Server, *httptest.Server) {
	s := New(o)
	return s, httptest.NewServer(s)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if child := s.childFor(r); child != nil {
		child.ServeHTTP(w, r) // a member_cid token: the child's data
		return
	}
	s.mux.ServeHTTP(w, r)
}

// detects guards a Detects endpoint: once decommissioned it answers 404, and
// the update 405.
func (s *Server) detects(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, m *meta) {
		if s.opts.DetectsGone || (s.opts.DetectsWritesGone && r.Method == http.MethodPatch) {
			status := http.StatusNotFound
			if r.Method == http.MethodPatch {
				status = http.StatusMethodNotAllowed
			}
			s.writeError(w, m, status, "the Detects API has been decommissioned: use the Alerts API")
			return
		}
		h(w, r, m)
	}
}

// forbidden answers 403, as the service does to an API client without the
// endpoint's scope, when deny is set.
func (s *Server) forbidden(deny bool, h handler) handler {
	if !deny {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, m *meta) {
		if strings.HasPrefix(r.URL.Path, "/alerts/") {
			m.PoweredBy = "detectsapi"
		}
		s.writeError(w, m, http.StatusForbidden, "access denied, authorization failed")
	}
}

func (s *Server) stats(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"requests": s.counts, "patches": len(s.patches), "tokens": len(s.tokens), "unrevoked": len(s.unrevoked), "member_cids": s.MemberCIDs()})
}

func (s *Server) setFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&f); err != nil {
		http.Error(w, "faults: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.SetFaults(f)
	w.WriteHeader(http.StatusNoContent)
}

// addIncidents adds the new incidents a JSON body such as {"count": 3} asks
// for and answers their detection ids.
func (s *Server) addIncidents(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Count int `json:"count"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil || body.Count < 1 || body.Count > 1000 {
		http.Error(w, `incidents: give {"count": n}, n from 1 to 1000`, http.StatusBadRequest)
		return
	}
	ids := s.AddIncidents(body.Count)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids})
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	switch {
	case f.HoldUpdates && s.held == nil:
		s.held = make(chan struct{})
	case !f.HoldUpdates && s.held != nil:
		close(s.held)
		s.held = nil
	}
	switch {
	case f.HoldQueries && s.heldQ == nil:
		s.heldQ = make(chan struct{})
	case !f.HoldQueries && s.heldQ != nil:
		close(s.heldQ)
		s.heldQ = nil
	}
}

// ExpireTokens makes every issued token invalid, as if it had expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
	s.expireChildren()
}

// Unrevoked says how many of the tokens this fake issued were never revoked
// here, expired or not: a client that revokes every token it obtained, each
// where it was issued, leaves none.
func (s *Server) Unrevoked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.unrevoked)
}

// Count says how many requests an operation has seen ("token", "revoke",
// "query", "summaries", "update", "aggregates", "users-query", "users-get",
// "hosts-get", "hosts-action").
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// Patches returns the id lists of every update applied, in order.
func (s *Server) Patches() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.patches...)
}

// Users returns the tenant's people.
func (s *Server) Users() []user {
	return append([]user(nil), s.users...)
}

// Comments returns the comments recorded on a detection.
func (s *Server) Comments(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.byID[id]; d != nil {
		return append([]string(nil), d.comments...)
	}
	return nil
}

// Detection returns a copy of a detection's state as JSON, for tests.
func (s *Server) Detection(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.byID[id]
	if d == nil {
		return nil, false
	}
	b, _ := json.Marshal(d)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m, true
}

// IDs returns every detection id, in generation order.
func (s *Server) IDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.dets))
	for i, d := range s.dets {
		ids[i] = d.DetectionID
	}
	return ids
}

// Credentials returns the client id and secret the fake accepts.
func (s *Server) Credentials() (string, string) { return s.opts.ClientID, s.opts.ClientSecret }

func newTraceID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

type handler func(w http.ResponseWriter, r *http.Request, m *meta)

// api wraps an endpoint with what every Falcon API call gets: trace id,
// authentication, rate limiting, faults and latency.
func (s *Server) api(op string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m := &meta{PoweredBy: "legacy-detects", TraceID: newTraceID()}
		if strings.HasPrefix(r.URL.Path, "/user-management") {
			m.PoweredBy = "csam"
		}
		w.Header().Set("X-Cs-Traceid", m.TraceID)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))

		s.mu.Lock()
		s.counts[op]++
		if r.URL.Path == "/alerts/combined/alerts/v1" {
			s.counts["combined"]++ // counted with the queries too
		}
		f := &s.faults
		latency := f.Latency
		var fault string
		switch {
		case f.Drop > 0:
			f.Drop--
			fault = "drop"
		case f.Burst429 > 0:
			f.Burst429--
			fault = "429"
		case f.Fail5xx > 0:
			f.Fail5xx--
			fault = "5xx"
		}
		if fault == "" && f.FailCombined > 0 && r.URL.Path == "/alerts/combined/alerts/v1" {
			f.FailCombined--
			fault = "combined"
		}
		combinedStatus := cmp.Or(f.CombinedStatus, http.StatusInternalServerError)
		var held chan struct{}
		if op == "update" {
			held = s.held
		}
		if op == "query" && s.heldQ != nil {
			if f.PassQueries > 0 {
				f.PassQueries--
			} else {
				held = s.heldQ
			}
		}
		auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		exp, known := s.tokens[auth]
		authorized := known && s.now().Before(exp)
		limited, remaining, retry := false, 0, time.Time{}
		if authorized {
			limited, remaining, retry = s.takeBudget()
		}
		s.mu.Unlock()

		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		if held != nil {
			select {
			case <-held:
			case <-r.Context().Done():
				return
			}
		}
		if fault == "drop" {
			dropConnection(w)
			return
		}
		w.Header().Set("X-Ratelimit-Limit", strconv.Itoa(s.opts.RateLimit))
		if !authorized {
			w.Header().Set("X-Ratelimit-Remaining", "14")
			s.writeError(w, m, http.StatusUnauthorized, "access denied, invalid bearer token")
			return
		}
		if fault == "429" || limited {
			s.mu.Lock()
			s.counts["429"]++
			s.mu.Unlock()
			if fault == "429" {
				retry = s.now().Add(time.Second)
			}
			w.Header().Set("X-Ratelimit-Remaining", "0")
			w.Header().Set("X-Ratelimit-Retryafter", strconv.FormatInt(retry.Unix()+1, 10))
			s.writeError(w, m, http.StatusTooManyRequests, "API rate limit exceeded.")
			return
		}
		w.Header().Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
		if fault == "5xx" {
			s.writeError(w, m, http.StatusServiceUnavailable, "Service Unavailable")
			return
		}
		if fault == "combined" {
			m.PoweredBy = "detectsapi"
			s.writeError(w, m, combinedStatus, http.StatusText(combinedStatus))
			return
		}
		m.QueryTime = time.Since(start).Seconds()
		h(w, r, m)
	}
}

// takeBudget counts a request against the sliding one-minute window.
// Called with s.mu held.
func (s *Server) takeBudget() (limited bool, remaining int, retry time.Time) {
	now := s.now()
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(s.window) && !s.window[i].After(cut) {
		i++
	}
	s.window = s.window[i:]
	if len(s.window) >= s.opts.RateLimit {
		return true, 0, s.window[0].Add(time.Minute)
	}
	s.window = append(s.window, now)
	return false, s.opts.RateLimit - len(s.window), time.Time{}
}

func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func (s *Server) write(w http.ResponseWriter, status int, e envelope) {
	if e.Errors == nil {
		e.Errors = []apiError{}
	}
	if e.Resources == nil {
		e.Resources = []any{}
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
}

func (s *Server) writeError(w http.ResponseWriter, m *meta, status int, msg string) {
	s.write(w, status, envelope{Meta: *m, Errors: []apiError{{Code: status, Message: msg}}})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts["token"]++
	f := &s.faults
	fault := ""
	switch {
	case f.Drop > 0:
		f.Drop--
		fault = "drop"
	case f.Fail5xx > 0:
		f.Fail5xx--
		fault = "5xx"
	}
	s.mu.Unlock()
	trace := newTraceID()
	w.Header().Set("X-Cs-Traceid", trace)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Cs-Region", s.opts.Region)
	switch fault {
	case "drop":
		dropConnection(w)
		return
	case "5xx":
		s.writeError(w, &meta{TraceID: trace, PoweredBy: "csam"}, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.writeError(w, &meta{TraceID: trace, PoweredBy: "csam"}, http.StatusBadRequest, "invalid form body")
		return
	}
	// The credentials travel in the form body only: the service does not
	// read an HTTP basic auth header here (revoke is the one that wants it).
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id == "" || secret == "" {
		s.writeError(w, &meta{TraceID: trace, PoweredBy: "csam"}, http.StatusBadRequest, "client_id and client_secret are required in the form body")
		return
	}
	if id != s.opts.ClientID || secret != s.opts.ClientSecret {
		s.writeError(w, &meta{TraceID: trace, PoweredBy: "csam"}, http.StatusForbidden, "access denied, authorization failed")
		return
	}
	child, ok := s.member(r.PostForm.Get("member_cid"))
	if !ok {
		s.writeError(w, &meta{TraceID: trace, PoweredBy: "csam"}, http.StatusForbidden, "access denied, authorization failed")
		return
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := "fk1." + hex.EncodeToString(b[:])
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(s.opts.TokenTTL)
	s.unrevoked[tok] = true
	s.mu.Unlock()
	if child != nil {
		s.issueChild(child, tok, s.now().Add(s.opts.TokenTTL))
	}
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": int(s.opts.TokenTTL.Seconds()),
	})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	trace := newTraceID()
	w.Header().Set("X-Cs-Traceid", trace)
	w.Header().Set("Content-Type", "application/json")
	m := &meta{TraceID: trace, PoweredBy: "csam"}
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.opts.ClientID || secret != s.opts.ClientSecret {
		s.writeError(w, m, http.StatusUnauthorized, "access denied, invalid client credentials")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.writeError(w, m, http.StatusBadRequest, "invalid form body")
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		s.writeError(w, m, http.StatusBadRequest, "token is required in the form body")
		return
	}
	// A token another host issued is unknown here: answered as the
	// service answers one (200), and revoked nowhere.
	s.mu.Lock()
	s.counts["revoke"]++
	delete(s.tokens, tok)
	delete(s.unrevoked, tok)
	s.mu.Unlock()
	s.revokeChild(tok)
	s.write(w, http.StatusOK, envelope{Meta: *m})
}

var detType = reflect.TypeOf(detection{})

// sortFields are the fields QueryDetects sorts by, as documented; nothing
// else, not even date_updated, which filters but does not sort.
var sortFields = map[string]bool{
	"first_behavior": true, "last_behavior": true, "max_severity": true, "max_confidence": true,
	"adversary_id": true, "device.hostname": true,
}

// parseSort reads field|asc or field|desc, the only form the service takes,
// for a field of fields. It returns the field and whether it is descending,
// or a message for the 400.
func parseSort(spec string, fields map[string]bool, listed string) (field string, desc bool, msg string) {
	field, dir, ok := strings.Cut(spec, "|")
	if !ok || !fields[field] || (dir != "asc" && dir != "desc") {
		return "", false, fmt.Sprintf("Invalid sort: %q; give field|asc or field|desc, with field one of %s", spec, listed)
	}
	return field, dir == "desc", ""
}

// match returns the detections matching filter and q, in the given order.
// Called with s.mu held.
func (s *Server) match(filter, q, sortSpec string) ([]*detection, string) {
	node, err := parseFQL(filter, detType)
	if err != nil {
		return nil, err.Error()
	}
	q = strings.ToLower(strings.TrimSpace(q))
	var out []*detection
	for _, d := range s.dets {
		v := reflect.ValueOf(d).Elem()
		if !node.match(v) {
			continue
		}
		if q != "" && !containsText(v, q) {
			continue
		}
		out = append(out, d)
	}
	if sortSpec == "" {
		return out, ""
	}
	field, desc, msg := parseSort(sortSpec, sortFields, "first_behavior, last_behavior, max_severity, max_confidence, adversary_id, device.hostname")
	if msg != "" {
		return nil, msg
	}
	if field == "adversary_id" {
		field = "adversary_ids"
	}
	acc, err := resolve(detType, field)
	if err != nil {
		return nil, "Invalid sort: " + err.Error()
	}
	sortDocs(out, func(d *detection) reflect.Value { return reflect.ValueOf(d).Elem() }, acc, desc)
	return out, ""
}

// sortDocs sorts documents by a field. Ties keep generation order, which is
// neither id order nor time order: as on the real service, nothing may be
// assumed about them. Rows without a value go last.
func sortDocs[T any](docs []T, val func(T) reflect.Value, acc *accessor, desc bool) {
	type keyed struct {
		d  T
		n  float64
		s  string
		ok bool
	}
	ks := make([]keyed, len(docs))
	for i, d := range docs {
		n, str, ok := sortKey(acc, val(d))
		ks[i] = keyed{d, n, str, ok}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if a.ok != b.ok {
			if a.ok {
				return -1
			}
			return 1
		}
		c := cmpFloat(a.n, b.n)
		if c == 0 {
			c = strings.Compare(a.s, b.s)
		}
		if desc {
			return -c
		}
		return c
	})
	for i := range ks {
		docs[i] = ks[i].d
	}
}

func (s *Server) queryDetects(w http.ResponseWriter, r *http.Request, m *meta) {
	qv := r.URL.Query()
	offset, limit, msg := pageParams(qv, 9999)
	if msg == "" && offset+limit >= 10000 {
		msg = "limit + offset must be less than 10000"
	}
	if msg != "" {
		s.writeError(w, m, http.StatusBadRequest, msg)
		return
	}
	s.mu.Lock()
	found, msg := s.match(qv.Get("filter"), qv.Get("q"), qv.Get("sort"))
	s.mu.Unlock()
	if msg != "" {
		s.writeError(w, m, http.StatusBadRequest, msg)
		return
	}
	ids := []string{}
	for i := offset; i < len(found) && i < offset+limit; i++ {
		ids = append(ids, found[i].DetectionID)
	}
	m.Pagination = &pagination{Offset: offset, Limit: limit, Total: len(found)}
	s.write(w, http.StatusOK, envelope{Meta: *m, Resources: ids})
}

// pageParams reads offset (default 0) and limit (default 100, at most
// maxLimit) as the query endpoints do, or says what is wrong with them.
func pageParams(qv url.Values, maxLimit int) (offset, limit int, msg string) {
	offset, limit = 0, 100
	var err error
	if v := qv.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, "offset must be a non-negative integer"
		}
	}
	if v := qv.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 || limit > maxLimit {
			return 0, 0, fmt.Sprintf("limit must be an integer between 0 and %d", maxLimit)
		}
	}
	return offset, limit, ""
}

// lookup copies the documents of ids out of byID, with a 404 error entry for
// each id it does not know. Called with s.mu held.
func lookup[T any](ids []string, byID map[string]*T, what string) ([]T, []apiError) {
	var found []T
	var errs []apiError
	for _, id := range ids {
		if d := byID[id]; d != nil {
			found = append(found, *d)
		} else {
			errs = append(errs, apiError{Code: 404, Message: what + " not found: " + id, ID: id})
		}
	}
	return found, errs
}

// writeEntities answers an entities request: what was found, an error entry
// per id that was not, and partialStatus when any was missing.
func writeEntities[T any](s *Server, w http.ResponseWriter, m *meta, found []T, errs []apiError, partialStatus int) {
	status := http.StatusOK
	if len(errs) > 0 {
		status = partialStatus
	}
	var resources any = found
	if found == nil {
		resources = []any{}
	}
	s.write(w, status, envelope{Meta: *m, Resources: resources, Errors: errs})
}

type idsBody struct {
	IDs []string `json:"ids"`
}

func (s *Server) summaries(w http.ResponseWriter, r *http.Request, m *meta) {
	var body idsBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body); err != nil {
		s.writeError(w, m, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	if len(body.IDs) == 0 {
		s.writeError(w, m, http.StatusBadRequest, "ids: at least one id is required")
		return
	}
	if len(body.IDs) > 1000 {
		s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("too many ids: %d requested, at most 1000 are allowed", len(body.IDs)))
		return
	}
	s.mu.Lock()
	res, errs := lookup(body.IDs, s.byID, "detection")
	s.mu.Unlock()
	writeEntities(s, w, m, res, errs, http.StatusNotFound)
}

var validStatus = map[string]bool{"new": true, "in_progress": true, "true_positive": true, "false_positive": true, "ignored": true, "closed": true, "reopened": true}

func (s *Server) update(w http.ResponseWriter, r *http.Request, m *meta) {
	var body updateRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20))
	if err := dec.Decode(&body); err != nil {
		s.writeError(w, m, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	switch {
	case len(body.IDs) == 0:
		s.writeError(w, m, http.StatusBadRequest, "ids: at least one id is required")
		return
	case len(body.IDs) > 1000:
		s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("too many ids: %d, at most 1000 per request", len(body.IDs)))
		return
	case body.Status != nil && !validStatus[*body.Status]:
		s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("invalid status %q", *body.Status))
		return
	case body.Comment != nil && body.Status == nil && body.ShowInUI == nil:
		s.writeError(w, m, http.StatusBadRequest, "a comment must be sent along with a status or show_in_ui update")
		return
	case body.Status == nil && body.ShowInUI == nil && body.AssignedToUUID == nil && body.Comment == nil:
		s.writeError(w, m, http.StatusBadRequest, "nothing to update: give status, assigned_to_uuid, comment or show_in_ui")
		return
	}
	s.mu.Lock()
	var assignee *user
	// No documented value of assigned_to_uuid unassigns: the SDKs leave
	// the field out when empty, and the service reads "" as a UUID that
	// names nobody of this customer.
	if body.AssignedToUUID != nil {
		for i := range s.users {
			if s.users[i].UUID == *body.AssignedToUUID {
				assignee = &s.users[i]
			}
		}
		if assignee == nil {
			s.mu.Unlock()
			s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("assigned_to_uuid %q is not a user of this customer", *body.AssignedToUUID))
			return
		}
	}
	now := s.now().UTC()
	ans := s.applyEach(body.IDs, "detection", func(id string) bool { return s.byID[id] != nil }, func(id string) {
		if s.opts.DetectsStale {
			// Accepted and answered 200, never seen again by a read.
			return
		}
		d := s.byID[id]
		if body.Status != nil {
			if d.Status == "new" && *body.Status != "new" && d.SecondsToTriaged == 0 {
				created, _ := time.Parse(time.RFC3339Nano, d.CreatedTimestamp)
				d.SecondsToTriaged = max(1, int64(now.Sub(created).Seconds()))
			}
			d.Status = *body.Status
		}
		if assignee != nil {
			d.AssignedToUID, d.AssignedToName, d.AssignedToUUID = assignee.UID, assignee.Name(), assignee.UUID
		}
		if body.ShowInUI != nil {
			d.ShowInUI = *body.ShowInUI
		}
		if body.Comment != nil {
			d.comments = append(d.comments, *body.Comment)
		}
		d.DateUpdated = now.Format(time.RFC3339Nano)
		s.auditUpdate("detection_id", id, s.opts.ClientID, body.auditAttributes())
	})
	s.mu.Unlock()
	s.answerUpdate(w, m, ans)
}

// updateAnswer is what an update did, and the faults its answer is to show.
type updateAnswer struct {
	applied []string
	errs    []apiError
	// drop: the connection is dropped after applying (a write whose
	// answer is lost); unreadable: the answer is a 200 that is not JSON.
	drop, unreadable bool
}

// unsentID is the id NameUnsentIDs names: sent by nobody.
const unsentID = "ldt:00000000000000000000000000000000:0"

// applyEach applies an update to every id the fake knows and does not
// refuse, records the applied ids, and takes the faults its answer is to
// show. Called with s.mu held.
func (s *Server) applyEach(ids []string, what string, known func(id string) bool, apply func(id string)) updateAnswer {
	var a updateAnswer
	if s.faults.DropAfterApply > 0 {
		s.faults.DropAfterApply--
		a.drop = true
	}
	if s.faults.UnreadableAnswers > 0 {
		s.faults.UnreadableAnswers--
		a.unreadable = true
	}
	if s.faults.NameUnsentIDs > 0 {
		s.faults.NameUnsentIDs--
		a.errs = append(a.errs, apiError{Code: 404, Message: what + " not found: " + unsentID, ID: unsentID})
	}
	lose := s.faults.LoseUpdates > 0
	if lose {
		s.faults.LoseUpdates--
	}
	for _, id := range ids {
		switch {
		case lose:
		case !known(id):
			a.errs = append(a.errs, apiError{Code: 404, Message: what + " not found: " + id, ID: id})
		case s.faults.RefuseIDs[id]:
			a.errs = append(a.errs, apiError{Code: 400, Message: "update refused for " + id + ": " + what + " is locked by a workflow", ID: id})
		default:
			apply(id)
			a.applied = append(a.applied, id)
		}
	}
	s.patches = append(s.patches, a.applied)
	return a
}

// answerUpdate answers an update as the service does: 200 with what was
// affected and an error entry per refused id, or the first refusal's status
// when nothing was applied.
func (s *Server) answerUpdate(w http.ResponseWriter, m *meta, a updateAnswer) {
	switch {
	case a.drop:
		dropConnection(w)
		return
	case a.unreadable:
		// A proxy's page, or an answer cut by a broken gateway.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body>OK</body></html>"))
		return
	}
	m.Writes = &writes{ResourcesAffected: len(a.applied)}
	status := http.StatusOK
	if len(a.applied) == 0 && len(a.errs) > 0 {
		status = a.errs[0].Code
	}
	s.write(w, status, envelope{Meta: *m, Errors: a.errs})
}

var userType = reflect.TypeOf(user{})

func (s *Server) queryUsers(w http.ResponseWriter, r *http.Request, m *meta) {
	if s.opts.DenyUserScope {
		s.writeError(w, m, http.StatusForbidden, "access denied, authorization failed")
		return
	}
	qv := r.URL.Query()
	node, err := parseFQL(qv.Get("filter"), userType)
	if err != nil {
		s.writeError(w, m, http.StatusBadRequest, err.Error())
		return
	}
	offset, _ := strconv.Atoi(qv.Get("offset"))
	limit := 100
	if v := qv.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			s.writeError(w, m, http.StatusBadRequest, "limit must be between 1 and 500")
			return
		}
	}
	var ids []string
	for _, u := range s.users {
		if node.match(reflect.ValueOf(u)) {
			ids = append(ids, u.UUID)
		}
	}
	total := len(ids)
	ids = ids[min(offset, len(ids)):min(offset+limit, len(ids))]
	if ids == nil {
		ids = []string{}
	}
	m.Pagination = &pagination{Offset: offset, Limit: limit, Total: total}
	s.write(w, http.StatusOK, envelope{Meta: *m, Resources: ids})
}

func (s *Server) getUsers(w http.ResponseWriter, r *http.Request, m *meta) {
	if s.opts.DenyUserScope {
		s.writeError(w, m, http.StatusForbidden, "access denied, authorization failed")
		return
	}
	var body idsBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.IDs) == 0 {
		s.writeError(w, m, http.StatusBadRequest, "ids: at least one id is required")
		return
	}
	var res []user
	var errs []apiError
	for _, id := range body.IDs {
		found := false
		for _, u := range s.users {
			if u.UUID == id {
				res = append(res, u)
				found = true
			}
		}
		if !found {
			errs = append(errs, apiError{Code: 404, Message: "user not found: " + id, ID: id})
		}
	}
	writeEntities(s, w, m, res, errs, http.StatusNotFound)
}
