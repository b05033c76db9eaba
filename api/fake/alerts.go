package fake

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The Alerts API, successor of Detects: the same generated incidents, one
// alert per behaviour, each with a state of its own, and next to them the
// alerts of the other products a tenant's list holds (identity, Next-Gen
// SIEM, third parties, cloud, XDR, mobile).

// alert is a detects.ExternalAlert as the service sends it. Every field the
// published schema marks required is always present, with an empty value of
// the right JSON type where the data has none; the endpoint, process and
// identity fields appear only on the products that have them.
type alert struct {
	CompositeID       string         `json:"composite_id"`
	ID                string         `json:"id"`
	AggregateID       string         `json:"aggregate_id"`
	CID               string         `json:"cid"`
	AgentID           string         `json:"agent_id"`
	Product           string         `json:"product"`
	Type              string         `json:"type"`
	Platform          string         `json:"platform"`
	Name              string         `json:"name"`
	PatternID         int            `json:"pattern_id"`
	DataDomains       []string       `json:"data_domains"`
	SourceProducts    []string       `json:"source_products"`
	SourceVendors     []string       `json:"source_vendors"`
	External          bool           `json:"external"`
	EmailSent         bool           `json:"email_sent"`
	CreatedTimestamp  string         `json:"created_timestamp"`
	Timestamp         string         `json:"timestamp"`
	CrawledTimestamp  string         `json:"crawled_timestamp"`
	UpdatedTimestamp  string         `json:"updated_timestamp"`
	Status            string         `json:"status"`
	AssignedToUID     string         `json:"assigned_to_uid"`
	AssignedToName    string         `json:"assigned_to_name"`
	AssignedToUUID    string         `json:"assigned_to_uuid"`
	ShowInUI          bool           `json:"show_in_ui"`
	Severity          int            `json:"severity"`
	SeverityName      string         `json:"severity_name"`
	Confidence        int            `json:"confidence"`
	Tags              []string       `json:"tags"`
	MitreAttack       []mitreMapping `json:"mitre_attack"`
	Tactic            string         `json:"tactic"`
	TacticID          string         `json:"tactic_id"`
	Technique         string         `json:"technique"`
	TechniqueID       string         `json:"technique_id"`
	Objective         string         `json:"objective"`
	Scenario          string         `json:"scenario"`
	DisplayName       string         `json:"display_name"`
	Description       string         `json:"description"`
	SecondsToTriaged  int64          `json:"seconds_to_triaged"`
	SecondsToResolved int64          `json:"seconds_to_resolved"`
	// IsAggregated and Resolution are on every alert the service sends
	// (resolution "" until one is set in the console).
	IsAggregated bool   `json:"is_aggregated"`
	Resolution   string `json:"resolution"`

	// Endpoint alerts (epp) only.
	Device          *device             `json:"device,omitempty"`
	Filename        string              `json:"filename,omitempty"`
	Filepath        string              `json:"filepath,omitempty"`
	Cmdline         string              `json:"cmdline,omitempty"`
	SHA256          string              `json:"sha256,omitempty"`
	MD5             string              `json:"md5,omitempty"`
	UserName        string              `json:"user_name,omitempty"`
	ParentDetails   *processDetails     `json:"parent_details,omitempty"`
	Grandparent     *processDetails     `json:"grandparent_details,omitempty"`
	PatternDispo    int                 `json:"pattern_disposition,omitempty"`
	PatternDispoDet *dispositionDetails `json:"pattern_disposition_details,omitempty"`

	// Identity alerts (idp) name accounts and hosts instead of a device.
	SourceAccountName       string `json:"source_account_name,omitempty"`
	SourceAccountUPN        string `json:"source_account_upn,omitempty"`
	SourceEndpointHostName  string `json:"source_endpoint_host_name,omitempty"`
	SourceEndpointIPAddress string `json:"source_endpoint_ip_address,omitempty"`
	TargetAccountName       string `json:"target_account_name,omitempty"`

	comments []string
}

type mitreMapping struct {
	PatternID   int    `json:"pattern_id"`
	TacticID    string `json:"tactic_id"`
	TechniqueID string `json:"technique_id"`
	Tactic      string `json:"tactic"`
	Technique   string `json:"technique"`
}

var alertType = reflect.TypeOf(alert{})

