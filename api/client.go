// Package api is the Falcon API client: OAuth2 client-credentials auth with
// clouds and autodiscovery, one transport for rate limits and retries, typed
// errors with trace ids, and the Detects backend mapping the wire format onto
// the model types.
//
// It must never import the console (ui), and never put a client secret or a
// token into an error, a log line or a file.
package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/falcon-triage/falcon-triage/localfile"
	"github.com/falcon-triage/falcon-triage/model"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Clouds maps the cloud names to their base URLs.
var Clouds = map[string]string{
	"us-1":     "https://api.crowdstrike.com",
	"us-2":     "https://api.us-2.crowdstrike.com",
	"eu-1":     "https://api.eu-1.crowdstrike.com",
	"us-gov-1": "https://api.laggar.gcw.crowdstrike.com",
	"us-gov-2": "https://api.us-gov-2.crowdstrike.mil",
}

// CloudNames lists the cloud names in a stable order, for messages.
var CloudNames = []string{"us-1", "us-2", "eu-1", "us-gov-1", "us-gov-2", "autodiscover"}

// Config says where and as whom to connect.
type Config struct {
	ClientID     string
	ClientSecret string
	MemberCID    string
	// Cloud is a cloud name or "autodiscover" ("" means autodiscover unless
	// BaseURL is set).
	Cloud string
	// BaseURL overrides the cloud: http:// only for loopback addresses.
	BaseURL string
	// CAFile adds PEM certificates to the system roots (TLS inspection).
	CAFile string
	// Clouds overrides the cloud table (tests point clouds at fakes).
	Clouds map[string]string
	// HTTPTransport is the base transport (default: a clone of
	// http.DefaultTransport, which honours HTTPS_PROXY and NO_PROXY).
	HTTPTransport http.RoundTripper
	// OnRate is told about the rate budget and waits.
	OnRate func(RateStatus)
	// MaxWait caps any single wait (429, backoff, pacing); default 60s.
	MaxWait time.Duration
	// Sleep replaces the transport's waiting, for tests.
	Sleep func(context.Context, time.Duration) error
	// UserAgent is sent with every request.
	UserAgent string
	// StreamAppID names this console's event stream (at most 32 letters
	// and digits); default: see Client.StreamAppID.
	StreamAppID string
	// StreamClock replaces the event stream's clock and timers, for tests.
	StreamClock StreamClock
}

// Client talks to one Falcon tenant.
type Client struct {
	cfg       Config
	tr        *transport
	http      *http.Client
	clouds    map[string]string
	discovery bool

	fetchMu sync.Mutex // one token fetch at a time

	mu    sync.Mutex
	base  string
	cloud string
	cur   *issued
	// held are the tokens this client obtained and has not revoked:
	// the current one, and those replaced while a request still used
	// them or whose revoke failed. Close revokes them all.
	held []*issued
	// closed: Close has begun, and no token is obtained any more.
	closed bool
}

// issued is a token the client obtained, with the host that issued it (a
// token is revoked where it was issued: after autodiscovery, another
// region's) and the requests using it now. A replaced token is revoked as
// soon as no request uses it.
type issued struct {
	tok      *oauth2.Token
	base     string
	users    int
	replaced bool
}

// New checks the configuration and builds a client. It does not connect.
func New(cfg Config) (*Client, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("missing credentials: set FALCON_CLIENT_ID and FALCON_CLIENT_SECRET (or client_id and client_secret in the config file)")
	}
	if err := checkStreamAppID(cfg.StreamAppID); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, clouds: Clouds}
	if cfg.Clouds != nil {
		c.clouds = cfg.Clouds
	}
	switch {
	case cfg.BaseURL != "":
		base, err := CheckBaseURL(cfg.BaseURL)
		if err != nil {
			return nil, err
		}
		c.base, c.cloud = base, ""
	case cfg.Cloud == "" || cfg.Cloud == "autodiscover":
		c.base, c.cloud, c.discovery = c.clouds["us-1"], "us-1", true
	default:
		u, ok := c.clouds[strings.ToLower(cfg.Cloud)]
		if !ok {
			return nil, fmt.Errorf("unknown cloud %q: use one of %s, or --base-url", cfg.Cloud, strings.Join(CloudNames, ", "))
		}
		c.base, c.cloud = u, strings.ToLower(cfg.Cloud)
	}
	base := cfg.HTTPTransport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = http.ProxyFromEnvironment
		if cfg.CAFile != "" {
			pool, err := loadCA(cfg.CAFile)
			if err != nil {
				return nil, err
			}
			t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		base = t
	}
	maxWait := cfg.MaxWait
	if maxWait <= 0 {
		maxWait = 60 * time.Second
	}
	sleep := cfg.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	c.tr = &transport{base: base, maxWait: maxWait, maxRetries: 5, sleep: sleep, now: time.Now, onStatus: cfg.OnRate}
	// oauth2 takes this client from the context too (oauth2.HTTPClient), so
	// the token and revoke requests refuse redirects like every API call.
	c.http = &http.Client{Transport: c.tr, Timeout: 2 * time.Minute, CheckRedirect: refuseRedirect}
	return c, nil
}

