package fake

import (
	"encoding/json"
	"fmt"
)

// The fake's own wire structs. They are deliberately not shared with the
// client: a wrong JSON tag on one side must show up as a failing test, which
// a shared struct would hide. Both sides are held against testdata/ instead.

type envelope struct {
	Meta      meta       `json:"meta"`
	Resources any        `json:"resources"`
	Errors    []apiError `json:"errors"`
}

type meta struct {
	QueryTime  float64     `json:"query_time"`
	PoweredBy  string      `json:"powered_by"`
	TraceID    string      `json:"trace_id"`
	Pagination *pagination `json:"pagination,omitempty"`
	Writes     *writes     `json:"writes,omitempty"`
	After      string      `json:"after,omitempty"`
}

type pagination struct {
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
	Total  int    `json:"total"`
	After  string `json:"after,omitempty"`
}

type writes struct {
	ResourcesAffected int `json:"resources_affected"`
}

type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	ID      string `json:"id,omitempty"`
}

type detection struct {
	DetectionID       string            `json:"detection_id"`
	CID               string            `json:"cid"`
	CreatedTimestamp  string            `json:"created_timestamp"`
	FirstBehavior     string            `json:"first_behavior"`
	LastBehavior      string            `json:"last_behavior"`
	DateUpdated       string            `json:"date_updated"`
	Status            string            `json:"status"`
	AssignedToUID     string            `json:"assigned_to_uid,omitempty"`
	AssignedToName    string            `json:"assigned_to_name,omitempty"`
	AssignedToUUID    string            `json:"-"`
	ShowInUI          bool              `json:"show_in_ui"`
	EmailSent         bool              `json:"email_sent"`
	MaxSeverity       int               `json:"max_severity"`
	MaxSeverityName   string            `json:"max_severity_displayname"`
	MaxConfidence     int               `json:"max_confidence"`
	SecondsToTriaged  int64             `json:"seconds_to_triaged"`
	SecondsToResolved int64             `json:"seconds_to_resolved"`
	AdversaryIDs      []int64           `json:"adversary_ids,omitempty"`
	OverwatchNotes    string            `json:"overwatch_notes,omitempty"`
	Device            device            `json:"device"`
	HostInfo          hostInfo          `json:"hostinfo"`
	Behaviors         []behavior        `json:"behaviors"`
	BehaviorsProc     []string          `json:"behaviors_processed"`
	Quarantined       []quarantinedFile `json:"quarantined_files,omitempty"`
	comments          []string
}

type device struct {
	DeviceID        string   `json:"device_id"`
	CID             string   `json:"cid"`
	Hostname        string   `json:"hostname"`
	LocalIP         string   `json:"local_ip"`
	ExternalIP      string   `json:"external_ip"`
	MACAddress      string   `json:"mac_address"`
	PlatformName    string   `json:"platform_name"`
	OSVersion       string   `json:"os_version"`
	AgentVersion    string   `json:"agent_version"`
	MachineDomain   string   `json:"machine_domain,omitempty"`
	SiteName        string   `json:"site_name,omitempty"`
	OU              []string `json:"ou,omitempty"`
	Groups          []string `json:"groups,omitempty"`
	Tags            []string `json:"tags,omitempty"`
	Status          string   `json:"status"`
	FirstSeen       string   `json:"first_seen"`
	LastSeen        string   `json:"last_seen"`
	ProductTypeDesc string   `json:"product_type_desc"`
}

type hostInfo struct {
	Domain    string   `json:"domain"`
	ADDisplay []string `json:"active_directory_dn_display,omitempty"`
}

