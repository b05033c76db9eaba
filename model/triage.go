package model

import (
	"fmt"
	"slices"
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
	Tags         []string
	Updated      time.Time
}

// ValuesOf reads a detection's triage fields.
func ValuesOf(d *Detection) Values {
	return Values{Status: d.Status, AssigneeUID: d.AssigneeUID, AssigneeName: d.AssigneeName,
		AssigneeUUID: d.AssigneeUUID, ShowInUI: d.ShowInUI, Tags: slices.Clone(d.Tags), Updated: d.Updated}
}

// Restore puts v's triage fields back on d.
func (v Values) Restore(d *Detection) {
	d.Status, d.AssigneeUID, d.AssigneeName, d.AssigneeUUID, d.ShowInUI = v.Status, v.AssigneeUID, v.AssigneeName, v.AssigneeUUID, v.ShowInUI
	d.Tags = slices.Clone(v.Tags)
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
	if len(c.RemoveTags) > 0 {
		d.Tags = slices.DeleteFunc(slices.Clone(d.Tags), func(t string) bool { return slices.Contains(c.RemoveTags, t) })
	}
	for _, t := range c.AddTags {
		if !slices.Contains(d.Tags, t) {
			d.Tags = append(slices.Clip(d.Tags), t)
		}
	}
}

// Holds reports whether d already holds every value c sets (a comment
// aside: c is the change as sent, Effective on Alerts): nothing to send, or,
// read back after a write of unknown outcome, the write applied.
func (c Change) Holds(d Detection) bool {
	before := ValuesOf(&d)
	c.Apply(&d)
	return Same(c.Touches(), before, ValuesOf(&d))
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

// Touched says which triage fields a change sets; an undo puts back those
// and no others.
type Touched struct{ Status, Assignee, Show, Tags bool }

// Touches reads the fields c sets. A status touches the tags too: on Alerts
// a verdict is a tag next to the closed status.
func (c Change) Touches() Touched {
	return Touched{Status: c.Status != nil, Assignee: c.AssigneeUUID != nil, Show: c.ShowInUI != nil,
		Tags: c.Status != nil || len(c.AddTags) > 0 || len(c.RemoveTags) > 0}
}

// Revert is the change that takes one row's touched fields from cur to to.
// An assignee known only by login comes back with an empty AssigneeUUID and
// the login in AssigneeUID: the caller finds the UUID before sending.
func Revert(t Touched, cur, to Values) Change {
	var c Change
	if t.Status && cur.Status != to.Status {
		s := to.Status
		c.Status = &s
	}
	if t.Assignee && !sameAssignee(cur, to) {
		u := to.AssigneeUUID
		c.AssigneeUUID, c.AssigneeUID, c.AssigneeName = &u, to.AssigneeUID, to.AssigneeName
	}
	if t.Show && cur.ShowInUI != to.ShowInUI {
		v := to.ShowInUI
		c.ShowInUI = &v
	}
	if t.Tags {
		for _, tag := range to.Tags {
			if !slices.Contains(cur.Tags, tag) {
				c.AddTags = append(c.AddTags, tag)
			}
		}
		for _, tag := range cur.Tags {
			if !slices.Contains(to.Tags, tag) {
				c.RemoveTags = append(c.RemoveTags, tag)
			}
		}
	}
	return c
}

// sameAssignee compares by login where a side lacks the UUID: Detects
// summaries carry the login only.
func sameAssignee(a, b Values) bool {
	if a.AssigneeUUID != "" && b.AssigneeUUID != "" {
		return a.AssigneeUUID == b.AssigneeUUID
	}
	return strings.EqualFold(a.AssigneeUID, b.AssigneeUID) && (a.AssigneeUID != "" || a.AssigneeUUID == b.AssigneeUUID)
}

// Same reports whether a and b agree on the touched fields.
func Same(t Touched, a, b Values) bool { return Revert(t, a, b).Empty() }

// AllFields touches every triage field.
var AllFields = Touched{Status: true, Assignee: true, Show: true, Tags: true}

// key identifies what a per-row change sets, for grouping rows into batches.
func (c Change) key() string {
	var b strings.Builder
	if c.Status != nil {
		b.WriteString("s=" + string(*c.Status))
	}
	if c.AssigneeUUID != nil {
		b.WriteString("|a=" + *c.AssigneeUUID + "/" + strings.ToLower(c.AssigneeUID))
	}
	if c.ShowInUI != nil {
		fmt.Fprintf(&b, "|v=%t", *c.ShowInUI)
	}
	fmt.Fprintf(&b, "|+%q|-%q|c=%q", c.AddTags, c.RemoveTags, c.Comment)
	return b.String()
}

// Group turns per-row changes into batches: rows that get the same change
// share requests of at most maxIDs ids, the largest group first; ids keeps
// the order rows are sent in. Rows whose change is empty are left out.
func Group(ids []string, per map[string]Change, maxIDs int) []Change {
	groups := map[string]*Change{}
	var order []*Change
	for _, id := range ids {
		c, ok := per[id]
		if !ok || c.Empty() {
			continue
		}
		k := c.key()
		g := groups[k]
		if g == nil {
			cp := c
			cp.IDs = nil
			g = &cp
			groups[k] = g
			order = append(order, g)
		}
		g.IDs = append(g.IDs, id)
	}
	slices.SortStableFunc(order, func(a, b *Change) int { return len(b.IDs) - len(a.IDs) })
	var out []Change
	for _, g := range order {
		out = append(out, g.Batches(maxIDs, nil, false)...)
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
