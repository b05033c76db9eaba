package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/falcon-triage/falcon-triage/localfile"
	"github.com/falcon-triage/falcon-triage/model"
)

// Activity implements model.ActivityReader: the changes the audit log
// records for row id (every run of the console writing this log), newest
// first, at most limit. A change is listed once its result is recorded,
// with its outcome for this row; its before is the sent record's.
func (a Audited) Activity(ctx context.Context, id string, limit int) ([]model.Activity, error) {
	if a.Log == nil || a.Log.path == "" || limit <= 0 {
		return nil, nil
	}
	f, err := localfile.Open(a.Log.path, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	needle := []byte(`"` + id + `"`)
	before := map[string]auditValues{} // by batch: the row's values when it was sent
	var out []model.Activity           // oldest first; the last limit kept
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		line, rerr := readRecord(r)
		var rec AuditRecord
		if len(line) > 0 && bytes.Contains(line, needle) && json.Unmarshal(line, &rec) == nil && slices.Contains(rec.IDs, id) {
			switch rec.Event {
			case "sent":
				if v, ok := rec.Before[id]; ok {
					before[rec.Batch] = v
				}
			case "result":
				b, known := before[rec.Batch]
				delete(before, rec.Batch)
				out = append(out, model.Activity{Time: rec.Time, Who: rec.Who.name(), Change: rec.Change.words(b, known),
					Outcome: outcomeOf(rec, id)})
				if len(out) > 2*limit {
					out = slices.Clone(out[len(out)-limit:])
				}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("audit log: %w", rerr)
		}
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	slices.Reverse(out)
	return out, nil
}

// name is who sent a change: the analyst the config names, else the OS
// user.
func (w Who) name() string {
	switch {
	case w.AnalystLogin != "":
		return w.AnalystLogin
	case w.OSUser != "":
		return w.OSUser
	}
	return w.ClientID
}

// outcomeOf is what a result record says of row id.
func outcomeOf(rec AuditRecord, id string) string {
	if why, ok := rec.Refused[id]; ok {
		return "refused: " + why
	}
	if slices.Contains(rec.Unknown, id) {
		return "outcome unknown"
	}
	return "applied"
}

// words says a change in a few words, before → after where the log has the
// before.
func (c auditChange) words(b auditValues, known bool) string {
	var w []string
	if c.Status != "" {
		if known && b.Status != "" {
			w = append(w, "status "+b.Status+" → "+c.Status)
		} else {
			w = append(w, "status → "+c.Status)
		}
	}
	if c.AssigneeUUID != nil {
		to := c.AssigneeUID
		if to == "" {
			to = *c.AssigneeUUID
		}
		if to == "" {
			to = "nobody"
		}
		from := ""
		if known {
			from = b.AssigneeUID
			if from == "" {
				from = "nobody"
			}
			from += " "
		}
		w = append(w, "assignee "+from+"→ "+to)
	}
	if c.ShowInUI != nil {
		w = append(w, map[bool]string{true: "shown", false: "hidden"}[*c.ShowInUI])
	}
	for _, t := range c.AddTags {
		w = append(w, "tag +"+t)
	}
	for _, t := range c.RemoveTags {
		w = append(w, "tag -"+t)
	}
	if c.Comment != "" {
		cm := strings.Join(strings.Fields(c.Comment), " ")
		if r := []rune(cm); len(r) > 60 {
			cm = string(r[:59]) + "…"
		}
		w = append(w, "comment “"+cm+"”")
	}
	return strings.Join(w, ", ")
}
