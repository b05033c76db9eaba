package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/falcon-triage/falcon-triage/model"
)

// The Hosts API (scopes Hosts: read and Hosts: write): a host's details and
// network containment. Both scopes are optional; without them the service
// answers 403 and the error names the scope.

// The service's limits per request.
const (
	// MaxHostsRead is the most AIDs one POST of the devices entities takes.
	MaxHostsRead = 5000
	// MaxContain is the most AIDs one containment request carries (what
	// PSFalcon sends).
	MaxContain = 500
)

// The hints a 403 of the Hosts API carries.
const (
	hostsReadHint  = "this API client lacks the Hosts: read scope: add it to the API client to see hosts"
	hostsWriteHint = "this API client lacks the Hosts: write scope: add it to the API client to contain hosts"
)

// HostsAPI is the Hosts API of a client; it implements model.Hosts.
type HostsAPI struct{ c *Client }

// NewHosts returns the Hosts API of a client.
func NewHosts(c *Client) *HostsAPI { return &HostsAPI{c: c} }

var _ model.Hosts = (*HostsAPI)(nil)

type wireHost struct {
	DeviceID        string   `json:"device_id"`
	CID             string   `json:"cid"`
	Hostname        string   `json:"hostname"`
	PlatformName    string   `json:"platform_name"`
	OSVersion       string   `json:"os_version"`
	OSBuild         string   `json:"os_build"`
	AgentVersion    string   `json:"agent_version"`
	FirstSeen       string   `json:"first_seen"`
	LastSeen        string   `json:"last_seen"`
	Modified        string   `json:"modified_timestamp"`
	Status          string   `json:"status"`
	LocalIP         string   `json:"local_ip"`
	ExternalIP      string   `json:"external_ip"`
	ConnectionIP    string   `json:"connection_ip"`
	MACAddress      string   `json:"mac_address"`
	MachineDomain   string   `json:"machine_domain"`
	OU              []string `json:"ou"`
	SiteName        string   `json:"site_name"`
	ProductTypeDesc string   `json:"product_type_desc"`
	Tags            []string `json:"tags"`
	Groups          []string `json:"groups"`
	ReducedMode     string   `json:"reduced_functionality_mode"`
}

func (w wireHost) model() model.Host {
	return model.Host{
		ID: w.DeviceID, CID: w.CID, Hostname: w.Hostname, Platform: w.PlatformName, OSVersion: w.OSVersion,
		OSBuild: w.OSBuild, AgentVersion: w.AgentVersion, FirstSeen: hostTime(w.FirstSeen), LastSeen: hostTime(w.LastSeen),
		Modified: hostTime(w.Modified), Status: model.HostStatus(w.Status), LocalIP: w.LocalIP, ExternalIP: w.ExternalIP,
		ConnectionIP: w.ConnectionIP, MACAddress: w.MACAddress, MachineDomain: w.MachineDomain, OU: w.OU,
		SiteName: w.SiteName, ProductTypeDesc: w.ProductTypeDesc, Tags: w.Tags, Groups: w.Groups,
		ReducedFunctionality: w.ReducedMode,
	}
}

// hostTime reads a host's time; one it cannot read is left unknown.
func hostTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Hosts implements model.Hosts: it reads the hosts MaxHostsRead at a time.
// Only the hosts asked for come back, each once; the others are missing,
// with the service's reason where it gave one.
func (h *HostsAPI) Hosts(ctx context.Context, aids []string) ([]model.Host, map[string]string, error) {
	aids = distinct(aids)
	var found []model.Host
	missing := map[string]string{}
	for chunk := range slices.Chunk(aids, MaxHostsRead) {
		f, m, err := h.readHosts(ctx, chunk)
		found = append(found, f...)
		for id, why := range m {
			missing[id] = why
		}
		if err != nil {
			return found, missing, err
		}
	}
	return found, missing, nil
}

func (h *HostsAPI) readHosts(ctx context.Context, aids []string) ([]model.Host, map[string]string, error) {
	const op = "read hosts"
	var wire []wireHost
	env, err := h.c.do(ctx, call{op: op, method: http.MethodPost, path: "/devices/entities/devices/v2",
		body: map[string][]string{"ids": aids}, read: true, ids: aids, into: &wire, answer: answerFor(len(aids), documentBytes)})
	// A 404 naming some hosts still carries the others.
	if err != nil && (env == nil || StatusOf(err) != http.StatusNotFound) {
		return nil, nil, hostsHint(err, hostsReadHint)
	}
	if env == nil {
		return nil, nil, &Error{Op: op, Err: errors.New("no answer")}
	}
	idx := newAIDIndex(aids)
	var found []model.Host
	seen := map[string]bool{}
	for _, w := range wire {
		if id, ok := idx.exact(w.DeviceID); ok && !seen[id] {
			seen[id] = true
			w.DeviceID = id
			found = append(found, w.model())
		}
	}
	missing := map[string]string{}
	for _, e := range env.Errors {
		for _, id := range idx.named(e) {
			if !seen[id] {
				missing[id] = reason(e.Message)
			}
		}
	}
	for _, id := range aids {
		if _, ok := missing[id]; !ok && !seen[id] {
			missing[id] = "the service did not return this host"
		}
	}
	return found, missing, nil
}

