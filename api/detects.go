package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/falcon-triage/falcon-triage/model"
)

// Detects is the backend for the Detects collection (QueryDetects,
// GetDetectSummaries, UpdateDetectsByIdsV2, GetAggregateDetects).
type Detects struct {
	c   *Client
	why string
	// named: chosen by name, not by auto; its refusals say what to do.
	named bool
}

// NewDetects returns the Detects backend of a client.
func NewDetects(c *Client) *Detects { return &Detects{c: c} }

// DetectsFields is the Detects field table.
var DetectsFields = model.Fields{
	ID:           "detection_id",
	Status:       "status",
	Severity:     "max_severity",
	Time:         "last_behavior",
	Created:      "created_timestamp",
	Updated:      "date_updated",
	Hostname:     "device.hostname",
	Platform:     "device.platform_name",
	AssigneeUID:  "assigned_to_uid",
	AssigneeName: "assigned_to_name",
	ShowInUI:     "show_in_ui",
	Tactic:       "behaviors.tactic",
	Technique:    "behaviors.technique",
	TechniqueID:  "behaviors.technique_id",
	Scenario:     "behaviors.scenario",
	SHA256:       "behaviors.sha256",
	FileName:     "behaviors.filename",
	CmdLine:      "behaviors.cmdline",
	SecondsTo:    [2]string{"seconds_to_triaged", "seconds_to_resolved"},
	SortFields:   []string{"last_behavior", "first_behavior", "max_severity", "max_confidence", "device.hostname"},
	NoUnassign:   noUnassignWhy,
	MultiValued:  []string{"behaviors.tactic", "behaviors.technique", "behaviors.technique_id", "behaviors.scenario", "behaviors.sha256", "behaviors.filename", "behaviors.cmdline"},
	Filterable:   model.DetectsFilterable,
	Renamed:      model.AlertsToDetects,
}

// Name implements model.Backend.
func (d *Detects) Name() string { return "detects" }

// Fields implements model.Backend.
func (d *Detects) Fields() model.Fields { return DetectsFields }

// Why implements model.Backend.
func (d *Detects) Why() string { return cmp.Or(d.why, "chosen with --api detects or the config file") }

// Effective implements model.Backend: Detects takes every status as it is.
func (d *Detects) Effective(c model.Change) model.Change { return c }

// Statuses implements model.Backend: Detects takes every status.
func (d *Detects) Statuses() []model.Status { return model.Statuses }

// Window implements model.Backend: offset + limit must stay under 10,000.
func (d *Detects) Window() int { return 10000 }

// MaxIDs implements model.Backend.
func (d *Detects) MaxIDs() int { return 1000 }

// CursorPaging implements model.Backend: Detects pages by offset.
func (d *Detects) CursorPaging() bool { return false }

// Client returns the client the backend speaks through.
func (d *Detects) Client() *Client { return d.c }

// Query implements model.Backend (QueryDetects).
func (d *Detects) Query(ctx context.Context, q model.Query) (model.Page, error) {
	p, err := queryIDs(ctx, d.c, "query detections", "/detects/queries/detects/v1", q, nil)
	return p, detectsHints.hint(err, d.named, false)
}

// queryIDs runs a query endpoint: filter, q, sort, offset and limit (100
// when unset) plus extra parameters; the answer is ids and the total.
func queryIDs(ctx context.Context, c *Client, op, path string, q model.Query, extra url.Values) (model.Page, error) {
	v := url.Values{}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if s := q.Sort.String(); s != "" {
		v.Set("sort", s)
	}
	v.Set("offset", strconv.Itoa(q.Offset))
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	v.Set("limit", strconv.Itoa(limit))
	for k, vals := range extra {
		v[k] = vals
	}
	env, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path, query: v, read: true, answer: answerFor(limit, idBytes)})
	if err != nil {
		return model.Page{}, err
	}
	var ids []string
	if len(env.Resources.raw) > 0 && string(env.Resources.raw) != "null" {
		if err := json.Unmarshal(env.Resources.raw, &ids); err != nil {
			return model.Page{}, &Error{Op: op, Status: 200, TraceID: env.Meta.TraceID, Err: fmt.Errorf("unreadable ids: %v", err)}
		}
	}
	p := model.Page{IDs: ids, Total: env.Meta.Pagination.total()}
	return p, nil
}

