package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
)

// Alerts is the backend for the Alerts API, the successor of Detects: one
// row is one alert (a behaviour), grouped into incidents by aggregate_id.
type Alerts struct {
	c *Client
	// Verdicts maps the statuses the Alerts API does not take (the
	// Detects verdicts) to the tag that records them on a closed alert.
	Verdicts map[model.Status]string
	why      string
	// named: chosen by name, not by auto; its refusals say what to do.
	named bool
	// noCombined is set once the combined endpoint refused this client
	// (403 or 404), refused a request (400) or failed after the retries
	// (5xx): walks then use queries and entities for the session.
	noCombined atomic.Bool
	// primed is the page the probe that chose this backend asked for: the
	// console's first request, answered once without asking again.
	primed atomic.Pointer[primedPage]
}

// primedPage is a page kept from the probe, and the request it answers.
type primedPage struct {
	q    model.Query
	page model.Page
}

// DefaultVerdictTags are the tags the verdicts become on Alerts.
var DefaultVerdictTags = map[model.Status]string{
	model.StatusTruePositive:  "true_positive",
	model.StatusFalsePositive: "false_positive",
	model.StatusIgnored:       "ignored",
}

// NewAlerts returns the Alerts backend of a client.
func NewAlerts(c *Client, verdicts map[model.Status]string) *Alerts {
	v := map[model.Status]string{}
	for k, t := range DefaultVerdictTags {
		v[k] = t
	}
	for k, t := range verdicts {
		if t != "" {
			v[k] = t
		}
	}
	return &Alerts{c: c, Verdicts: v}
}

// AlertsFields is the Alerts field table.
var AlertsFields = model.Fields{
	ID:           "composite_id",
	Status:       "status",
	Severity:     "severity",
	Time:         "timestamp",
	Created:      "created_timestamp",
	Updated:      "updated_timestamp",
	Hostname:     "device.hostname",
	IdentityHost: "source_endpoint_host_name",
	Platform:     "device.platform_name",
	AssigneeUID:  "assigned_to_uid",
	AssigneeName: "assigned_to_name",
	ShowInUI:     "show_in_ui",
	Tactic:       "tactic",
	Technique:    "technique",
	TechniqueID:  "technique_id",
	Scenario:     "scenario",
	SHA256:       "sha256",
	FileName:     "filename",
	CmdLine:      "cmdline",
	AggregateID:  "aggregate_id",
	Tags:         "tags",
	Product:      "product",
	SecondsTo:    [2]string{"seconds_to_triaged", "seconds_to_resolved"},
	SortFields:   []string{"timestamp", "created_timestamp", "updated_timestamp", "severity", "confidence", "device.hostname"},
	StableSorts:  []string{"timestamp", "created_timestamp"},
	Filterable:   model.AlertsFilterable,
	Renamed:      model.DetectsToAlerts,
}

// Name implements model.Backend.
func (a *Alerts) Name() string { return "alerts" }

// Fields implements model.Backend: the verdict tags are this tenant's.
func (a *Alerts) Fields() model.Fields {
	f := AlertsFields
	f.VerdictTags = a.Verdicts
	return f
}

// Why implements model.Backend.
func (a *Alerts) Why() string { return cmp.Or(a.why, "chosen with --api alerts or the config file") }

// Effective implements model.Backend: a verdict is the closed status plus
// its tag, with every other verdict tag removed in the same request, so an
// alert carries exactly one verdict; new, in progress and reopened remove
// the verdict. Tags the change itself adds or removes come along.
func (a *Alerts) Effective(c model.Change) model.Change {
	if c.Status == nil {
		return c
	}
	out := c
	out.AddTags, out.RemoveTags = slices.Clone(c.AddTags), slices.Clone(c.RemoveTags)
	keep := ""
	if tag, verdict := a.Verdicts[*c.Status]; verdict {
		closed := model.StatusClosed
		out.Status = &closed
		keep = tag
		if !slices.Contains(out.AddTags, tag) {
			out.AddTags = append(out.AddTags, tag)
		}
	} else if *c.Status == model.StatusClosed {
		return out // a bare close keeps whatever verdict there is
	}
	for _, s := range model.Statuses {
		if t, ok := a.Verdicts[s]; ok && t != keep && !slices.Contains(out.RemoveTags, t) && !slices.Contains(out.AddTags, t) {
			out.RemoveTags = append(out.RemoveTags, t)
		}
	}
	return out
}

// Statuses implements model.Backend: the verdicts are accepted and sent as
// closed plus their tag.
func (a *Alerts) Statuses() []model.Status { return model.Statuses }

