package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
)

// Event Streams (falcon-api.md): discovery on the API host with the bearer
// token names a feed on another host and a session token for it. The
// session token goes to that feed alone, and only where the feed is on the
// cloud's own domain (or the API's own host, for a local fake); the bearer
// token never goes there, and no credential follows a redirect. The feed is
// read line by line with every line capped, the session refreshed on the
// API host at 9/10 of its interval, and after a drop the stream is found
// again and resumed from the last offset, events de-duplicated by offset.

// StreamClock is the stream's clock and timers; tests drive their own.
type StreamClock interface {
	Now() time.Time
	// After fires once on its channel after d; stop releases it.
	After(d time.Duration) (c <-chan time.Time, stop func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// Stream limits. A line is one event of a few KB; more than maxStreamLine
// is skipped unread. The refresh interval the service names is held within
// bounds: a hostile or broken one must neither spin nor let the session
// lapse. Reconnection waits grow from a second to a minute, jittered.
const (
	maxStreamLine        = 1 << 20
	defaultStreamRefresh = 1800 * time.Second
	minStreamRefresh     = 60 * time.Second
	maxStreamRefresh     = 1800 * time.Second
	minStreamBackoff     = time.Second
	maxStreamBackoff     = time.Minute
	// streamBusyRetries: the appId still busy after so many tries to
	// reconnect is another console's: poll instead.
	streamBusyRetries = 5
	// historySlack: on a first connection, events older than the stream's
	// opening by more than this are history the console's list already
	// holds, not live news.
	historySlack = 2 * time.Minute
	// feedHeadTimeout is how long the feed's answer may take to begin.
	feedHeadTimeout = 30 * time.Second
	// quietBatchEvery: a batch that tells nothing but the time (keep-alives,
	// events of no interest) at most so often, so a chatty feed does not
	// repaint the console for nothing.
	quietBatchEvery = time.Second
	// streamBatchBuffer batches may wait for the console before the
	// stream waits for it.
	streamBatchBuffer = 64
	// streamFailures connections in a row that read nothing (or whose
	// session could not be refreshed), or streamFailingFor without a
	// working one, and the stream ends for polling.
	streamFailures   = 5
	streamFailingFor = 5 * time.Minute
	// offsetLeap: an offset further ahead than this of the last is no
	// continuation but a new sequence, like one going backwards.
	offsetLeap = 1 << 40
)

// streamScopeHint is what a 403 on discovery means.
const streamScopeHint = "this API client lacks the Event streams: read scope: add it for a live stream; polling instead"

var streamAppIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)

// checkStreamAppID checks a configured appId.
func checkStreamAppID(id string) error {
	if id != "" && !streamAppIDPattern.MatchString(id) {
		return fmt.Errorf("invalid stream app id %q: give at most 32 letters and digits", id)
	}
	return nil
}

// StreamAppID is the appId this client opens its stream as: the configured
// one, or "falcontriage" and a digest of the host, the user and the API
// client, stable for an install. One stream per appId: a second console of
// the same install finds it busy and polls.
func (c *Client) StreamAppID() string {
	if c.cfg.StreamAppID != "" {
		return c.cfg.StreamAppID
	}
	host, _ := os.Hostname()
	sum := sha256.Sum256([]byte(host + "\x00" + strconv.Itoa(os.Getuid()) + "\x00" + c.cfg.ClientID + "\x00" + c.cfg.MemberCID))
	return "falcontriage" + hex.EncodeToString(sum[:4])
}

// streamSession is what discovery gave: the feed, its token and when to
// refresh.
type streamSession struct {
	feed      *url.URL
	token     string
	refreshOp call
	refreshIn time.Duration
	issued    time.Time
}

// wireStream is main.AvailableStreamV2. The interval is read by hand: a
// hostile answer may give any JSON there.
type wireStream struct {
	DataFeedURL  string `json:"dataFeedURL"`
	SessionToken struct {
		Token      string `json:"token"`
		Expiration string `json:"expiration"`
	} `json:"sessionToken"`
	RefreshActiveSessionURL      string          `json:"refreshActiveSessionURL"`
	RefreshActiveSessionInterval json.RawMessage `json:"refreshActiveSessionInterval"`
}

// The client is the console's stream source.
var _ model.Streamer = (*Client)(nil)

// errStreamBusy is the empty discovery answer: the appId is held.
var errStreamBusy = errors.New("held by another console")

// OpenStream implements model.Streamer: it finds the stream and starts
// reading it. An API client without the scope, an appId held by another
// console and a feed off the cloud's domain give an error wrapping
// model.ErrNoStream: poll instead. Once open, the stream reconnects by
// itself; where it cannot (the same reasons, found on reconnecting, the
// appId still busy after some tries), its last batch's Err wraps
// ErrNoStream and the channel closes. No other batch's Err does.
func (c *Client) OpenStream(ctx context.Context) (model.Stream, error) {
	clock := c.cfg.StreamClock
	if clock == nil {
		clock = realClock{}
	}
	s := &liveStream{
		c: c, app: c.StreamAppID(), clock: clock,
		out:  make(chan model.LiveBatch, streamBatchBuffer),
		done: make(chan struct{}),
		http: &http.Client{Transport: c.tr, CheckRedirect: refuseRedirect},
	}
	sess, err := s.discover(ctx)
	if err != nil {
		return nil, err
	}
	s.since = clock.Now().Add(-historySlack)
	s.working = clock.Now()
	runCtx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	go s.run(runCtx, sess)
	return s, nil
}

// liveStream is an open stream: one goroutine (run) reads it.
type liveStream struct {
	c      *Client
	app    string
	clock  StreamClock
	http   *http.Client
	out    chan model.LiveBatch
	done   chan struct{}
	cancel context.CancelFunc
	once   sync.Once

	// Owned by run.
	last     uint64
	haveLast bool
	// first is the current sequence's first offset: an offset below it
	// starts a new sequence (the feed's offsets started again).
	first uint64
	// worked: the connection read a line; working is when a connection
	// last did (or the stream opened).
	worked  bool
	working time.Time
	// told is when the last batch was handed over, toldQuiet whether it
	// told nothing but the time.
	told      time.Time
	toldQuiet bool
	// since: events created before it on a connection without an offset
	// are history.
	since time.Time
}

func (s *liveStream) Events() <-chan model.LiveBatch { return s.out }

// Close ends the stream and waits for its connection to be gone.
func (s *liveStream) Close() error {
	s.once.Do(s.cancel)
	<-s.done
	return nil
}

// discover asks for the stream: a session, or why there is none.
func (s *liveStream) discover(ctx context.Context) (*streamSession, error) {
	var found []wireStream
	_, err := s.c.do(ctx, call{
		op: "open the event stream", method: http.MethodGet, path: "/sensors/entities/datafeed/v2",
		query: url.Values{"appId": {s.app}, "format": {"json"}}, read: true, answer: envelopeBytes, into: &found,
	})
	var e *Error
	if errors.As(err, &e) && (e.Status == http.StatusForbidden || e.Status == http.StatusNotFound) {
		if e.Status == http.StatusForbidden {
			e.Hint = streamScopeHint
		}
		return nil, fmt.Errorf("%w: %w", model.ErrNoStream, err)
	}
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("%w: the event stream %s is %w (one stream per app id): polling instead", model.ErrNoStream, s.app, errStreamBusy)
	}
	if len(found) > 1 {
		// One resource per partition: reading one would miss the
		// others' alerts. Polling misses none.
		return nil, fmt.Errorf("%w: the event stream has %d partitions and the console reads one: polling instead", model.ErrNoStream, len(found))
	}
	w := found[0]
	if w.SessionToken.Token == "" || w.DataFeedURL == "" {
		return nil, &Error{Op: "open the event stream", Err: errors.New("the answer names no feed or no session token")}
	}
	feed, err := s.checkFeed(w.DataFeedURL)
	if err != nil {
		return nil, err
	}
	return &streamSession{
		feed: feed, token: w.SessionToken.Token, refreshOp: s.refreshCall(w.RefreshActiveSessionURL, w.SessionToken.Token),
		refreshIn: refreshAfter(w.RefreshActiveSessionInterval), issued: s.clock.Now(),
	}, nil
}