// caFileMax caps the CA file: a system's whole bundle is a few hundred KB.
const caFileMax = 4 << 20

// loadCA adds the CA file's certificates to the system's. Whoever can write
// the file can add a certificate of theirs and read everything sent, the
// secret included: it must be the user's or root's, writable by them alone.
func loadCA(path string) (*x509.CertPool, error) {
	pem, mode, err := localfile.ReadInput(path, caFileMax)
	if err != nil {
		return nil, fmt.Errorf("reading the CA file: %w", err)
	}
	if mode&0o022 != 0 {
		return nil, fmt.Errorf("the CA file %s is writable by group or others (mode %04o), who could add a certificate of theirs and read everything sent, the secret included: run chmod go-w %s", path, mode, path)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// CheckBaseURL accepts https:// anywhere and http:// only on loopback, and
// returns the URL without a trailing slash.
func CheckBaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("invalid base URL %q: give a URL such as https://api.crowdstrike.com", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("refusing plain http:// to %s: only loopback addresses may be reached without TLS; use https://", host)
		}
	default:
		return "", fmt.Errorf("invalid base URL %q: the scheme must be https", raw)
	}
	if u.User != nil {
		return "", errors.New("invalid base URL: it must not carry credentials")
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// BaseURL is the base URL in use (after autodiscovery).
func (c *Client) BaseURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base
}

// Cloud is the cloud name in use, or "" for a base URL.
func (c *Client) Cloud() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cloud
}

// ClientID is the API client's id (never its secret), for the audit trail.
func (c *Client) ClientID() string { return c.cfg.ClientID }

// MemberCID is the child CID the client works in, if any.
func (c *Client) MemberCID() string { return c.cfg.MemberCID }

func (c *Client) fetchToken(ctx context.Context, base string) (*oauth2.Token, error) {
	cc := clientcredentials.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		TokenURL:     base + "/oauth2/token",
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	if c.cfg.MemberCID != "" {
		cc.EndpointParams = url.Values{"member_cid": {c.cfg.MemberCID}}
	}
	ctx = context.WithValue(asRead(ctx), oauth2.HTTPClient, c.http)
	tok, err := cc.Token(ctx)
	if err != nil {
		return nil, tokenError(err, c.cfg.ClientSecret)
	}
	return tok, nil
}

// tokenError turns oauth2's error into ours, keeping the status, the
// service's message and trace id, and nothing else of the exchange.
func tokenError(err error, secret string) error {
	if e := redirectRefusal("authenticate", err, nil, secret); e != nil {
		return e
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		secrets := []string{secret}
		e := &Error{Op: "authenticate", Status: re.Response.StatusCode, TraceID: redact(re.Response.Header.Get("X-Cs-Traceid"), secrets)}
		var env wireEnvelope
		if json.Unmarshal(redactJSON(re.Body, secrets), &env) == nil {
			for _, m := range env.Errors {
				e.Messages = append(e.Messages, m.Message)
			}
		}
		if e.Status == http.StatusForbidden {
			e.Messages = append(e.Messages, "check the client id and secret, the cloud, the member CID and the API client's IP allow-list")
		}
		return e
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &Error{Op: "authenticate", Err: ue.Err}
	}
	return &Error{Op: "authenticate", Err: errors.New("the token endpoint gave an unreadable answer")}
}