// Window implements model.Backend: offset + limit ≤ 10,000 (the walker keeps
// under Window).
func (a *Alerts) Window() int { return 10001 }

// MaxIDs implements model.Backend.
func (a *Alerts) MaxIDs() int { return 1000 }

// CursorPaging implements model.Backend: Alerts pages with the combined
// endpoint's after cursor, past any window, unless that endpoint refused
// this client.
func (a *Alerts) CursorPaging() bool { return !a.noCombined.Load() }

// Query implements model.Backend. With After set, or for a cursor walk,
// it uses the combined endpoint, whose answer carries the alerts too.
func (a *Alerts) Query(ctx context.Context, q model.Query) (model.Page, error) {
	if q.Cursor && q.After == "" {
		// The first page of a walk: the probe's answer, if it asked
		// exactly this. Any first page takes it away, so it is never
		// served later than the start.
		if p := a.primed.Swap(nil); p != nil && p.q == q {
			return p.page, nil
		}
	}
	if q.Cursor {
		p, err := a.combined(ctx, q)
		return p, alertsHints.hint(err, a.named, false)
	}
	p, err := queryIDs(ctx, a.c, "query alerts", "/alerts/queries/alerts/v2", q, url.Values{"include_hidden": {"true"}})
	return p, alertsHints.hint(err, a.named, false)
}

// combined pages with the after cursor. Free text is not a parameter of the
// combined endpoint; a walk with q stays inside the window.
func (a *Alerts) combined(ctx context.Context, q model.Query) (model.Page, error) {
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	body := map[string]any{"limit": limit}
	if q.Filter != "" {
		body["filter"] = q.Filter
	}
	if s := q.Sort.String(); s != "" {
		body["sort"] = s
	}
	if q.After != "" {
		body["after"] = q.After
	}
	// Decoded once, straight from the answer, as the entities are.
	wire := make([]wireAlert, 0, limit)
	env, err := a.c.do(ctx, call{op: "page alerts", method: http.MethodPost, path: "/alerts/combined/alerts/v1", body: body, read: true, answer: answerFor(limit, documentBytes), into: &wire})
	if combinedUnavailable(err) {
		// A request refused (400, a filter the endpoint will not take)
		// says nothing of the next: that walk alone goes on without it.
		if StatusOf(err) != http.StatusBadRequest {
			a.noCombined.Store(true)
		}
		return model.Page{}, fmt.Errorf("%w: %w", model.ErrNoCursor, err)
	}
	if err != nil {
		return model.Page{}, err
	}
	p := model.Page{IDs: make([]string, 0, len(wire)), Found: make([]model.Detection, 0, len(wire))}
	for i := range wire {
		p.IDs = append(p.IDs, wire[i].CompositeID)
		p.Found = append(p.Found, a.row(&wire[i]))
	}
	p.Total = env.Meta.Pagination.total()
	if pg := env.Meta.Pagination; pg != nil {
		p.After = pg.After
	}
	return p, nil
}

// combinedUnavailable reports an answer of the combined endpoint that the
// queries and entities endpoints can stand in for: refused to this client
// (403), not served (404) or failing after the transport's retries (5xx),
// for the rest of the session; a request it will not take (400), for that
// walk.
// A lost connection or a cancelled walk is not: nothing says the endpoint
// is at fault.
func combinedUnavailable(err error) bool {
	switch st := StatusOf(err); {
	case st == http.StatusForbidden, st == http.StatusNotFound, st == http.StatusBadRequest:
		return true
	case st >= 500:
		return true
	}
	return false
}

// Details implements model.Backend (one request per ≤ 1000 composite ids).
func (a *Alerts) Details(ctx context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	// An answer too large is read again in halves, down to the document
	// that is: one hostile detection cannot hide the ones around it.
	found, missing, err := readApart(ids, func(ids []string) ([]model.Detection, map[string]string, error) { return a.details(ctx, ids) })
	return found, missing, alertsHints.hint(err, a.named, false)
}