// Contain implements model.Hosts: it sends the action MaxContain hosts at a
// time. A request the service refuses as a whole (403, 400) or whose outcome
// is lost stops the others, which are reported not sent.
func (h *HostsAPI) Contain(ctx context.Context, action model.ContainAction, aids []string) (model.ContainResult, error) {
	res := model.ContainResult{Action: action, Refused: map[string]string{}}
	if !action.Valid() {
		return res, &Error{Op: "contain hosts", Err: errors.New("no such containment action")}
	}
	aids = distinct(aids)
	for i := 0; i < len(aids); i += MaxContain {
		chunk := aids[i:min(i+MaxContain, len(aids))]
		if err := h.containChunk(ctx, action, chunk, &res); err != nil {
			res.NotSent = append(res.NotSent, aids[i+len(chunk):]...)
			return res, err
		}
	}
	return res, nil
}

// containChunk sends one containment request and sorts its hosts into res.
// It returns an error when the request failed as a whole.
func (h *HostsAPI) containChunk(ctx context.Context, action model.ContainAction, aids []string, res *model.ContainResult) error {
	op := "contain hosts"
	if action == model.LiftContainment {
		op = "lift containment"
	}
	var wire []struct {
		ID string `json:"id"`
	}
	env, err := h.c.do(ctx, call{op: op, method: http.MethodPost, path: "/devices/entities/devices-actions/v2",
		query: url.Values{"action_name": {action.String()}}, body: map[string][]string{"ids": aids}, ids: aids})
	if env != nil {
		res.TraceID = env.Meta.TraceID
		// Read apart from the envelope: an unreadable resource list still
		// leaves the errors, and takes nothing else down.
		if len(env.Resources.raw) > 0 && string(env.Resources.raw) != "null" {
			_ = json.Unmarshal(env.Resources.raw, &wire)
		}
	}
	status := StatusOf(err)
	var e *Error
	switch {
	case err != nil && (status/100 == 5 || errors.As(err, &e) && e.Unknown):
		// A lost or unreadable answer, or a 5xx: every host may or may
		// not have been taken.
		res.Unknown = append(res.Unknown, aids...)
		return err
	case err != nil && env == nil:
		// An answer without an envelope, or none (a redirect refused):
		// nothing was taken.
		res.TraceID = cmp.Or(res.TraceID, TraceOf(err))
		for _, id := range aids {
			res.Refused[id] = reason(errorWords(err))
		}
		return hostsHint(err, hostsWriteHint)
	}
	idx := newAIDIndex(aids)
	accepted := map[string]bool{}
	for _, w := range wire {
		if id, ok := idx.exact(w.ID); ok {
			accepted[id] = true
		}
	}
	done, refused := map[string]bool{}, map[string]string{}
	for _, e := range env.Errors {
		for _, id := range idx.named(e) {
			if e.Code == http.StatusConflict {
				done[id] = true
			} else if _, ok := refused[id]; !ok {
				refused[id] = reason(e.Message)
			}
		}
	}
	// A refusal as a whole that names no host (a 403 say) refuses them
	// all; one that names each host refuses those it names.
	whole := err != nil && status != http.StatusConflict
	unnamed := 0
	for _, id := range aids {
		switch {
		case accepted[id] && refused[id] == "":
			res.Accepted = append(res.Accepted, id)
		case accepted[id]:
			// Taken and refused in one answer: its status tells.
			res.Unknown = append(res.Unknown, id)
		case refused[id] != "":
			res.Refused[id] = refused[id]
		case done[id], status == http.StatusConflict:
			// 409: already in the state asked for, which is done.
			res.Done = append(res.Done, id)
		case whole:
			unnamed++
			res.Refused[id] = reason(errorWords(err))
		default:
			res.Unknown = append(res.Unknown, id)
		}
	}
	if whole && unnamed > 0 {
		return hostsHint(err, hostsWriteHint)
	}
	return nil
}

// errorWords is an error's words without its operation, for a host's
// refusal.
func errorWords(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message()
	}
	return err.Error()
}