type behavior struct {
	BehaviorID        string             `json:"behavior_id"`
	Timestamp         string             `json:"timestamp"`
	Severity          int                `json:"severity"`
	Confidence        int                `json:"confidence"`
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
	MD5               string             `json:"md5"`
	SHA256            string             `json:"sha256"`
	UserName          string             `json:"user_name"`
	UserID            string             `json:"user_id"`
	IOCType           string             `json:"ioc_type"`
	IOCValue          string             `json:"ioc_value"`
	IOCSource         string             `json:"ioc_source"`
	IOCDescription    string             `json:"ioc_description"`
	AllegedFiletype   string             `json:"alleged_filetype"`
	PatternDispo      int                `json:"pattern_disposition"`
	PatternDispoDet   dispositionDetails `json:"pattern_disposition_details"`
	ParentDetails     parentDetails      `json:"parent_details"`
	ControlGraphID    string             `json:"control_graph_id"`
	TriggeringGraphID string             `json:"triggering_process_graph_id"`
	DeviceID          string             `json:"device_id"`
}

type dispositionDetails struct {
	Detect          bool `json:"detect"`
	KillProcess     bool `json:"kill_process"`
	KillParent      bool `json:"kill_parent"`
	QuarantineFile  bool `json:"quarantine_file"`
	ProcessBlocked  bool `json:"process_blocked"`
	OperationBlock  bool `json:"operation_blocked"`
	PolicyDisabled  bool `json:"policy_disabled"`
	RegistryBlocked bool `json:"registry_operation_blocked"`
}

type parentDetails struct {
	ParentCmdline   string `json:"parent_cmdline"`
	ParentMD5       string `json:"parent_md5"`
	ParentSHA256    string `json:"parent_sha256"`
	ParentProcGraph string `json:"parent_process_graph_id"`
}

type quarantinedFile struct {
	ID     string   `json:"id"`
	Paths  []string `json:"paths"`
	SHA256 string   `json:"sha256"`
	State  string   `json:"state"`
}

type user struct {
	UUID      string `json:"uuid"`
	UID       string `json:"uid"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	CID       string `json:"cid"`
}

type updateRequest struct {
	IDs            []string `json:"ids"`
	Status         *string  `json:"status"`
	AssignedToUUID *string  `json:"assigned_to_uuid"`
	Comment        *string  `json:"comment"`
	ShowInUI       *bool    `json:"show_in_ui"`
}

type aggRequest struct {
	Name          string         `json:"name"`
	Type          string         `json:"type"`
	Field         string         `json:"field"`
	Filter        string         `json:"filter"`
	Q             string         `json:"q"`
	Interval      string         `json:"interval"`
	Size          int            `json:"size"`
	Sort          string         `json:"sort"`
	MinDocCount   *int           `json:"min_doc_count"`
	Missing       string         `json:"missing"`
	TimeZone      string         `json:"time_zone"`
	DateRanges    []aggDateRange `json:"date_ranges"`
	Ranges        []aggRange     `json:"ranges"`
	SubAggregates []aggRequest   `json:"sub_aggregates"`
}

type aggDateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type aggRange struct {
	From *float64 `json:"From"`
	To   *float64 `json:"To"`
	// hasFrom and hasTo: the key was sent, spelled as the service spells
	// it (encoding/json would take "from" for "From").
	hasFrom, hasTo bool
}

// UnmarshalJSON reads a range by its exact keys: a lowercase "from" or "to"
// is not the service's field.
func (r *aggRange) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for k, v := range raw {
		var dst **float64
		switch k {
		case "From":
			dst, r.hasFrom = &r.From, true
		case "To":
			dst, r.hasTo = &r.To, true
		default:
			return fmt.Errorf("range: unknown field %q (the keys are From and To)", k)
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("range %s: %v", k, err)
		}
	}
	return nil
}

type aggResult struct {
	Name             string      `json:"name"`
	Buckets          []aggBucket `json:"buckets"`
	SumOtherDocCount int64       `json:"sum_other_doc_count"`
	ErrorUpperBound  int64       `json:"doc_count_error_upper_bound"`
}

type aggBucket struct {
	Label         any         `json:"label"`
	Count         int64       `json:"count"`
	Value         *float64    `json:"value,omitempty"`
	From          *float64    `json:"from,omitempty"`
	To            *float64    `json:"to,omitempty"`
	KeyAsString   string      `json:"key_as_string,omitempty"`
	SubAggregates []aggResult `json:"sub_aggregates,omitempty"`
}
