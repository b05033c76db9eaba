package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/list"
	"github.com/falcon-triage/falcon-triage/ui/modal"
)

// testTenants switches as main does: a client of the child's own, the
// one left closed (its token revoked) once the child's login worked.
type testTenants struct {
	mu  sync.Mutex
	cur *api.Client
	// gate, when set, holds every switch until it is closed.
	gate chan struct{}
	// instead asks the service for another CID than the one chosen (one
	// that is no child: the switch is refused).
	instead map[string]string
	// list, when set, lists the children instead of the client.
	list func(ctx context.Context) ([]model.Tenant, error)
}

func (t *testTenants) client() *api.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cur
}

func (t *testTenants) Children(ctx context.Context) ([]model.Tenant, error) {
	if t.list != nil {
		return t.list(ctx)
	}
	c := t.client()
	if c.MemberCID() == "" {
		return c.Children(ctx)
	}
	p, err := c.ForMember(ctx, "") // in a child: the parent's list
	if err != nil {
		return nil, err
	}
	defer p.Close(context.WithoutCancel(ctx))
	return p.Children(ctx)
}

func (t *testTenants) Switch(ctx context.Context, cid string) (model.TenantSwitch, error) {
	if t.gate != nil {
		select {
		case <-t.gate:
		case <-ctx.Done():
			return model.TenantSwitch{}, ctx.Err()
		}
	}
	if c, ok := t.instead[cid]; ok {
		cid = c
	}
	old := t.client()
	nc, err := old.ForMember(ctx, cid)
	if err != nil {
		return model.TenantSwitch{}, err
	}
	var once sync.Once
	return model.TenantSwitch{Backend: api.NewAlerts(nc, nil),
		Commit: func() {
			once.Do(func() {
				t.mu.Lock()
				t.cur = nc
				t.mu.Unlock()
				_ = old.Close(context.Background())
			})
		},
		Abandon: func() { once.Do(func() { _ = nc.Close(context.Background()) }) },
	}, nil
}

// hostileKid is a child's name a person typed to attack the terminal.
const hostileKid = "Evil\x1b]52;c;aGk=\x07\x1b[2J Corp"

// tenantHarness is an Alerts tenant that is a Flight Control parent of
// three children (the second named hostileKid).
func tenantHarness(t *testing.T, mod ...func(*fake.Options)) (*harness, *testTenants, []fake.Child) {
	t.Helper()
	kids := fake.DemoChildren(3)
	kids[1].Name = hostileKid
	h := newBackendHarness(t, "alerts", 200, append([]func(*fake.Options){func(o *fake.Options) { o.Children = kids }}, mod...)...)
	ten := &testTenants{cur: h.client}
	t.Cleanup(func() { _ = ten.client().Close(context.Background()) })
	return h, ten, kids
}

func allOf(ids []string, cid string) bool {
	for _, id := range ids {
		if !strings.HasPrefix(id, cid+":") {
			return false
		}
	}
	return len(ids) > 0
}

