package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/triage"
)

// TestEscStopsTheChildListing: esc while the children are being listed
// cancels the listing (its context ends), says so, and p asks again.
func TestEscStopsTheChildListing(t *testing.T) {
	h, ten, _ := tenantHarness(t)
	asked := make(chan context.Context, 2)
	ten.list = func(ctx context.Context) ([]model.Tenant, error) {
		asked <- ctx
		<-ctx.Done()
		return nil, ctx.Err()
	}
	stopped := func(ctx context.Context) {
		t.Helper()
		select {
		case <-ctx.Done():
		case <-time.After(hangBound):
			t.Fatal("esc did not stop the listing")
		}
	}
	o := h.options(t)
	o.Tenants = ten
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("the rows", settled)
	s.key("p")
	s.waitText("listing the child tenants…")
	ctx := <-asked
	s.key("esc")
	s.waitText("listing the child tenants: stopped")
	stopped(ctx)
	s.key("p")
	s.waitText("listing the child tenants…")
	ctx = <-asked
	s.key("esc")
	stopped(ctx)
	s.quit()
}

// TestTooManyChildrenAreSaid: a listing cut at model.MaxChildren shows the
// children read, and the footer says the rest are not.
func TestTooManyChildrenAreSaid(t *testing.T) {
	h, ten, _ := tenantHarness(t)
	ten.list = func(context.Context) ([]model.Tenant, error) {
		kids := make([]model.Tenant, model.MaxChildren)
		for i := range kids {
			kids[i] = model.Tenant{CID: fmt.Sprintf("%032x", i), Name: fmt.Sprintf("Tenant %d", i)}
		}
		return kids, fmt.Errorf("%w: more than %d", model.ErrManyChildren, model.MaxChildren)
	}
	o := h.options(t)
	o.Tenants, o.ArmAfter = ten, time.Nanosecond
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("the rows", settled)
	s.key("p")
	sc := s.waitText("10000 child tenants")
	if !strings.Contains(sc, "the service listed more than 10,000 children: the first 10,000 are shown") {
		t.Fatalf("the cut is not said:\n%s", sc)
	}
	s.keyUntil("esc", "the picker closed", func(sc string) bool { return !strings.Contains(sc, "Switch tenant") })
	s.quit()
}

// TestASwitchWaitsForTheFieldBeingTypedIn: a switch that lands while the
// analyst types a filter does not take the field away: it says it is
// ready and waits; the parent stays the tenant (its token unrevoked, its
// header) and the keys go on into the field, which keeps its text. Once
// the field is closed the switch applies: then the parent's token is
// revoked.
func TestASwitchWaitsForTheFieldBeingTypedIn(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	gate := make(chan struct{})
	ten.gate = gate
	o := h.options(t)
	o.Tenants, o.ArmAfter = ten, time.Nanosecond
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("the parent's rows", settled)
	openTenantPicker(s)
	s.typeText("north")
	s.key("enter")
	s.waitText("switching to Northwind Traders")
	s.key("/")
	s.waitText("filter")
	s.typeText("status:'ne")
	s.waitText("status:'ne")
	close(gate)
	sc := s.waitText("it applies when you leave the field")
	if !strings.Contains(sc, "status:'ne") || !strings.Contains(screenLines(sc)[0], "CID "+fake.DemoCID) || h.fake.Count("revoke") != 0 {
		t.Fatalf("the switch did not wait (%d revokes):\n%s", h.fake.Count("revoke"), sc)
	}
	s.typeText("w'")
	s.waitText("status:'new'")
	s.key("esc")
	s.waitFor("the child", func(sc string) bool {
		return strings.Contains(screenLines(sc)[0], "Northwind Traders · CID "+kids[0].CID) && settled(sc)
	})
	s.quit()
	if n := h.fake.Count("revoke"); n != 1 || h.fake.Unrevoked() != 1 {
		t.Fatalf("%d revokes, %d unrevoked: want the parent's revoked once the switch applied", n, h.fake.Unrevoked())
	}
}

// TestTenantDirIsACIDOrTheRoot: only a customer id names a state folder,
// lower-cased under the root; anything else (a path, a word) is the root.
func TestTenantDirIsACIDOrTheRoot(t *testing.T) {
	root := t.TempDir()
	cid := "ABCDEF0123456789ABCDEF0123456789"
	for in, want := range map[string]string{"": root, "../x": root, "nothex": root, "../" + cid: root,
		cid: filepath.Join(root, strings.ToLower(cid)), cid + "-7F": filepath.Join(root, strings.ToLower(cid)+"-7f")} {
		if got := tenantDir(root, in); got != want {
			t.Errorf("tenantDir(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNoSwitchWhileChangesAreSent: a change whose answer has not landed
// holds the console in its tenant: p and enter on a child say so, and no
// token is asked for the child.
func TestNoSwitchWhileChangesAreSent(t *testing.T) {
	h, ten, kids := tenantHarness(t)
	o := h.options(t)
	o.Tenants = ten
	d := newDriver(t, o)
	d.settle()
	d.key("s")
	d.key("i")
	d.run()
	deliver[triage.PreReadMsg](d) // the rows read back: the patch goes out
	d.run()                       // its answer is held
	if len(h.fake.Patches()) != 1 {
		t.Fatalf("%d patches sent, want 1; held %s; top %s\n%s", len(h.fake.Patches()), d.heldTypes(), d.top(), d.screen())
	}
	d.key("p")
	d.run()
	deliver[childrenMsg](d)
	d.run()
	d.arm()
	d.typeText("north")
	d.key("enter")
	d.run()
	if sc := d.screen(); !strings.Contains(sc, "still being sent") {
		t.Fatalf("the switch was not refused:\n%s", sc)
	}
	if slices.Contains(h.fake.MemberCIDs(), kids[0].CID) {
		t.Fatalf("a token was asked for the child while a change was in flight: %q", h.fake.MemberCIDs())
	}
	_ = d.m.Close(hangBound)
}
