package export

import (
	"strconv"

	"github.com/falcon-triage/falcon-triage/model"
)

// Detection is one Detects detection as JSON and JSONL exports write it:
// the Detects API's field names, nested as the service nests them
// (device.hostname, behaviors[].parent_details.parent_sha256).
type Detection struct {
	DetectionID    string     `json:"detection_id"`
	AggregateID    string     `json:"aggregate_id,omitempty"`
	Status         string     `json:"status"`
	MaxSeverity    int        `json:"max_severity"`
	SeverityName   string     `json:"max_severity_displayname"`
	MaxConfidence  int        `json:"max_confidence"`
	Created        string     `json:"created_timestamp"`
	FirstBehavior  string     `json:"first_behavior"`
	LastBehavior   string     `json:"last_behavior"`
	DateUpdated    string     `json:"date_updated"`
	AssignedToUID  string     `json:"assigned_to_uid"`
	AssignedToName string     `json:"assigned_to_name"`
	ShowInUI       bool       `json:"show_in_ui"`
	Tags           []string   `json:"tags,omitempty"`
	Device         Device     `json:"device"`
	Behaviors      []Behavior `json:"behaviors"`
}

// Device is the host of a detection or an alert.
type Device struct {
	DeviceID   string `json:"device_id"`
	Hostname   string `json:"hostname"`
	Platform   string `json:"platform_name"`
	OSVersion  string `json:"os_version,omitempty"`
	LocalIP    string `json:"local_ip"`
	ExternalIP string `json:"external_ip"`
	Domain     string `json:"machine_domain,omitempty"`
}

// Behavior is one behaviour of a Detects detection.
type Behavior struct {
	BehaviorID  string `json:"behavior_id"`
	Timestamp   string `json:"timestamp"`
	Severity    int    `json:"severity"`
	Confidence  int    `json:"confidence"`
	Tactic      string `json:"tactic"`
	TacticID    string `json:"tactic_id"`
	Technique   string `json:"technique"`
	TechniqueID string `json:"technique_id"`
	Scenario    string `json:"scenario"`
	Objective   string `json:"objective"`
	Description string `json:"description"`
	Filename    string `json:"filename"`
	Filepath    string `json:"filepath"`
	Cmdline     string `json:"cmdline"`
	SHA256      string `json:"sha256"`
	MD5         string `json:"md5"`
	UserName    string `json:"user_name"`
	// ParentDetails are named as Detects names them, parent_ first.
	ParentDetails DetectsParent `json:"parent_details"`
	// Disposition is what the sensor did, in words (the service's
	// pattern_disposition_details, read).
	Disposition string `json:"disposition"`
}

// DetectsParent is a Detects behaviour's parent process.
type DetectsParent struct {
	Cmdline string `json:"parent_cmdline"`
	SHA256  string `json:"parent_sha256"`
	MD5     string `json:"parent_md5"`
}

func detectsRecord(d *model.Detection) Detection {
	r := Detection{
		DetectionID: d.ID, AggregateID: d.AggregateID, Status: string(d.Status), MaxSeverity: d.MaxSeverity,
		SeverityName: d.SeverityName, MaxConfidence: d.MaxConfidence, Created: timeString(d.Created),
		FirstBehavior: timeString(d.FirstBehavior), LastBehavior: timeString(d.LastBehavior), DateUpdated: timeString(d.Updated),
		AssignedToUID: d.AssigneeUID, AssignedToName: d.AssigneeName, ShowInUI: d.ShowInUI, Tags: d.Tags,
		Device: Device{DeviceID: d.Device.ID, Hostname: d.Device.Hostname, Platform: d.Device.Platform, OSVersion: d.Device.OSVersion,
			LocalIP: d.Device.LocalIP, ExternalIP: d.Device.ExternalIP, Domain: d.Device.MachineDomain},
		Behaviors: []Behavior{},
	}
	for _, b := range d.Behaviors {
		r.Behaviors = append(r.Behaviors, Behavior{
			BehaviorID: b.ID, Timestamp: timeString(b.Time), Severity: b.Severity, Confidence: b.Confidence,
			Tactic: b.Tactic, TacticID: b.TacticID, Technique: b.Technique, TechniqueID: b.TechniqueID,
			Scenario: b.Scenario, Objective: b.Objective, Description: b.Description, Filename: b.FileName,
			Filepath: b.FilePath, Cmdline: b.CmdLine, SHA256: b.SHA256, MD5: b.MD5, UserName: b.UserName,
			ParentDetails: DetectsParent{Cmdline: b.ParentCmdLine, SHA256: b.ParentSHA256, MD5: b.ParentMD5},
			Disposition:   b.Disposition.Words(),
		})
	}
	return r
}