// ensureAlerts derives the alerts from the detections on first use, so a
// fake that only serves Detects does not hold both. Called with s.mu held.
func (s *Server) ensureAlerts() {
	if s.alertByID != nil {
		return
	}
	s.alertByID = map[string]*alert{}
	epp := alertsFrom(s.dets)
	s.addAlerts(epp)
	s.addAlerts(otherAlerts(s.opts.GenOptions, s.users, len(epp)/8))
}

// generateWithAlerts generates the tenant and derives its alerts as
// ensureAlerts would, the endpoint alerts of each detection while the next
// ones are generated.
func generateWithAlerts(o GenOptions) ([]*detection, []user, []*alert) {
	batches := make(chan []*detection, 64)
	derived := make(chan []*alert)
	go func() {
		var epp []*alert
		for b := range batches {
			epp = append(epp, alertsFrom(b)...)
		}
		derived <- epp
	}()
	var batch []*detection
	dets, users := generateEach(o, func(d *detection) {
		if batch = append(batch, d); len(batch) == 64 {
			batches <- batch
			batch = nil
		}
	})
	batches <- batch
	close(batches)
	epp := <-derived
	return dets, users, append(epp, otherAlerts(o, users, len(epp)/8)...)
}

// addAlerts adds alerts to the tenant. Called with s.mu held.
func (s *Server) addAlerts(as []*alert) {
	for _, a := range as {
		s.alerts = append(s.alerts, a)
		s.alertByID[a.CompositeID] = a
	}
}

var alertSortFields = map[string]bool{
	"timestamp": true, "created_timestamp": true, "updated_timestamp": true, "severity": true,
	"confidence": true, "device.hostname": true, "product": true, "type": true,
}

const alertSortList = "timestamp, created_timestamp, updated_timestamp, severity, confidence, device.hostname, product, type"

// alertsFrom turns detections into endpoint alerts: one per behaviour,
// grouped by the detection as their incident (aggregate_id).
func alertsFrom(dets []*detection) []*alert {
	n := 0
	for _, d := range dets {
		n += len(d.Behaviors)
	}
	out := make([]*alert, 0, n)
	for _, d := range dets {
		seq := d.DetectionID[strings.LastIndexByte(d.DetectionID, ':')+1:]
		dev := d.Device
		first, _ := parseTime(d.FirstBehavior)
		created, _ := parseTime(d.CreatedTimestamp)
		for i, b := range d.Behaviors {
			// Each behaviour became its alert as long after it was seen as
			// the first became the detection; the triage and the
			// resolution are the detection's, counted from there.
			bt, _ := parseTime(b.Timestamp)
			later := bt.Sub(first)
			acreated := created.Add(later).Format(time.RFC3339Nano)
			triaged, resolved := d.SecondsToTriaged, d.SecondsToResolved
			if triaged > 0 {
				triaged -= int64(later / time.Second)
			}
			if resolved > 0 {
				resolved -= int64(later / time.Second)
			}
			id := "ind:" + d.Device.DeviceID + ":" + seq + "-" + b.BehaviorID + "-" + strconv.Itoa(i)
			pattern, _ := strconv.Atoi(b.BehaviorID)
			dispo := b.PatternDispoDet
			parent, grand := processTree(b, d.Device.PlatformName)
			a := &alert{
				CompositeID: d.CID + ":" + id, ID: id,
				AggregateID: "aggind:" + d.Device.DeviceID + ":" + seq,
				CID:         d.CID, AgentID: d.Device.DeviceID,
				Product: "epp", Type: "ldt", Platform: d.Device.PlatformName, Name: b.DisplayName, PatternID: pattern,
				DataDomains: []string{"Endpoint"}, SourceProducts: []string{"Falcon Insight"}, SourceVendors: []string{"CrowdStrike"},
				EmailSent:        d.EmailSent,
				CreatedTimestamp: acreated, Timestamp: b.Timestamp, CrawledTimestamp: acreated, UpdatedTimestamp: d.DateUpdated,
				Status: d.Status, AssignedToUID: d.AssignedToUID, AssignedToName: d.AssignedToName, AssignedToUUID: d.AssignedToUUID,
				ShowInUI: d.ShowInUI, Severity: b.Severity, SeverityName: severityName(b.Severity), Confidence: b.Confidence,
				Tags:        []string{},
				MitreAttack: []mitreMapping{{PatternID: pattern, TacticID: b.TacticID, TechniqueID: b.TechniqueID, Tactic: b.Tactic, Technique: b.Technique}},
				Tactic:      b.Tactic, TacticID: b.TacticID, Technique: b.Technique, TechniqueID: b.TechniqueID,
				Objective: b.Objective, Scenario: b.Scenario, DisplayName: b.DisplayName, Description: b.Description,
				SecondsToTriaged: triaged, SecondsToResolved: resolved,
				Device: &dev, Filename: b.Filename, Filepath: b.Filepath, Cmdline: b.Cmdline, SHA256: b.SHA256,
				MD5: b.MD5, UserName: b.UserName, ParentDetails: parent, Grandparent: grand, PatternDispo: b.PatternDispo, PatternDispoDet: &dispo,
			}
			// The verdicts of Detects are tags on Alerts.
			switch d.Status {
			case "true_positive", "false_positive", "ignored":
				a.Tags = append(a.Tags, d.Status)
				a.Status = "closed"
			}
			out = append(out, a)
		}
	}
	return out
}

