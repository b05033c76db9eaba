package detail

import (
	"fmt"
	"strconv"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// Extras is what the console read beside the row, for the detail to show:
// the size of its incident. The console sets it (SetExtras) with the
// answers it holds for this row; the pane sends nothing.
type Extras struct {
	// Incident is what the console knows of how many alerts share the
	// row's aggregate_id: a count, or why there is none yet.
	Incident IncidentCount
	// Link is the row's page in the Falcon console ("": none, NoLink
	// says why).
	Link, NoLink string
	// Activity is what this console changed on the row, from the audit
	// log (nil: no log to read).
	Activity *Activity
}

// Activity is a row's changes read from the audit log, newest first, or
// why they could not be read. Once made it is not changed: a new read is
// a new Activity.
type Activity struct {
	Items   []model.Activity
	Reading bool
	Failed  string
}

// activityShown is how many changes the detail lists.
const activityShown = 10

// IncidentCount is the answer to "how many alerts share this
// aggregate_id": N once counted; else Counting, or Failed (why).
type IncidentCount struct {
	N        int
	Counted  bool
	Counting bool
	Failed   string // sanitised
}

// SetExtras gives the pane what the console read beside its row; the
// entries are built again at the next Follow when it changed.
func (p *Pane) SetExtras(e Extras) {
	if e != p.extra {
		p.extra, p.stale = e, true
	}
}

// incident is how many alerts share the row's incident (Alerts'
// aggregate_id), with + (and I) listing them. On Detects the detection is
// itself the aggregate of its behaviours: nothing to count.
func (b *entries) incident(d *model.Detection) {
	if b.f.Product == "" && len(d.Behaviors) > 0 {
		// Detects: the detection is the aggregate of its behaviours.
		b.es = append(b.es, entry{label: "In incident", value: fmt.Sprintf("the detection is itself the incident: %d %s",
			len(d.Behaviors), screen.Plural(len(d.Behaviors), "behaviour"))})
		return
	}
	if d.AggregateID == "" || b.f.AggregateID == "" {
		return
	}
	c := b.extra.Incident
	e := entry{label: "In incident", in: model.Eq(b.f.AggregateID, d.AggregateID), out: model.NotEq(b.f.AggregateID, d.AggregateID)}
	switch {
	case c.Counted && c.N == 1:
		e.value = "this alert alone (I lists it)"
	case c.Counted:
		e.value = strconv.Itoa(c.N) + " alerts (I lists them)"
	case c.Failed != "":
		e.value = "not counted: " + c.Failed + " (I lists them)"
	default:
		e.value = "counting the alerts… (I lists them)"
	}
	b.es = append(b.es, e)
}

// console is the row's page in the Falcon console, as a hyperlink (OSC 8,
// the console's own: the frame guard lets no other through); y u copies
// it. No link where the console host is unknown, and why.
func (b *entries) console() {
	x := b.extra
	switch {
	case x.Link != "":
		b.es = append(b.es, entry{label: "Console", value: "open in Falcon (y u copies the link)", link: x.Link})
	case x.NoLink != "":
		b.es = append(b.es, entry{label: "Console", value: screen.Sanitize(x.NoLink)})
	}
}

// activity is what this console changed on the row (who, when, before →
// after), newest first, from the audit log; the team's changes are not
// known to it.
func (b *entries) activity() {
	a := b.extra.Activity
	if a == nil {
		return
	}
	b.section("Activity · this console's changes, newest first")
	switch {
	case a.Failed != "":
		b.es = append(b.es, entry{label: "Audit log", value: "not read: " + a.Failed})
	case a.Reading && len(a.Items) == 0:
		b.es = append(b.es, entry{label: "Audit log", value: "reading…"})
	case len(a.Items) == 0:
		b.es = append(b.es, entry{label: "Audit log", value: "no change made from this console"})
	}
	for _, x := range a.Items {
		v := x.Change + " · " + x.Who
		if x.Outcome != "applied" {
			v += " · " + x.Outcome
		}
		b.add(x.Time.In(b.loc).Format("Jan 02 15:04"), v, "") // the label fits its 14 cells
	}
}