// DetectsColumns are the CSV export's columns on Detects, in order. They do
// not change with the data: one row per detection, its worst behaviour
// flattened in.
var DetectsColumns = []string{
	"detection_id", "status", "max_severity", "severity", "max_confidence", "first_behavior", "last_behavior",
	"date_updated", "hostname", "platform", "local_ip", "external_ip", "assigned_to_uid", "assigned_to_name",
	"show_in_ui", "behaviors", "tactic", "technique_id", "technique", "scenario", "filename", "filepath",
	"cmdline", "sha256", "parent_cmdline", "disposition", "md5", "parent_sha256", "parent_md5",
}

func detectsRow(d *model.Detection) []string {
	row := []string{
		d.ID, string(d.Status), itoa(d.MaxSeverity), d.SeverityName, itoa(d.MaxConfidence),
		timeString(d.FirstBehavior), timeString(d.LastBehavior), timeString(d.Updated), d.Device.Hostname,
		d.Device.Platform, d.Device.LocalIP, d.Device.ExternalIP, d.AssigneeUID, d.AssigneeName,
		strconv.FormatBool(d.ShowInUI), itoa(len(d.Behaviors)),
	}
	if w := d.Worst(); w != nil {
		row = append(row, w.Tactic, w.TechniqueID, w.Technique, w.Scenario, w.FileName, w.FilePath, w.CmdLine, w.SHA256,
			w.ParentCmdLine, w.Disposition.Words(), w.MD5, w.ParentSHA256, w.ParentMD5)
	} else {
		row = append(row, make([]string, len(DetectsColumns)-len(row))...)
	}
	return cells(row)
}

// Alert is one Alerts alert as JSON and JSONL exports write it: the Alerts
// API's field names, one alert one behaviour, nested as the service nests
// them (device.hostname, parent_details.sha256). An alert with no host (an
// identity alert) has no device, and one with no process no parent.
type Alert struct {
	CompositeID       string         `json:"composite_id"`
	AggregateID       string         `json:"aggregate_id,omitempty"`
	Product           string         `json:"product,omitempty"`
	Status            string         `json:"status"`
	Verdict           string         `json:"verdict,omitempty"`
	Severity          int            `json:"severity"`
	SeverityName      string         `json:"severity_name"`
	Confidence        int            `json:"confidence"`
	Timestamp         string         `json:"timestamp"`
	Created           string         `json:"created_timestamp"`
	Updated           string         `json:"updated_timestamp"`
	AssignedToUID     string         `json:"assigned_to_uid"`
	AssignedToName    string         `json:"assigned_to_name"`
	ShowInUI          bool           `json:"show_in_ui"`
	Tags              []string       `json:"tags,omitempty"`
	Device            *Device        `json:"device,omitempty"`
	SourceAccountName string         `json:"source_account_name,omitempty"`
	SourceAccountUPN  string         `json:"source_account_upn,omitempty"`
	SourceHost        string         `json:"source_endpoint_host_name,omitempty"`
	SourceIP          string         `json:"source_endpoint_ip_address,omitempty"`
	TargetAccount     string         `json:"target_account_name,omitempty"`
	Tactic            string         `json:"tactic,omitempty"`
	TacticID          string         `json:"tactic_id,omitempty"`
	Technique         string         `json:"technique,omitempty"`
	TechniqueID       string         `json:"technique_id,omitempty"`
	Scenario          string         `json:"scenario,omitempty"`
	Description       string         `json:"description,omitempty"`
	Filename          string         `json:"filename,omitempty"`
	Filepath          string         `json:"filepath,omitempty"`
	Cmdline           string         `json:"cmdline,omitempty"`
	SHA256            string         `json:"sha256,omitempty"`
	MD5               string         `json:"md5,omitempty"`
	UserName          string         `json:"user_name,omitempty"`
	ParentDetails     *AlertsProcess `json:"parent_details,omitempty"`
	Disposition       string         `json:"disposition,omitempty"`
}

