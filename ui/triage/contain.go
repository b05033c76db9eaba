package triage

import (
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
)

// Containment is a containment of hosts (not rows): the console sends it
// through the Hosts API, and it is an entry of the same history undo and
// redo walk. The undo of a containment is the opposite action on the same
// hosts (a contain is lifted, a lift contained again).
type Containment struct {
	Action model.ContainAction
	AIDs   []string
	// Names are the hosts' names as the analyst saw them, for the words.
	Names []string
}

// Opposite is the containment that takes c back.
func (c Containment) Opposite() Containment {
	o := c
	o.Action = model.Contain
	if c.Action == model.Contain {
		o.Action = model.LiftContainment
	}
	o.AIDs, o.Names = slices.Clone(c.AIDs), slices.Clone(c.Names)
	return o
}

// RecordContainment adds a containment the service took (the hosts it
// accepted or found done) to the history, after what is done and in place
// of what was undone, as an action on rows would be.
func (r *Runner) RecordContainment(verb string, c Containment) {
	if len(c.AIDs) == 0 {
		return
	}
	r.seq++
	e := &histEntry{act: r.seq, verb: verb, hosts: &c}
	r.history = append(r.history[:r.pos], e)
	r.pos = len(r.history)
}

// walkHosts undoes (or redoes) the containment entry i: the console sends
// the opposite action (or the same again), and the history steps over it
// now; a refusal is said, and u or ctrl+r walks it again.
func (r *Runner) walkHosts(e *histEntry, i int, undo bool) tea.Cmd {
	c := *e.hosts
	if undo {
		c = c.Opposite()
		r.pos = i
	} else {
		r.pos = i + 1
	}
	r.out.Contain = &c
	return nil
}