// Details implements model.Backend (GetDetectSummaries), one request per
// ≤ 1000 ids. Ids the service does not know are reported in missing.
func (d *Detects) Details(ctx context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	// An answer too large is read again in halves, down to the document
	// that is: one hostile detection cannot hide the ones around it.
	found, missing, err := readApart(ids, func(ids []string) ([]model.Detection, map[string]string, error) { return d.details(ctx, ids) })
	return found, missing, detectsHints.hint(err, d.named, false)
}

func (d *Detects) details(ctx context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	out := make([]model.Detection, 0, len(ids))
	missing := map[string]string{}
	for start := 0; start < len(ids); start += d.MaxIDs() {
		chunk := ids[start:min(start+d.MaxIDs(), len(ids))]
		// Decoded once, straight from the answer, into room for them all.
		wire := make([]wireDetection, 0, len(chunk))
		env, err := d.c.do(ctx, call{op: "read detections", method: http.MethodPost, path: "/detects/entities/summaries/GET/v1", body: map[string][]string{"ids": chunk}, read: true, ids: chunk, answer: answerFor(len(chunk), documentBytes), into: &wire})
		if err != nil && (env == nil || StatusOf(err) != http.StatusNotFound) {
			return out, missing, err
		}
		got := make(map[string]bool, len(wire))
		for i := range wire {
			out = append(out, wire[i].model())
			got[wire[i].DetectionID] = true
		}
		for id, msg := range perIDErrors(env.Errors, chunk) {
			if !got[id] {
				missing[id] = msg
			}
		}
		for _, id := range chunk {
			if !got[id] {
				if _, ok := missing[id]; !ok {
					missing[id] = "not returned by the service"
				}
			}
		}
	}
	return out, missing, nil
}

// perIDErrors matches error entries to the ids sent that they name: by the
// entry's id, or else where its message holds an id as a whole token. A
// refusal of ldt:x:12 must not be pinned on ldt:x:1, which the service may
// have applied; and an entry naming an id that was not sent says nothing of
// this request.
func perIDErrors(errs []wireError, ids []string) map[string]string {
	out := map[string]string{}
	sent := make(map[string]bool, len(ids))
	for _, id := range ids {
		sent[id] = true
	}
	for _, e := range errs {
		if e.ID != "" {
			if sent[e.ID] {
				out[e.ID] = e.Message
			}
			continue
		}
		for _, id := range ids {
			if namesID(e.Message, id) {
				out[id] = e.Message
			}
		}
	}
	return out
}

// namesID reports whether msg holds id as a whole token: the id does not go
// on before or after it.
func namesID(msg, id string) bool {
	if id == "" {
		return false
	}
	for from := 0; from < len(msg); {
		i := strings.Index(msg[from:], id)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(id)
		b1, n := utf8.DecodeLastRuneInString(msg[:start])
		b2, _ := utf8.DecodeLastRuneInString(msg[:start-n])
		a1, n := utf8.DecodeRuneInString(msg[end:])
		a2, _ := utf8.DecodeRuneInString(msg[end+n:])
		if !idGoesOn(b1, b2) && !idGoesOn(a1, a2) {
			return true
		}
		from = start + 1
	}
	return false
}

// idGoesOn reports whether the characters next to a match (near, then far
// from it) continue an id: a letter or a digit does, and so does a
// separator ids hold (ldt:<hex>:<n>, composite ids <cid>:ind:<hex>:<n>-<n>-<n>)
// when a letter or a digit follows it. So "refused for ldt:x:12: locked" and
// "ldt:y:7." name their ids, and "ldt:x:123" and "ldt:x:1-2" do not name
// ldt:x:1.
func idGoesOn(near, far rune) bool {
	if near == ':' || near == '-' || near == '_' {
		near = far
	}
	return unicode.IsLetter(near) || unicode.IsDigit(near)
}

