package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/termsafe"
)

// exportBehavior and exportRecord are the stable shape of `export`'s JSON:
// the service's field names, whichever backend the data came from.
type exportBehavior struct {
	BehaviorID    string `json:"behavior_id"`
	Timestamp     string `json:"timestamp"`
	Severity      int    `json:"severity"`
	Confidence    int    `json:"confidence"`
	Tactic        string `json:"tactic"`
	TacticID      string `json:"tactic_id"`
	Technique     string `json:"technique"`
	TechniqueID   string `json:"technique_id"`
	Scenario      string `json:"scenario"`
	Objective     string `json:"objective"`
	Description   string `json:"description"`
	Filename      string `json:"filename"`
	Filepath      string `json:"filepath"`
	Cmdline       string `json:"cmdline"`
	SHA256        string `json:"sha256"`
	MD5           string `json:"md5"`
	UserName      string `json:"user_name"`
	ParentCmdline string `json:"parent_cmdline"`
	Disposition   string `json:"disposition"`
}

type exportRecord struct {
	DetectionID    string           `json:"detection_id"`
	AggregateID    string           `json:"aggregate_id,omitempty"`
	Status         string           `json:"status"`
	MaxSeverity    int              `json:"max_severity"`
	SeverityName   string           `json:"max_severity_displayname"`
	MaxConfidence  int              `json:"max_confidence"`
	Created        string           `json:"created_timestamp"`
	FirstBehavior  string           `json:"first_behavior"`
	LastBehavior   string           `json:"last_behavior"`
	DateUpdated    string           `json:"date_updated"`
	AssignedToUID  string           `json:"assigned_to_uid"`
	AssignedToName string           `json:"assigned_to_name"`
	ShowInUI       bool             `json:"show_in_ui"`
	Hostname       string           `json:"hostname"`
	DeviceID       string           `json:"device_id"`
	Platform       string           `json:"platform_name"`
	OSVersion      string           `json:"os_version"`
	LocalIP        string           `json:"local_ip"`
	ExternalIP     string           `json:"external_ip"`
	Domain         string           `json:"machine_domain"`
	Tags           []string         `json:"tags,omitempty"`
	Behaviors      []exportBehavior `json:"behaviors"`
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func toRecord(d *model.Detection) exportRecord {
	r := exportRecord{
		DetectionID: d.ID, AggregateID: d.AggregateID, Status: string(d.Status), MaxSeverity: d.MaxSeverity,
		SeverityName: d.SeverityName, MaxConfidence: d.MaxConfidence, Created: timeString(d.Created),
		FirstBehavior: timeString(d.FirstBehavior), LastBehavior: timeString(d.LastBehavior), DateUpdated: timeString(d.Updated),
		AssignedToUID: d.AssigneeUID, AssignedToName: d.AssigneeName, ShowInUI: d.ShowInUI,
		Hostname: d.Device.Hostname, DeviceID: d.Device.ID, Platform: d.Device.Platform, OSVersion: d.Device.OSVersion,
		LocalIP: d.Device.LocalIP, ExternalIP: d.Device.ExternalIP, Domain: d.Device.MachineDomain, Tags: d.Tags,
		Behaviors: []exportBehavior{},
	}
	for _, b := range d.Behaviors {
		r.Behaviors = append(r.Behaviors, exportBehavior{
			BehaviorID: b.ID, Timestamp: timeString(b.Time), Severity: b.Severity, Confidence: b.Confidence,
			Tactic: b.Tactic, TacticID: b.TacticID, Technique: b.Technique, TechniqueID: b.TechniqueID,
			Scenario: b.Scenario, Objective: b.Objective, Description: b.Description, Filename: b.FileName,
			Filepath: b.FilePath, Cmdline: b.CmdLine, SHA256: b.SHA256, MD5: b.MD5, UserName: b.UserName,
			ParentCmdline: b.ParentCmdLine, Disposition: b.Disposition.Words(),
		})
	}
	return r
}

// alertRecord is one alert as the export writes it, in the Alerts API's own
// field names: one alert is one behaviour, flat.
type alertRecord struct {
	CompositeID       string   `json:"composite_id"`
	AggregateID       string   `json:"aggregate_id,omitempty"`
	Product           string   `json:"product,omitempty"`
	Status            string   `json:"status"`
	Verdict           string   `json:"verdict,omitempty"`
	Severity          int      `json:"severity"`
	SeverityName      string   `json:"severity_name"`
	Confidence        int      `json:"confidence"`
	Timestamp         string   `json:"timestamp"`
	Created           string   `json:"created_timestamp"`
	Updated           string   `json:"updated_timestamp"`
	AssignedToUID     string   `json:"assigned_to_uid"`
	AssignedToName    string   `json:"assigned_to_name"`
	ShowInUI          bool     `json:"show_in_ui"`
	Tags              []string `json:"tags,omitempty"`
	Hostname          string   `json:"device.hostname,omitempty"`
	DeviceID          string   `json:"device.device_id,omitempty"`
	Platform          string   `json:"device.platform_name,omitempty"`
	LocalIP           string   `json:"device.local_ip,omitempty"`
	ExternalIP        string   `json:"device.external_ip,omitempty"`
	SourceAccountName string   `json:"source_account_name,omitempty"`
	SourceAccountUPN  string   `json:"source_account_upn,omitempty"`
	SourceHost        string   `json:"source_endpoint_host_name,omitempty"`
	SourceIP          string   `json:"source_endpoint_ip_address,omitempty"`
	TargetAccount     string   `json:"target_account_name,omitempty"`
	Tactic            string   `json:"tactic,omitempty"`
	TacticID          string   `json:"tactic_id,omitempty"`
	Technique         string   `json:"technique,omitempty"`
	TechniqueID       string   `json:"technique_id,omitempty"`
	Scenario          string   `json:"scenario,omitempty"`
	Description       string   `json:"description,omitempty"`
	Filename          string   `json:"filename,omitempty"`
	Filepath          string   `json:"filepath,omitempty"`
	Cmdline           string   `json:"cmdline,omitempty"`
	SHA256            string   `json:"sha256,omitempty"`
	MD5               string   `json:"md5,omitempty"`
	UserName          string   `json:"user_name,omitempty"`
	ParentCmdline     string   `json:"parent_details.parent_cmdline,omitempty"`
	Disposition       string   `json:"disposition,omitempty"`
}

func toAlertRecord(d *model.Detection) alertRecord {
	r := alertRecord{
		CompositeID: d.ID, AggregateID: d.AggregateID, Product: d.Product, Status: string(d.Status), Verdict: string(d.Verdict),
		Severity: d.MaxSeverity, SeverityName: d.SeverityName, Confidence: d.MaxConfidence, Timestamp: timeString(d.LastBehavior),
		Created: timeString(d.Created), Updated: timeString(d.Updated), AssignedToUID: d.AssigneeUID, AssignedToName: d.AssigneeName,
		ShowInUI: d.ShowInUI, Tags: d.Tags, Hostname: d.Device.Hostname, DeviceID: d.Device.ID, Platform: d.Device.Platform,
		LocalIP: d.Device.LocalIP, ExternalIP: d.Device.ExternalIP, SourceAccountName: d.Identity.AccountName,
		SourceAccountUPN: d.Identity.AccountUPN, SourceHost: d.Identity.SourceHost, SourceIP: d.Identity.SourceIP,
		TargetAccount: d.Identity.TargetAccount,
	}
	if b := d.Worst(); b != nil {
		r.Tactic, r.TacticID, r.Technique, r.TechniqueID, r.Scenario, r.Description = b.Tactic, b.TacticID, b.Technique, b.TechniqueID, b.Scenario, b.Description
		r.Filename, r.Filepath, r.Cmdline, r.SHA256, r.MD5, r.UserName = b.FileName, b.FilePath, b.CmdLine, b.SHA256, b.MD5, b.UserName
		r.ParentCmdline = b.ParentCmdLine
		if b.Disposition != (model.Disposition{}) {
			r.Disposition = b.Disposition.Words()
		}
	}
	return r
}

// alertColumns are the CSV export's columns on Alerts, in the API's names.
var alertColumns = []string{
	"composite_id", "product", "status", "verdict", "severity", "severity_name", "confidence", "timestamp",
	"created_timestamp", "updated_timestamp", "device.hostname", "source_account_name", "source_endpoint_host_name",
	"assigned_to_uid", "assigned_to_name", "show_in_ui", "tags", "tactic", "technique_id", "technique", "scenario",
	"filename", "filepath", "cmdline", "sha256", "disposition",
}

func alertRow(d *model.Detection) []string {
	r := toAlertRecord(d)
	row := []string{
		r.CompositeID, r.Product, r.Status, r.Verdict, strconv.Itoa(r.Severity), r.SeverityName, strconv.Itoa(r.Confidence),
		r.Timestamp, r.Created, r.Updated, r.Hostname, r.SourceAccountName, r.SourceHost, r.AssignedToUID, r.AssignedToName,
		strconv.FormatBool(r.ShowInUI), strings.Join(r.Tags, ";"), r.Tactic, r.TechniqueID, r.Technique, r.Scenario,
		r.Filename, r.Filepath, r.Cmdline, r.SHA256, r.Disposition,
	}
	for i, c := range row {
		row[i] = csvSafe(termsafe.CSV(c))
	}
	return row
}

// csvColumns are the CSV export's columns on Detects, in order. They do not change with
// the data: one row per detection, its worst behaviour flattened in.
var csvColumns = []string{
	"detection_id", "status", "max_severity", "severity", "max_confidence", "first_behavior", "last_behavior",
	"date_updated", "hostname", "platform", "local_ip", "external_ip", "assigned_to_uid", "assigned_to_name",
	"show_in_ui", "behaviors", "tactic", "technique_id", "technique", "scenario", "filename", "filepath",
	"cmdline", "sha256", "parent_cmdline", "disposition",
}

func csvRow(d *model.Detection) []string {
	row := []string{
		d.ID, string(d.Status), strconv.Itoa(d.MaxSeverity), d.SeverityName, strconv.Itoa(d.MaxConfidence),
		timeString(d.FirstBehavior), timeString(d.LastBehavior), timeString(d.Updated), d.Device.Hostname,
		d.Device.Platform, d.Device.LocalIP, d.Device.ExternalIP, d.AssigneeUID, d.AssigneeName,
		strconv.FormatBool(d.ShowInUI), strconv.Itoa(len(d.Behaviors)),
	}
	if w := d.Worst(); w != nil {
		row = append(row, w.Tactic, w.TechniqueID, w.Technique, w.Scenario, w.FileName, w.FilePath, w.CmdLine, w.SHA256, w.ParentCmdLine, w.Disposition.Words())
	} else {
		row = append(row, "", "", "", "", "", "", "", "", "", "")
	}
	for i, c := range row {
		row[i] = csvSafe(termsafe.CSV(c))
	}
	return row
}

// csvSafe neutralises a cell a spreadsheet would run as a formula: command
// lines and file names are written by attackers.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// writeJSON writes one record on a line, its strings escaped by termsafe.JSON.
func writeJSON(w *bufio.Writer, r any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(termsafe.JSON(buf.Bytes()))
	return err
}

type exportOptions struct {
	query    model.Query
	limit    int
	format   string
	progress func(done, total int)
	warn     func(string)
}

// export streams every detection matching the query to w: ids through the
// walker (past the result window), details in chunks, in the query's order.
func export(ctx context.Context, b model.Backend, o exportOptions, out io.Writer) (int, error) {
	if err := checkFormat(o.format); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	// Each backend's records carry its own field names: composite_id and
	// the alert's flat fields on Alerts, detection_id and behaviours on
	// Detects.
	columns, row := csvColumns, csvRow
	record := func(d *model.Detection) any { return toRecord(d) }
	if b.Name() == "alerts" {
		columns, row = alertColumns, alertRow
		record = func(d *model.Detection) any { return toAlertRecord(d) }
	}
	var cw *csv.Writer
	switch o.format {
	case "csv":
		cw = csv.NewWriter(bw)
		if err := cw.Write(columns); err != nil {
			return 0, err
		}
	case "json":
		_, _ = bw.WriteString("[")
	}
	chunk := 9999
	if o.limit > 0 {
		chunk = min(chunk, o.limit)
	}
	w := model.NewWalker(b, o.query, chunk)
	written := 0
	for o.limit <= 0 || written < o.limit {
		ids, err := w.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return written, err
		}
		if o.limit > 0 && written+len(ids) > o.limit {
			ids = ids[:o.limit-written]
		}
		carried := w.Found()
		for start := 0; start < len(ids); start += b.MaxIDs() {
			part := ids[start:min(start+b.MaxIDs(), len(ids))]
			dets, missing := carried, map[string]string{}
			if len(carried) != len(ids) {
				var err error
				if dets, missing, err = b.Details(ctx, part); err != nil {
					return written, err
				}
			}
			byID := make(map[string]*model.Detection, len(dets))
			for i := range dets {
				byID[dets[i].ID] = &dets[i]
			}
			for _, id := range part {
				d := byID[id]
				if d == nil {
					if o.warn != nil {
						o.warn(fmt.Sprintf("skipped %s: %s", id, missing[id]))
					}
					continue
				}
				switch o.format {
				case "csv":
					err = cw.Write(row(d))
				case "jsonl":
					err = writeJSON(bw, record(d))
				case "json":
					if written > 0 {
						_, _ = bw.WriteString(",")
					}
					_, _ = bw.WriteString("\n")
					err = writeJSON(bw, record(d))
				}
				if err != nil {
					return written, err
				}
				written++
			}
			if o.progress != nil {
				total := w.Total()
				if o.limit > 0 && o.limit < total {
					total = o.limit
				}
				o.progress(written, total)
			}
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return written, err
			}
		}
	}
	if total := w.Total(); o.limit <= 0 && total > written && o.warn != nil {
		// Say it rather than pass an empty or short export for whole.
		o.warn(fmt.Sprintf("the service said %d match, and %d were written", total, written))
	}
	if o.format == "json" {
		_, _ = bw.WriteString("]\n")
	}
	if cw != nil {
		cw.Flush()
	}
	return written, bw.Flush()
}