// TestPSwitchesToAChild: p lists the children by name and CID (a hostile
// name sanitised), the search narrows them, enter logs in as the child:
// the header names it, the rows are the child's, the token request carried
// member_cid and the parent's token is revoked; the child's session is
// kept in a state folder of its own. Read-only: reading another tenant
// writes nothing, so p works.
func TestPSwitchesToAChild(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	o := h.options(t)
	o.Tenants, o.ReadOnly, o.ArmAfter = ten, true, time.Nanosecond
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("the parent's rows", settled)
	s.key("p")
	sc := s.waitText("Switch tenant: 3 child tenants")
	for _, k := range kids {
		if !strings.Contains(sc, k.CID) {
			t.Fatalf("child %s not listed:\n%s", k.CID, sc)
		}
	}
	if !strings.Contains(sc, "● Parent tenant") || !strings.Contains(sc, "(current)") || !strings.Contains(sc, "Northwind Traders") {
		t.Fatalf("the parent is not marked current, or a name is missing:\n%s", sc)
	}
	// The picker an answer raised takes no key until it has been seen,
	// then takes what is typed; once the children are known, p opens it
	// at once, asking nothing.
	s.keyUntil("n", "the picker's search", func(sc string) bool { return strings.Contains(sc, "tenant › n") })
	s.key("esc")
	s.waitFor("the picker closed", func(sc string) bool { return !strings.Contains(sc, "Switch tenant") })
	s.key("p")
	s.waitText("Switch tenant: 3 child tenants")
	if n := h.fake.Count("children-query"); n != 1 {
		t.Fatalf("%d children queries, want 1", n)
	}
	s.typeText("fabri")
	sc = s.waitFor("the search", func(sc string) bool { return !strings.Contains(sc, "Northwind") })
	if !strings.Contains(sc, "Fabrikam Retail") {
		t.Fatalf("the search lost its match:\n%s", sc)
	}
	s.key("enter")
	child := kids[2]
	sc = s.waitFor("the child in the header", func(sc string) bool {
		return strings.Contains(strings.SplitN(sc, "\n", 2)[0], "Fabrikam Retail · CID "+child.CID)
	})
	if strings.Contains(strings.SplitN(sc, "\n", 2)[0], fake.DemoCID) {
		t.Fatalf("the header still names the parent:\n%s", sc)
	}
	s.waitFor("the child's rows", settled)
	m := s.quit()
	if !allOf(m.list.IDs(), child.CID) {
		t.Fatalf("the rows are not the child's: %v", m.list.IDs()[:3])
	}
	if got := h.fake.MemberCIDs(); got[len(got)-1] != child.CID {
		t.Fatalf("member_cid on the token requests: %q", got)
	}
	if n := h.fake.Unrevoked(); n != 1 {
		t.Fatalf("%d tokens unrevoked after the switch, want the child's alone", n)
	}
	// The child's first screen: one request (the combined alerts: rows and
	// their documents); the parent's side, one token and one revoke.
	if c := h.fake.Child(child.CID); c.Count("query") != 1 || c.Count("summaries") != 0 || h.fake.Count("revoke") != 1 {
		t.Fatalf("the switch asked the child %d queries and %d reads, the parent %d revokes", c.Count("query"), c.Count("summaries"), h.fake.Count("revoke"))
	}
	if _, err := os.Stat(filepath.Join(o.StateDir, child.CID, sessionFile)); err != nil {
		t.Fatalf("the child's session is not in its own folder: %v", err)
	}
	if strings.Contains(string(s.raw), "\x1b]52;c;aGk=") {
		t.Fatal("the hostile name reached the terminal as an escape sequence")
	}
}

// keyUntil presses k until the screen satisfies cond: a raised layer
// refuses a key pressed before it armed (it says so), and takes the next.
func (s *term) keyUntil(k, what string, cond func(string) bool) string {
	s.t.Helper()
	for range 1000 {
		s.key(k)
		sc := s.waitFor(what, func(sc string) bool { return cond(sc) || strings.Contains(sc, "that key was not taken") })
		if cond(sc) {
			return sc
		}
	}
	s.t.Fatalf("%s: %q never taken", what, k)
	return ""
}

// openTenantPicker opens the picker (p), waits past the arming of the one
// the listing raised, and opens it again at once (the children known).
func openTenantPicker(s *term) {
	s.t.Helper()
	s.key("p")
	s.waitText("Switch tenant: 3 child tenants")
	s.keyUntil("esc", "the picker closed", func(sc string) bool { return !strings.Contains(sc, "Switch tenant") })
	s.key("p")
	s.waitText("Switch tenant: 3 child tenants")
}

// TestKeysWhileASwitchIsInFlight: while the login as the child is out, a
// key means what it meant in the tenant the console is in (j moves its
// cursor), and a write key is refused rather than sent into a tenant being
// left. Once the switch lands, the rows are the child's from its top, and
// the undo history of the parent is cleared, saying so: u sends nothing
// into the child.
func TestKeysWhileASwitchIsInFlight(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	gate := make(chan struct{})
	ten.gate = gate
	o := h.options(t)
	o.Tenants, o.ArmAfter = ten, time.Nanosecond
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("the parent's rows", settled)
	s.key("s")
	s.waitText("Status")
	s.key("i")
	s.waitFor("the change applied", func(string) bool { return len(h.fake.Patches()) == 1 })
	s.waitFor("the change landed", func(sc string) bool {
		return !strings.Contains(sc, "sending") && strings.Contains(cursorLine(sc), "In progress")
	})
	openTenantPicker(s)
	s.typeText("north")
	s.key("enter")
	before := s.waitText("switching to Northwind Traders")
	s.key("j")
	sc := s.waitFor("the cursor moved in the parent", func(sc string) bool { return cursorLine(sc) != cursorLine(before) })
	if !strings.Contains(strings.SplitN(sc, "\n", 2)[0], fake.DemoCID) {
		t.Fatalf("the header left the parent before the switch landed:\n%s", sc)
	}
	s.key("s")
	s.waitText("writes wait until the switch has landed")
	s.key("e")
	s.waitText("export once the switch has landed")
	close(gate)
	sc = s.waitFor("the child", func(sc string) bool {
		return strings.Contains(strings.SplitN(sc, "\n", 2)[0], "Northwind Traders · CID "+kids[0].CID) && settled(sc)
	})
	if !strings.Contains(sc, "undo history of the tenant left") || strings.Contains(sc, "Status") {
		t.Fatalf("after the switch:\n%s", sc)
	}
	if !strings.HasPrefix(strings.SplitN(sc, "\n", 5)[3], "▶") {
		t.Fatalf("the child's rows do not start at the top:\n%s", sc)
	}
	s.key("u")
	s.waitText("nothing to undo")
	m := s.quit()
	if len(h.fake.Patches()) != 1 || len(h.fake.Child(kids[0].CID).Patches()) != 0 {
		t.Fatalf("patches: parent %v, child %v", h.fake.Patches(), h.fake.Child(kids[0].CID).Patches())
	}
	if !allOf(m.list.IDs(), kids[0].CID) {
		t.Fatalf("the rows are not the child's: %v", m.list.IDs()[:3])
	}
}