// ErrCommentAlone is returned for a change carrying a comment but neither a
// status nor show_in_ui, which the Detects service refuses.
var ErrCommentAlone = errors.New("a comment must travel with a status or show_in_ui change on the Detects API")

// noUnassignWhy is why Detects offers no unassign: UpdateDetectsByIdsV2
// documents assigned_to_uuid as a user's UUID and nothing that clears it
// (the SDKs leave the field out when empty), and the service answers an
// empty one 400 "not a user of this customer".
const noUnassignWhy = "the Detects API has no documented way to unassign (assigned_to_uuid takes a user's UUID only)"

// ErrNoUnassign is returned, without sending anything, for a change that
// would unassign on Detects: an unassign, or the undo of an assignment made
// to a row nobody held.
var ErrNoUnassign = errors.New(noUnassignWhy + ": not sent; an assignment from nobody cannot be undone on Detects")

// Update implements model.Backend (UpdateDetectsByIdsV2) for ≤ 1000 ids.
// Ids the service refused are in the result's Refused map.
func (d *Detects) Update(ctx context.Context, c model.Change) (model.UpdateResult, error) {
	if len(c.IDs) == 0 || len(c.IDs) > d.MaxIDs() {
		return model.UpdateResult{}, fmt.Errorf("update: %d ids; send between 1 and %d per request", len(c.IDs), d.MaxIDs())
	}
	if c.Comment != "" && c.Status == nil && c.ShowInUI == nil {
		return model.UpdateResult{}, ErrCommentAlone
	}
	if len(c.AddTags) > 0 || len(c.RemoveTags) > 0 {
		return model.UpdateResult{}, errors.New("tags are an Alerts API feature; the Detects API has none")
	}
	if c.AssigneeUUID != nil && *c.AssigneeUUID == "" {
		return model.UpdateResult{}, ErrNoUnassign
	}
	body := map[string]any{"ids": c.IDs}
	if c.Status != nil {
		body["status"] = string(*c.Status)
	}
	if c.AssigneeUUID != nil {
		body["assigned_to_uuid"] = *c.AssigneeUUID
	}
	if c.Comment != "" {
		body["comment"] = c.Comment
	}
	if c.ShowInUI != nil {
		body["show_in_ui"] = *c.ShowInUI
	}
	env, err := d.c.do(ctx, call{op: "update detections", method: http.MethodPatch, path: "/detects/entities/detects/v2", body: body, ids: c.IDs})
	res, err := updateResult("update detections", env, err, c.IDs)
	return res, detectsHints.hint(err, d.named, true)
}

// probeUpdate sends an update with no ids, which no service applies: its
// answer says whether the endpoint is still served.
func (d *Detects) probeUpdate(ctx context.Context) error {
	_, err := d.c.do(ctx, call{op: "probe detections update", method: http.MethodPatch, path: "/detects/entities/detects/v2",
		body: map[string]any{"ids": []string{}, "status": "new"}})
	return err
}

