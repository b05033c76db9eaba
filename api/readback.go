package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/falcon-triage/falcon-triage/model"
)

// owedBatch is a batch whose result left rows of unknown outcome that no
// later record settles.
type owedBatch struct {
	change auditChange
	ids    []string
}

// owed reads the log for the rows whose last word is an unknown outcome: a
// result naming them unknown, with no later result or read back of them.
// Comments alone cannot be read back: they stay as they are.
func (l *AuditLog) owed(backend string) ([]owedBatch, error) {
	l.mu.Lock()
	fi, err := l.f.Stat()
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(io.NewSectionReader(l.f, 0, fi.Size()), 64<<10)
	rows, alive := map[string]owedRow{}, map[string]bool{}
	var order []string
	for {
		line, rerr := readRecord(r)
		var rec AuditRecord
		if len(line) > 0 && json.Unmarshal(line, &rec) == nil && l.mine(rec, backend) && !l.running(rec, alive) {
			settle(rows, &order, rec)
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return nil, rerr
		}
	}
	byBatch, done := map[string]*owedBatch{}, map[string]bool{}
	var out []owedBatch
	var batches []string
	for _, id := range order {
		o, ok := rows[id]
		if !ok {
			continue
		}
		b := byBatch[o.batch]
		if b == nil {
			b = &owedBatch{change: o.change}
			byBatch[o.batch] = b
			batches = append(batches, o.batch)
		}
		if !done[id] {
			done[id] = true
			b.ids = append(b.ids, id)
		}
	}
	for _, k := range batches {
		out = append(out, *byBatch[k])
	}
	return out, nil
}

type owedRow struct {
	batch  string
	change auditChange
}

// mine reports a record this console may read back: sent on the same API
// by the same API client (another client may be another tenant, whose ids
// mean nothing here).
func (l *AuditLog) mine(rec AuditRecord, backend string) bool {
	return rec.Backend == backend && rec.Who.ClientID == l.who.ClientID
}

// running reports a record of another console still running: its rows
// are its own to read back.
func (l *AuditLog) running(rec AuditRecord, alive map[string]bool) bool {
	if rec.Run == l.run {
		return false
	}
	a, seen := alive[rec.Run]
	if !seen {
		a = runAlive(l.dir, rec.Run)
		alive[rec.Run] = a
	}
	return a
}

// settle follows one record: a result's unknown rows are owed, a later
// result or read back of them settles them.
func settle(rows map[string]owedRow, order *[]string, rec AuditRecord) {
	switch rec.Event {
	case "result":
		all := rec.Outcome == "unknown" && len(rec.Unknown) == 0
		for _, id := range rec.IDs {
			if all || slices.Contains(rec.Unknown, id) {
				if _, ok := rows[id]; !ok {
					*order = append(*order, id)
				}
				rows[id] = owedRow{batch: rec.Batch, change: rec.Change}
			} else {
				delete(rows, id)
			}
		}
	case "read_back":
		for _, id := range rec.IDs {
			delete(rows, id)
		}
	}
}

// ReadBackOwed reads again the rows the log leaves of unknown outcome, in
// any run (a quit, a crash or a failed read left them so), and records for
// each whether it holds what its batch sent.
func (a Audited) ReadBackOwed(ctx context.Context) (model.ReadBack, error) {
	var rb model.ReadBack
	owed, err := a.Log.owed(a.Name())
	if err != nil {
		return rb, fmt.Errorf("audit log: %w", err)
	}
	for _, b := range owed {
		c := b.change.model()
		if c.CommentOnly() {
			continue
		}
		for ids := range slices.Chunk(b.ids, 1000) {
			found, _, err := a.Backend.Details(ctx, ids)
			if err != nil {
				return rb, err
			}
			// Only the rows asked for, each once; a row not found stays
			// unknown (an answer may leave a row out).
			asked := make(map[string]bool, len(ids))
			for _, id := range ids {
				asked[id] = true
			}
			var applied, not []string
			for i := range found {
				d := found[i]
				if !asked[d.ID] {
					continue
				}
				delete(asked, d.ID)
				if c.Holds(d) {
					applied = append(applied, d.ID)
				} else {
					not = append(not, d.ID)
				}
			}
			rb.Rows += len(applied) + len(not)
			rb.Applied += len(applied)
			rb.NotApplied += len(not)
			rb.Missing += len(asked)
			if len(applied)+len(not) > 0 {
				a.writeReadBack(c, applied, not, nil, true)
			}
		}
	}
	return rb, nil
}

// model is the change a record names, as the console sent it.
func (c auditChange) model() model.Change {
	m := model.Change{AssigneeUUID: c.AssigneeUUID, AssigneeUID: c.AssigneeUID, ShowInUI: c.ShowInUI,
		Comment: c.Comment, AddTags: c.AddTags, RemoveTags: c.RemoveTags}
	if c.Status != "" {
		s := model.Status(c.Status)
		m.Status = &s
	}
	return m
}