// matchAlerts filters and sorts alerts. Called with s.mu held.
func (s *Server) matchAlerts(filter, q, sortSpec string, includeHidden bool) ([]*alert, string) {
	s.ensureAlerts()
	node, err := parseFQL(filter, alertType)
	if err != nil {
		return nil, err.Error()
	}
	q = strings.ToLower(strings.TrimSpace(q))
	var out []*alert
	for _, a := range s.alerts {
		v := reflect.ValueOf(a).Elem()
		if (!includeHidden && !a.ShowInUI) || !node.match(v) || (q != "" && !containsText(v, q)) {
			continue
		}
		out = append(out, a)
	}
	if sortSpec == "" {
		sortSpec = "timestamp|desc"
	}
	field, desc, msg := parseSort(sortSpec, alertSortFields, alertSortList)
	if msg != "" {
		return nil, msg
	}
	acc, _ := resolve(alertType, field)
	sortDocs(out, func(a *alert) reflect.Value { return reflect.ValueOf(a).Elem() }, acc, desc)
	return out, ""
}

// cursor is the combined endpoint's opaque "after": an offset bound to the
// query it belongs to.
type cursor struct {
	Offset int    `json:"o"`
	Query  string `json:"q"`
}

func (s *Server) queryAlerts(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "detectsapi"
	qv := r.URL.Query()
	offset, limit, msg := pageParams(qv, 10000)
	if msg == "" && offset+limit > 10000 {
		msg = "offset + limit must not exceed 10000: use the combined endpoint's after cursor"
	}
	if msg != "" {
		s.writeError(w, m, http.StatusBadRequest, msg)
		return
	}
	includeHidden := qv.Get("include_hidden") != "false"
	s.mu.Lock()
	found, msg := s.matchAlerts(qv.Get("filter"), qv.Get("q"), qv.Get("sort"), includeHidden)
	s.mu.Unlock()
	if msg != "" {
		s.writeError(w, m, http.StatusBadRequest, msg)
		return
	}
	ids := []string{}
	for i := offset; i < len(found) && i < offset+limit; i++ {
		ids = append(ids, found[i].CompositeID)
	}
	m.Pagination = &pagination{Offset: offset, Limit: limit, Total: len(found)}
	s.write(w, http.StatusOK, envelope{Meta: *m, Resources: ids})
}

