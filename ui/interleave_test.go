package ui

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// The randomized interleaving test: random keys, actions, filters and
// refreshes against the fake, with every answer delayed, reordered or made
// to fail at random. After every step it checks what an analyst relies on:
// no write touches a row outside its action's targets; marks grow only by a
// marking key; once everything has answered, the rows on screen are the
// fake's, and the audit log's applied records replay into the fake's state.

// chooser is where the random choices come from: a seeded generator in the
// suite, the fuzzer's bytes in the fuzz target.
type chooser interface{ IntN(n int) int }

type byteChooser struct{ b []byte }

func (c *byteChooser) IntN(n int) int {
	if len(c.b) == 0 || n <= 1 {
		return 0
	}
	v := int(c.b[0])
	c.b = c.b[1:]
	return v % n
}

var randomFilters = []string{"", "status:'new'", "max_severity:>=60", "status:['new','in_progress']", "assigned_to_uid:null",
	"status:'new'+", "bogus_field:'x'", "device.hostname:*'WS*'"}

type interleaving struct {
	t        testing.TB
	h        *harness
	d        *driver
	r        chooser
	unknown  map[string]bool // rows an update left with an unknown outcome: the audit log cannot replay them
	staleRow bool            // a re-read failed: the screen may hold an optimistic row until a refresh
	initial  map[string]map[string]any
	steps    int
	compared int // rows compared with the fake, over every check
	events   []string
}

func newInterleaving(t testing.TB, r chooser, count int) *interleaving {
	h := newHarness(t, count)
	o := h.options(t)
	o.IDChunk = 40
	o.ConfirmThreshold = 5
	o.Me = model.User{UID: h.fake.Users()[0].UID, UUID: h.fake.Users()[0].UUID, FirstName: "Me"}
	o.Team = []model.User{{UID: h.fake.Users()[1].UID, UUID: h.fake.Users()[1].UUID}}
	x := &interleaving{t: t, h: h, r: r, unknown: map[string]bool{}, initial: map[string]map[string]any{}}
	for _, id := range h.fake.IDs() {
		x.initial[id], _ = h.fake.Detection(id)
	}
	x.d = newDriver(t, o)
	return x
}

var randomKeys = []string{"j", "j", "j", "k", "pgdown", "g", "G", "space", "space", "V", "ctrl+a", "esc", "M", "enter", "esc",
	"s", "s", "s", "a", "a", "c", "H", "u", "u", "ctrl+r", "R", "R", "o", "O", "r", ".", "f", "/", "tab", "*", "y"}

// step does one random thing: a key, running the commands issued, or
// delivering one held answer, possibly with a fault armed on the fake.
func (x *interleaving) step() {
	d, r := x.d, x.r
	x.steps++
	before := markSet(d.m.list.Marks())
	marking := false
	switch r.IntN(10) {
	case 0, 1, 2, 3, 4:
		marking = x.key()
	case 5, 6:
		if r.IntN(4) == 0 {
			x.arm()
		}
		x.runOne()
	default:
		if len(d.held) > 0 {
			i := r.IntN(len(d.held))
			msg := d.held[i]
			d.held = append(d.held[:i], d.held[i+1:]...)
			_, marking = msg.(list.AllIDsMsg) // the answer to a confirmed *
			x.observe(msg)
			d.send(msg)
		}
	}
	if !marking {
		for _, id := range d.m.list.Marks() {
			if _, ok := before[id]; !ok {
				x.t.Fatalf("step %d: %s became marked without a marking key", x.steps, id)
			}
		}
	}
}

func markSet(ids []string) map[string]struct{} {
	out := make(map[string]struct{}, len(ids))
	for _, k := range ids {
		out[k] = struct{}{}
	}
	return out
}

// runOne runs the oldest queued command, checking the batches it sends.
func (x *interleaving) runOne() {
	d := x.d
	if len(d.cmds) == 0 {
		return
	}
	cmd := d.cmds[0]
	d.cmds = d.cmds[1:]
	n := len(d.held)
	d.exec(cmd)
	for _, msg := range d.held[n:] {
		x.check(msg)
	}
}