// checkFeed accepts a feed URL on the cloud's own domain over https, or on
// the API's own host: anywhere else its session token is not sent.
func (s *liveStream) checkFeed(raw string) (*url.URL, error) {
	base, _ := url.Parse(s.c.BaseURL())
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: the event stream's feed address is unreadable: refused", model.ErrNoStream)
	}
	host := strings.ToLower(u.Hostname())
	ok := u.User == nil && base != nil && (u.Scheme == base.Scheme && strings.EqualFold(u.Host, base.Host) ||
		u.Scheme == "https" && (strings.HasSuffix(host, ".crowdstrike.com") ||
			strings.HasSuffix(host, ".crowdstrike.mil") && strings.HasSuffix(strings.ToLower(base.Hostname()), ".crowdstrike.mil")))
	if !ok {
		return nil, fmt.Errorf("%w: the event stream's feed is at %s, off the cloud's own domain: refused, its session token is not sent there", model.ErrNoStream, shortURL(&url.URL{Scheme: u.Scheme, Host: u.Host}))
	}
	return u, nil
}

// refreshCall is the session's refresh: on the API host, whatever host the
// answer named, with the bearer token; a path that is not the refresh's is
// replaced by the documented one.
func (s *liveStream) refreshCall(raw, token string) call {
	path := "/sensors/entities/datafeed-actions/v1/0"
	q := url.Values{"appId": {s.app}, "action_name": {"refresh_active_stream_session"}}
	if u, err := url.Parse(raw); err == nil && strings.HasPrefix(u.Path, "/sensors/entities/datafeed-actions/") && !strings.Contains(u.Path, "..") {
		path = u.Path
		if uq := u.Query(); uq.Get("action_name") != "" {
			q = uq
		}
	}
	return call{op: "refresh the event stream", method: http.MethodPost, path: path, query: q, read: true, answer: envelopeBytes, secrets: []string{token}}
}

