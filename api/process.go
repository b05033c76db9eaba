package api

import "github.com/falcon-triage/falcon-triage/model"

// wireProcess is an alert's parent_details or grandparent_details.
type wireProcess struct {
	Cmdline   string `json:"cmdline"`
	Filename  string `json:"filename"`
	Filepath  string `json:"filepath"`
	MD5       string `json:"md5"`
	SHA256    string `json:"sha256"`
	ProcessID string `json:"process_id"`
	Timestamp string `json:"timestamp"`
	UserName  string `json:"user_name"`
}

func (p *wireProcess) cmdline() string {
	if p == nil {
		return ""
	}
	return p.Cmdline
}

func (p *wireProcess) sha256() string {
	if p == nil {
		return ""
	}
	return p.SHA256
}

func (p *wireProcess) md5() string {
	if p == nil {
		return ""
	}
	return p.MD5
}

// model is the process, nil where the service named none (or nothing of
// it).
func (p *wireProcess) model() *model.Process {
	if p == nil {
		return nil
	}
	m := &model.Process{FileName: p.Filename, FilePath: p.Filepath, CmdLine: p.Cmdline, MD5: p.MD5, SHA256: p.SHA256,
		UserName: p.UserName, ProcessID: p.ProcessID, Time: parseTime(p.Timestamp)}
	if m.Empty() {
		return nil
	}
	return m
}