// AlertsProcess is an alert's parent process, named as Alerts names it.
type AlertsProcess struct {
	Cmdline string `json:"cmdline,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
	MD5     string `json:"md5,omitempty"`
}

func alertsRecord(d *model.Detection) Alert {
	r := Alert{
		CompositeID: d.ID, AggregateID: d.AggregateID, Product: d.Product, Status: string(d.Status), Verdict: string(d.Verdict),
		Severity: d.MaxSeverity, SeverityName: d.SeverityName, Confidence: d.MaxConfidence, Timestamp: timeString(d.LastBehavior),
		Created: timeString(d.Created), Updated: timeString(d.Updated), AssignedToUID: d.AssigneeUID, AssignedToName: d.AssigneeName,
		ShowInUI: d.ShowInUI, Tags: d.Tags, SourceAccountName: d.Identity.AccountName,
		SourceAccountUPN: d.Identity.AccountUPN, SourceHost: d.Identity.SourceHost, SourceIP: d.Identity.SourceIP,
		TargetAccount: d.Identity.TargetAccount,
	}
	if dev := d.Device; dev.ID != "" || dev.Hostname != "" {
		r.Device = &Device{DeviceID: dev.ID, Hostname: dev.Hostname, Platform: dev.Platform, LocalIP: dev.LocalIP, ExternalIP: dev.ExternalIP}
	}
	if b := d.Worst(); b != nil {
		r.Tactic, r.TacticID, r.Technique, r.TechniqueID, r.Scenario, r.Description = b.Tactic, b.TacticID, b.Technique, b.TechniqueID, b.Scenario, b.Description
		r.Filename, r.Filepath, r.Cmdline, r.SHA256, r.MD5, r.UserName = b.FileName, b.FilePath, b.CmdLine, b.SHA256, b.MD5, b.UserName
		if p := (AlertsProcess{Cmdline: b.ParentCmdLine, SHA256: b.ParentSHA256, MD5: b.ParentMD5}); p != (AlertsProcess{}) {
			r.ParentDetails = &p
		}
		if b.Disposition != (model.Disposition{}) {
			r.Disposition = b.Disposition.Words()
		}
	}
	return r
}

// AlertsColumns are the CSV export's columns on Alerts, in the API's names
// (a nested field by its path).
var AlertsColumns = []string{
	"composite_id", "product", "status", "verdict", "severity", "severity_name", "confidence", "timestamp",
	"created_timestamp", "updated_timestamp", "device.hostname", "source_account_name", "source_endpoint_host_name",
	"assigned_to_uid", "assigned_to_name", "show_in_ui", "tags", "tactic", "technique_id", "technique", "scenario",
	"filename", "filepath", "cmdline", "sha256", "disposition", "md5", "parent_details.cmdline",
	"parent_details.sha256", "parent_details.md5",
}

func alertsRow(d *model.Detection) []string {
	r := alertsRecord(d)
	host, parent := "", AlertsProcess{}
	if r.Device != nil {
		host = r.Device.Hostname
	}
	if r.ParentDetails != nil {
		parent = *r.ParentDetails
	}
	return cells([]string{
		r.CompositeID, r.Product, r.Status, r.Verdict, itoa(r.Severity), r.SeverityName, itoa(r.Confidence),
		r.Timestamp, r.Created, r.Updated, host, r.SourceAccountName, r.SourceHost, r.AssignedToUID, r.AssignedToName,
		strconv.FormatBool(r.ShowInUI), joinTags(r.Tags), r.Tactic, r.TechniqueID, r.Technique, r.Scenario,
		r.Filename, r.Filepath, r.Cmdline, r.SHA256, r.Disposition, r.MD5, parent.Cmdline, parent.SHA256, parent.MD5,
	})
}