// TestAFailedSwitchKeepsTheTenant: a login the service refuses (403: not a
// child) says why, with its trace id, and the console stays in the tenant
// it was in, with its token, reading on.
func TestAFailedSwitchKeepsTheTenant(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	ten.instead = map[string]string{kids[0].CID: strings.Repeat("b", 32)}
	o := h.options(t)
	o.Tenants, o.ArmAfter = ten, time.Nanosecond
	s := startScreen(t, New(o), 100, 30)
	first := s.waitFor("the parent's rows", settled)
	openTenantPicker(s)
	s.typeText("north")
	s.key("enter")
	sc := s.waitText("failed, the console stays")
	if !strings.Contains(sc, "trace id") || !strings.Contains(sc, "not a child") ||
		!strings.Contains(strings.SplitN(sc, "\n", 2)[0], "CID "+fake.DemoCID) {
		t.Fatalf("the failure:\n%s", sc)
	}
	s.key("r")
	s.waitFor("the parent's rows again", func(sc string) bool { return settled(sc) && cursorLine(sc) == cursorLine(first) })
	m := s.quit()
	if !allOf(m.list.IDs(), fake.DemoCID) || h.fake.Unrevoked() != 1 {
		t.Fatalf("after a refused switch: ids %v, %d unrevoked", m.list.IDs()[:2], h.fake.Unrevoked())
	}
}

// TestPWithoutTheFlightControlScope: p says what the API client lacks, and
// once it is known asks the service no more.
func TestPWithoutTheFlightControlScope(t *testing.T) {
	h, ten, _ := tenantHarness(t, func(o *fake.Options) { o.DenyFlightControl = true })
	o := h.options(t)
	o.Tenants = ten
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("the rows", settled)
	s.key("p")
	s.waitText("Flight Control: read")
	s.key("j", "p")
	s.waitFor("said again", func(sc string) bool { return strings.Contains(sc, "Flight Control: read") && cursorLine(sc) != "" })
	s.quit()
	if n := h.fake.Count("children-query"); n != 1 {
		t.Fatalf("%d children queries, want 1", n)
	}
}

// TestAnAnswerOfTheTenantLeftIsDropped: the parent's first page, held
// back until the switch has landed and the child's walk is under way (the
// lists page 20 rows at a time), arrives in the child's time: it has the
// same generation as the child's first query, and only the tenant it was
// asked in tells them apart. It is dropped.
func TestAnAnswerOfTheTenantLeftIsDropped(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	o := h.options(t)
	o.Tenants, o.IDChunk = ten, 20
	d := newDriver(t, o)
	d.epochs = true
	d.run()
	late := takeStamped[list.IDsMsg](d) // the parent's first page, held back
	d.settle()
	d.key("p")
	d.run()
	deliver[childrenMsg](d)
	d.run()
	d.send(takeStamped[modal.ArmMsg](d)) // the picker has been seen
	d.typeText("north")
	d.key("enter")
	d.run()
	deliver[switchedMsg](d)
	d.settle()
	if !allOf(d.m.list.IDs(), kids[0].CID) || !strings.Contains(d.screen(), "Northwind Traders · CID") {
		t.Fatalf("not in the child: %v\n%s", d.m.list.IDs(), d.screen())
	}
	d.send(late)
	d.settle()
	if !allOf(d.m.list.IDs(), kids[0].CID) {
		t.Fatalf("the parent's late page reached the child's list: %v", d.m.list.IDs())
	}
	_ = d.m.Close(hangBound)
}

