package model

import "time"

// Process is a parent or grandparent process of an alert, as the Alerts
// API carries it (parent_details, grandparent_details). Every string is the
// service's (attacker-controlled: a command line, a file name).
type Process struct {
	FileName  string
	FilePath  string
	CmdLine   string
	MD5       string
	SHA256    string
	UserName  string
	ProcessID string
	Time      time.Time
}

// Empty reports a process the service named nothing of.
func (p *Process) Empty() bool {
	return p == nil || (p.FileName == "" && p.FilePath == "" && p.CmdLine == "" && p.MD5 == "" && p.SHA256 == "" &&
		p.UserName == "" && p.ProcessID == "")
}