// check holds every batch to its action's targets.
func (x *interleaving) check(msg tea.Msg) {
	if b, ok := msg.(triage.BatchMsg); ok {
		for _, id := range b.IDs() {
			if !slices.Contains(b.Targets(), id) {
				x.t.Fatalf("step %d: %s wrote %s, which it did not target (%v)", x.steps, b.Verb(), id, b.Targets())
			}
		}
	}
}

func (x *interleaving) observe(msg tea.Msg) {
	switch msg := msg.(type) {
	case triage.PreReadMsg:
		x.events = append(x.events, fmt.Sprintf("%d preRead %+v", x.steps, msg))
	case list.DetailsMsg:
		x.events = append(x.events, fmt.Sprintf("%d details %+v", x.steps, msg))
	case list.IDsMsg:
		x.events = append(x.events, fmt.Sprintf("%d ids %+v", x.steps, msg))
	case triage.BatchMsg:
		res, sent := msg.Outcome()
		x.events = append(x.events, fmt.Sprintf("%d batch %s %v refused=%v unknown=%v sent=%v", x.steps, msg.Verb(), msg.IDs(), res.Refused, res.Unknown, sent))
		for _, id := range res.Unknown {
			x.unknown[id] = true
		}
	case triage.RereadMsg:
		x.events = append(x.events, fmt.Sprintf("%d reread %+v", x.steps, msg))
		if msg.Err() != nil {
			x.staleRow = true
		}
	}
}

// arm sets one fault on the fake for what runs next.
func (x *interleaving) arm() {
	f := fake.Faults{}
	switch x.r.IntN(5) {
	case 0:
		f.Fail5xx = 1 + x.r.IntN(8)
	case 1:
		f.Drop = 1
	case 2:
		f.DropAfterApply = 1
	case 3:
		f.Burst429 = 1
	case 4:
		// Refuse a row an action is about to touch, or one near the cursor.
		ids := x.d.m.list.Targets()

		if len(ids) > 0 {
			f.RefuseIDs = map[string]bool{ids[x.r.IntN(len(ids))]: true}
		}
	}
	x.h.fake.SetFaults(f)
}

// key presses a random key, answering whatever modal is in front; it
// reports whether the key may mark rows.
func (x *interleaving) key() bool {
	d, r := x.d, x.r
	name := d.m.stack.TopName()
	switch {
	case name == "prompt":
		p := d.m.stack.Top().(*modal.Prompt)
		d.key(p.Answers[r.IntN(len(p.Answers))][0])
		return strings.HasPrefix(p.Text, "Mark all")
	case strings.HasPrefix(name, "menu:"):
		keys := map[string]string{"menu:status": "nicrtfx", "menu:quick": "svumx12", "menu:quick:status": "nic", "menu:quick:severity": "lmhc",
			"menu:copy": "ihscu", "menu:sort": "123oO", "menu:quick:product": "eis"}[name]
		if r.IntN(8) == 0 {
			d.key("esc")
		} else {
			d.key(string(keys[r.IntN(len(keys))]))
		}
	case name == "picker":
		switch r.IntN(4) {
		case 0:
			d.key("esc")
		case 1:
			d.typeText("a")
		default:
			d.key("down", "enter")
		}
	case name == "comment":
		switch r.IntN(3) {
		case 0:
			d.key("esc")
		case 1:
			d.typeText(fmt.Sprintf("note %d", x.steps))
			d.key("ctrl+s")
		default:
			d.key("ctrl+t")
		}
	case strings.HasPrefix(name, "field:"):
		if name == "field:filter" && r.IntN(2) == 0 {
			d.m.stack.Top().(*modal.Input).SetValue(randomFilters[r.IntN(len(randomFilters))])
			d.key("enter")
		} else {
			d.key("esc")
		}
	case name == "help":
		d.key("esc")
	default:
		k := randomKeys[r.IntN(len(randomKeys))]
		d.key(k)
		return k == "space" || k == "V" || k == "ctrl+a" || k == "M"
	}
	return false
}

