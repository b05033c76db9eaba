package api

import (
	"time"

	"github.com/falcon-triage/falcon-triage/model"
)

// The client's view of a Detects summary. Only what the console uses is
// decoded; unknown fields are ignored, as the service adds them over time.
type wireDetection struct {
	DetectionID       string  `json:"detection_id"`
	CID               string  `json:"cid"`
	CreatedTimestamp  string  `json:"created_timestamp"`
	FirstBehavior     string  `json:"first_behavior"`
	LastBehavior      string  `json:"last_behavior"`
	DateUpdated       string  `json:"date_updated"`
	Status            string  `json:"status"`
	AssignedToUID     string  `json:"assigned_to_uid"`
	AssignedToName    string  `json:"assigned_to_name"`
	ShowInUI          bool    `json:"show_in_ui"`
	MaxSeverity       int     `json:"max_severity"`
	MaxSeverityName   string  `json:"max_severity_displayname"`
	MaxConfidence     int     `json:"max_confidence"`
	SecondsToTriaged  int64   `json:"seconds_to_triaged"`
	SecondsToResolved int64   `json:"seconds_to_resolved"`
	AdversaryIDs      []int64 `json:"adversary_ids"`
	OverwatchNotes    string  `json:"overwatch_notes"`
	Device            struct {
		DeviceID        string   `json:"device_id"`
		CID             string   `json:"cid"`
		Hostname        string   `json:"hostname"`
		LocalIP         string   `json:"local_ip"`
		ExternalIP      string   `json:"external_ip"`
		MACAddress      string   `json:"mac_address"`
		PlatformName    string   `json:"platform_name"`
		OSVersion       string   `json:"os_version"`
		AgentVersion    string   `json:"agent_version"`
		MachineDomain   string   `json:"machine_domain"`
		SiteName        string   `json:"site_name"`
		OU              []string `json:"ou"`
		Groups          []string `json:"groups"`
		Tags            []string `json:"tags"`
		FirstSeen       string   `json:"first_seen"`
		LastSeen        string   `json:"last_seen"`
		ProductTypeDesc string   `json:"product_type_desc"`
	} `json:"device"`
	HostInfo struct {
		Domain    string   `json:"domain"`
		ADDisplay []string `json:"active_directory_dn_display"`
	} `json:"hostinfo"`
	Behaviors []struct {
		BehaviorID     string `json:"behavior_id"`
		Timestamp      string `json:"timestamp"`
		Severity       int    `json:"severity"`
		Confidence     int    `json:"confidence"`
		Tactic         string `json:"tactic"`
		TacticID       string `json:"tactic_id"`
		Technique      string `json:"technique"`
		TechniqueID    string `json:"technique_id"`
		Objective      string `json:"objective"`
		Scenario       string `json:"scenario"`
		DisplayName    string `json:"display_name"`
		Description    string `json:"description"`
		Filename       string `json:"filename"`
		Filepath       string `json:"filepath"`
		Cmdline        string `json:"cmdline"`
		MD5            string `json:"md5"`
		SHA256         string `json:"sha256"`
		UserName       string `json:"user_name"`
		UserID         string `json:"user_id"`
		IOCType        string `json:"ioc_type"`
		IOCValue       string `json:"ioc_value"`
		IOCSource      string `json:"ioc_source"`
		IOCDescription string `json:"ioc_description"`
		PatternDispo   int    `json:"pattern_disposition"`
		Dispo          struct {
			Detect          bool `json:"detect"`
			KillProcess     bool `json:"kill_process"`
			KillParent      bool `json:"kill_parent"`
			QuarantineFile  bool `json:"quarantine_file"`
			ProcessBlocked  bool `json:"process_blocked"`
			OperationBlock  bool `json:"operation_blocked"`
			PolicyDisabled  bool `json:"policy_disabled"`
			RegistryBlocked bool `json:"registry_operation_blocked"`
		} `json:"pattern_disposition_details"`
		Parent struct {
			Cmdline string `json:"parent_cmdline"`
			MD5     string `json:"parent_md5"`
			SHA256  string `json:"parent_sha256"`
		} `json:"parent_details"`
		ControlGraphID    string `json:"control_graph_id"`
		TriggeringGraphID string `json:"triggering_process_graph_id"`
	} `json:"behaviors"`
	Quarantined []struct {
		ID     string   `json:"id"`
		Paths  []string `json:"paths"`
		SHA256 string   `json:"sha256"`
		State  string   `json:"state"`
	} `json:"quarantined_files"`
}

