package ui

import (
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// The randomized interleaving test: random keys, actions, filters,
// refreshes, quits and restarts against the fake, with every answer held
// back, released in a random order or made to fail at random. Its oracles
// stand outside the console: what the analyst meant is recorded by the
// test when the key is pressed, and the service's truth is the fake's
// state, which the test follows version by version. After every step:
//   - every batch written writes only rows the analyst pointed at when the
//     key that made its action was pressed (the marks, else the cursor
//     row, or the row the detail showed); an undo or a redo only rows of
//     the action it walks;
//   - an undo sends each row the value it held before the action it takes
//     back, a redo the value that action sent;
//   - no row on screen shows a value older than the last one the console
//     was told of (a read delivered, a write answered applied);
//   - marks grow only by a marking key.
// At quiescence the rows on screen are the fake's; at every quit the
// writes finish, every batch sent has its result in the audit log, and the
// audit log replays into the fake's state for at least 90% of the rows
// (a row whose last record is of unknown outcome cannot be replayed).

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

// vals are a row's values as the test follows them.
type vals struct {
	status, uid string
	show        bool
}

func (v vals) String() string { return fmt.Sprintf("%s/%q/%v", v.status, v.uid, v.show) }

func shown(d *model.Detection) vals {
	return vals{status: string(d.Status), uid: d.AssigneeUID, show: d.ShowInUI}
}

// intent is what the analyst meant by the key that made an action,
// recorded by the test when the key was pressed.
type intent struct {
	key     string
	targets []string        // the rows pointed at
	before  map[string]vals // the service's values of them then
	sent    map[string]model.Change
	walk    bool // u, ctrl+r, R: the rows come from the history
}

type interleaving struct {
	alerts bool     // the Alerts API, else Detects
	keys   []string // the keys pressed at the list
	t      testing.TB
	h      *harness
	o      Options
	d      *driver
	r      chooser
	// hist[id][v] is the fake's version v of the row; patches the fake's
	// update count when it was last followed.
	hist    map[string][]vals
	patches int
	// known[id] is the oldest version the console may show; unsure rows
	// had a write of unknown outcome, not read again since (the action).
	known   map[string]int
	unsure  map[string]int
	pointed map[string]bool // every row an intent pointed at
	intents map[int]*intent
	opening *intent
	newest  int
	// holding: the fake keeps every update waiting (released before any
	// command runs, which may wait for one). quitNow is what the audit log
	// held when ctrl+c was pressed: the batches sent, and how many were in
	// flight.
	holding  bool
	parked   []chan tea.Msg
	quitNow  map[string]bool
	inFlight int
	// Counts for the log: steps, rows checked on screen, rows compared
	// with the fake at quiescence, rows the audit log replayed, consoles.
	steps, checked, compared, replayed, consoles, actions, quitNows int
	events                                                          []string
}

func newInterleaving(t testing.TB, r chooser, backend string, keys []string, count int) *interleaving {
	h := newBackendHarness(t, backend, count)
	o := h.options(t)
	o.IDChunk = 40
	o.ConfirmThreshold = 5
	o.Me = model.User{UID: h.fake.Users()[0].UID, UUID: h.fake.Users()[0].UUID, FirstName: "Me"}
	o.Team = []model.User{{UID: h.fake.Users()[1].UID, UUID: h.fake.Users()[1].UUID}}
	// Ten rows a batch: a bulk change goes in several, some waiting for a
	// send slot.
	o.Source.Backend = tenPerBatch{o.Source.Backend.(api.Audited)}
	x := &interleaving{t: t, h: h, o: o, r: r, hist: map[string][]vals{}, patches: -1, alerts: backend == "alerts", keys: keys}
	t.Cleanup(x.release)
	x.follow()
	x.start()
	return x
}

// start starts a console on the same state folder, fake and audit log: the
// analyst's next start.
func (x *interleaving) start() {
	x.consoles++
	x.d = newDriver(x.t, x.o)
	x.known, x.unsure, x.pointed = map[string]int{}, map[string]int{}, map[string]bool{}
	x.intents, x.opening, x.newest = map[int]*intent{}, nil, 0
	for id, h := range x.hist {
		x.known[id] = len(h) - 1 // what the new console reads is today's
	}
}

type tenPerBatch struct{ api.Audited }

func (tenPerBatch) MaxIDs() int { return 10 }

func (x *interleaving) fakeVals(id string) vals {
	m, _ := x.h.fake.Detection(id)
	if x.alerts {
		m, _ = x.h.fake.Alert(id)
	}
	show, _ := m["show_in_ui"].(bool)
	return vals{status: orEmpty(m["status"]), uid: orEmpty(m["assigned_to_uid"]), show: show}
}

// follow adds the fake's new versions of its rows to hist.
func (x *interleaving) follow() {
	n := len(x.h.fake.Patches())
	if n == x.patches {
		return
	}
	x.patches = n
	ids := x.h.fake.IDs()
	if x.alerts {
		ids = x.h.fake.AlertIDs()
	}
	for _, id := range ids {
		v := x.fakeVals(id)
		if h := x.hist[id]; len(h) == 0 || h[len(h)-1] != v {
			x.hist[id] = append(h, v)
		}
	}
}

func (x *interleaving) now(id string) vals { return x.hist[id][len(x.hist[id])-1] }

var randomKeys = []string{"j", "j", "j", "k", "pgdown", "g", "G", "space", "space", "V", "ctrl+a", "esc", "M", "enter", "esc",
	"s", "s", "s", "s", "s", "a", "a", "c", "H", "u", "u", "u", "ctrl+r", "ctrl+r", "R", "R", "o", "O", "r", "r", "r", ".", "f", "/", "tab", "*", "y"}

// step does one random thing: a key, running the oldest command issued,
// delivering one held answer (possibly with a fault armed on the fake), or
// now and then quitting and starting again.
func (x *interleaving) step() {
	d, r := x.d, x.r
	x.steps++
	before := markSet(d.m.list.Marks())
	marking := false
	switch r.IntN(10) {
	case 0, 1, 2, 3, 4:
		switch {
		case x.holding && x.waitingForSlots() && r.IntN(2) == 0:
			x.quitNowWhileSending()
		case r.IntN(300) == 0:
			d.key([]string{"q", "ctrl+c"}[r.IntN(2)])
		default:
			marking = x.key()
		}
	case 5, 6:
		switch {
		case x.holding && r.IntN(4) == 0:
			x.release()
		case r.IntN(3) == 0:
			x.arm()
			fallthrough
		default:
			x.runOne()
		}
	default:
		if len(d.held) > 0 {
			// The worst order, half of the time: the newest answer first,
			// so the older ones land after what was asked since.
			i := x.pick()
			msg := d.held[i]
			d.held = append(d.held[:i], d.held[i+1:]...)
			_, marking = msg.(list.AllIDsMsg) // the answer to a confirmed *
			if _, sends := msg.(triage.PreReadMsg); sends && r.IntN(2) == 0 {
				x.hold() // the batches it sends wait at the service
			}
			x.deliver(msg)
		}
	}
	x.bind()
	if d.m.quitting {
		x.restart() // the program is over: tea.Quit
		return
	}
	if !marking {
		for _, id := range d.m.list.Marks() {
			if _, ok := before[id]; !ok {
				x.t.Fatalf("step %d: %s became marked without a marking key", x.steps, id)
			}
		}
	}
	x.follow()
	x.checkScreen()
}

// pick chooses the held answer to deliver: at random, the newest, or
// the oldest that is not a read (a read held back past the writes asked
// after it is the worst order for the rows it carries).
func (x *interleaving) pick() int {
	held := x.d.held
	switch x.r.IntN(3) {
	case 0:
		return x.r.IntN(len(held))
	case 1:
		for i, msg := range held {
			switch msg.(type) {
			case list.DetailsMsg, list.IDsMsg, list.AllIDsMsg, triage.RereadMsg:
			default:
				return i
			}
		}
	}
	return len(held) - 1
}

func markSet(ids []string) map[string]struct{} {
	out := make(map[string]struct{}, len(ids))
	for _, k := range ids {
		out[k] = struct{}{}
	}
	return out
}

// point records what the analyst points at as a key that acts is pressed:
// the row the detail shows, else the marked rows, else the cursor row.
func (x *interleaving) point(key string) {
	d := x.d
	in := &intent{key: key, sent: map[string]model.Change{}}
	switch {
	case key == "u" || key == "ctrl+r" || key == "R":
		in.walk = true
	case d.m.detail != nil:
		in.targets = []string{d.m.detail.ID()}
	case len(d.m.list.Marks()) > 0:
		in.targets = d.m.list.Marks()
	case d.m.list.CursorID() != "":
		in.targets = []string{d.m.list.CursorID()}
	}
	x.opening = in
}

// bind gives the action a key just made the intent recorded when the
// analyst pressed the key that opened it.
func (x *interleaving) bind() {
	n := x.d.m.run.Newest()
	for ; x.newest < n; x.newest++ {
		in := x.opening
		if in == nil {
			x.t.Fatalf("step %d: action %d was made with no key pressed to make it", x.steps, x.newest+1)
		}
		x.opening = nil
		x.follow()
		// The service's values then, of every row: an undo of a retry
		// puts back rows the test learns only from what the retry sent.
		in.before = make(map[string]vals, len(x.hist))
		for id := range x.hist {
			in.before[id] = x.now(id)
		}
		for _, id := range in.targets {
			x.pointed[id] = true
		}
		x.intents[x.newest+1] = in
		x.actions++
		x.events = append(x.events, fmt.Sprintf("%d action %d by %q on %v", x.steps, x.newest+1, in.key, in.targets))
	}
}

// runOne runs a queued command, the oldest or any, checking the batches
// it sends.
func (x *interleaving) runOne() {
	d := x.d
	if len(d.cmds) == 0 {
		return
	}
	// Bubble Tea runs commands concurrently: any of them may answer
	// first.
	i := 0
	if x.r.IntN(2) == 0 {
		i = x.r.IntN(len(d.cmds))
	}
	cmd := d.cmds[i]
	d.cmds = slices.Delete(d.cmds, i, i+1)
	n := len(d.held)
	x.exec(cmd)
	for _, msg := range d.held[n:] {
		x.check(msg)
	}
}

// check holds a batch to what the analyst meant: its rows among those
// pointed at by the key that made its action, an undo's values those the
// rows held before the action it takes back, a redo's those it sent.
func (x *interleaving) check(msg tea.Msg) {
	b, ok := msg.(triage.BatchMsg)
	if !ok {
		return
	}
	in := x.intents[b.Action()]
	if in == nil {
		x.t.Fatalf("step %d: %s (action %d) wrote %v, and no key made it", x.steps, b.Verb(), b.Action(), b.IDs())
	}
	allowed := in.targets
	walked, undo := b.Walks()
	var orig *intent
	switch {
	case walked != 0:
		orig = x.intents[walked]
		if orig == nil {
			x.t.Fatalf("step %d: %s walks action %d, which no key made", x.steps, b.Verb(), walked)
		}
		allowed = slices.Collect(maps.Keys(orig.sent)) // an undo or a redo writes only rows the action wrote
	case in.walk:
		allowed = slices.Collect(maps.Keys(x.pointed))
	}
	c := b.Sent()
	for _, id := range b.IDs() {
		if !slices.Contains(allowed, id) {
			x.t.Fatalf("step %d: %s wrote %s, which the analyst did not point at (%v)", x.steps, b.Verb(), id, allowed)
		}
		in.sent[id] = c
		if orig == nil {
			continue
		}
		if undo {
			x.checkValues(b, id, orig.before[id], "it held before")
		} else {
			want := orig.sent[id]
			x.checkValues(b, id, vals{status: statusOf(want.Status), uid: x.uidOf(want.AssigneeUUID), show: want.ShowInUI != nil && *want.ShowInUI},
				"the action it redoes sent")
			if (want.Status == nil) != (c.Status == nil) || (want.ShowInUI == nil) != (c.ShowInUI == nil) {
				x.t.Fatalf("step %d: %s sets other fields on %s than the action it redoes", x.steps, b.Verb(), id)
			}
		}
	}
}

func statusOf(s *model.Status) string {
	if s == nil {
		return ""
	}
	return string(*s)
}

func (x *interleaving) uidOf(uuid *string) string {
	if uuid == nil || *uuid == "" {
		return ""
	}
	for _, u := range x.h.fake.Users() {
		if u.UUID == *uuid {
			return u.UID
		}
	}
	return "unknown uuid " + *uuid
}

// checkValues holds each field a walking batch sets to want.
func (x *interleaving) checkValues(b triage.BatchMsg, id string, want vals, what string) {
	c := b.Sent()
	bad := c.Status != nil && string(*c.Status) != want.status ||
		c.ShowInUI != nil && *c.ShowInUI != want.show ||
		c.AssigneeUUID != nil && x.uidOf(c.AssigneeUUID) != want.uid
	if bad {
		x.t.Fatalf("step %d: %s sends %s status %q, assignee %q, show %v; the value %s was %v", x.steps, b.Verb(), id,
			statusOf(c.Status), x.uidOf(c.AssigneeUUID), c.ShowInUI != nil && *c.ShowInUI, what, want)
	}
}

// deliver hands a held answer to the console, learning first what it tells
// the console of the rows.
func (x *interleaving) deliver(msg tea.Msg) {
	x.follow()
	switch msg := msg.(type) {
	case list.DetailsMsg:
		x.learnRead(msg.Found(), 0)
	case triage.RereadMsg:
		if msg.Err() == nil {
			x.learnRead(msg.Found(), msg.Action())
		}
		x.events = append(x.events, fmt.Sprintf("%d reread of action %d err=%v", x.steps, msg.Action(), msg.Err()))
	case triage.BatchMsg:
		res, sent := msg.Outcome()
		x.events = append(x.events, fmt.Sprintf("%d batch of action %d %s %v refused=%v unknown=%v sent=%v", x.steps, msg.Action(),
			msg.Verb(), msg.IDs(), slices.Collect(maps.Keys(res.Refused)), res.Unknown, sent))
		if sent {
			for _, id := range msg.IDs() {
				switch _, refused := res.Refused[id]; {
				case slices.Contains(res.Unknown, id):
					x.unsure[id] = msg.Action()
				case !refused:
					// Told applied: the console knows the row's value now.
					x.known[id] = len(x.hist[id]) - 1
					delete(x.unsure, id)
				}
			}
		}
	}
	x.d.send(msg)
}

// learnRead raises what the console must show of the rows a read carries:
// at least the oldest version holding the values read. A re-read of the
// action that left rows unsure settles them.
func (x *interleaving) learnRead(found []model.Detection, action int) {
	for i := range found {
		id := found[i].ID
		v := shown(&found[i])
		if k := slices.Index(x.hist[id], v); k > x.known[id] {
			x.known[id] = k
		}
		if action != 0 && x.unsure[id] == action {
			delete(x.unsure, id)
		}
	}
}

// checkScreen holds every row the console shows, but those with a write in
// flight or of unknown outcome, to the last value it was told of.
func (x *interleaving) checkScreen() {
	d := x.d
	for _, id := range d.m.list.IDs() {
		row, ok := d.m.rows.Peek(id)
		if !ok || d.m.rows.Pending(id) || x.unsure[id] != 0 {
			continue
		}
		x.checked++
		h := x.hist[id]
		if !slices.Contains(h[x.known[id]:], shown(row)) {
			x.dump(id)
			x.t.Fatalf("step %d: %s shows %v, older than %v, which the console was told of (versions %v)", x.steps, id, shown(row),
				h[x.known[id]], h)
		}
	}
}

func (x *interleaving) dump(id string) {
	for _, e := range x.events {
		if strings.Contains(e, id) || !strings.Contains(e, "ldt:") {
			x.t.Log(e)
		}
	}
}

// arm sets one fault on the fake for what runs next.
func (x *interleaving) arm() {
	x.release()
	f := fake.Faults{}
	switch x.r.IntN(12) {
	case 8, 9, 10, 11:
		f.HoldUpdates = true
	case 0:
		f.Fail5xx = 1 + x.r.IntN(8)
	case 1:
		f.Drop = 1
	case 2:
		f.DropAfterApply = 1
	case 3:
		f.Burst429 = 1
	case 4:
		f.UnreadableAnswers = 1
	case 5:
		f.LoseUpdates = 1
	case 6:
		f.NameUnsentIDs = 1
	case 7:
		// Refuse a row an action is about to touch, or one near the cursor.
		if ids := x.d.m.list.Targets(); len(ids) > 0 {
			f.RefuseIDs = map[string]bool{ids[x.r.IntN(len(ids))]: true}
		}
	}
	x.h.fake.SetFaults(f)
	x.holding = f.HoldUpdates
}

// exec runs a command as the driver does, while the fake may hold the
// updates: a read runs then, before they are applied. A command that does
// not answer while they are held waits for one of them: it is parked, and
// answers when they are released. When it is seen to wait changes only
// which order the run explores, never what the oracles allow.
func (x *interleaving) exec(cmd tea.Cmd) {
	if !x.holding {
		x.d.exec(cmd)
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		x.d.take(msg, x.exec)
	case <-time.After(100 * time.Millisecond):
		x.parked = append(x.parked, done)
	}
}

// hold has the fake hold every update until released.
func (x *interleaving) hold() {
	x.release()
	x.h.fake.SetFaults(fake.Faults{HoldUpdates: true})
	x.holding = true
}

// release lets the updates the fake holds go on, and takes the answers of
// the commands that waited for them.
func (x *interleaving) release() {
	if !x.holding {
		return
	}
	x.h.fake.SetFaults(fake.Faults{})
	x.holding = false
	parked := x.parked
	x.parked = nil
	for _, done := range parked {
		n := len(x.d.held)
		x.d.take(<-done, x.exec)
		for _, msg := range x.d.held[n:] {
			x.check(msg)
		}
	}
}

// waitingForSlots reports an action with more batches unanswered than
// there are send slots: some wait for one.
func (x *interleaving) waitingForSlots() bool {
	a, ok := x.d.m.run.Running()
	return ok && a.Sent && a.Batches-a.Done > triage.MaxConcurrentBatches
}

// quitNowWhileSending presses ctrl+c while the fake holds the updates in
// flight, noting what had been sent: once the held updates go on, nothing
// waiting for a send slot may follow them.
func (x *interleaving) quitNowWhileSending() {
	x.quitNow, x.inFlight = map[string]bool{}, 0
	for _, l := range auditLines(x.t, x.h) {
		switch l.Event {
		case "sent":
			x.quitNow[l.Batch] = true
			x.inFlight++
		case "result":
			x.inFlight--
		}
	}
	x.quitNows++
	x.d.key("ctrl+c")
}

// key presses a random key, answering whatever layer is in front; it
// reports whether the key may mark rows.
func (x *interleaving) key() bool {
	d, r := x.d, x.r
	name := d.m.stack.TopName()
	switch {
	case d.m.stack.Arming():
		x.release()
		d.arm() // the analyst has seen the raised layer
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
		switch r.IntN(5) {
		case 0:
			d.key("esc")
		case 1:
			d.typeText("a")
		case 2:
			d.typeText("m")
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
		k := x.keys[r.IntN(len(x.keys))]
		if a, ok := d.m.run.Running(); ok && a.Sent && x.holding && r.IntN(2) == 0 {
			// The worst moment to read the rows again: their write is
			// held at the service.
			k = []string{"r", "pgdown", "G"}[r.IntN(3)]
		}
		if strings.Contains(" s a c H u ctrl+r R ", " "+k+" ") && !d.m.ov.Shown() {
			x.point(k)
		}
		d.key(k)
		return k == "space" || k == "V" || k == "ctrl+a" || k == "M"
	}
	return false
}

// restart: the console quit. As main does, it waits for the writes still
// under way; then every batch sent has its result in the audit log, the log
// replays into the fake, and the analyst starts the console again.
func (x *interleaving) restart() {
	x.events = append(x.events, fmt.Sprintf("%d quit", x.steps))
	x.release()
	x.h.fake.SetFaults(fake.Faults{})
	if !x.d.m.Close(time.Minute) {
		x.t.Fatalf("step %d: the writes under way at quit did not finish", x.steps)
	}
	open := map[string]bool{}
	after := 0 // batches sent after a quit now
	for _, l := range auditLines(x.t, x.h) {
		switch l.Event {
		case "sent":
			open[l.Batch] = true
			if x.quitNow != nil && !x.quitNow[l.Batch] {
				after++
			}
		case "result", "not_sent":
			delete(open, l.Batch)
		}
	}
	if len(open) > 0 {
		x.t.Fatalf("step %d: after quit, %d batches sent have no result in the audit log", x.steps, len(open))
	}
	// A writer may have taken a free send slot as ctrl+c was pressed; none
	// waiting for one may leave after it.
	if free := triage.MaxConcurrentBatches - x.inFlight; x.quitNow != nil && after > free {
		x.t.Fatalf("step %d: %d batches were sent after quit now, with %d send slots free when it was pressed", x.steps, after, free)
	}
	x.quitNow = nil
	// The next start reads again the rows this run left of unknown
	// outcome; then the audit log says what became of them.
	x.start()
	x.settleQuietly()
	x.follow()
	x.replayAudit()
}

// settleAndCheck lets every answer land, without faults, and compares the
// screen and the audit log with the fake.
func (x *interleaving) settleAndCheck() {
	x.release()
	x.h.fake.SetFaults(fake.Faults{})
	d := x.d
	x.settleQuietly()
	if d.m.quitting {
		x.restart()
		return
	}
	x.follow()
	x.checkScreen()
	// The walk on screen goes on to its end: no page of it was lost.
	if !d.m.ov.Shown() && d.m.detail == nil && d.m.list.Err() == "" {
		d.key("G")
		x.settleQuietly()
		if ids := d.m.list.IDs(); !d.m.list.Done() || len(ids) != len(markSet(ids)) {
			x.t.Fatalf("step %d: after G the list holds %d rows (%d distinct) of %d, done %v", x.steps, len(ids), len(markSet(ids)),
				d.m.list.Total(), d.m.list.Done())
		}
	}
	// Rows of unknown outcome whose re-read failed, and rows not read
	// since: r reads them again.
	if d.m.ov.Shown() {
		d.key("tab") // r on the overview refreshes the overview
	}
	d.key("r")
	x.settleQuietly()
	if len(d.m.list.IDs()) == 0 {
		// A filter that matches nothing: widen it, so the check has rows.
		d.key("f", "x")
		x.settleQuietly()
	}
	for _, id := range d.m.list.IDs() {
		row, ok := d.m.rows.Peek(id)
		if !ok || d.m.rows.Stale(id) {
			continue // not read since the refresh: off screen, it waits to be
		}
		x.compared++
		if want := x.now(id); shown(row) != want {
			x.dump(id)
			x.t.Fatalf("step %d: %s shows %v, the fake has %v", x.steps, id, shown(row), want)
		}
		x.known[id] = len(x.hist[id]) - 1
		delete(x.unsure, id)
	}
	x.replayAudit()
}

// settleQuietly delivers everything in order, learning from it and
// checking each batch; a question it raises is cancelled.
func (x *interleaving) settleQuietly() {
	d := x.d
	d.closeLayers()
	for {
		d.run()
		if len(d.held) == 0 {
			return
		}
		msg := d.held[0]
		d.held = d.held[1:]
		x.check(msg)
		x.deliver(msg)
		x.bind()
		d.closeLayers() // a conflict or confirmation prompt: cancel it
	}
}

func orEmpty(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// replayAudit applies the audit log's results to the fake's first state
// and compares the outcome with the fake now. A row of unknown outcome is
// unknown until the console's read back of it (or a later result) says
// what it holds; at least 90% of the rows must be replayed.
func (x *interleaving) replayAudit() {
	first := make(map[string]string, len(x.hist))
	for id, h := range x.hist {
		first[id] = h[0].status
	}
	x.replayed = replayAudit(x.t, x.h, first, func(id string) string { return x.now(id).status }, fmt.Sprintf("step %d", x.steps))
}

// replayAudit replays the audit log at h over the rows' first statuses,
// holds every row it can replay to its status now, and fails unless it
// replays at least 90% of them. It returns how many it replayed.
func replayAudit(t testing.TB, h *harness, first map[string]string, now func(id string) string, at string) int {
	const unknown = "?"
	state := maps.Clone(first)
	type pending struct{ before, after string }
	open := map[string]pending{}
	for _, l := range auditLines(t, h) {
		if l.Change.Status == "" {
			continue
		}
		for _, id := range l.IDs {
			_, refused := l.Refused[id]
			switch {
			case l.Event == "read_back":
				if p, ok := open[id]; ok {
					state[id] = map[bool]string{true: p.before, false: p.after}[refused]
					delete(open, id)
				}
			case l.Event != "result":
			case l.Outcome == "unknown" && len(l.Unknown) == 0 || slices.Contains(l.Unknown, id):
				open[id] = pending{before: state[id], after: l.Change.Status}
				state[id] = unknown
			case !refused && l.Outcome != "refused":
				state[id] = l.Change.Status
				delete(open, id)
			}
		}
	}
	replayed := 0
	for id := range first {
		want := state[id]
		if want == unknown {
			continue
		}
		replayed++
		if got := now(id); got != want {
			t.Fatalf("%s: the audit log replays %s to %v, the fake has %v", at, id, want, got)
		}
	}
	if replayed*10 < len(first)*9 {
		t.Fatalf("%s: the audit log replays only %d of %d rows", at, replayed, len(first))
	}
	return replayed
}

func runInterleaving(t testing.TB, r chooser, backend string, keys []string, steps, count int) {
	x := newInterleaving(t, r, backend, keys, count)
	for i := range steps {
		x.step()
		if i%250 == 249 {
			x.settleAndCheck()
		}
	}
	x.settleAndCheck()
	if tt, ok := t.(*testing.T); ok {
		tt.Logf("%d steps, %d consoles (%d quit now while sending), %d actions: %d updates sent, %d rows checked on screen, %d compared with the fake at rest, %d of %d replayed from the audit log",
			x.steps, x.consoles, x.quitNows, x.actions, len(x.h.fake.Patches()), x.checked, x.compared, x.replayed, len(x.hist))
	}
}

// interleavings is how many seeds TestRandomInterleavings runs: three in
// the suite, more for a deeper search (go test -run TestRandomInterleavings
// ./ui -args -interleavings 50).
var interleavings = flag.Int("interleavings", 3, "seeds TestRandomInterleavings runs")

func TestRandomInterleavings(t *testing.T) {
	steps := 3000
	if testing.Short() {
		steps = 600
	}
	for seed := range uint64(*interleavings) {
		seed++
		// Odd seeds on Detects, even ones on Alerts, whose pages carry
		// the rows.
		backend := map[bool]string{true: "detects", false: "alerts"}[seed%2 == 1]
		t.Run(fmt.Sprintf("%d-%s", seed, backend), func(t *testing.T) {
			runInterleaving(t, rand.New(rand.NewPCG(seed, 42)), backend, randomKeys, steps, 150)
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
		backend := "detects"
		if len(ops) > 0 && ops[0]%2 == 0 {
			backend = "alerts"
		}
		runInterleaving(t, &byteChooser{b: ops}, backend, randomKeys, len(ops), 60)
	})
}

func rowsOf(ds []model.Detection) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s=%s/%v ", d.ID, d.Status, d.ShowInUI)
	}
	return b.String()
}
