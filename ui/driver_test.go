package ui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// driver drives the console's Update by hand, holding back every answer:
// commands are queued when Update returns them, run only when the test says
// (in the order they were issued), and their answers wait until the test
// delivers them, in whatever order it likes. No sleeps, no timing luck.
type driver struct {
	t     testing.TB
	m     *Model
	cmds  []tea.Cmd
	held  []tea.Msg
	quit  bool
	clips []string
	// epochs keeps the parts' answers stamped with their tenant (a test
	// of tenant switches); else they are held as the part's own.
	epochs bool
}

func newDriver(t testing.TB, o Options) *driver {
	t.Helper()
	if o.ArmAfter == 0 {
		// The arming tick is held like any answer: a test delivers its
		// armMsg when the analyst has seen the layer.
		o.ArmAfter = time.Nanosecond
	}
	m := New(o)
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	d.queue(m.Init())
	return d
}

func (d *driver) queue(cmd tea.Cmd) {
	if cmd != nil {
		d.cmds = append(d.cmds, cmd)
	}
}

// send hands one message to Update and queues what it returns.
func (d *driver) send(msg tea.Msg) {
	_, cmd := d.m.Update(msg)
	d.queue(cmd)
}

func (d *driver) key(keys ...string) {
	for _, k := range keys {
		d.send(keyPress(k))
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// run runs every queued command, in order, holding their answers. A batch
// runs its parts in order; the spinner's ticks are dropped, so it never
// sleeps.
func (d *driver) run() {
	for len(d.cmds) > 0 {
		cmd := d.cmds[0]
		d.cmds = d.cmds[1:]
		d.exec(cmd)
	}
}

func (d *driver) exec(cmd tea.Cmd) { d.take(cmd(), d.exec) }

// take holds a command's answer; a batch's commands are run by exec.
func (d *driver) take(msg tea.Msg, exec func(tea.Cmd)) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			if c != nil {
				exec(c)
			}
		}
	case tenantMsg:
		if d.epochs {
			d.held = append(d.held, msg)
			return
		}
		d.take(msg.msg, exec) // one tenant in these tests: held as the part's own
	case spinner.TickMsg:
	case tea.QuitMsg:
		d.quit = true
	default:
		if s := fmt.Sprint(msg); reflect.TypeOf(msg).String() == "tea.setClipboardMsg" {
			d.clips = append(d.clips, s)
			return
		}
		d.held = append(d.held, msg)
	}
}

// deliver hands the first held answer of type T (that match accepts, if
// given) to Update, running nothing else. It fails the test if there is
// none.
func deliver[T tea.Msg](d *driver, match ...func(T) bool) T {
	d.t.Helper()
	for i, msg := range d.held {
		if m, ok := msg.(T); ok && (len(match) == 0 || match[0](m)) {
			d.held = append(d.held[:i], d.held[i+1:]...)
			d.send(m)
			return m
		}
	}
	var zero T
	d.t.Fatalf("no %T held back (held: %s)", zero, d.heldTypes())
	return zero
}

// takeLast takes the newest held answer, which must be a T, out of the
// held ones without delivering it: the test releases it later.
func takeLast[T tea.Msg](d *driver) T {
	d.t.Helper()
	if len(d.held) > 0 {
		if m, ok := d.held[len(d.held)-1].(T); ok {
			d.held = d.held[:len(d.held)-1]
			return m
		}
	}
	var zero T
	d.t.Fatalf("no %T held last (held: %s)", zero, d.heldTypes())
	return zero
}

// holds counts the held answers of type T.
func holds[T tea.Msg](d *driver) int {
	n := 0
	for _, msg := range d.held {
		if _, ok := msg.(T); ok {
			n++
		}
	}
	return n
}

func (d *driver) heldTypes() string {
	var out []string
	for _, m := range d.held {
		out = append(out, fmt.Sprintf("%T", m))
	}
	return strings.Join(out, ", ")
}

// settle runs and delivers everything, in order, until nothing is left.
func (d *driver) settle() {
	d.t.Helper()
	for i := 0; ; i++ {
		d.run()
		if len(d.held) == 0 {
			return
		}
		if i > 10000 {
			d.t.Fatalf("the console does not settle: %s", d.heldTypes())
		}
		msg := d.held[0]
		d.held = d.held[1:]
		d.send(msg)
	}
}

// row is the console's copy of a row.
func (d *driver) row(id string) model.Detection {
	d.t.Helper()
	r, ok := d.m.rows.Peek(id)
	if !ok {
		d.t.Fatalf("%s is not loaded", id)
	}
	return *r
}

// screen renders the console as the analyst sees it.
func (d *driver) screen() string { return d.m.View().Content }

// markIDs marks these rows by moving the cursor to each and pressing space.
func (d *driver) markIDs(ids ...string) {
	d.t.Helper()
	for _, id := range ids {
		i := -1
		for j, x := range d.m.list.IDs() {
			if x == id {
				i = j
			}
		}
		if i < 0 {
			d.t.Fatalf("%s is not in the list", id)
		}
		d.cursorTo(i)
		d.key("space")
	}
}

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// arm delivers the arming tick of the layer an answer raised: the analyst
// has seen it, and it takes keys.
func (d *driver) arm() {
	d.t.Helper()
	d.run()
	deliver[modal.ArmMsg](d)
}

// closeLayers closes every layer with esc, letting a raised one arm first.
func (d *driver) closeLayers() {
	d.t.Helper()
	for d.m.stack.Top() != nil {
		if d.m.stack.Arming() {
			d.arm()
		}
		d.key("esc")
	}
}

// top names the layer in front (modal.Stack.TopName).
func (d *driver) top() string { return d.m.stack.TopName() }

// field is the bottom line's field in front.
func (d *driver) field() *modal.Input {
	d.t.Helper()
	in, ok := d.m.stack.Top().(*modal.Input)
	if !ok {
		d.t.Fatalf("no field in front: %s", d.top())
	}
	return in
}

// running is the action running, or the zero State.
func running(d *driver) triage.State {
	a, _ := d.m.run.Running()
	return a
}

// backend puts b in the place of the console's backend, for the list and
// the runner alike.
func (d *driver) backend(b model.Backend) {
	d.m.b = b
	d.m.run.Connected(b)
}

// cursorTo puts the list's cursor on row i, as : does.
func (d *driver) cursorTo(i int) {
	out, cmd := d.m.list.MoveTo(i)
	d.queue(d.m.applyList(out, cmd))
}

// writeSession leaves a session for the next start to restore.
func writeSession(t testing.TB, dir string, s session) {
	t.Helper()
	st := newStateStore(dir)
	st.stage(sessionFile, s)
	if err := st.flush(); err != nil {
		t.Fatal(err)
	}
}