func (a *Alerts) details(ctx context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	out := make([]model.Detection, 0, len(ids))
	missing := map[string]string{}
	for start := 0; start < len(ids); start += a.MaxIDs() {
		chunk := ids[start:min(start+a.MaxIDs(), len(ids))]
		// Decoded once, straight from the answer, into room for them all.
		wire := make([]wireAlert, 0, len(chunk))
		env, err := a.c.do(ctx, call{op: "read alerts", method: http.MethodPost, path: "/alerts/entities/alerts/v2", body: map[string][]string{"composite_ids": chunk}, read: true, ids: chunk, answer: answerFor(len(chunk), documentBytes), into: &wire})
		if err != nil && (env == nil || StatusOf(err) != http.StatusNotFound) {
			return out, missing, err
		}
		got := map[string]bool{}
		for i := range wire {
			out = append(out, a.row(&wire[i]))
			got[wire[i].CompositeID] = true
		}
		errs := perIDErrors(env.Errors, chunk)
		for _, id := range chunk {
			if !got[id] {
				missing[id] = firstNonEmpty(errs[id], "not returned by the service")
			}
		}
	}
	return out, missing, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

type actionParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// actions turns a change into the Alerts action parameters. Every value is
// a string: the service refuses a JSON boolean.
func (a *Alerts) actions(c model.Change) []actionParam {
	c = a.Effective(c)
	var out []actionParam
	if c.Status != nil {
		out = append(out, actionParam{"update_status", string(*c.Status)})
	}
	if c.AssigneeUUID != nil {
		if *c.AssigneeUUID == "" {
			out = append(out, actionParam{"unassign", ""})
		} else {
			out = append(out, actionParam{"assign_to_uuid", *c.AssigneeUUID})
		}
	}
	if c.Comment != "" {
		out = append(out, actionParam{"append_comment", c.Comment})
	}
	if c.ShowInUI != nil {
		out = append(out, actionParam{"show_in_ui", strconv.FormatBool(*c.ShowInUI)})
	}
	for _, t := range c.AddTags {
		out = append(out, actionParam{"add_tag", t})
	}
	for _, t := range c.RemoveTags {
		out = append(out, actionParam{"remove_tag", t})
	}
	return out
}

// Update implements model.Backend for ≤ 1000 ids.
func (a *Alerts) Update(ctx context.Context, c model.Change) (model.UpdateResult, error) {
	if len(c.IDs) == 0 || len(c.IDs) > a.MaxIDs() {
		return model.UpdateResult{}, fmt.Errorf("update: %d ids; send between 1 and %d per request", len(c.IDs), a.MaxIDs())
	}
	body := map[string]any{"composite_ids": c.IDs, "action_parameters": a.actions(c)}
	env, err := a.c.do(ctx, call{op: "update alerts", method: http.MethodPatch, path: "/alerts/entities/alerts/v3", body: body, ids: c.IDs})
	res, err := updateResult("update alerts", env, err, c.IDs)
	return res, alertsHints.hint(err, a.named, true)
}

// Aggregate implements model.Backend.
func (a *Alerts) Aggregate(ctx context.Context, reqs []model.AggregateRequest) ([]model.Aggregation, error) {
	aggs, err := aggregate(ctx, a.c, "aggregate alerts", "/alerts/aggregates/alerts/v2", reqs)
	return aggs, alertsHints.hint(err, a.named, false)
}

// SortValue implements model.Backend.
func (a *Alerts) SortValue(d *model.Detection, field string) (string, bool) {
	switch field {
	case "severity":
		return strconv.Itoa(d.MaxSeverity), true
	case "confidence":
		return strconv.Itoa(d.MaxConfidence), true
	case "timestamp":
		return timeLiteral(d.LastBehavior)
	case "created_timestamp":
		return timeLiteral(d.Created)
	case "updated_timestamp":
		return timeLiteral(d.Updated)
	case "device.hostname":
		if d.Device.Hostname == "" {
			return "", false
		}
		return model.Quote(d.Device.Hostname), true
	}
	return "", false
}

type wireAlert struct {
	CompositeID       string   `json:"composite_id"`
	AggregateID       string   `json:"aggregate_id"`
	CID               string   `json:"cid"`
	CreatedTimestamp  string   `json:"created_timestamp"`
	Timestamp         string   `json:"timestamp"`
	UpdatedTimestamp  string   `json:"updated_timestamp"`
	Status            string   `json:"status"`
	AssignedToUID     string   `json:"assigned_to_uid"`
	AssignedToName    string   `json:"assigned_to_name"`
	AssignedToUUID    string   `json:"assigned_to_uuid"`
	ShowInUI          bool     `json:"show_in_ui"`
	Severity          int      `json:"severity"`
	SeverityName      string   `json:"severity_name"`
	Confidence        int      `json:"confidence"`
	Tags              []string `json:"tags"`
	SecondsToTriaged  int64    `json:"seconds_to_triaged"`
	SecondsToResolved int64    `json:"seconds_to_resolved"`
	Device            struct {
		DeviceID      string   `json:"device_id"`
		Hostname      string   `json:"hostname"`
		LocalIP       string   `json:"local_ip"`
		ExternalIP    string   `json:"external_ip"`
		MACAddress    string   `json:"mac_address"`
		PlatformName  string   `json:"platform_name"`
		OSVersion     string   `json:"os_version"`
		AgentVersion  string   `json:"agent_version"`
		MachineDomain string   `json:"machine_domain"`
		SiteName      string   `json:"site_name"`
		OU            []string `json:"ou"`
		ProductType   string   `json:"product_type_desc"`
	} `json:"device"`
	Product            string       `json:"product"`
	SourceAccountName  string       `json:"source_account_name"`
	SourceAccountUPN   string       `json:"source_account_upn"`
	SourceEndpointHost string       `json:"source_endpoint_host_name"`
	SourceEndpointIP   string       `json:"source_endpoint_ip_address"`
	TargetAccountName  string       `json:"target_account_name"`
	Tactic             string       `json:"tactic"`
	TacticID           string       `json:"tactic_id"`
	Technique          string       `json:"technique"`
	TechniqueID        string       `json:"technique_id"`
	Objective          string       `json:"objective"`
	Scenario           string       `json:"scenario"`
	DisplayName        string       `json:"display_name"`
	Description        string       `json:"description"`
	Filename           string       `json:"filename"`
	Filepath           string       `json:"filepath"`
	Cmdline            string       `json:"cmdline"`
	SHA256             string       `json:"sha256"`
	MD5                string       `json:"md5"`
	UserName           string       `json:"user_name"`
	PatternDispo       int          `json:"pattern_disposition"`
	Parent             *wireProcess `json:"parent_details"`
	Grandparent        *wireProcess `json:"grandparent_details"`
	Dispo              struct {
		Detect          bool `json:"detect"`
		KillProcess     bool `json:"kill_process"`
		KillParent      bool `json:"kill_parent"`
		QuarantineFile  bool `json:"quarantine_file"`
		ProcessBlocked  bool `json:"process_blocked"`
		OperationBlock  bool `json:"operation_blocked"`
		PolicyDisabled  bool `json:"policy_disabled"`
		RegistryBlocked bool `json:"registry_operation_blocked"`
	} `json:"pattern_disposition_details"`
}

// row maps an alert onto a row, its verdict read from its tags.
func (a *Alerts) row(w *wireAlert) model.Detection {
	d := w.model()
	if d.Status == model.StatusClosed {
		d.Verdict = a.Fields().VerdictOf(d.Tags)
	}
	return d
}

// model maps an alert onto a Detection with one behaviour.
func (w *wireAlert) model() model.Detection {
	t := parseTime(w.Timestamp)
	d := model.Detection{
		ID: w.CompositeID, CID: w.CID, AggregateID: w.AggregateID,
		Created: parseTime(w.CreatedTimestamp), FirstBehavior: t, LastBehavior: t, Updated: parseTime(w.UpdatedTimestamp),
		Status: model.Status(w.Status), AssigneeUID: w.AssignedToUID, AssigneeName: w.AssignedToName, AssigneeUUID: w.AssignedToUUID,
		ShowInUI: w.ShowInUI, MaxSeverity: w.Severity, SeverityName: w.SeverityName, MaxConfidence: w.Confidence,
		SecondsToTriaged: w.SecondsToTriaged, SecondsToResolved: w.SecondsToResolved, Tags: w.Tags,
		Domain: w.Device.MachineDomain, Product: w.Product,
		Identity: model.Identity{AccountName: w.SourceAccountName, AccountUPN: w.SourceAccountUPN, SourceHost: w.SourceEndpointHost,
			SourceIP: w.SourceEndpointIP, TargetAccount: w.TargetAccountName},
		Device: model.Device{ID: w.Device.DeviceID, CID: w.CID, Hostname: w.Device.Hostname, LocalIP: w.Device.LocalIP,
			ExternalIP: w.Device.ExternalIP, MACAddress: w.Device.MACAddress, Platform: w.Device.PlatformName,
			OSVersion: w.Device.OSVersion, AgentVersion: w.Device.AgentVersion, MachineDomain: w.Device.MachineDomain,
			SiteName: w.Device.SiteName, OU: w.Device.OU, ProductTypeDesc: w.Device.ProductType},
		Behaviors: []model.Behavior{{
			ID: w.CompositeID, Time: t, Severity: w.Severity, Confidence: w.Confidence, Tactic: w.Tactic, TacticID: w.TacticID,
			Technique: w.Technique, TechniqueID: w.TechniqueID, Objective: w.Objective, Scenario: w.Scenario,
			DisplayName: w.DisplayName, Description: w.Description, FileName: w.Filename, FilePath: w.Filepath,
			CmdLine: w.Cmdline, SHA256: w.SHA256, MD5: w.MD5, UserName: w.UserName,
			ParentCmdLine: w.Parent.cmdline(), ParentSHA256: w.Parent.sha256(), ParentMD5: w.Parent.md5(),
			Parent: w.Parent.model(), Grandparent: w.Grandparent.model(),
			Disposition: model.Disposition{Code: w.PatternDispo, Detect: w.Dispo.Detect, KillProcess: w.Dispo.KillProcess,
				KillParent: w.Dispo.KillParent, QuarantineFile: w.Dispo.QuarantineFile, ProcessBlocked: w.Dispo.ProcessBlocked,
				OperationBlock: w.Dispo.OperationBlock, PolicyDisabled: w.Dispo.PolicyDisabled, RegistryBlocked: w.Dispo.RegistryBlocked},
		}},
	}
	if d.SeverityName == "" {
		d.SeverityName = model.BandOf(d.MaxSeverity).Name
	}
	return d
}

// DetectsGone reports whether an error says the Detects API is no longer
// served (404, 405 or 410): the sign to move to Alerts.
func DetectsGone(err error) bool {
	switch StatusOf(err) {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusGone:
		return true
	}
	return false
}

// ChooseBackend returns the backend for api ("detects", "alerts" or
// "auto"), as ChooseBackendFor with no first request.
func ChooseBackend(ctx context.Context, c *Client, api string, verdicts map[model.Status]string, probeWrites bool) (model.Backend, error) {
	return ChooseBackendFor(ctx, c, api, verdicts, probeWrites, nil)
}

// ChooseBackendFor returns the backend for api ("detects", "alerts" or
// "auto"). A backend named is taken as it is, without a request. auto asks
// Alerts first: API clients made today hold Alerts scopes only, and the
// Alerts API spans every product. Its probe is the console's own first
// request where first gives one that pages with the combined endpoint,
// whose answer is then kept as the first page: the first rows cost the
// token and that one request. The combined endpoint unavailable (403, 404,
// 400, 5xx), the queries endpoint is asked; Detects only where Alerts is
// unavailable (403, 404) and Detects answers; with probeWrites a Detects
// that still reads is also asked for an update with no ids (which changes
// nothing), since reads outlived writes on retiring tenants. The backend's
// Why says which it is and why.
func ChooseBackendFor(ctx context.Context, c *Client, api string, verdicts map[model.Status]string, probeWrites bool, first func(model.Backend) model.Query) (model.Backend, error) {
	switch api {
	case "detects":
		d := NewDetects(c)
		d.named = true
		return d, nil
	case "alerts":
		a := NewAlerts(c, verdicts)
		a.named = true
		return a, nil
	case "", "auto":
	default:
		return nil, fmt.Errorf("unknown --api %q: use detects, alerts or auto", api)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	a := NewAlerts(c, verdicts)
	probe, keep := model.Query{Limit: 1, Cursor: true}, false
	if first != nil {
		if q := first(a); q.Cursor && q.After == "" {
			probe, keep = q, true
		}
	}
	page, aerr := a.combined(ctx, probe)
	if errors.Is(aerr, model.ErrNoCursor) {
		// The combined endpoint alone may be out of reach: the queries
		// endpoint says whether Alerts is. Its page is none of the
		// list's: nothing is kept.
		keep = false
		_, aerr = a.Query(ctx, model.Query{Limit: 1})
	}
	if aerr == nil {
		if keep {
			a.primed.Store(&primedPage{q: probe, page: page})
		}
		a.why = "auto: the Alerts API answered (it spans every product)"
		return a, nil
	}
	astatus := StatusOf(aerr)
	if astatus != http.StatusForbidden && astatus != http.StatusNotFound {
		return nil, aerr
	}
	alertsWhy := "the Alerts API is not served here (404)"
	if astatus == http.StatusForbidden {
		alertsWhy = "this API client lacks Alerts: read (403)"
	}
	d := NewDetects(c)
	_, derr := d.Query(ctx, model.Query{Limit: 1})
	switch {
	case derr != nil && StatusOf(derr) == http.StatusForbidden:
		return nil, fmt.Errorf("%s, and lacks Detections: read too: give the API client the Alerts read and write scopes", alertsWhy)
	case derr != nil:
		return nil, fmt.Errorf("%s, and the Detects API failed: %w", alertsWhy, derr)
	}
	if probeWrites {
		if err := d.probeUpdate(ctx); DetectsGone(err) {
			return nil, fmt.Errorf("%s, and the Detects API no longer takes updates: give the API client the Alerts scopes, or use --read-only", alertsWhy)
		}
	}
	d.why = "auto: " + alertsWhy + "; the Detects API answered"
	return d, nil
}