// takeStamped takes the first held answer of a part that is a T out of
// the held ones, stamped with its tenant, without delivering it.
func takeStamped[T tea.Msg](d *driver) tenantMsg {
	d.t.Helper()
	for i, msg := range d.held {
		if tm, ok := msg.(tenantMsg); ok {
			if _, ok := tm.msg.(T); ok {
				d.held = append(d.held[:i], d.held[i+1:]...)
				return tm
			}
		}
	}
	var zero T
	d.t.Fatalf("no %T held back (held: %s)", zero, d.heldTypes())
	return tenantMsg{}
}

// TestStartingInAChildNamesIt: --member-cid starts in a child; the header
// names it by its CID at once, and by its name (sanitised, cut so the CID
// fits 80 columns) once the children are listed; its state is its own
// folder's.
func TestStartingInAChildNamesIt(t *testing.T) {
	for _, tc := range []struct {
		kid  int
		name string
	}{{2, "Fabrikam Retail · CID "}, {1, "Evil␛]52;c;aGk=␇␛[2… · CID "}} {
		t.Run(tc.name[:4], func(t *testing.T) {
			h, ten, kids := tenantHarness(t)
			kid := kids[tc.kid]
			child, err := h.client.ForMember(context.Background(), kid.CID)
			if err != nil {
				t.Fatal(err)
			}
			_ = h.client.Close(context.Background())
			ten.cur = child
			o := h.options(t)
			o.Tenants, o.MemberCID = ten, kid.CID
			o.Source.Backend, o.Source.CID = api.NewAlerts(child, nil), kid.CID
			s := startScreen(t, New(o), 80, 24)
			sc := s.waitFor("the child named", func(sc string) bool {
				return strings.Contains(strings.SplitN(sc, "\n", 2)[0], tc.name+kid.CID) && settled(sc)
			})
			if strings.Contains(sc, fake.DemoCID) {
				t.Fatalf("the parent's CID on screen:\n%s", sc)
			}
			s.quit()
			if strings.Contains(string(s.raw), "\x1b]52;c;aGk=") {
				t.Fatal("the hostile name reached the terminal as an escape sequence")
			}
			if _, err := os.Stat(filepath.Join(o.StateDir, kid.CID, sessionFile)); err != nil {
				t.Fatalf("the child's session is not in its own folder: %v", err)
			}
			if n := h.fake.Unrevoked(); n != 1 {
				t.Fatalf("%d tokens unrevoked: the parent's token that listed the children must be revoked at once", n)
			}
		})
	}
}

// TestBackToTheParentRestoresItsSession: the parent is the picker's first
// line; back there, its own session comes back (the row the cursor was
// on), and the header names its CID again.
func TestBackToTheParentRestoresItsSession(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	o := h.options(t)
	o.Tenants, o.ArmAfter, o.Restore = ten, time.Nanosecond, true
	s := startScreen(t, New(o), 100, 30)
	top := s.waitFor("the parent's rows", settled)
	s.key("j", "j", "j")
	at := s.waitFor("the cursor on row 4", func(sc string) bool { return strings.HasPrefix(screenLines(sc)[6], "▶") })
	openTenantPicker(s)
	s.typeText("north")
	s.key("enter")
	s.waitFor("the child", func(sc string) bool {
		return strings.Contains(strings.SplitN(sc, "\n", 2)[0], "Northwind Traders · CID "+kids[0].CID) && settled(sc)
	})
	s.key("p")
	s.waitText("● Northwind Traders")
	s.typeText("parent")
	s.key("enter")
	sc := s.waitFor("the parent again", func(sc string) bool {
		return strings.Contains(strings.SplitN(sc, "\n", 2)[0], "CID "+fake.DemoCID) && settled(sc) && strings.HasPrefix(screenLines(sc)[6], "▶")
	})
	if screenLines(sc)[6] != screenLines(at)[6] || screenLines(sc)[4] != screenLines(top)[4] {
		t.Fatalf("the parent's session was not restored:\n%s", sc)
	}
	if !strings.Contains(screenLines(sc)[0], "Parent tenant · CID "+fake.DemoCID) || !strings.Contains(sc, "now in the parent tenant (CID "+fake.DemoCID+")") {
		t.Fatalf("the parent is not named so in the header and footer:\n%s", sc)
	}
	m := s.quit()
	if !allOf(m.list.IDs(), fake.DemoCID) || h.fake.Unrevoked() != 1 {
		t.Fatalf("back in the parent: ids %v, %d unrevoked", m.list.IDs()[:2], h.fake.Unrevoked())
	}
}

