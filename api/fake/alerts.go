package fake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// The Alerts API, successor of Detects: the same generated incidents, one
// alert per behaviour, each with a state of its own.

type alert struct {
	CompositeID       string             `json:"composite_id"`
	AggregateID       string             `json:"aggregate_id"`
	CID               string             `json:"cid"`
	CreatedTimestamp  string             `json:"created_timestamp"`
	Timestamp         string             `json:"timestamp"`
	UpdatedTimestamp  string             `json:"updated_timestamp"`
	Status            string             `json:"status"`
	AssignedToUID     string             `json:"assigned_to_uid,omitempty"`
	AssignedToName    string             `json:"assigned_to_name,omitempty"`
	AssignedToUUID    string             `json:"assigned_to_uuid,omitempty"`
	ShowInUI          bool               `json:"show_in_ui"`
	Severity          int                `json:"severity"`
	SeverityName      string             `json:"severity_name"`
	Confidence        int                `json:"confidence"`
	Tags              []string           `json:"tags"`
	Device            device             `json:"device"`
	Tactic            string             `json:"tactic"`
	TacticID          string             `json:"tactic_id"`
	Technique         string             `json:"technique"`
	TechniqueID       string             `json:"technique_id"`
	Objective         string             `json:"objective"`
	Scenario          string             `json:"scenario"`
	DisplayName       string             `json:"display_name"`
	Description       string             `json:"description"`
	Filename          string             `json:"filename"`
	Filepath          string             `json:"filepath"`
	Cmdline           string             `json:"cmdline"`
	SHA256            string             `json:"sha256"`
	MD5               string             `json:"md5"`
	UserName          string             `json:"user_name"`
	ParentDetails     parentDetails      `json:"parent_details"`
	PatternDispo      int                `json:"pattern_disposition"`
	PatternDispoDet   dispositionDetails `json:"pattern_disposition_details"`
	SecondsToTriaged  int64              `json:"seconds_to_triaged"`
	SecondsToResolved int64              `json:"seconds_to_resolved"`
	comments          []string
}

var alertType = reflect.TypeOf(alert{})

// ensureAlerts derives the alerts from the detections on first use, so a
// fake that only serves Detects does not hold both. Called with s.mu held.
func (s *Server) ensureAlerts() {
	if s.alertByID != nil {
		return
	}
	s.alerts = alertsFrom(s.dets)
	s.alertByID = make(map[string]*alert, len(s.alerts))
	for _, a := range s.alerts {
		s.alertByID[a.CompositeID] = a
	}
}

var alertSortFields = map[string]bool{
	"timestamp": true, "created_timestamp": true, "updated_timestamp": true, "severity": true,
	"confidence": true, "device.hostname": true,
}

// alertsFrom turns detections into alerts: one per behaviour, grouped by the
// detection as their incident (aggregate_id).
func alertsFrom(dets []*detection) []*alert {
	var out []*alert
	for _, d := range dets {
		parts := strings.Split(d.DetectionID, ":")
		seq := parts[len(parts)-1]
		for i, b := range d.Behaviors {
			a := &alert{
				CompositeID:      fmt.Sprintf("%s:ind:%s:%s-%s-%d", d.CID, d.Device.DeviceID, seq, b.BehaviorID, i),
				AggregateID:      fmt.Sprintf("aggind:%s:%s", d.Device.DeviceID, seq),
				CID:              d.CID,
				CreatedTimestamp: d.CreatedTimestamp, Timestamp: b.Timestamp, UpdatedTimestamp: d.DateUpdated,
				Status: d.Status, AssignedToUID: d.AssignedToUID, AssignedToName: d.AssignedToName, AssignedToUUID: d.AssignedToUUID,
				ShowInUI: d.ShowInUI, Severity: b.Severity, SeverityName: severityName(b.Severity), Confidence: b.Confidence,
				Tags: []string{}, Device: d.Device, Tactic: b.Tactic, TacticID: b.TacticID, Technique: b.Technique,
				TechniqueID: b.TechniqueID, Objective: b.Objective, Scenario: b.Scenario, DisplayName: b.DisplayName,
				Description: b.Description, Filename: b.Filename, Filepath: b.Filepath, Cmdline: b.Cmdline, SHA256: b.SHA256,
				MD5: b.MD5, UserName: b.UserName, ParentDetails: b.ParentDetails, PatternDispo: b.PatternDispo,
				PatternDispoDet: b.PatternDispoDet, SecondsToTriaged: d.SecondsToTriaged, SecondsToResolved: d.SecondsToResolved,
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
	field, dir, _ := strings.Cut(sortSpec, "|")
	if !alertSortFields[field] || (dir != "" && dir != "asc" && dir != "desc") {
		return nil, fmt.Sprintf("Invalid sort: %q; sortable fields are timestamp, created_timestamp, updated_timestamp, severity, confidence, device.hostname with |asc or |desc", sortSpec)
	}
	acc, _ := resolve(alertType, field)
	sortDocs(out, func(a *alert) reflect.Value { return reflect.ValueOf(a).Elem() }, acc, dir == "desc")
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
		Limit  int    `json:"limit"`
		After  string `json:"after"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		s.writeError(w, m, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	if body.Limit == 0 {
		body.Limit = 100
	}
	if body.Limit < 1 || body.Limit > 1000 {
		s.writeError(w, m, http.StatusBadRequest, "limit must be between 1 and 1000")
		return
	}
	key := body.Filter + "|" + body.Sort
	offset := 0
	if body.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(body.After)
		var c cursor
		if err != nil || json.Unmarshal(raw, &c) != nil || c.Query != key {
			s.writeError(w, m, http.StatusBadRequest, "invalid after token for this query")
			return
		}
		offset = c.Offset
	}
	s.mu.Lock()
	found, msg := s.matchAlerts(body.Filter, "", body.Sort, true)
	var page []alert
	for i := offset; i < len(found) && i < offset+body.Limit; i++ {
		page = append(page, *found[i])
	}
	s.mu.Unlock()
	if msg != "" {
		s.writeError(w, m, http.StatusBadRequest, msg)
		return
	}
	m.Pagination = &pagination{Limit: body.Limit, Total: len(found)}
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
			if v != "true" && v != "false" {
				s.writeError(w, m, http.StatusBadRequest, fmt.Sprintf("show_in_ui: %q is not \"true\" or \"false\"", v))
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
	applied, errs, drop := s.applyEach(body.CompositeIDs, "alert", func(id string) bool { return s.alertByID[id] != nil }, func(id string) {
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
				keep := []string{}
				for _, t := range al.Tags {
					if t != a.value {
						keep = append(keep, t)
					}
				}
				al.Tags = keep
			case "show_in_ui":
				al.ShowInUI = a.value == "true"
			}
		}
		al.UpdatedTimestamp = now
	})
	s.answerUpdate(w, m, applied, errs, drop)
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