// hostsHint adds to a 403 of the Hosts API the scope the API client lacks.
func hostsHint(err error, hint string) error {
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusForbidden && e.Hint == "" {
		e.Hint = hint
	}
	return err
}

// maxReason caps a reason the service gives for one host: a hostile
// answer's megabyte message is no reason to keep.
const maxReason = 300

func reason(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return "refused by the service, with no reason given"
	}
	if len(msg) <= maxReason {
		return msg
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// distinct drops empty and repeated AIDs, keeping the first order.
func distinct(aids []string) []string {
	seen := make(map[string]bool, len(aids))
	out := make([]string, 0, len(aids))
	for _, id := range aids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// aidIndex finds the AIDs a request asked for in the service's answers,
// which may spell them in another case and name them only in a message.
type aidIndex map[string]string // lower case → as asked

func newAIDIndex(aids []string) aidIndex {
	idx := make(aidIndex, len(aids))
	for _, id := range aids {
		idx[strings.ToLower(id)] = id
	}
	return idx
}

// exact is the AID asked for that id spells, if any.
func (x aidIndex) exact(id string) (string, bool) {
	a, ok := x[strings.ToLower(id)]
	return a, ok
}

// named are the AIDs asked for that an error entry names: its id, or the
// 32-hex-digit runs of its message (an AID is 32 hex digits). One pass over
// the message, whatever its length or the number of hosts asked for.
func (x aidIndex) named(e wireError) []string {
	if a, ok := x.exact(e.ID); ok {
		return []string{a}
	}
	var out []string
	m := e.Message
	for i := 0; i < len(m); {
		if !isHex(m[i]) {
			i++
			continue
		}
		j := i
		for j < len(m) && isHex(m[j]) {
			j++
		}
		if j-i == 32 {
			if a, ok := x.exact(m[i:j]); ok && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
		i = j
	}
	return out
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

// AuditedHosts wraps the Hosts API so every containment is logged before it
// is sent and after it is answered, with each host's status before and
// what it became. A containment that cannot be logged is not sent.
type AuditedHosts struct {
	model.Hosts
	Log *AuditLog
}

// Contain implements model.Hosts.
func (a AuditedHosts) Contain(ctx context.Context, action model.ContainAction, aids []string) (model.ContainResult, error) {
	aids = distinct(aids)
	if !action.Valid() {
		return model.ContainResult{Action: action}, &Error{Op: "contain hosts", Err: errors.New("no such containment action")}
	}
	if len(aids) == 0 {
		return model.ContainResult{Action: action}, nil
	}
	// The statuses before, as the service has them now; a host it cannot
	// read is recorded without one.
	before := map[string]string{}
	found, _, _ := a.Hosts.Hosts(ctx, aids)
	for _, h := range found {
		before[h.ID] = string(h.Status)
	}
	rec := AuditRecord{Time: time.Now().UTC(), Event: EventContainSent, Batch: batchID(), Backend: hostsBackend, IDs: aids,
		Containment: action.String(), HostsBefore: before}
	if err := a.Log.write(rec); err != nil {
		return model.ContainResult{Action: action, NotSent: aids}, fmt.Errorf("not sent: %w", err)
	}
	res, err := a.Hosts.Contain(ctx, action, aids)
	after := make(map[string]string, len(res.Accepted)+len(res.Done))
	for _, id := range res.Accepted {
		after[id] = string(action.PendingState())
	}
	for _, id := range res.Done {
		after[id] = string(action.Target())
	}
	out := AuditRecord{Time: time.Now().UTC(), Event: EventContainResult, Batch: rec.Batch, Backend: hostsBackend, IDs: aids,
		Containment: rec.Containment, HostsAfter: after, Refused: res.Refused, Unknown: res.Unknown, NotSentIDs: res.NotSent,
		TraceID: res.TraceID, Outcome: containOutcome(aids, res)}
	if err != nil {
		out.Error = err.Error()
	}
	if lerr := a.Log.write(out); lerr != nil && err == nil {
		err = &AuditError{Outcome: out.Outcome, Err: lerr}
	}
	return res, err
}

// hostsBackend names the Hosts API in the audit log: its records are never
// read back as alerts.
const hostsBackend = "hosts"

// The audit log's events for a containment.
const (
	EventContainSent   = "containment_sent"
	EventContainResult = "containment_result"
)

// containOutcome names a containment's outcome in one word, for the log.
func containOutcome(sent []string, res model.ContainResult) string {
	taken := len(res.Accepted) + len(res.Done)
	switch {
	case len(res.Unknown) > 0:
		return "unknown"
	case taken == 0:
		return "refused"
	case taken < len(sent):
		return "partial"
	}
	return "applied"
}