// checkFormat refuses a format export cannot write, before anything is
// asked of the network.
func checkFormat(f string) error {
	switch f {
	case "json", "jsonl", "csv":
		return nil
	}
	return fmt.Errorf("unknown format %q: use json, jsonl or csv", f)
}

// progressLine shows the export's progress on one line of a terminal,
// rewritten in place; a warning takes the line and the count follows on
// the next.
type progressLine struct {
	w io.Writer
	// width is what the line shows now (0: nothing).
	width int
}

func (p *progressLine) update(done, total int) {
	s := "exported " + thousands(done) + " of " + thousands(total)
	fmt.Fprint(p.w, "\r"+s+strings.Repeat(" ", max(0, p.width-len(s))))
	p.width = len(s)
}

func (p *progressLine) warn(msg string) {
	if p.width > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.width)+"\r")
		p.width = 0
	}
	fmt.Fprintln(p.w, "falcon-triage export: "+msg)
}

// finish ends the progress line, leaving the last count on it.
func (p *progressLine) finish() {
	if p.width > 0 {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}

// parseSortFlag reads FIELD|DIR (or FIELD.DIR) for --sort.
func parseSortFlag(s string) (model.Sort, error) {
	if s == "" {
		return model.Sort{}, nil
	}
	if _, dir, ok := strings.Cut(s, "|"); ok && dir != "asc" && dir != "desc" {
		return model.Sort{}, fmt.Errorf("--sort %q: the direction must be asc or desc", s)
	}
	return model.ParseSort(s), nil
}