// updateResult reads the answer to an update of ids into what became of
// each id. This is the one place the rule lives.
//
// An id an error entry names (perIDErrors) is refused; ids the answer names
// that were not sent are no concern of this request. With no answer, or one
// that could not be read (a dropped connection, a cut body, a 2xx that is
// not an envelope), every id is unknown. The ids sent and not named are
// decided together, by the status and meta.writes.resources_affected; that
// field is unverified on the real service, so its absence decides nothing:
//
//	status  resources_affected       the ids not named
//	2xx     absent, or their number  applied
//	2xx     any other number         unknown
//	5xx     any                      unknown
//	other   absent or 0              refused
//	other   their number             applied
//	other   any other number         unknown
//
// Unknown ids are read again, never sent again blindly. The error is an
// *Error that says OutcomeUnknown where any id is unknown; nil where the
// answer named every id or applied some (the result says the rest); else
// the answer's own error.
func updateResult(op string, env *wireEnvelope, err error, ids []string) (model.UpdateResult, error) {
	res := model.UpdateResult{Refused: map[string]string{}}
	var ae *Error
	if err != nil && !errors.As(err, &ae) {
		// Not the service's answer (a token refused, a bad request):
		// nothing was sent.
		return res, err
	}
	if env == nil {
		// No envelope: a dropped connection or an unreadable answer
		// (unknown), or a refusal that did not say why per id.
		if ae.Unknown || ae.Status >= 500 {
			ae.Unknown, ae.IDs = true, ids
			res.Unknown = ids
		} else {
			for _, id := range ids {
				res.Refused[id] = ae.Message()
			}
		}
		return res, err
	}
	res.TraceID = env.Meta.TraceID
	affected := absent
	if w := env.Meta.Writes; w != nil && w.ResourcesAffected != nil {
		// A negative count is no count: it decides like any other
		// number that is not theirs (unknown), never like an absent one.
		affected = *w.ResourcesAffected
		if affected < 0 {
			affected = negative
		}
		res.Affected = affected
	}
	named := perIDErrors(env.Errors, ids)
	var unnamed []string
	for _, id := range ids {
		if why, ok := named[id]; ok {
			res.Refused[id] = why
		} else {
			unnamed = append(unnamed, id)
		}
	}
	status := http.StatusOK
	if ae != nil {
		status = ae.Status
	}
	switch unnamedFate(status, affected, len(unnamed)) {
	case "applied":
		return res, nil
	case "refused":
		for _, id := range unnamed {
			res.Refused[id] = ae.Message()
		}
		if len(named) > 0 {
			return res, nil
		}
		return res, err
	}
	res.Unknown = unnamed
	if ae == nil {
		ae = &Error{Op: op, Status: status, TraceID: res.TraceID}
	}
	switch {
	case status >= 500:
	case affected == negative:
		ae.Messages = append(ae.Messages, fmt.Sprintf("the answer gives a negative count of rows changed, not the %d it did not refuse", len(unnamed)))
	default:
		verb := "were"
		if affected == 1 {
			verb = "was"
		}
		ae.Messages = append(ae.Messages, fmt.Sprintf("the answer says %d %s changed, not the %d it did not refuse", affected, verb, len(unnamed)))
	}
	ae.Unknown, ae.IDs = true, unnamed
	return res, ae
}

// absent stands for an answer without resources_affected, negative for
// one whose count is below zero.
const (
	absent   = -1
	negative = -2
)

// unnamedFate is the table above: what became of the n ids sent that an
// answer of status did not name, given resources_affected (absent, or
// negative: a count that is none).
func unnamedFate(status, affected, n int) string {
	switch {
	case n == 0:
		return "applied"
	case status >= 500:
		return "unknown"
	case status/100 == 2 && affected == absent, affected == n:
		return "applied"
	case status/100 != 2 && (affected == absent || affected == 0):
		return "refused"
	}
	return "unknown"
}

type wireAggRequest struct {
	Name          string           `json:"name"`
	Type          string           `json:"type"`
	Field         string           `json:"field"`
	Filter        string           `json:"filter,omitempty"`
	Q             string           `json:"q,omitempty"`
	Interval      string           `json:"interval,omitempty"`
	Size          int              `json:"size,omitempty"`
	Sort          string           `json:"sort,omitempty"`
	MinDocCount   *int             `json:"min_doc_count,omitempty"`
	Missing       string           `json:"missing,omitempty"`
	TimeZone      string           `json:"time_zone,omitempty"`
	DateRanges    []wireDateRange  `json:"date_ranges,omitempty"`
	Ranges        []wireRange      `json:"ranges,omitempty"`
	SubAggregates []wireAggRequest `json:"sub_aggregates,omitempty"`
}

type wireDateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type wireRange struct {
	From *float64 `json:"From,omitempty"`
	To   *float64 `json:"To,omitempty"`
}

type wireAggResult struct {
	Name             string          `json:"name"`
	Buckets          []wireAggBucket `json:"buckets"`
	SumOtherDocCount int64           `json:"sum_other_doc_count"`
	ErrorUpperBound  int64           `json:"doc_count_error_upper_bound"`
}

