package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
)

// Who says who sent a change: the API client's id (never its secret), the
// OS user and the SSH connection, since API clients are shared on jump hosts.
type Who struct {
	ClientID      string `json:"client_id"`
	OSUser        string `json:"os_user"`
	SSHConnection string `json:"ssh_connection,omitempty"`
}

// AuditLog is the local JSONL trail of every change sent: a "sent" record
// written (and fsync'd) before the request leaves, a "result" record after
// the answer. A run cut off mid-batch leaves "sent" records without their
// "result": exactly what may or may not have been applied.
type AuditLog struct {
	mu  sync.Mutex
	f   *os.File
	who Who
}

// AuditRecord is one line of the audit log.
type AuditRecord struct {
	Time    time.Time              `json:"time"`
	Event   string                 `json:"event"` // sent, result, not_sent
	Batch   string                 `json:"batch"`
	Who     Who                    `json:"who"`
	Backend string                 `json:"backend"`
	IDs     []string               `json:"ids"`
	Change  auditChange            `json:"change"`
	Before  map[string]auditValues `json:"before,omitempty"`
	Outcome string                 `json:"outcome,omitempty"` // applied, partial, refused, unknown
	Refused map[string]string      `json:"refused,omitempty"`
	TraceID string                 `json:"trace_id,omitempty"`
	Error   string                 `json:"error,omitempty"`
}

type auditChange struct {
	Status       string   `json:"status,omitempty"`
	AssigneeUUID *string  `json:"assigned_to_uuid,omitempty"`
	AssigneeUID  string   `json:"assigned_to_uid,omitempty"`
	ShowInUI     *bool    `json:"show_in_ui,omitempty"`
	Comment      string   `json:"comment,omitempty"`
	AddTags      []string `json:"add_tags,omitempty"`
	RemoveTags   []string `json:"remove_tags,omitempty"`
}

type auditValues struct {
	Status      string `json:"status"`
	AssigneeUID string `json:"assigned_to_uid,omitempty"`
	ShowInUI    bool   `json:"show_in_ui"`
}

// OpenAudit opens (or creates) the log at path, 0600 in a 0700 folder.
func OpenAudit(path string, who Who) (*AuditLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &AuditLog{f: f, who: who}, nil
}

// Close closes the log.
func (l *AuditLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

func (l *AuditLog) write(r AuditRecord) error {
	r.Who = l.who
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(raw, '\n')); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// Audited wraps a backend so every Update is logged before it is sent and
// after it is answered. A change that cannot be logged is not sent.
type Audited struct {
	model.Backend
	Log *AuditLog
}

func batchID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Update implements model.Backend.
func (a Audited) Update(ctx context.Context, c model.Change) (model.UpdateResult, error) {
	rec := AuditRecord{Time: time.Now().UTC(), Event: "sent", Batch: batchID(), Backend: a.Name(), IDs: c.IDs,
		Change: auditChange{AssigneeUUID: c.AssigneeUUID, AssigneeUID: c.AssigneeUID, ShowInUI: c.ShowInUI,
			Comment: c.Comment, AddTags: c.AddTags, RemoveTags: c.RemoveTags}}
	if c.Status != nil {
		rec.Change.Status = string(*c.Status)
	}
	if len(c.Before) > 0 {
		rec.Before = make(map[string]auditValues, len(c.IDs))
		for _, id := range c.IDs {
			if v, ok := c.Before[id]; ok {
				rec.Before[id] = auditValues{Status: string(v.Status), AssigneeUID: v.AssigneeUID, ShowInUI: v.ShowInUI}
			}
		}
	}
	if err := a.Log.write(rec); err != nil {
		return model.UpdateResult{}, fmt.Errorf("not sent: %w", err)
	}
	res, err := a.Backend.Update(ctx, c)
	out := AuditRecord{Time: time.Now().UTC(), Event: "result", Batch: rec.Batch, Backend: rec.Backend, IDs: c.IDs,
		Change: rec.Change, TraceID: res.TraceID, Refused: res.Refused}
	var ae *Error
	switch {
	case err != nil && errors.As(err, &ae) && ae.Unknown:
		out.Outcome, out.Error = "unknown", err.Error()
	case err != nil:
		out.Outcome, out.Error = "refused", err.Error()
		if out.TraceID == "" {
			out.TraceID = TraceOf(err)
		}
	case len(res.Refused) == len(c.IDs):
		out.Outcome = "refused"
	case len(res.Refused) > 0:
		out.Outcome = "partial"
	default:
		out.Outcome = "applied"
	}
	if lerr := a.Log.write(out); lerr != nil && err == nil {
		err = lerr
	}
	return res, err
}

// NotSent records a batch that a quit kept from being sent: the change was
// asked for, and nothing of it left.
func (a Audited) NotSent(c model.Change, why string) {
	rec := AuditRecord{Time: time.Now().UTC(), Event: "not_sent", Batch: batchID(), Backend: a.Name(), IDs: c.IDs,
		Change: auditChange{AssigneeUUID: c.AssigneeUUID, AssigneeUID: c.AssigneeUID, ShowInUI: c.ShowInUI,
			Comment: c.Comment, AddTags: c.AddTags, RemoveTags: c.RemoveTags}, Error: why}
	if c.Status != nil {
		rec.Change.Status = string(*c.Status)
	}
	_ = a.Log.write(rec)
}