// Login gets a token, following autodiscovery to the tenant's region.
func (c *Client) Login(ctx context.Context) error {
	c.mu.Lock()
	stale := c.cur
	c.mu.Unlock()
	t, err := c.lease(ctx, stale)
	if err != nil {
		return err
	}
	c.release(ctx, t)
	return nil
}

// take leases the current token when it is valid for more than a minute
// and is not the stale one (the service refused it).
func (c *Client) take(stale *issued) *issued {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.cur; t != nil && t != stale && time.Until(t.tok.Expiry) > time.Minute {
		t.users++
		return t
	}
	return nil
}

// lease returns a valid token for one request, fetching one when there is
// none, it is within a minute of expiry, or it is stale; release gives it
// back. The token it replaces is revoked once no request uses it.
func (c *Client) lease(ctx context.Context, stale *issued) (*issued, error) {
	if t := c.take(stale); t != nil {
		return t, nil
	}
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	if t := c.take(stale); t != nil {
		return t, nil
	}
	t, err := c.fetch(ctx, c.BaseURL())
	if err != nil {
		return nil, err
	}
	if c.discovery {
		// X-Cs-Region is case-insensitive (CrowdStrike's own scripts
		// lower-case it).
		if region := strings.ToLower(c.tr.lastRegion()); region != "" && region != c.Cloud() && !strings.HasPrefix(region, "us-gov") {
			if u, ok := c.clouds[region]; ok {
				c.mu.Lock()
				c.base, c.cloud = u, region
				c.mu.Unlock()
				// The first region's token is of no use now: revoked
				// there, where it was issued.
				c.retire(ctx, t)
				if t, err = c.fetch(ctx, u); err != nil {
					return nil, err
				}
			}
		}
		c.discovery = false
	}
	c.mu.Lock()
	old := c.cur
	c.cur = t
	t.users++
	c.mu.Unlock()
	if old != nil {
		c.retire(ctx, old)
	}
	return t, nil
}

// fetch gets a new token from base and holds it until it is revoked.
// Once Close has begun, no token is obtained: one asked for before and
// issued after is revoked at once, so none outlives the run.
func (c *Client) fetch(ctx context.Context, base string) (*issued, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	tok, err := c.fetchToken(ctx, base)
	if err != nil {
		return nil, err
	}
	t := &issued{tok: tok, base: base}
	c.mu.Lock()
	closed = c.closed
	if !closed {
		c.held = append(c.held, t)
	}
	c.mu.Unlock()
	if closed {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = c.revoke(rctx, t)
		return nil, errClosed
	}
	return t, nil
}

// errClosed is a request's error once the client is closed.
var errClosed = &Error{Op: "log in", Err: errors.New("the console has ended: no new token is obtained")}

// retire marks t replaced, and revokes it now if no request uses it.
func (c *Client) retire(ctx context.Context, t *issued) {
	c.mu.Lock()
	t.replaced = true
	idle := t.users == 0
	c.mu.Unlock()
	if idle {
		c.revokeHeld(ctx, t)
	}
}

// release gives back a leased token: the last request using a replaced
// one revokes it.
func (c *Client) release(ctx context.Context, t *issued) {
	c.mu.Lock()
	t.users--
	idle := t.replaced && t.users == 0
	c.mu.Unlock()
	if idle {
		c.revokeHeld(ctx, t)
	}
}

// revokeHeld revokes a replaced token during the run, whatever became of
// the request that replaced it. One the service did not take is kept for
// Close to try again.
func (c *Client) revokeHeld(ctx context.Context, t *issued) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if c.revoke(ctx, t) == nil {
		c.drop(t)
	}
}

func (c *Client) drop(t *issued) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = slices.DeleteFunc(c.held, func(h *issued) bool { return h == t })
}