func (s *Server) combinedAlerts(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "detectsapi"
	var body struct {
		Filter string `json:"filter"`
		Sort   string `json:"sort"`
		Limit  *int   `json:"limit"`
		After  string `json:"after"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		s.writeError(w, m, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	// Left out, the limit is 100; given, it must be 1 to 1000: a limit of
	// 0 is refused, not read as the default.
	limit := 100
	if body.Limit != nil {
		limit = *body.Limit
	}
	if limit < 1 || limit > 1000 {
		s.writeError(w, m, http.StatusBadRequest, "limit must be between 1 and 1000")
		return
	}
	// The combined endpoint has its own default order, and its cursor
	// belongs to the filter and order it was made for.
	if body.Sort == "" {
		body.Sort = "created_timestamp|desc"
	}
	key := body.Filter + "\x00" + body.Sort
	offset := 0
	if body.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(body.After)
		var c cursor
		if err != nil || json.Unmarshal(raw, &c) != nil || c.Query != key {
			s.writeError(w, m, http.StatusBadRequest, "invalid after token: it belongs to another filter or sort, or is not one this service made")
			return
		}
		offset = c.Offset
	}
	s.mu.Lock()
	found, msg := s.matchAlerts(body.Filter, "", body.Sort, true)
	var page []alert
	for i := offset; i < len(found) && i < offset+limit; i++ {
		page = append(page, *found[i])
	}
	s.mu.Unlock()
	if msg != "" {
		s.writeError(w, m, http.StatusBadRequest, msg)
		return
	}
	m.Pagination = &pagination{Limit: limit, Total: len(found)}
	if next := offset + len(page); next < len(found) {
		raw, _ := json.Marshal(cursor{Offset: next, Query: key})
		m.Pagination.After = base64.RawURLEncoding.EncodeToString(raw)
	}
	var resources any = page
	if page == nil {
		resources = []any{}
	}
	s.write(w, http.StatusOK, envelope{Meta: *m, Resources: resources})
}

func (s *Server) getAlerts(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "detectsapi"
	var body struct {
		CompositeIDs []string `json:"composite_ids"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body); err != nil || len(body.CompositeIDs) == 0 {
		s.writeError(w, m, http.StatusBadRequest, "composite_ids: at least one id is required")
		return
	}
	if len(body.CompositeIDs) > 1000 {
		s.writeError(w, m, http.StatusRequestEntityTooLarge, fmt.Sprintf("too many composite_ids: %d, at most 1000", len(body.CompositeIDs)))
		return
	}
	s.mu.Lock()
	s.ensureAlerts()
	res, errs := lookup(body.CompositeIDs, s.alertByID, "alert")
	s.mu.Unlock()
	// Alerts answers 200 with error entries for the ids it does not know.
	writeEntities(s, w, m, res, errs, http.StatusOK)
}

type actionParameter struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

var alertStatuses = map[string]bool{"new": true, "in_progress": true, "reopened": true, "closed": true}