// parseTime reads the service's times: RFC 3339 with zero to nine
// fractional digits. An unreadable time becomes the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (w *wireDetection) model() model.Detection {
	d := model.Detection{
		ID: w.DetectionID, CID: w.CID,
		Created: parseTime(w.CreatedTimestamp), FirstBehavior: parseTime(w.FirstBehavior),
		LastBehavior: parseTime(w.LastBehavior), Updated: parseTime(w.DateUpdated),
		Status: model.Status(w.Status), AssigneeUID: w.AssignedToUID, AssigneeName: w.AssignedToName,
		ShowInUI: w.ShowInUI, MaxSeverity: w.MaxSeverity, SeverityName: w.MaxSeverityName,
		MaxConfidence: w.MaxConfidence, SecondsToTriaged: w.SecondsToTriaged, SecondsToResolved: w.SecondsToResolved,
		AdversaryIDs: w.AdversaryIDs, OverwatchNotes: w.OverwatchNotes,
		Domain: w.HostInfo.Domain, ADDisplay: w.HostInfo.ADDisplay,
		Device: model.Device{
			ID: w.Device.DeviceID, CID: w.Device.CID, Hostname: w.Device.Hostname, LocalIP: w.Device.LocalIP,
			ExternalIP: w.Device.ExternalIP, MACAddress: w.Device.MACAddress, Platform: w.Device.PlatformName,
			OSVersion: w.Device.OSVersion, AgentVersion: w.Device.AgentVersion, MachineDomain: w.Device.MachineDomain,
			SiteName: w.Device.SiteName, OU: w.Device.OU, Groups: w.Device.Groups, Tags: w.Device.Tags,
			ProductTypeDesc: w.Device.ProductTypeDesc,
			FirstSeen:       parseTime(w.Device.FirstSeen), LastSeen: parseTime(w.Device.LastSeen),
		},
	}
	for _, b := range w.Behaviors {
		d.Behaviors = append(d.Behaviors, model.Behavior{
			ID: b.BehaviorID, Time: parseTime(b.Timestamp), Severity: b.Severity, Confidence: b.Confidence,
			Tactic: b.Tactic, TacticID: b.TacticID, Technique: b.Technique, TechniqueID: b.TechniqueID,
			Objective: b.Objective, Scenario: b.Scenario, DisplayName: b.DisplayName, Description: b.Description,
			FileName: b.Filename, FilePath: b.Filepath, CmdLine: b.Cmdline, MD5: b.MD5, SHA256: b.SHA256,
			UserName: b.UserName, UserID: b.UserID, IOCType: b.IOCType, IOCValue: b.IOCValue,
			IOCSource: b.IOCSource, IOCDescription: b.IOCDescription,
			Disposition: model.Disposition{Code: b.PatternDispo, Detect: b.Dispo.Detect, KillProcess: b.Dispo.KillProcess,
				KillParent: b.Dispo.KillParent, QuarantineFile: b.Dispo.QuarantineFile, ProcessBlocked: b.Dispo.ProcessBlocked,
				OperationBlock: b.Dispo.OperationBlock, PolicyDisabled: b.Dispo.PolicyDisabled, RegistryBlocked: b.Dispo.RegistryBlocked},
			ParentCmdLine: b.Parent.Cmdline, ParentSHA256: b.Parent.SHA256, ParentMD5: b.Parent.MD5,
			ControlGraphID: b.ControlGraphID, TriggeringGraph: b.TriggeringGraphID,
		})
	}
	for _, q := range w.Quarantined {
		d.Quarantined = append(d.Quarantined, model.QuarantinedFile(q))
	}
	return d
}
