package fake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event Streams as the service serves them (falcon-api.md): discovery with a
// session token on the bearer token, one open feed per appId (discovery
// answers an empty list while one is open), the feed on the session token
// alone, one JSON object per line with offsets, blank keep-alive lines, and
// a session the server closes when it is not refreshed within its interval.
//
// Every alert added and every update of an alert becomes an event of the
// tenant's one partition, kept for the fake's life: a feed asked without an
// offset starts at the oldest (where the service starts is unverified, and
// starting early is the unkinder guess), one asked with offset=N starts at
// the event N itself.

// streamPath is the feed's path: the partition is the last element.
const streamPath = "/sensors/entities/datafeed/v1/0"

// appIDPattern is what the fake takes as an appId: the swagger says 32
// alphanumerics, the service's own connector passes - _ and . too.
var appIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// streamState is the tenant's event log and the stream sessions. Guarded by
// the server's mu.
type streamState struct {
	// events are the encoded events; events[i] has offset i+1.
	events [][]byte
	// wake is closed and replaced when an event is added.
	wake chan struct{}
	// sessions are the session tokens issued and not closed.
	sessions map[string]*streamSession
	// open counts the open feeds per appId.
	open map[string]int
	// drop is closed and replaced by DropStreams.
	drop chan struct{}
	// connections counts the feeds open now, for tests; counted is
	// closed and replaced when it changes.
	connections int
	counted     chan struct{}
}

type streamSession struct {
	appID string
	// deadline is when the session closes unless refreshed.
	deadline time.Time
}