// refreshAfter is 9/10 of the interval the service named (seconds), held
// within bounds.
func refreshAfter(raw json.RawMessage) time.Duration {
	d := defaultStreamRefresh
	if v, err := strconv.ParseFloat(strings.Trim(string(raw), `"`), 64); err == nil && v == v {
		d = time.Duration(min(max(v, minStreamRefresh.Seconds()), maxStreamRefresh.Seconds()) * float64(time.Second))
	}
	return d * 9 / 10
}

// run reads the stream until ctx ends, reconnecting after each drop; it
// closes the batches' channel when it is done.
func (s *liveStream) run(ctx context.Context, sess *streamSession) {
	defer close(s.done)
	defer close(s.out)
	attempt, busy, fails := 0, 0, 0
	for {
		if sess == nil {
			var err error
			sess, err = s.discover(ctx)
			if ctx.Err() != nil {
				return
			}
			wasBusy := false
			switch {
			case err == nil:
				busy = 0
			case errors.Is(err, errStreamBusy) && busy < streamBusyRetries:
				wasBusy = true
				// Most likely the connection just lost, not yet let
				// go. Not ErrNoStream yet: that is the last batch's.
				busy++
				err = errors.New("the event stream's app id is busy, perhaps still with the connection lost: trying again")
			case errors.Is(err, model.ErrNoStream):
				s.emit(ctx, model.LiveBatch{Source: "stream", Current: s.clock.Now(), Err: err, Note: "the event stream is gone: polling instead"})
				return
			}
			if err != nil {
				if !wasBusy {
					fails++
				}
				if s.failing(ctx, fails, err) || !s.backoff(ctx, &attempt, err) {
					return
				}
				continue
			}
		}
		began := s.clock.Now()
		s.worked = false
		err := s.read(ctx, sess)
		sess = nil
		if ctx.Err() != nil {
			return
		}
		if s.worked && !errors.Is(err, errRefresh) {
			fails, s.working = 0, s.clock.Now()
			if s.clock.Now().Sub(began) >= maxStreamBackoff {
				attempt = 0
			}
		} else {
			fails++
		}
		if s.failing(ctx, fails, err) || !s.backoff(ctx, &attempt, err) {
			return
		}
	}
}

// errRefresh ends a connection whose session could not be refreshed.
var errRefresh = errors.New("the event stream's session could not be refreshed")

// failing ends the stream for polling, with a last batch saying why, once
// so many connections in a row failed, or none worked for so long.
func (s *liveStream) failing(ctx context.Context, fails int, why error) bool {
	if fails < streamFailures && (fails == 0 || s.clock.Now().Sub(s.working) < streamFailingFor) {
		return false
	}
	s.emit(ctx, model.LiveBatch{Source: "stream",
		Err:  fmt.Errorf("%w: the event stream failed %d times in a row: polling instead (last: %w)", model.ErrNoStream, fails, why),
		Note: fmt.Sprintf("the event stream failed %d times in a row: polling instead", fails)})
	return true
}