func (s *Server) updateAlerts(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "detectsapi"
	var body struct {
		CompositeIDs     []string          `json:"composite_ids"`
		ActionParameters []actionParameter `json:"action_parameters"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body); err != nil {
		s.writeError(w, m, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	switch {
	case len(body.CompositeIDs) == 0:
		s.writeError(w, m, http.StatusBadRequest, "composite_ids: at least one id is required")
		return
	case len(body.CompositeIDs) > 1000:
		s.writeError(w, m, http.StatusRequestEntityTooLarge, fmt.Sprintf("too many composite_ids: %d, at most 1000", len(body.CompositeIDs)))
		return
	case len(body.ActionParameters) == 0:
		s.writeError(w, m, http.StatusBadRequest, "action_parameters: at least one action is required")
		return
	}
	type act struct{ name, value string }
	var acts []act
	for _, p := range body.ActionParameters {
		var v string
		if err := json.Unmarshal(p.Value, &v); err != nil {
			s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("action %q: the value must be a string, got %s", p.Name, string(p.Value)))
			return
		}
		switch p.Name {
		case "update_status":
			if !alertStatuses[v] {
				s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("update_status: invalid status %q (new, in_progress, reopened, closed)", v))
				return
			}
		case "show_in_ui":
			// An empty value is documented and accepted; it changes nothing.
			if v != "true" && v != "false" && v != "" {
				s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("show_in_ui: %q is not \"true\" or \"false\"", v))
				return
			}
		case "remove_tags_by_prefix":
			if v == "" {
				s.writeError(w, m, http.StatusBadRequest, "remove_tags_by_prefix: a prefix is required")
				return
			}
		case "assign_to_uuid", "assign_to_user_id", "assign_to_name", "unassign", "append_comment", "add_tag", "remove_tag":
		default:
			s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("unknown action %q", p.Name))
			return
		}
		acts = append(acts, act{p.Name, v})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureAlerts()
	var assignee *user
	for _, a := range acts {
		var match func(u user) bool
		switch a.name {
		case "assign_to_uuid":
			match = func(u user) bool { return u.UUID == a.value }
		case "assign_to_user_id":
			match = func(u user) bool { return strings.EqualFold(u.UID, a.value) }
		case "assign_to_name":
			match = func(u user) bool { return strings.EqualFold(u.Name(), a.value) }
		default:
			continue
		}
		for i := range s.users {
			if match(s.users[i]) {
				assignee = &s.users[i]
			}
		}
		if assignee == nil {
			s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("%s: %q is not a user of this customer", a.name, a.value))
			return
		}
	}
	now := s.now().UTC().Format(time.RFC3339Nano)
	attrs := map[string]string{}
	for _, a := range acts {
		attrs[a.name] = a.value
	}
	ans := s.applyEach(body.CompositeIDs, "alert", func(id string) bool { return s.alertByID[id] != nil }, func(id string) {
		al := s.alertByID[id]
		for _, a := range acts {
			switch a.name {
			case "update_status":
				al.Status = a.value
			case "assign_to_uuid", "assign_to_user_id", "assign_to_name":
				al.AssignedToUID, al.AssignedToName, al.AssignedToUUID = assignee.UID, assignee.Name(), assignee.UUID
			case "unassign":
				al.AssignedToUID, al.AssignedToName, al.AssignedToUUID = "", "", ""
			case "append_comment":
				al.comments = append(al.comments, a.value)
			case "add_tag":
				if !containsString(al.Tags, a.value) {
					al.Tags = append(al.Tags, a.value)
				}
			case "remove_tag":
				al.Tags = dropTags(al.Tags, func(t string) bool { return t == a.value })
			case "remove_tags_by_prefix":
				al.Tags = dropTags(al.Tags, func(t string) bool { return strings.HasPrefix(t, a.value) })
			case "show_in_ui":
				if a.value != "" {
					al.ShowInUI = a.value == "true"
				}
			}
		}
		al.UpdatedTimestamp = now
		s.auditUpdate("composite_id", id, s.opts.ClientID, attrs)
	})
	s.answerUpdate(w, m, ans)
}

func dropTags(tags []string, drop func(string) bool) []string {
	keep := []string{}
	for _, t := range tags {
		if !drop(t) {
			keep = append(keep, t)
		}
	}
	return keep
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) aggregateAlerts(w http.ResponseWriter, r *http.Request, m *meta) {
	m.PoweredBy = "detectsapi"
	s.aggregateOver(w, r, m, alertType, func(filter, q string) ([]reflect.Value, string) {
		found, msg := s.matchAlerts(filter, q, "", true)
		out := make([]reflect.Value, len(found))
		for i, a := range found {
			out[i] = reflect.ValueOf(a).Elem()
		}
		return out, msg
	})
}

// Alert returns a copy of an alert's state as JSON, for tests.
func (s *Server) Alert(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureAlerts()
	a := s.alertByID[id]
	if a == nil {
		return nil, false
	}
	b, _ := json.Marshal(a)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m, true
}

// AlertComments returns the comments appended to an alert.
func (s *Server) AlertComments(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureAlerts()
	if a := s.alertByID[id]; a != nil {
		return append([]string(nil), a.comments...)
	}
	return nil
}

// AlertIDs returns every alert id.
func (s *Server) AlertIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureAlerts()
	ids := make([]string, len(s.alerts))
	for i, a := range s.alerts {
		ids[i] = a.CompositeID
	}
	return ids
}

// AddIncidents generates n new detections, as if sensors had just reported
// them, and returns their ids. Their alerts reach the Alerts API; the
// Detects API shows the detections unless it is stale (DetectsStale).
func (s *Server) AddIncidents(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureAlerts()
	s.added++
	o := s.opts.GenOptions
	o.Count, o.Base = n, s.now()
	r := rand.New(rand.NewPCG(o.Seed+s.added, o.Seed^uint64(s.added)<<32))
	dets := genDetections(r, o, s.users, 10*time.Minute, nil)
	ids := make([]string, len(dets))
	for i, d := range dets {
		// Just reported: nobody has looked at them yet.
		d.Status, d.AssignedToUID, d.AssignedToName, d.AssignedToUUID = "new", "", "", ""
		d.SecondsToTriaged, d.SecondsToResolved = 0, 0
		ids[i] = d.DetectionID
		if !s.opts.DetectsStale {
			s.dets = append(s.dets, d)
			s.byID[d.DetectionID] = d
		}
	}
	added := alertsFrom(dets)
	s.addAlerts(added)
	for _, a := range added {
		s.summaryEvent(a)
	}
	return ids
}

// processDetails is an alert's parent or grandparent process, in the Alerts
// API's own names (Detects' behaviours say parent_cmdline, parent_sha256…).
type processDetails struct {
	Cmdline        string `json:"cmdline"`
	Filename       string `json:"filename"`
	Filepath       string `json:"filepath"`
	LocalProcessID string `json:"local_process_id"`
	MD5            string `json:"md5"`
	SHA256         string `json:"sha256"`
	ProcessGraphID string `json:"process_graph_id"`
	ProcessID      string `json:"process_id"`
	Timestamp      string `json:"timestamp"`
	UserGraphID    string `json:"user_graph_id"`
	UserID         string `json:"user_id"`
	UserName       string `json:"user_name"`
}

// processTree is an endpoint alert's parent and grandparent, made from the
// behaviour's parent without drawing from the generator (same seed, same
// data). The grandparent is nil where the service would carry none: a
// parent started by the system itself.
func processTree(b behavior, platform string) (*processDetails, *processDetails) {
	pb := b.ParentDetails
	id := strings.TrimPrefix(pb.ParentProcGraph, "pid:"+b.DeviceID+":")
	parent := &processDetails{
		Cmdline: pb.ParentCmdline, MD5: pb.ParentMD5, SHA256: pb.ParentSHA256,
		ProcessGraphID: pb.ParentProcGraph, ProcessID: id, LocalProcessID: localPID(id),
		Timestamp: b.Timestamp, UserID: b.UserID, UserName: b.UserName,
		UserGraphID: "uid:" + b.DeviceID + ":" + b.UserID,
	}
	parent.Filepath, parent.Filename = splitImage(pb.ParentCmdline)
	gcmd := grandparentOf(parent.Filename, platform)
	if gcmd == "" {
		return parent, nil
	}
	h := fnv.New64a()
	h.Write([]byte(gcmd))
	h.Write([]byte(b.DeviceID))
	gid := strconv.FormatUint(h.Sum64()%1e12, 10)
	sums := grandparentHashes[gcmd]
	grand := &processDetails{
		Cmdline: gcmd, MD5: sums.md5, SHA256: sums.sha256,
		ProcessGraphID: "pid:" + b.DeviceID + ":" + gid, ProcessID: gid, LocalProcessID: localPID(gid),
		Timestamp: b.Timestamp, UserID: b.UserID, UserName: b.UserName,
		UserGraphID: parent.UserGraphID,
	}
	grand.Filepath, grand.Filename = splitImage(gcmd)
	return parent, grand
}

// grandparentHashes are the hashes of the grandparents' files, made once.
var grandparentHashes = func() map[string]hashes {
	out := map[string]hashes{}
	for _, parent := range []string{"explorer.exe", "winword.exe", "sshd", "bash", "terminal"} {
		for _, platform := range []string{"Windows", "Linux", "Mac"} {
			if g := grandparentOf(parent, platform); g != "" {
				m, s := md5.Sum([]byte(g)), sha256.Sum256([]byte(g))
				out[g] = hashes{hex.EncodeToString(m[:]), hex.EncodeToString(s[:])}
			}
		}
	}
	return out
}()

// grandparentOf names what starts a parent process on its platform; "" for
// the processes the system starts (whose own parent the service drops).
func grandparentOf(parent, platform string) string {
	switch strings.ToLower(parent) {
	case "explorer.exe":
		return `C:\Windows\System32\userinit.exe`
	case "winword.exe", "cmd.exe", "powershell.exe":
		return `C:\Windows\Explorer.EXE`
	case "sshd":
		return "/usr/lib/systemd/systemd --system"
	case "bash", "sh", "zsh":
		if platform == "Mac" {
			return "/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal"
		}
		return "/usr/sbin/sshd -D"
	case "terminal":
		return "/sbin/launchd"
	}
	return ""
}

// splitImage reads a command line's image as a folder and a file name.
func splitImage(cmd string) (dir, file string) {
	img := cmd
	if strings.HasPrefix(img, `"`) {
		if end := strings.Index(img[1:], `"`); end >= 0 {
			img = img[1 : end+1]
		}
	} else if sp := strings.IndexByte(img, ' '); sp >= 0 {
		img = img[:sp]
	}
	cut := strings.LastIndexAny(img, `\/`)
	return img[:cut+1], img[cut+1:]
}

func localPID(graphID string) string {
	n, _ := strconv.ParseUint(graphID, 10, 64)
	return strconv.FormatUint(1000+n%60000, 10)
}
