package model

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Values are the triage fields an action changes and an undo restores.
type Values struct {
	Status       Status
	AssigneeUID  string
	AssigneeName string
	AssigneeUUID string
	ShowInUI     bool
	Updated      time.Time
}

// ValuesOf reads a detection's triage fields.
func ValuesOf(d *Detection) Values {
	return Values{Status: d.Status, AssigneeUID: d.AssigneeUID, AssigneeName: d.AssigneeName,
		AssigneeUUID: d.AssigneeUUID, ShowInUI: d.ShowInUI, Updated: d.Updated}
}

// Restore puts v's triage fields back on d.
func (v Values) Restore(d *Detection) {
	d.Status, d.AssigneeUID, d.AssigneeName, d.AssigneeUUID, d.ShowInUI = v.Status, v.AssigneeUID, v.AssigneeName, v.AssigneeUUID, v.ShowInUI
}

// Apply is the optimistic view of c on d: what the row will look like once
// the service has applied it.
func (c *Change) Apply(d *Detection) {
	if c.Status != nil {
		d.Status = *c.Status
	}
	if c.AssigneeUUID != nil {
		d.AssigneeUUID = *c.AssigneeUUID
		d.AssigneeUID, d.AssigneeName = c.AssigneeUID, c.AssigneeName
	}
	if c.ShowInUI != nil {
		d.ShowInUI = *c.ShowInUI
	}
	for _, t := range c.AddTags {
		if !contains(d.Tags, t) {
			d.Tags = append(d.Tags, t)
		}
	}
	if len(c.RemoveTags) > 0 {
		var keep []string
		for _, t := range d.Tags {
			if !contains(c.RemoveTags, t) {
				keep = append(keep, t)
			}
		}
		d.Tags = keep
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Describe says what a change does, in words, for prompts and the log.
func (c *Change) Describe() string {
	var w []string
	if c.Status != nil {
		w = append(w, "status → "+c.Status.Label())
	}
	if c.AssigneeUUID != nil {
		if *c.AssigneeUUID == "" {
			w = append(w, "unassign")
		} else {
			w = append(w, "assign → "+firstNonEmpty(c.AssigneeName, c.AssigneeUID, *c.AssigneeUUID))
		}
	}
	if c.ShowInUI != nil && c.Comment == "" || c.ShowInUI != nil && c.Status != nil {
		if *c.ShowInUI {
			w = append(w, "unhide")
		} else {
			w = append(w, "hide")
		}
	}
	if c.Comment != "" {
		w = append(w, "comment")
	}
	for _, t := range c.AddTags {
		w = append(w, "tag +"+t)
	}
	for _, t := range c.RemoveTags {
		w = append(w, "tag −"+t)
	}
	return strings.Join(w, ", ")
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Batches splits a change into as few requests as the rules allow: at most
// maxIDs ids each, and, for a comment travelling without a status or a
// visibility change (which the Detects service refuses), grouped by each
// row's current show_in_ui, sent along unchanged so the comment is accepted.
// visible says each row's show_in_ui; commentNeedsCarrier is the backend's
// rule.
func (c Change) Batches(maxIDs int, visible map[string]bool, commentNeedsCarrier bool) []Change {
	groups := [][]string{c.IDs}
	var carriers []*bool
	if commentNeedsCarrier && c.Comment != "" && c.Status == nil && c.ShowInUI == nil {
		var shown, hidden []string
		for _, id := range c.IDs {
			if visible[id] {
				shown = append(shown, id)
			} else {
				hidden = append(hidden, id)
			}
		}
		t, f := true, false
		groups, carriers = nil, nil
		if len(shown) > 0 {
			groups, carriers = append(groups, shown), append(carriers, &t)
		}
		if len(hidden) > 0 {
			groups, carriers = append(groups, hidden), append(carriers, &f)
		}
	}
	var out []Change
	for gi, ids := range groups {
		for start := 0; start < len(ids); start += maxIDs {
			b := c
			b.IDs = ids[start:min(start+maxIDs, len(ids))]
			if carriers != nil {
				b.ShowInUI = carriers[gi]
			}
			out = append(out, b)
		}
	}
	return out
}

// UndoBatches builds the changes that put rows back to their previous
// values, grouped so rows with the same previous values share requests. A
// tag added is removed and a tag removed added back; a comment cannot be
// taken back and is left out.
func UndoBatches(c Change, before map[string]Values, maxIDs int) []Change {
	if len(c.AddTags) > 0 || len(c.RemoveTags) > 0 {
		return Change{IDs: c.IDs, AddTags: c.RemoveTags, RemoveTags: c.AddTags}.Batches(maxIDs, nil, false)
	}
	type key struct {
		status string
		uuid   string
		show   bool
	}
	groups := map[key][]string{}
	var keys []key
	for _, id := range c.IDs {
		v, ok := before[id]
		if !ok {
			continue
		}
		k := key{show: v.ShowInUI}
		if c.Status != nil {
			k.status = string(v.Status)
		}
		if c.AssigneeUUID != nil {
			k.uuid = v.AssigneeUUID
		}
		if _, seen := groups[k]; !seen {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], id)
	}
	sort.SliceStable(keys, func(i, j int) bool { return len(groups[keys[i]]) > len(groups[keys[j]]) })
	var out []Change
	for _, k := range keys {
		u := Change{}
		if c.Status != nil {
			s := Status(k.status)
			u.Status = &s
		}
		if c.AssigneeUUID != nil {
			uuid := k.uuid
			u.AssigneeUUID = &uuid
			for _, id := range groups[k] {
				u.AssigneeUID, u.AssigneeName = before[id].AssigneeUID, before[id].AssigneeName
				break
			}
		}
		if c.ShowInUI != nil && (c.Status != nil || c.Comment == "") {
			show := k.show
			u.ShowInUI = &show
		}
		if u.Empty() {
			continue
		}
		u.IDs = groups[k]
		out = append(out, u.Batches(maxIDs, nil, false)...)
	}
	return out
}

// Conflict is a row someone else changed since the analyst last saw it.
type Conflict struct {
	ID    string
	Seen  Values
	Fresh Values
}

// Describe says what moved.
func (c Conflict) Describe() string {
	var w []string
	if c.Seen.Status != c.Fresh.Status {
		w = append(w, fmt.Sprintf("status %s → %s", c.Seen.Status.Label(), c.Fresh.Status.Label()))
	}
	if c.Seen.AssigneeUID != c.Fresh.AssigneeUID {
		w = append(w, fmt.Sprintf("assignee %s → %s", orNobody(c.Seen.AssigneeName, c.Seen.AssigneeUID), orNobody(c.Fresh.AssigneeName, c.Fresh.AssigneeUID)))
	}
	if c.Seen.ShowInUI != c.Fresh.ShowInUI {
		w = append(w, "visibility changed")
	}
	if len(w) == 0 {
		w = append(w, "updated")
	}
	s := strings.Join(w, ", ")
	if !c.Fresh.Updated.IsZero() {
		s += " at " + c.Fresh.Updated.UTC().Format("2006-01-02 15:04 UTC")
	}
	return s
}

func orNobody(name, uid string) string {
	if s := firstNonEmpty(name, uid); s != "" {
		return s
	}
	return "nobody"
}

// FindConflicts compares what the analyst saw with a fresh read: a row whose
// update time, status, assignee or visibility moved is a conflict.
func FindConflicts(seen map[string]Values, fresh []Detection) []Conflict {
	var out []Conflict
	for i := range fresh {
		d := &fresh[i]
		s, ok := seen[d.ID]
		if !ok {
			continue
		}
		f := ValuesOf(d)
		if !s.Updated.Equal(f.Updated) || s.Status != f.Status || s.AssigneeUID != f.AssigneeUID || s.ShowInUI != f.ShowInUI {
			out = append(out, Conflict{ID: d.ID, Seen: s, Fresh: f})
		}
	}
	return out
}