type wireAggBucket struct {
	Label         json.RawMessage `json:"label"`
	Count         int64           `json:"count"`
	Value         *float64        `json:"value"`
	From          *float64        `json:"from"`
	To            *float64        `json:"to"`
	KeyAsString   string          `json:"key_as_string"`
	SubAggregates []wireAggResult `json:"sub_aggregates"`
}

func toWireAgg(r model.AggregateRequest) wireAggRequest {
	w := wireAggRequest{Name: r.Name, Type: r.Type, Field: r.Field, Filter: r.Filter, Q: r.Q, Interval: r.Interval,
		Size: r.Size, Sort: r.Sort, MinDocCount: r.MinDocCount, Missing: r.Missing, TimeZone: r.TimeZone}
	for _, d := range r.DateRanges {
		w.DateRanges = append(w.DateRanges, wireDateRange(d))
	}
	for _, g := range r.Ranges {
		w.Ranges = append(w.Ranges, wireRange(g))
	}
	for _, s := range r.SubAggregates {
		w.SubAggregates = append(w.SubAggregates, toWireAgg(s))
	}
	return w
}

func (w wireAggResult) model() model.Aggregation {
	a := model.Aggregation{Name: w.Name, SumOtherDocCount: w.SumOtherDocCount, ErrorUpperBound: w.ErrorUpperBound}
	for _, b := range w.Buckets {
		mb := model.Bucket{Label: labelString(b.Label), Count: b.Count, Value: b.Value, From: b.From, To: b.To, KeyAsString: b.KeyAsString}
		for _, s := range b.SubAggregates {
			mb.SubAggregates = append(mb.SubAggregates, s.model())
		}
		a.Buckets = append(a.Buckets, mb)
	}
	return a
}

// labelString renders a bucket label of whatever JSON type the service sent.
func labelString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return string(raw)
}

// Aggregate implements model.Backend (GetAggregateDetects): all requests in
// one call.
func (d *Detects) Aggregate(ctx context.Context, reqs []model.AggregateRequest) ([]model.Aggregation, error) {
	aggs, err := aggregate(ctx, d.c, "aggregate detections", "/detects/aggregates/detects/GET/v1", reqs)
	return aggs, detectsHints.hint(err, d.named, false)
}

func aggregate(ctx context.Context, c *Client, op, path string, reqs []model.AggregateRequest) ([]model.Aggregation, error) {
	body := make([]wireAggRequest, len(reqs))
	for i, r := range reqs {
		body[i] = toWireAgg(r)
	}
	env, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, body: body, read: true, answer: aggregateBytes})
	if err != nil {
		return nil, err
	}
	var wire []wireAggResult
	if err := json.Unmarshal(env.Resources.raw, &wire); err != nil {
		return nil, &Error{Op: op, Status: 200, TraceID: env.Meta.TraceID, Err: fmt.Errorf("unreadable aggregates: %v", err)}
	}
	out := make([]model.Aggregation, len(wire))
	for i, w := range wire {
		out[i] = w.model()
	}
	return out, nil
}

// SortValue implements model.Backend.
func (d *Detects) SortValue(det *model.Detection, field string) (string, bool) {
	switch field {
	case "max_severity":
		return strconv.Itoa(det.MaxSeverity), true
	case "max_confidence":
		return strconv.Itoa(det.MaxConfidence), true
	case "last_behavior":
		return timeLiteral(det.LastBehavior)
	case "first_behavior":
		return timeLiteral(det.FirstBehavior)
	case "date_updated":
		return timeLiteral(det.Updated)
	case "device.hostname":
		if det.Device.Hostname == "" {
			return "", false
		}
		return model.Quote(det.Device.Hostname), true
	}
	return "", false
}

func timeLiteral(t time.Time) (string, bool) {
	if t.IsZero() {
		return "", false
	}
	return model.Quote(t.UTC().Format(time.RFC3339Nano)), true
}