// A child opens on its own views: the first view's query (no session of
// its own yet), whatever view the parent was on, and the child's counts.
func TestAChildOpensOnItsFirstView(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	o := h.options(t)
	o.Tenants, o.ArmAfter, o.Views = ten, time.Nanosecond, threeViews
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("the parent's first view", func(sc string) bool { return settled(sc) && strings.Contains(sc, "[1 New ") })
	s.key("2")
	s.waitFor("the parent's view 2", func(sc string) bool {
		return settled(sc) && strings.Contains(sc, "[2 High ") && strings.Contains(sc, "filter: severity:>=70")
	})
	openTenantPicker(s)
	s.typeText("north")
	s.waitFor("the search", func(sc string) bool { return !strings.Contains(sc, "Fabrikam") })
	s.key("enter")
	child := kids[0]
	s.waitFor("the child on its first view", func(sc string) bool {
		return strings.Contains(strings.SplitN(sc, "\n", 2)[0], child.CID) && settled(sc) &&
			strings.Contains(sc, "[1 New ") && strings.Contains(sc, "filter: status:'new'")
	})
	m := s.quit()
	if !allOf(m.list.IDs(), child.CID) || m.list.Current().Filter != "status:'new'" {
		t.Fatalf("the child lists %v under %q, want its own rows under view 1's filter", m.list.IDs()[:1], m.list.Current().Filter)
	}
}

// streams hands out a stream per OpenStream, as the tenant the console is
// in opens its own.
type streams struct {
	mu     sync.Mutex
	opened []*handStream
}

func (s *streams) OpenStream(context.Context) (model.Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := &handStream{ch: make(chan model.LiveBatch)}
	s.opened = append(s.opened, hs)
	return hs, nil
}

func (s *streams) all() []*handStream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*handStream(nil), s.opened...)
}

// Live follows the tenant: a switch closes the stream of the tenant left
// and opens the child's, whose news counts in the child's list; the old
// stream's batches no longer reach the screen.
func TestLiveFollowsTheTenant(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	o := h.options(t)
	ticks := make(chan struct{})
	o.Tenants, o.ArmAfter, o.Live = ten, time.Nanosecond, true
	o.LiveWait = func(ctx context.Context, d time.Duration) bool {
		select {
		case <-ticks:
			return true
		case <-ctx.Done():
			return false
		}
	}
	ss := &streams{}
	o.Source.Streamer = ss
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("the parent's rows", settled)
	openTenantPicker(s)
	s.typeText("north")
	s.waitFor("the search", func(sc string) bool { return !strings.Contains(sc, "Fabrikam") })
	s.key("enter")
	child := kids[0]
	s.waitFor("the child's rows", func(sc string) bool {
		return strings.Contains(strings.SplitN(sc, "\n", 2)[0], child.CID) && settled(sc)
	})
	var opened []*handStream
	for deadline := time.Now().Add(hangBound); len(opened) < 2 && time.Now().Before(deadline); {
		opened = ss.all()
		runtime.Gosched()
	}
	if len(opened) != 2 {
		t.Fatalf("%d streams opened, want the parent's and the child's", len(opened))
	}
	for deadline := time.Now().Add(hangBound); !opened[0].closed.Load(); runtime.Gosched() {
		if time.Now().After(deadline) { // closed off the Update loop, once the switch landed
			t.Fatal("the stream of the tenant left is still open")
		}
	}
	var aggs []string
	for _, id := range h.fake.Child(child.CID).AddIncidents(2) {
		parts := strings.Split(id, ":")
		aggs = append(aggs, "aggind:"+parts[1]+":"+parts[2])
	}
	page, err := api.NewAlerts(ten.client(), nil).Query(context.Background(),
		model.Query{Filter: model.And(model.In("aggregate_id", aggs), "show_in_ui:true"), Limit: 500})
	if err != nil || len(page.IDs) == 0 || !allOf(page.IDs, child.CID) {
		t.Fatalf("the child's new alerts: %v %v", page.IDs, err)
	}
	var events []model.LiveEvent
	for _, id := range page.IDs {
		events = append(events, model.LiveEvent{Kind: model.LiveNew, ID: id})
	}
	opened[1].send(t, model.LiveBatch{Source: "stream", Current: testBase.Add(time.Minute), Events: events})
	s.waitText(fmt.Sprintf("▲ %d new", len(page.IDs)))
	s.quit()
}