// settleAndCheck lets every answer land, without faults, and compares the
// screen and the audit log with the fake.
func (x *interleaving) settleAndCheck() {
	x.h.fake.SetFaults(fake.Faults{})
	d := x.d
	d.closeLayers()
	for {
		d.run()
		if len(d.held) == 0 {
			break
		}
		msg := d.held[0]
		d.held = d.held[1:]
		x.check(msg)
		x.observe(msg)
		d.send(msg)
		d.closeLayers() // a conflict or confirmation prompt: cancel it
	}
	if x.staleRow {
		if d.m.ov.Shown() {
			d.key("tab") // r on the overview refreshes the overview
		}
		d.key("r")
		d.settle()
		x.staleRow = false
	}
	if len(d.m.list.IDs()) == 0 {
		// A filter that matches nothing: widen it, so the check has rows.
		d.key("f", "x")
		d.settle()
	}
	for _, id := range d.m.list.IDs() {
		row, ok := d.m.rows.Peek(id)
		if !ok || d.m.rows.Stale(id) {
			continue // not read since the refresh: off screen, it waits to be
		}
		x.compared++
		want, _ := x.h.fake.Detection(id)
		if string(row.Status) != want["status"] || row.AssigneeUID != orEmpty(want["assigned_to_uid"]) || row.ShowInUI != want["show_in_ui"] {
			for _, l := range auditLines(x.t, x.h) {
				if slices.Contains(l.IDs, id) {
					x.t.Logf("audit: %s %s %v outcome=%s refused=%v", l.Event, l.Change.Status, len(l.IDs), l.Outcome, l.Refused[id])
				}
			}
			for _, e := range x.events {
				if strings.Contains(e, id) || !strings.Contains(e, "ldt:") {
					x.t.Log(e)
				}
			}
			x.t.Fatalf("step %d: %s shows %s/%q/%v, the fake has %v/%v/%v", x.steps, id, row.Status, row.AssigneeUID, row.ShowInUI,
				want["status"], want["assigned_to_uid"], want["show_in_ui"])
		}
	}
	x.replayAudit()
}

func orEmpty(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// replayAudit applies the audit log's applied records to the fake's first
// state and compares the result with the fake now.
func (x *interleaving) replayAudit() {
	state := map[string]string{}
	for _, l := range auditLines(x.t, x.h) {
		if l.Event != "result" || l.Change.Status == "" || (l.Outcome != "applied" && l.Outcome != "partial") {
			continue
		}
		for _, id := range l.IDs {
			if _, refused := l.Refused[id]; !refused {
				state[id] = l.Change.Status
			}
		}
	}
	for id, first := range x.initial {
		if x.unknown[id] {
			continue
		}
		want := first["status"]
		if s, ok := state[id]; ok {
			want = s
		}
		if now, _ := x.h.fake.Detection(id); now["status"] != want {
			x.t.Fatalf("step %d: the audit log replays %s to %v, the fake has %v", x.steps, id, want, now["status"])
		}
	}
}

func runInterleaving(t testing.TB, r chooser, steps, count int) {
	x := newInterleaving(t, r, count)
	for i := range steps {
		x.step()
		if i%250 == 249 {
			x.settleAndCheck()
		}
	}
	x.settleAndCheck()
	if tt, ok := t.(*testing.T); ok {
		tt.Logf("%d steps: %d updates sent, %d rows compared with the fake, %d with an unknown outcome, %d history entries", x.steps,
			len(x.h.fake.Patches()), x.compared, len(x.unknown), x.d.m.run.History())
	}
}

func TestRandomInterleavings(t *testing.T) {
	steps := 3000
	if testing.Short() {
		steps = 600
	}
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			runInterleaving(t, rand.New(rand.NewPCG(seed, 42)), steps, 150)
		})
	}
}

func FuzzInterleavings(f *testing.F) {
	for _, seed := range []uint64{1, 7, 99} {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, seed)
		f.Add(append(b, []byte("jjj s space space s c u ctrl+r")...))
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 600 {
			ops = ops[:600]
		}
		runInterleaving(t, &byteChooser{b: ops}, len(ops), 60)
	})
}

func rowsOf(ds []model.Detection) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s=%s/%v ", d.ID, d.Status, d.ShowInUI)
	}
	return b.String()
}
