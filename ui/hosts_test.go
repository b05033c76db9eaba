package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
)

// hostsDriver is a console on the fake's Alerts with the Hosts API, its
// follow timer ticking only when the test delivers the tick, and the
// fake's clock the test's.
func hostsDriver(t *testing.T, count int, mod ...func(*fake.Options)) (*driver, *harness, *clock) {
	t.Helper()
	clk := newClock(testBase)
	mod = append([]func(*fake.Options){func(o *fake.Options) { o.Now = clk.Now; o.ContainAfter = 10 * time.Second }}, mod...)
	h := newBackendHarness(t, "alerts", count, mod...)
	o := h.options(t)
	o.Source.Hosts = api.NewHosts(h.client)
	o.LiveWait = func(ctx context.Context, _ time.Duration) bool { return ctx.Err() == nil }
	d := newDriver(t, o)
	t.Cleanup(func() { d.m.Close(hangBound) })
	d.send(teaSize(120, 90)) // tall: the detail's host section on screen
	d.settle()
	return d, h, clk
}

func hostReqs(h *harness, op string) []fake.HostRequest {
	var out []fake.HostRequest
	for _, r := range h.fake.HostRequests() {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

func plain(d *driver) string { return ansi.Strip(d.screen()) }

// rowsOnHosts finds rows of the list by host: the first row of each host,
// in list order, and a second row of a host already seen.
func rowsOnHosts(t *testing.T, d *driver) (firsts []int, again int) {
	t.Helper()
	seen := map[string]bool{}
	again = -1
	for i, id := range d.m.list.IDs() {
		r, ok := d.m.rows.Peek(id)
		if !ok || r.Device.ID == "" {
			continue
		}
		if seen[r.Device.ID] {
			if again < 0 {
				again = i
			}
			continue
		}
		seen[r.Device.ID] = true
		firsts = append(firsts, i)
	}
	return firsts, again
}

func TestTheDetailsOfFiftyAlertsReadEachHostOnce(t *testing.T) {
	d, h, _ := hostsDriver(t, 200)
	d.cursorTo(0)
	d.key("enter")
	d.settle()
	hosts := map[string]bool{}
	for i := 0; i < 50; i++ {
		if i > 0 {
			d.key("J")
			d.settle()
		}
		r := d.row(d.m.detail.ID())
		if r.Device.ID != "" {
			hosts[r.Device.ID] = true
		}
	}
	reads := hostReqs(h, "hosts-get")
	if len(hosts) == 0 || len(hosts) >= 50 {
		t.Fatalf("50 alerts on %d hosts: the test needs hosts shared", len(hosts))
	}
	if len(reads) != len(hosts) {
		t.Fatalf("%d host reads for %d hosts, want each host read once", len(reads), len(hosts))
	}
	for _, r := range reads {
		if r.IDs != 1 {
			t.Fatalf("a read of %d hosts, want one host a read", r.IDs)
		}
	}
	// The last detail shows its host as the Hosts API has it, and its count.
	r := d.row(d.m.detail.ID())
	for r.Device.ID == "" {
		d.key("J")
		d.settle()
		r = d.row(d.m.detail.ID())
	}
	sc := plain(d)
	for _, want := range []string{"Containment", "normal", "Sensor", "First seen", "Alerts, 7 days"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("the host section lacks %q:\n%s", want, sc)
		}
	}
}

func TestWithoutHostsReadTheSectionNamesTheScopeAndAsksNoMore(t *testing.T) {
	d, h, _ := hostsDriver(t, 60, func(o *fake.Options) { o.DenyHostsRead = true })
	firsts, _ := rowsOnHosts(t, d)
	if len(firsts) < 2 {
		t.Fatal("fewer than two hosts")
	}
	d.cursorTo(firsts[0])
	d.key("enter")
	d.settle()
	if sc := plain(d); !strings.Contains(sc, "Hosts: read scope") {
		t.Fatalf("no word of the scope:\n%s", sc)
	}
	d.key("esc")
	d.cursorTo(firsts[1])
	d.key("enter")
	d.settle()
	if sc := plain(d); !strings.Contains(sc, "Hosts: read scope") {
		t.Fatalf("no word of the scope on the second host:\n%s", sc)
	}
	if n := h.fake.Count("hosts-get"); n != 1 {
		t.Fatalf("%d host reads after a 403, want 1", n)
	}
}

// containFirstTwoHosts marks three rows on two hosts (two rows share one)
// and presses C: the confirmation is raised, armed.
func containTwoHosts(t *testing.T, d *driver) (aids []string) {
	t.Helper()
	firsts, again := rowsOnHosts(t, d)
	if len(firsts) < 2 || again < 0 {
		t.Fatal("the test needs two hosts and a host on two rows")
	}
	againAID := d.row(d.m.list.IDs()[again]).Device.ID
	other := -1
	for _, i := range firsts {
		if d.row(d.m.list.IDs()[i]).Device.ID != againAID {
			other = i
			break
		}
	}
	first := -1
	for _, i := range firsts {
		if d.row(d.m.list.IDs()[i]).Device.ID == againAID {
			first = i
		}
	}
	ids := d.m.list.IDs()
	d.markIDs(ids[first], ids[again], ids[other])
	d.key("C")
	d.arm()
	return []string{againAID, d.row(ids[other]).Device.ID}
}

func TestContainConfirmsNamingTheHostsFollowsThemAndUndoLifts(t *testing.T) {
	d, h, clk := hostsDriver(t, 60)
	aids := containTwoHosts(t, d)
	sc := plain(d)
	if !strings.Contains(sc, "Contain 2 hosts: ") {
		t.Fatalf("the confirmation does not name the hosts:\n%s", sc)
	}
	for _, aid := range aids {
		if name := h.fake.HostIDs(); len(name) == 0 {
			t.Fatal("no hosts")
		}
		r := hostName(aid, d)
		if !strings.Contains(sc, r) {
			t.Fatalf("the confirmation does not name %s:\n%s", r, sc)
		}
	}
	if n := len(hostReqs(h, "hosts-action")); n != 0 {
		t.Fatalf("%d containment requests before the answer", n)
	}
	// Rows are re-ordered meanwhile: the hosts are those the key captured.
	d.cursorTo(0)
	d.key("y")
	d.run()
	deliver[containMsg](d)
	acts := hostReqs(h, "hosts-action")
	if len(acts) != 1 || acts[0].IDs != 2 || acts[0].Action != "contain" {
		t.Fatalf("containment requests %+v, want one of the 2 distinct hosts", acts)
	}
	if sc := plain(d); !strings.Contains(sc, "containment pending") || !strings.Contains(sc, "⊘…") {
		t.Fatalf("the hosts are not shown pending:\n%s", sc)
	}
	// The sensor acknowledges; the next read of the followed hosts says so.
	d.run()
	clk.Advance(11 * time.Second)
	deliver[followTickMsg](d)
	d.run()
	deliver[hostsReadMsg](d)
	sc = plain(d)
	if !strings.Contains(sc, "contained") || !strings.Contains(sc, "⊘ ") || strings.Contains(sc, "⊘…") {
		t.Fatalf("the hosts are not shown contained:\n%s", sc)
	}
	for _, aid := range aids {
		if st := h.fake.Host(aid); st != "contained" {
			t.Fatalf("host %s is %s", aid, st)
		}
	}
	if holds[followTickMsg](d) != 0 || len(d.cmds) != 0 {
		t.Fatalf("still following settled hosts: %s", d.heldTypes())
	}
	// u lifts the containment: the same hosts, the opposite action.
	d.key("u")
	d.run()
	deliver[containMsg](d)
	acts = hostReqs(h, "hosts-action")
	if len(acts) != 2 || acts[1].Action != "lift_containment" || acts[1].IDs != 2 {
		t.Fatalf("containment requests %+v, want a lift of the 2 hosts", acts)
	}
	for _, aid := range aids {
		if st := h.fake.Host(aid); st != "lift_containment_pending" {
			t.Fatalf("host %s is %s after undo", aid, st)
		}
	}
	// ctrl+r contains them again.
	d.run()
	clk.Advance(11 * time.Second)
	deliver[followTickMsg](d)
	d.run()
	deliver[hostsReadMsg](d)
	d.key("ctrl+r")
	d.run()
	deliver[containMsg](d)
	if acts = hostReqs(h, "hosts-action"); len(acts) != 3 || acts[2].Action != "contain" {
		t.Fatalf("containment requests %+v, want a contain again", acts)
	}
}

func hostName(aid string, d *driver) string {
	for _, id := range d.m.list.IDs() {
		if r, ok := d.m.rows.Peek(id); ok && r.Device.ID == aid {
			return r.Device.Hostname
		}
	}
	return aid
}

func TestNoContainmentReadOnlyNorWithoutHostsWrite(t *testing.T) {
	t.Run("read-only", func(t *testing.T) {
		clk := newClock(testBase)
		h := newBackendHarness(t, "alerts", 20, func(o *fake.Options) { o.Now = clk.Now })
		o := h.options(t)
		o.Source.Hosts, o.ReadOnly, o.ArmAfter = api.NewHosts(h.client), true, time.Nanosecond
		d := newDriver(t, o)
		t.Cleanup(func() { d.m.Close(hangBound) })
		d.settle()
		d.key("C")
		d.settle()
		if d.m.stack.Top() != nil || holds[modal.ArmMsg](d) != 0 {
			t.Fatalf("read-only offers a containment: %s", d.top())
		}
		if sc := plain(d); !strings.Contains(sc, "read-only") {
			t.Fatalf("C does not say why:\n%s", sc)
		}
		if n := h.fake.Count("hosts-action"); n != 0 {
			t.Fatalf("%d containment requests in read-only", n)
		}
	})
	t.Run("no Hosts: write", func(t *testing.T) {
		d, h, _ := hostsDriver(t, 60, func(o *fake.Options) { o.DenyHostsWrite = true })
		containTwoHosts(t, d)
		d.key("y")
		d.settle()
		if sc := plain(d); !strings.Contains(sc, "Hosts: write") {
			t.Fatalf("the refusal does not name the scope:\n%s", sc)
		}
		d.key("C")
		d.settle()
		if d.m.stack.Top() != nil {
			t.Fatalf("C offers a containment the scope refused: %s", d.top())
		}
		if sc := plain(d); !strings.Contains(sc, "Hosts: write") || !strings.Contains(sc, "nothing was sent") {
			t.Fatalf("C does not say why:\n%s", sc)
		}
		if n := h.fake.Count("hosts-action"); n != 1 {
			t.Fatalf("%d containment requests, want the one refused", n)
		}
	})
}

func TestALateHostAnswerLandsInTheCacheNotOnTheNextDetail(t *testing.T) {
	d, h, _ := hostsDriver(t, 60)
	firsts, _ := rowsOnHosts(t, d)
	ids := d.m.list.IDs()
	a, b := d.row(ids[firsts[0]]), d.row(ids[firsts[1]])
	d.cursorTo(firsts[0])
	d.key("enter")
	d.run()
	late := takeHeld[hostsReadMsg](d)
	for len(d.held) > 0 {
		d.settle()
	}
	// The analyst moves to another host's row; A's host answers then.
	d.key("esc")
	d.cursorTo(firsts[1])
	d.key("enter")
	d.run()
	bRead := takeHeld[hostsReadMsg](d)
	d.send(late)
	sc := plain(d)
	if d.m.detail.ID() != b.ID || !strings.Contains(sc, "reading the host") {
		t.Fatalf("%s's host landed on %s's detail:\n%s", a.Device.Hostname, b.Device.Hostname, sc)
	}
	d.send(bRead)
	d.settle()
	// Back on A: its host is in the cache, read no more.
	d.key("esc")
	d.cursorTo(firsts[0])
	d.key("enter")
	d.settle()
	if n := len(hostReqs(h, "hosts-get")); n != 2 {
		t.Fatalf("%d host reads, want A's and B's once", n)
	}
	if sc := plain(d); !strings.Contains(sc, "Sensor") {
		t.Fatalf("A's host is not shown from the cache:\n%s", sc)
	}
	var _ = model.HostNormal
}

// takeHeld takes the first held answer of type T out of the held ones,
// without delivering it.
func takeHeld[T any](d *driver) T {
	d.t.Helper()
	for i, msg := range d.held {
		if m, ok := msg.(T); ok {
			d.held = append(d.held[:i], d.held[i+1:]...)
			return m
		}
	}
	var zero T
	d.t.Fatalf("no %T held (held: %s)", zero, d.heldTypes())
	return zero
}

// Marks a filter hides still name their hosts in the question, which says
// their rows are not in view: containment never acts on rows the analyst
// cannot see without saying so.
func TestContainOnMarksOutOfViewSaysSo(t *testing.T) {
	d, h, _ := hostsDriver(t, 60)
	firsts, _ := rowsOnHosts(t, d)
	if len(firsts) < 2 {
		t.Fatal("the test needs two hosts")
	}
	ids := d.m.list.IDs()
	d.markIDs(ids[firsts[0]], ids[firsts[1]])
	d.key("/")
	d.typeText("composite_id:'none'")
	d.key("enter")
	d.settle()
	d.key("C")
	d.arm()
	sc := plain(d)
	if !strings.Contains(sc, "Contain 2 hosts") || !strings.Contains(sc, "2 of the marked rows not in view") {
		t.Fatalf("the question does not say the marked rows are out of view:\n%s", sc)
	}
	if n := len(hostReqs(h, "hosts-action")); n != 0 {
		t.Fatalf("%d containment requests before the answer", n)
	}
}

// Declining the question (n, esc) sends nothing and says so.
func TestDecliningAContainmentSendsNothing(t *testing.T) {
	for _, k := range []string{"n", "esc"} {
		d, h, _ := hostsDriver(t, 60)
		containTwoHosts(t, d)
		d.key(k)
		d.settle()
		if n := len(hostReqs(h, "hosts-action")); n != 0 {
			t.Fatalf("%s: %d containment requests after declining", k, n)
		}
		if sc := plain(d); strings.Contains(sc, "Contain 2 hosts") || strings.Contains(sc, "pending") {
			t.Fatalf("%s: the question stayed or a containment is shown:\n%s", k, sc)
		}
	}
}