// backoff says why the stream reconnects and waits before it does: a
// second, doubling to a minute, each wait drawn from its upper half.
func (s *liveStream) backoff(ctx context.Context, attempt *int, why error) bool {
	d := min(minStreamBackoff<<min(*attempt, 10), maxStreamBackoff)
	d = d/2 + rand.N(d/2+1)
	*attempt++
	// Not Current: nothing is current while the stream is down.
	s.emit(ctx, model.LiveBatch{Source: "stream", Err: why,
		Note: fmt.Sprintf("the event stream was cut: reconnecting in %s", d.Round(time.Second))})
	c, stop := s.clock.After(d)
	defer stop()
	select {
	case <-c:
		return true
	case <-ctx.Done():
		return false
	}
}

// emit hands a batch to the console, or gives up when the stream ends.
func (s *liveStream) emit(ctx context.Context, b model.LiveBatch) {
	quiet := len(b.Events) == 0 && b.Note == "" && b.Err == nil
	if quiet && s.toldQuiet && b.Current.Sub(s.told) < quietBatchEvery {
		return
	}
	select {
	case s.out <- b:
		// A quiet batch after a note says all is well again: it goes.
		s.told, s.toldQuiet = b.Current, quiet
	case <-ctx.Done():
	}
}

// burst is what one read of the feed brought: whole lines, and how many
// were too long to keep. err ends the feed.
type burst struct {
	lines   [][]byte
	tooLong int
	err     error
}