// world is what moves the fake by itself and what ends with Close.
type world struct {
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

func newStreamState() *streamState {
	return &streamState{wake: make(chan struct{}), sessions: map[string]*streamSession{}, open: map[string]int{}, drop: make(chan struct{}), counted: make(chan struct{})}
}

func (s *Server) routeStreams(mux *http.ServeMux) {
	deny := s.opts.DenyStreamScope
	mux.HandleFunc("GET /sensors/entities/datafeed/v2", s.api("stream-discover", s.forbidden(deny, s.discoverStream)))
	mux.HandleFunc("POST /sensors/entities/datafeed-actions/v1/{partition}", s.api("stream-refresh", s.forbidden(deny, s.refreshStream)))
	mux.HandleFunc("GET "+streamPath, s.feed)
	// Not Falcon's: hooks for end-to-end tests driving a fake in another
	// process (next to /_fake/incidents).
	mux.HandleFunc("POST /_fake/streams/drop", func(w http.ResponseWriter, _ *http.Request) {
		s.DropStreams()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_fake/change", s.changeHook)
}

// changeHook has another analyst change an alert: a JSON body such as
// {"id": "…", "user": "bruno", "status": "closed"} (no status: assigned to
// that user).
func (s *Server) changeHook(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID     string `json:"id"`
		User   string `json:"user"`
		Status string `json:"status"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil {
		http.Error(w, `change: give {"id": "…", "user": "…", "status": "…"}`, http.StatusBadRequest)
		return
	}
	if err := s.ChangeAsOther(body.ID, body.User, body.Status); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// streamInterval is the session's refresh interval.
func (s *Server) streamInterval() time.Duration {
	if s.opts.StreamInterval > 0 {
		return s.opts.StreamInterval
	}
	return 1800 * time.Second
}

func (s *Server) discoverStream(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "FalconHose"
	q := r.URL.Query()
	app := q.Get("appId")
	if !appIDPattern.MatchString(app) {
		s.writeError(w, m, http.StatusBadRequest, "appId is required: at most 32 alphanumeric characters")
		return
	}
	if f := q.Get("format"); f != "" && f != "json" && f != "flatjson" {
		s.writeError(w, m, http.StatusBadRequest, "format must be json or flatjson")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream.open[app] > 0 {
		// Held by another connection: 200 and nothing, as the service.
		s.write(w, http.StatusOK, envelope{Meta: *m})
		return
	}
	now := s.now()
	for tok, ss := range s.stream.sessions {
		if now.After(ss.deadline) {
			delete(s.stream.sessions, tok)
		}
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := "fs1." + hex.EncodeToString(b[:])
	interval := s.streamInterval()
	s.stream.sessions[tok] = &streamSession{appID: app, deadline: now.Add(interval)}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	s.write(w, http.StatusOK, envelope{Meta: *m, Resources: []any{map[string]any{
		"dataFeedURL":                  base + streamPath + "?appId=" + app,
		"sessionToken":                 map[string]any{"token": tok, "expiration": now.Add(30 * time.Minute).UTC().Format(time.RFC3339Nano)},
		"refreshActiveSessionURL":      base + "/sensors/entities/datafeed-actions/v1/0?appId=" + app + "&action_name=refresh_active_stream_session",
		"refreshActiveSessionInterval": int(interval / time.Second),
	}}})
}

func (s *Server) refreshStream(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "FalconHose"
	q := r.URL.Query()
	app := q.Get("appId")
	if q.Get("action_name") != "refresh_active_stream_session" || !appIDPattern.MatchString(app) || r.PathValue("partition") != "0" {
		s.writeError(w, m, http.StatusBadRequest, "give appId and action_name=refresh_active_stream_session for partition 0")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	found := false
	for tok, ss := range s.stream.sessions {
		if ss.appID != app {
			continue
		}
		if now.After(ss.deadline) {
			// Too late: the session is closed already.
			delete(s.stream.sessions, tok)
			continue
		}
		ss.deadline = now.Add(s.streamInterval())
		found = true
	}
	if !found {
		s.writeError(w, m, http.StatusBadRequest, "no active stream session for appId "+app)
		return
	}
	s.write(w, http.StatusOK, envelope{Meta: *m})
}

// feed serves the data feed: the events from the offset asked for, then
// each as it happens, keep-alive lines in between, until the session lapses,
// the client goes, DropStreams cuts it or the server closes.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Cs-Traceid", newTraceID())
	m := &meta{PoweredBy: "FalconHose", TraceID: w.Header().Get("X-Cs-Traceid")}
	s.mu.Lock()
	s.counts["stream-feed"]++
	auth := r.Header.Get("Authorization")
	tok, isToken := strings.CutPrefix(auth, "Token ")
	ss := s.stream.sessions[tok]
	now := s.now()
	if ss != nil && now.After(ss.deadline) {
		delete(s.stream.sessions, tok)
		ss = nil
	}
	app := r.URL.Query().Get("appId")
	switch {
	case !isToken || ss == nil:
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		s.writeError(w, m, http.StatusUnauthorized, "access denied, invalid session token")
		return
	case ss.appID != app:
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		s.writeError(w, m, http.StatusBadRequest, "the session token is not for appId "+app)
		return
	case s.stream.open[app] > 0:
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		s.writeError(w, m, http.StatusConflict, "a stream is already open for appId "+app)
		return
	}
	next := 1
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			s.writeError(w, m, http.StatusBadRequest, "offset must be a non-negative integer")
			return
		}
		next = max(n, 1)
	}
	s.stream.open[app]++
	s.stream.count(+1)
	s.appendEvent("AuthActivityAuditEvent", map[string]any{
		"UserId": s.opts.ClientID, "UserIp": "127.0.0.1", "OperationName": "streamStarted", "ServiceName": "Crowdstrike Streaming API",
		"Success": true, "UTCTimestamp": now.Unix(),
		"AuditKeyValues": []map[string]string{{"Key": "APIClientID", "ValueString": s.opts.ClientID}, {"Key": "partition", "ValueString": "0"}, {"Key": "offset", "ValueString": strconv.Itoa(next)}, {"Key": "appId", "ValueString": app}},
	})
	drop := s.stream.drop
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.stream.open[app]--
		if s.stream.open[app] == 0 {
			delete(s.stream.open, app)
		}
		s.stream.count(-1)
		s.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	keepAlive, stop := s.ticker(s.keepAliveEvery())
	defer stop()
	ping := false
	for {
		s.mu.Lock()
		pending := append([][]byte(nil), s.stream.events[min(next-1, len(s.stream.events)):]...)
		next += len(pending)
		wake := s.stream.wake
		lapsed := s.stream.sessions[tok] == nil || s.now().After(ss.deadline)
		if lapsed {
			delete(s.stream.sessions, tok)
		}
		s.mu.Unlock()
		if lapsed {
			// Not refreshed in time: the service closes the session.
			return
		}
		if ping {
			pending, ping = append(pending, []byte("\n")), false
		}
		for _, line := range pending {
			if _, err := w.Write(line); err != nil {
				return
			}
		}
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-wake:
		case <-keepAlive:
			ping = true
		case <-drop:
			// Cut mid-way: no end of the chunked answer, as a lost
			// connection.
			panic(http.ErrAbortHandler)
		case <-r.Context().Done():
			return
		case <-s.world.done:
			return
		}
	}
}

// feedChild is the Flight Control child whose stream session a feed
// request carries, if any: a child's discovery issues the session, and its
// feed serves the child's events.
func (s *Server) feedChild(r *http.Request) *Server {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Token ")
	if !ok {
		return nil
	}
	s.mssp.mu.Lock()
	kids := slices.Clone(s.mssp.acting)
	s.mssp.mu.Unlock()
	for _, c := range kids {
		c.mu.Lock()
		_, mine := c.stream.sessions[tok]
		c.mu.Unlock()
		if mine {
			return c
		}
	}
	return nil
}

func (s *Server) keepAliveEvery() time.Duration {
	if s.opts.StreamKeepAlive > 0 {
		return s.opts.StreamKeepAlive
	}
	return 30 * time.Second
}

// ticker makes one of the fake's tickers: Options.Ticker, or the real one.
func (s *Server) ticker(d time.Duration) (<-chan time.Time, func()) {
	if s.opts.Ticker != nil {
		return s.opts.Ticker(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// appendEvent adds an event to the tenant's partition and wakes the feeds.
// Called with s.mu held.
func (s *Server) appendEvent(eventType string, event map[string]any) {
	offset := len(s.stream.events) + 1
	line, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{
			"customerIDString": DemoCID, "offset": offset, "eventType": eventType,
			"eventCreationTime": s.now().UnixMilli(), "version": "1.0",
		},
		"event": event,
	})
	s.stream.events = append(s.stream.events, append(line, '\n'))
	close(s.stream.wake)
	s.stream.wake = make(chan struct{})
}

// summaryEvent records a new alert as the stream tells it. Called with s.mu
// held.
func (s *Server) summaryEvent(a *alert) {
	created, _ := parseTime(a.CreatedTimestamp)
	if a.Product == "idp" {
		s.appendEvent("IdpDetectionSummaryEvent", map[string]any{
			"DetectId": a.CompositeID, "DetectName": a.Name, "DetectDescription": a.Description,
			"Severity": a.Severity, "SeverityName": a.SeverityName, "Tactic": a.Tactic, "Technique": a.Technique,
			"SourceAccountName": a.SourceAccountName, "SourceEndpointHostName": a.SourceEndpointHostName,
			"SourceEndpointIpAddress": a.SourceEndpointIPAddress, "ContextTimeStamp": created.Unix(),
		})
		return
	}
	ev := map[string]any{
		"CompositeId": a.CompositeID, "AggregateId": a.AggregateID, "AgentId": a.AgentID, "UserName": a.UserName,
		"Name": a.Name, "Description": a.Description, "Severity": a.Severity, "SeverityName": a.SeverityName,
		"Tactic": a.Tactic, "Technique": a.Technique, "FileName": a.Filename, "FilePath": a.Filepath,
		"CommandLine": a.Cmdline, "SHA256String": a.SHA256, "MD5String": a.MD5, "PatternId": a.PatternID, "Type": a.Type,
		"FalconHostLink": "https://falcon.crowdstrike.com/activity-v2/detections/" + a.CompositeID,
		"Timestamp":      created.Unix(),
	}
	if a.Device != nil {
		ev["Hostname"], ev["LocalIP"], ev["MACAddress"] = a.Device.Hostname, a.Device.LocalIP, a.Device.MACAddress
	}
	s.appendEvent("EppDetectionSummaryEvent", ev)
}

// auditUpdate records one alert's update by a user (a login, or an API
// client's id) as the stream tells it. Called with s.mu held.
func (s *Server) auditUpdate(idKey, id, by string, attrs map[string]string) {
	all := map[string]string{idKey: id}
	kv := []map[string]string{{"Key": idKey, "ValueString": id}}
	for k, v := range attrs {
		all[k] = v
		kv = append(kv, map[string]string{"Key": k, "ValueString": v})
	}
	s.appendEvent("UserActivityAuditEvent", map[string]any{
		"UserId": by, "UserIp": "127.0.0.1", "OperationName": "detection_update", "ServiceName": "detections",
		"Success": true, "UTCTimestamp": s.now().Unix(), "AuditKeyValues": kv, "Attributes": all,
	})
}

// DropStreams cuts every open feed mid-way, as a lost connection.
func (s *Server) DropStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.stream.drop)
	s.stream.drop = make(chan struct{})
}

// StreamConnections says how many feeds are open now.
func (s *Server) StreamConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stream.connections
}

// WaitStreamConnections waits until n feeds are open, or ctx ends: a feed
// a client closed is gone once the server has seen it go.
func (s *Server) WaitStreamConnections(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		now, changed := s.stream.connections, s.stream.counted
		s.mu.Unlock()
		if now == n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("fake: %d feeds open, not %d: %w", now, n, ctx.Err())
		}
	}
}

// count changes the number of open feeds. Called with s.mu held.
func (st *streamState) count(by int) {
	st.connections += by
	close(st.counted)
	st.counted = make(chan struct{})
}

// StreamEvents says how many events the tenant's partition holds (the last
// offset).
func (s *Server) StreamEvents() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.stream.events)
}

// auditAttributes are a Detects update's changes in the audit event's
// words.
func (u updateRequest) auditAttributes() map[string]string {
	attrs := map[string]string{}
	if u.Status != nil {
		attrs["update_status"] = *u.Status
	}
	if u.AssignedToUUID != nil {
		attrs["assign_to_uuid"] = *u.AssignedToUUID
	}
	if u.Comment != nil {
		attrs["append_comment"] = *u.Comment
	}
	if u.ShowInUI != nil {
		attrs["show_in_ui"] = strconv.FormatBool(*u.ShowInUI)
	}
	return attrs
}