// Close revokes every token the client obtained and has not revoked yet,
// each at the host that issued it. The secret travels only in the basic
// auth header of those requests.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	held := c.held
	c.held, c.cur, c.closed = nil, nil, true
	c.mu.Unlock()
	var errs []error
	for _, t := range held {
		if err := c.revoke(ctx, t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// revoke revokes one token at the host that issued it.
func (c *Client) revoke(ctx context.Context, t *issued) error {
	body := url.Values{"token": {t.tok.AccessToken}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+"/oauth2/revoke", strings.NewReader(body))
	if err != nil {
		return &Error{Op: "revoke token", Err: errors.New("bad request")}
	}
	req.SetBasicAuth(c.cfg.ClientID, c.cfg.ClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		if e := redirectRefusal("revoke token", err, nil, c.cfg.ClientSecret, t.tok.AccessToken); e != nil {
			return e
		}
		return &Error{Op: "revoke token", Err: netCause(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &Error{Op: "revoke token", Status: resp.StatusCode, TraceID: redact(resp.Header.Get("X-Cs-Traceid"), []string{c.cfg.ClientSecret, t.tok.AccessToken})}
	}
	return nil
}

func netCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

type wireEnvelope struct {
	Meta struct {
		QueryTime  float64         `json:"query_time"`
		PoweredBy  string          `json:"powered_by"`
		TraceID    string          `json:"trace_id"`
		Pagination *wirePagination `json:"pagination"`
		Writes     *struct {
			ResourcesAffected *int `json:"resources_affected"`
		} `json:"writes"`
	} `json:"meta"`
	Resources resources   `json:"resources"`
	Errors    []wireError `json:"errors"`
}

type wirePagination struct {
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
	Total  *int   `json:"total"`
	After  string `json:"after"`
}

// total is the page's total, or -1 where the service gave none (no
// pagination, no total, or a negative one): the walker bounds such a walk.
func (p *wirePagination) total() int {
	if p == nil || p.Total == nil || *p.Total < 0 {
		return -1
	}
	return *p.Total
}

// resources are an envelope's resources: decoded straight into the value a
// call gave (documents, read once, with no copy of their bytes), or else
// kept raw for the caller.
type resources struct {
	into any
	raw  json.RawMessage
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *resources) UnmarshalJSON(b []byte) error {
	if r.into != nil && string(b) != "null" {
		return json.Unmarshal(b, r.into)
	}
	r.raw = append(r.raw[:0], b...)
	return nil
}

type wireError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	ID      string `json:"id"`
}

// call is one API request. body, when not nil, is sent as JSON. The envelope
// comes back for every answer the service gave, with an *Error for non-2xx
// answers; a 404 with resources (a partial answer) returns both.
type call struct {
	op     string
	method string
	path   string
	query  url.Values
	body   any
	read   bool
	ids    []string
	// answer is the most bytes the answer may have (see answerFor);
	// 0 means the size of an answer about ids: an update's.
	answer int64
	// into, when set, receives the resources (a pointer to a slice).
	into any
	// secrets are the credentials an answer must not carry on: the client
	// secret and the token, replaced wherever an answer echoes them.
	secrets []string
	// noRenew: a 401 is the answer, no new token is fetched to try again
	// (a retry that already had one).
	noRenew bool
}

// Answers are capped in proportion to what was asked, so a broken or
// hostile service cannot fill the memory: an envelope's own share, and so
// much per id or per document asked for. A summary or an alert is a few KB;
// 16 KB each leaves room for long command lines.
const (
	envelopeBytes = 1 << 20
	idBytes       = 512
	documentBytes = 16 << 10
	// aggregateBytes caps the answer of one aggregates request, whatever
	// it asked.
	aggregateBytes = 16 << 20
)

// answerFor is the cap of an answer carrying n items of per bytes each; an
// answer of documents may always be 8 MB, so one detection with many long
// behaviours is not refused.
func answerFor(n, per int) int64 {
	if per == documentBytes {
		return max(8<<20, envelopeBytes+int64(n)*int64(per))
	}
	return envelopeBytes + int64(n)*int64(per)
}

func (k call) maxAnswer() int64 {
	if k.answer > 0 {
		return k.answer
	}
	return answerFor(len(k.ids), idBytes)
}

func (c *Client) do(ctx context.Context, k call) (*wireEnvelope, error) {
	var payload []byte
	if k.body != nil {
		var err error
		if payload, err = json.Marshal(k.body); err != nil {
			return nil, &Error{Op: k.op, Err: err}
		}
	}
	if k.read {
		ctx = asRead(ctx)
	}
	var stale *issued
	for attempt := 0; ; attempt++ {
		t, err := c.lease(ctx, stale)
		if err != nil {
			return nil, err
		}
		status, env, err := c.once(ctx, k, payload, t)
		c.release(ctx, t)
		// A token the service no longer takes (expired early, revoked):
		// fetch a new one and try once more.
		if status == http.StatusUnauthorized && attempt == 0 && !k.noRenew {
			stale = t
			continue
		}
		return env, err
	}
}

// once sends one request with the token t, to the host that issued it, and
// decodes its answer; status is the answer's, 0 for none.
func (c *Client) once(ctx context.Context, k call, payload []byte, t *issued) (int, *wireEnvelope, error) {
	tok := t.tok
	u := t.base + k.path
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u, rd)
	if err != nil {
		return 0, nil, &Error{Op: k.op, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	k.secrets = append([]string{c.cfg.ClientSecret, tok.AccessToken}, k.secrets...)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, &Error{Op: k.op, Err: ctx.Err(), IDs: k.ids}
		}
		// A redirect is an answer: the request was not applied here,
		// and it is not sent on.
		if e := redirectRefusal(k.op, err, k.ids, k.secrets...); e != nil {
			return 0, nil, e
		}
		return 0, nil, &Error{Op: k.op, Err: netCause(err), IDs: k.ids, Unknown: !k.read}
	}
	env, err := decodeEnvelope(resp, k)
	return resp.StatusCode, env, err
}

// readBody reads an answer of at most limit bytes (one more says it is too
// large), in one buffer of the announced length where there is one.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= limit {
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	// Unknown length: read into pooled blocks, then one buffer of the
	// size read, so a large answer costs its own size in allocations
	// rather than a buffer regrown many times.
	var blocks [][]byte
	defer func() {
		for _, b := range blocks {
			readBlocks.Put(&b)
		}
	}()
	total := int64(0)
	r := io.LimitReader(resp.Body, limit+1)
	for {
		bp := readBlocks.Get().(*[]byte)
		b := (*bp)[:cap(*bp)]
		// Not io.ReadFull: it reports a body cut short (a connection
		// closed before the last chunk or the announced length) as it
		// reports a short last block, and a cut answer is no answer.
		n := 0
		var err error
		for n < len(b) && err == nil {
			var k int
			k, err = r.Read(b[n:])
			n += k
		}
		blocks = append(blocks, b[:n])
		total += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	out := make([]byte, 0, total)
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out, nil
}

// readBlocks are the blocks answers of unknown length are read into.
var readBlocks = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func decodeEnvelope(resp *http.Response, k call) (*wireEnvelope, error) {
	defer resp.Body.Close()
	// Redacted before any use: an answer whose body fails still names it.
	trace := redact(resp.Header.Get("X-Cs-Traceid"), k.secrets)
	limit := k.maxAnswer()
	raw, err := readBody(resp, limit)
	if err != nil {
		return nil, &Error{Op: k.op, Status: resp.StatusCode, TraceID: trace, Err: netCause(err), IDs: k.ids, Unknown: !k.read}
	}
	// An answer that echoes a credential (in an error message, in a
	// field, in its trace id, written with JSON escapes) never takes it to
	// the screen, a log or a file.
	raw = redactJSON(raw, k.secrets)
	if int64(len(raw)) > limit {
		return nil, &Error{Op: k.op, Status: resp.StatusCode, TraceID: trace, IDs: k.ids, Unknown: !k.read, TooLarge: true,
			Err: fmt.Errorf("the answer is larger than %.1f MB, more than what was asked for could take: refused", float64(limit)/(1<<20))}
	}
	var env wireEnvelope
	env.Resources.into = k.into
	err = json.Unmarshal(raw, &env)
	if err == nil && !bytes.HasPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte("{")) {
		err = errors.New("not a JSON envelope")
	}
	if err != nil {
		e := &Error{Op: k.op, Status: resp.StatusCode, TraceID: trace, IDs: k.ids}
		if resp.StatusCode/100 == 2 {
			// The service took the request: a write may have been
			// applied, whatever became of its answer.
			e.Err, e.Unknown = fmt.Errorf("unreadable answer: %v", err), !k.read
		} else {
			e.Messages = []string{"the service answered without a JSON envelope"}
		}
		return nil, e
	}
	if env.Meta.TraceID == "" {
		env.Meta.TraceID = trace
	}
	if resp.StatusCode/100 == 2 {
		return &env, nil
	}
	e := &Error{Op: k.op, Status: resp.StatusCode, TraceID: env.Meta.TraceID, IDs: k.ids}
	for _, m := range env.Errors {
		e.Messages = append(e.Messages, m.Message)
	}
	return &env, e
}

// readApart reads documents by ids with read; where an answer is refused as
// too large, it reads the two halves apart, down to the one document that
// is, which alone is reported missing: a hostile or broken document cannot
// hide the ones around it.
func readApart(ids []string, read func(ids []string) ([]model.Detection, map[string]string, error)) ([]model.Detection, map[string]string, error) {
	found, missing, err := read(ids)
	if !tooLarge(err) {
		return found, missing, err
	}
	return splitRead(ids, err, read)
}

// splitRead reads ids, whose answer was too large (err), in halves.
func splitRead(ids []string, err error, read func(ids []string) ([]model.Detection, map[string]string, error)) ([]model.Detection, map[string]string, error) {
	if len(ids) == 1 {
		return nil, map[string]string{ids[0]: "its answer is larger than a detection could be: refused"}, nil
	}
	// Halves: where both are too large, the service answers every read
	// too large, and splitting further would only spend requests.
	half := len(ids) / 2
	f1, m1, err1 := read(ids[:half])
	f2, m2, err2 := read(ids[half:])
	if tooLarge(err1) && tooLarge(err2) {
		return nil, nil, err
	}
	if tooLarge(err1) {
		f1, m1, err1 = splitRead(ids[:half], err1, read)
	}
	if tooLarge(err2) {
		f2, m2, err2 = splitRead(ids[half:], err2, read)
	}
	if err := cmp.Or(err1, err2); err != nil {
		return append(f1, f2...), m1, err
	}
	if m1 == nil {
		m1 = map[string]string{}
	}
	maps.Copy(m1, m2)
	return append(f1, f2...), m1, nil
}

func tooLarge(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.TooLarge
}

// redacted stands where an answer echoed a credential.
const redacted = "[redacted]"

// redact replaces every credential in s (those under 4 characters are
// too short to tell from text).
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if len(secret) >= 4 && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// redactJSON replaces every credential in an answer, as its bytes hold it
// and as a JSON reader would read it: a string may spell a credential with
// escapes ("SEKRE\u0054…"), which only decoding shows. Such an answer is
// decoded, its strings (keys too) redacted, and encoded again; one that
// does not decode is left to fail as it would have.
func redactJSON(raw []byte, secrets []string) []byte {
	for _, secret := range secrets {
		if len(secret) >= 4 && bytes.Contains(raw, []byte(secret)) {
			raw = bytes.ReplaceAll(raw, []byte(secret), []byte(redacted))
		}
	}
	if !bytes.Contains(raw, []byte(`\u`)) && !bytes.Contains(raw, []byte(`\/`)) || !escapedSecret(raw, secrets) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return raw
	}
	v, changed := redactValue(v, secrets)
	if !changed {
		return raw
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return raw
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// escapedSecret reports whether a string of raw written with escapes
// (keys too) holds a credential once read, or raw cannot be read that
// far: only then must the answer be decoded and redacted. An answer's
// strings with no escape were redacted as bytes; a page of alerts with
// escaped control characters (hostile command lines) is not decoded,
// redacted and encoded again for nothing.
func escapedSecret(raw []byte, secrets []string) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '"' {
			continue
		}
		j, escaped := i+1, false
		for j < len(raw) && raw[j] != '"' {
			if raw[j] == '\\' {
				escaped = true
				j++
			}
			j++
		}
		if j >= len(raw) {
			return true
		}
		if escaped {
			var s string
			if json.Unmarshal(raw[i:j+1], &s) != nil || redact(s, secrets) != s {
				return true
			}
		}
		i = j
	}
	return false
}

func redactValue(v any, secrets []string) (any, bool) {
	switch x := v.(type) {
	case string:
		r := redact(x, secrets)
		return r, r != x
	case []any:
		changed := false
		for i := range x {
			var c bool
			x[i], c = redactValue(x[i], secrets)
			changed = changed || c
		}
		return x, changed
	case map[string]any:
		changed := false
		out := make(map[string]any, len(x))
		for k, e := range x {
			rk := redact(k, secrets)
			re, c := redactValue(e, secrets)
			out[rk] = re
			changed = changed || c || rk != k
		}
		return out, changed
	}
	return v, false
}