// read opens the feed, from the last offset where there is one, and reads
// it until it ends, refreshing the session on time.
func (s *liveStream) read(ctx context.Context, sess *streamSession) error {
	u := *sess.feed
	resumed := s.haveLast
	if resumed {
		// The event at the last offset again, rather than risk missing
		// the one after: whether offset= is inclusive is not settled.
		q := u.Query()
		q.Set("offset", strconv.FormatUint(s.last, 10))
		u.RawQuery = q.Encode()
	}
	connCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(connCtx, http.MethodGet, u.String(), nil)
	if err != nil {
		return &Error{Op: "read the event stream", Err: errors.New("bad feed address")}
	}
	req.Header.Set("Authorization", "Token "+sess.token)
	req.Header.Set("Accept", "application/json")
	if s.c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", s.c.cfg.UserAgent)
	}
	secrets := []string{sess.token, s.c.cfg.ClientSecret}
	// A feed that never answers would hold the stream forever: its
	// answer's head is waited for so long, by the real clock (a safety net,
	// not a behaviour).
	watchdog := time.AfterFunc(feedHeadTimeout, cancel)
	resp, err := s.http.Do(req)
	watchdog.Stop()
	if err != nil {
		if e := redirectRefusal("read the event stream", err, nil, secrets...); e != nil {
			return e
		}
		return &Error{Op: "read the event stream", Err: errors.New(redact(netCause(err).Error(), secrets))}
	}
	bursts := make(chan burst)
	defer func() {
		cancel()
		_ = resp.Body.Close()
		for range bursts {
		}
	}()
	if resp.StatusCode != http.StatusOK {
		close(bursts)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return &Error{Op: "read the event stream", Status: resp.StatusCode, TraceID: printable(redact(resp.Header.Get("X-Cs-Traceid"), secrets))}
	}
	go readBursts(resp.Body, bursts, connCtx.Done())
	wait := max(sess.refreshIn-s.clock.Now().Sub(sess.issued), 0)
	refresh, stop := s.clock.After(wait)
	defer func() { stop() }()
	retried := false
	for {
		select {
		case b, ok := <-bursts:
			if !ok {
				return &Error{Op: "read the event stream", Err: errors.New("the feed ended")}
			}
			if len(b.lines) > 0 || b.tooLong > 0 {
				s.worked, s.working = true, s.clock.Now()
				s.take(ctx, b, resumed, append(s.c.tokens(), secrets...))
			}
			if b.err != nil {
				return &Error{Op: "read the event stream", Err: errors.New(redact(feedEnd(b.err), secrets))}
			}
		case <-refresh:
			stop()
			next := sess.refreshIn
			op := sess.refreshOp
			// The retry takes the answer as it is: a 401 fetches no
			// second token.
			op.noRenew = retried
			if _, err := s.c.do(connCtx, op); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if retried {
					// Twice refused: this session is done; the stream
					// is found again, after the backoff.
					return fmt.Errorf("%w: %w", errRefresh, err)
				}
				// What is left of the interval: one more try.
				retried = true
				next = max(sess.refreshIn/18, time.Second)
				s.emit(ctx, model.LiveBatch{Source: "stream", Err: err, Note: "the event stream's session could not be refreshed: trying again"})
			} else {
				retried = false
			}
			refresh, stop = s.clock.After(next)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func feedEnd(err error) string {
	if errors.Is(err, io.EOF) {
		return "the feed ended"
	}
	return "the feed was cut: " + err.Error()
}

// readBursts reads the feed's lines and sends them as they come, those
// already arrived together in one burst. A line longer than maxStreamLine
// is skipped, never held whole.
func readBursts(body io.Reader, out chan<- burst, stop <-chan struct{}) {
	defer close(out)
	br := bufio.NewReaderSize(body, maxStreamLine)
	for {
		var b burst
		for {
			line, long, err := readLine(br)
			if long {
				b.tooLong++
			} else if line != nil {
				b.lines = append(b.lines, line)
			}
			if err != nil {
				b.err = err
				break
			}
			if n := br.Buffered(); n == 0 {
				break
			} else if p, _ := br.Peek(n); bytes.IndexByte(p, '\n') < 0 {
				break
			}
		}
		select {
		case out <- b:
		case <-stop:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// readLine reads one line, a copy without its end; long says it was over
// the cap and was skipped.
func readLine(br *bufio.Reader) (line []byte, long bool, err error) {
	for {
		part, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = true
			continue
		}
		if long {
			return nil, true, err
		}
		if len(part) == 0 && err != nil {
			return nil, false, err
		}
		return bytes.Clone(bytes.TrimRight(part, "\r\n")), false, err
	}
}

// wireEvent is one line of the feed.
type wireEvent struct {
	Metadata struct {
		Offset            json.RawMessage `json:"offset"`
		EventType         string          `json:"eventType"`
		EventCreationTime json.RawMessage `json:"eventCreationTime"`
	} `json:"metadata"`
	Event map[string]json.RawMessage `json:"event"`
}

// take turns a burst into a batch: events de-duplicated by offset, history
// on a first connection left out, and a word on lines skipped.
func (s *liveStream) take(ctx context.Context, b burst, resumed bool, secrets []string) {
	batch := model.LiveBatch{Source: "stream", Current: s.clock.Now()}
	bad := 0
	var restarted []uint64
	for _, line := range b.lines {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue // keep-alive
		}
		// An event that echoes a credential never takes it to a row,
		// the screen or a note: redacted as an answer is.
		line = redactJSON(line, secrets)
		var ev wireEvent
		if json.Unmarshal(line, &ev) != nil {
			bad++
			continue
		}
		off, hasOffset := uint64Of(ev.Metadata.Offset)
		if hasOffset {
			switch {
			case !s.haveLast:
				s.first = off
			case off < s.first || off > s.last && off-s.last > offsetLeap:
				// The offsets started again (or leapt): a new
				// sequence, de-duplicated on its own.
				s.first = off
				restarted = append(restarted, off)
			case off <= s.last:
				continue // seen already
			}
			s.last, s.haveLast = off, true
		}
		at := millisOf(ev.Metadata.EventCreationTime)
		if !resumed && !at.IsZero() && at.Before(s.since) {
			continue
		}
		for _, le := range liveEvents(ev.Metadata.EventType, ev.Event) {
			le.Offset, le.At = off, at
			batch.Events = append(batch.Events, le)
		}
	}
	var notes []string
	if len(restarted) > 0 {
		notes = append(notes, fmt.Sprintf("the event stream's offsets started again at %d: taken as a new sequence", restarted[len(restarted)-1]))
	}
	switch {
	case b.tooLong > 0 && bad > 0:
		batch.Note = fmt.Sprintf("the event stream sent %d lines too long and %d unreadable: skipped", b.tooLong, bad)
	case b.tooLong > 0:
		batch.Note = fmt.Sprintf("the event stream sent %d lines too long to read: skipped", b.tooLong)
	case bad > 0:
		batch.Note = fmt.Sprintf("the event stream sent %d unreadable lines: skipped", bad)
	}
	batch.Note = strings.Join(append(notes, batch.Note), "; ")
	batch.Note = strings.TrimSuffix(batch.Note, "; ")
	s.emit(ctx, batch)
}

// tokens are the bearer tokens the client holds: an event must not echo
// them.
func (c *Client) tokens() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.held))
	for _, t := range c.held {
		out = append(out, t.tok.AccessToken)
	}
	return out
}

func uint64Of(raw json.RawMessage) (uint64, bool) {
	v, err := strconv.ParseUint(string(raw), 10, 64)
	return v, err == nil
}

// millisOf reads epoch milliseconds; anything else is unknown (zero).
func millisOf(raw json.RawMessage) time.Time {
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v <= 0 || v > 1<<53 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

// liveEvents maps one event to what the console learns from it: a new
// alert from a detection summary, a change from an audit of an alert
// update; nothing from the rest.
func liveEvents(eventType string, ev map[string]json.RawMessage) []model.LiveEvent {
	switch eventType {
	case "EppDetectionSummaryEvent", "EPPDetectionSummaryEvent", "DetectionSummaryEvent":
		id := stringOf(ev["CompositeId"])
		if id == "" {
			id = stringOf(ev["DetectId"])
		}
		if id == "" {
			return nil
		}
		return []model.LiveEvent{{Kind: model.LiveNew, ID: id, Severity: intOf(ev["Severity"])}}
	case "IdpDetectionSummaryEvent":
		id := stringOf(ev["DetectId"])
		if id == "" {
			id = stringOf(ev["CompositeId"])
		}
		if id == "" {
			return nil
		}
		return []model.LiveEvent{{Kind: model.LiveNew, ID: id, Severity: intOf(ev["Severity"])}}
	case "UserActivityAuditEvent":
		if stringOf(ev["OperationName"]) != "detection_update" {
			return nil
		}
		attrs := auditAttributes(ev)
		ids := attrs["composite_id"]
		if len(ids) == 0 {
			ids = attrs["detection_id"]
		}
		what := updateWords(attrs)
		by := stringOf(ev["UserId"])
		var out []model.LiveEvent
		for _, id := range ids {
			if id != "" {
				out = append(out, model.LiveEvent{Kind: model.LiveChanged, ID: id, By: by, What: what})
			}
		}
		return out
	}
	return nil
}

// auditAttributes reads an audit event's Attributes, or else its
// AuditKeyValues: each key's string values (a list, or ids separated by
// commas).
func auditAttributes(ev map[string]json.RawMessage) map[string][]string {
	out := map[string][]string{}
	var attrs map[string]json.RawMessage
	if json.Unmarshal(ev["Attributes"], &attrs) == nil && len(attrs) > 0 {
		for k, raw := range attrs {
			var list []string
			if json.Unmarshal(raw, &list) == nil {
				out[k] = list
			} else if v := stringOf(raw); v != "" {
				out[k] = strings.Split(v, ",")
			}
		}
		return out
	}
	var kv []struct {
		Key         string `json:"Key"`
		ValueString string `json:"ValueString"`
	}
	if json.Unmarshal(ev["AuditKeyValues"], &kv) == nil {
		for _, p := range kv {
			out[p.Key] = append(out[p.Key], strings.Split(p.ValueString, ",")...)
		}
	}
	return out
}

// updateWords says in words what an alert update did, in a fixed order.
func updateWords(attrs map[string][]string) string {
	var words []string
	first := func(k string) string {
		if v := attrs[k]; len(v) > 0 {
			return clip(v[0])
		}
		return ""
	}
	if v := first("update_status"); v != "" {
		words = append(words, "status "+strings.ReplaceAll(v, "_", " "))
	}
	for _, k := range []string{"assign_to_name", "assign_to_user_id", "assign_to_uuid"} {
		if v := first(k); v != "" {
			words = append(words, "assigned to "+v)
			break
		}
	}
	if _, ok := attrs["unassign"]; ok {
		words = append(words, "unassigned")
	}
	if _, ok := attrs["append_comment"]; ok {
		words = append(words, "commented")
	}
	if v := first("add_tag"); v != "" {
		words = append(words, "tagged "+v)
	}
	if v := first("remove_tag"); v != "" {
		words = append(words, "untagged "+v)
	}
	if v := first("remove_tags_by_prefix"); v != "" {
		words = append(words, "untagged "+v+"*")
	}
	switch first("show_in_ui") {
	case "false":
		words = append(words, "hidden")
	case "true":
		words = append(words, "shown")
	}
	return strings.Join(words, ", ")
}

// clip keeps a service string to what a row can say.
func clip(s string) string {
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

func stringOf(raw json.RawMessage) string {
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v
}

func intOf(raw json.RawMessage) int {
	var v json.Number
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	n, err := v.Int64()
	if err != nil || n < 0 || n > 100 {
		return 0
	}
	return int(n)
}
