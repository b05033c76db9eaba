package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/modal"
)

// The service at its edges, as the console meets them.

// unassignedRow is a listed row nobody holds.
func unassignedRow(t *testing.T, h *harness) string {
	t.Helper()
	for _, id := range listed(t, h, 100) {
		if who, _ := fakeField(t, h, id, "assigned_to_uid").(string); who == "" {
			return id
		}
	}
	t.Fatal("every listed row is assigned")
	return ""
}

func TestDetectsPickerOffersNoUnassign(t *testing.T) {
	h := newHarness(t, 100)
	d := loaded(t, h)
	d.key("a")
	d.settle()
	sc := d.screen()
	if !strings.Contains(sc, "Unassign: not on this API") {
		t.Fatalf("the picker on Detects does not say unassign is not offered:\n%s", sc)
	}
	// The cursor starts on the first entry that can be chosen; up takes it
	// to the one that cannot, and enter there says why.
	if strings.Contains(sc, "▶ Unassign") || !strings.Contains(sc, "▶ ") {
		t.Fatalf("the picker opens with its cursor on the entry that cannot be chosen:\n%s", sc)
	}
	d.key("up")
	if sc := d.screen(); !strings.Contains(sc, "▶ Unassign") {
		t.Fatalf("up does not reach the unassign entry:\n%s", sc)
	}
	d.key("enter")
	d.settle()
	if d.top() == "" || !strings.Contains(d.screen(), "no documented way to unassign") {
		t.Fatalf("enter on the unassign entry closed the picker or said nothing:\n%s", d.screen())
	}
	if n := len(h.fake.Patches()); n != 0 {
		t.Fatalf("%d updates sent", n)
	}
}

func TestAlertsPickerUnassigns(t *testing.T) {
	h := newBackendHarness(t, "alerts", 100)
	d := loaded(t, h)
	d.key("a")
	d.settle()
	if sc := d.screen(); !strings.Contains(sc, "Unassign") || strings.Contains(sc, "not on this API") {
		t.Fatalf("the picker on Alerts does not offer unassign:\n%s", sc)
	}
}

func TestDetectsUndoOfAnAssignmentFromNobodySaysItCannot(t *testing.T) {
	h := newHarness(t, 100)
	users := h.fake.Users()
	id := unassignedRow(t, h)
	d := loaded(t, h)
	d.markIDs(id)
	d.queue(d.m.choose(modal.Assign{User: model.User{UUID: users[2].UUID, UID: users[2].UID}, Targets: []string{id}}))
	d.settle()
	if got := fakeField(t, h, id, "assigned_to_uid"); got != users[2].UID {
		t.Fatalf("the assignment did not land: %v", got)
	}
	patches := len(h.fake.Patches())
	d.key("u")
	d.settle()
	if n := len(h.fake.Patches()); n != patches {
		t.Fatalf("the undo sent %d updates: Detects refuses an empty assignee", n-patches)
	}
	if got := fakeField(t, h, id, "assigned_to_uid"); got != users[2].UID {
		t.Fatalf("the row is assigned to %v after the undo", got)
	}
	if w := d.m.bar.Word().Text; !strings.Contains(w, "cannot be undone on Detects") {
		t.Fatalf("the undo does not say why: %q", w)
	}
	if d.row(id).AssigneeUID != users[2].UID {
		t.Fatalf("the row on screen shows %q, the service %q", d.row(id).AssigneeUID, users[2].UID)
	}
}

// 1. The combined endpoint failing after its retries, or refusing a
// request, is left for queries and entities, as 403 and 404 are: the rows
// come, the footer says why once, and G walks.
func TestCombinedEndpointFailingFallsBackToQueries(t *testing.T) {
	for _, tc := range []struct {
		what         string
		fails, code  int
		combinedSent int
	}{
		{"six 500s", 6, 500, 6}, // the transport's five retries
		{"a 400", 1, 400, 1},
	} {
		t.Run(tc.what, func(t *testing.T) {
			h := newBackendHarness(t, "alerts", 300)
			h.fake.SetFaults(fake.Faults{FailCombined: tc.fails, CombinedStatus: tc.code})
			d := loaded(t, h, func(o *Options) { o.IDChunk = 100 })
			if len(d.m.list.IDs()) == 0 {
				t.Fatalf("no rows after the combined endpoint failed: %q", d.m.bar.Word().Text)
			}
			want := fmt.Sprintf("the combined alerts endpoint failed (%d): listing by queries and entities for this session", tc.code)
			if tc.code == 400 {
				want = "the combined alerts endpoint failed (400): listing this query by queries and entities"
			}
			if w := d.m.bar.Word().Text; !strings.Contains(w, want) {
				t.Fatalf("the footer says %q, want %q", w, want)
			}
			queries := h.fake.Count("query")
			d.key("G")
			d.settle()
			if !d.m.list.Done() || d.m.list.Cursor() != len(d.m.list.IDs())-1 {
				t.Fatalf("G did not walk to the end: %d rows, cursor %d", len(d.m.list.IDs()), d.m.list.Cursor())
			}
			if h.fake.Count("query") == queries {
				t.Fatal("G sent nothing")
			}
			if w := d.m.bar.Word().Text; strings.Contains(w, "combined alerts endpoint") {
				t.Fatalf("the fallback is said again: %q", w)
			}
			if got := h.fake.Count("combined"); got != tc.combinedSent {
				t.Fatalf("%d combined requests, want %d: the walk keeps to queries once it fell back", got, tc.combinedSent)
			}
			// A new query: after a 5xx the session keeps to queries; a
			// 400 was that request's, and the next asks the endpoint.
			d.key("r")
			d.settle()
			if got := h.fake.Count("combined") - tc.combinedSent; (got == 0) != (tc.code >= 500) {
				t.Fatalf("the next query sent %d combined requests after a %d", got, tc.code)
			}
		})
	}
}

// G over a list whose query failed says why instead of "loading every
// row" while sending nothing.
func TestGOnAFailedQuerySaysWhy(t *testing.T) {
	h := newBackendHarness(t, "alerts", 100, func(o *fake.Options) { o.AlertsForbidden = true })
	d := newDriver(t, h.options(t))
	d.settle()
	if len(d.m.list.IDs()) != 0 {
		t.Fatal("rows without the Alerts scope")
	}
	before := h.traffic.requests.Load()
	d.key("G")
	d.settle()
	if w := d.m.bar.Word().Text; !strings.Contains(w, "G: no rows loaded: the query failed (r retries)") {
		t.Fatalf("G says %q", w)
	}
	if n := h.traffic.requests.Load() - before; n != 0 {
		t.Fatalf("G sent %d requests", n)
	}
}

// autoConnect is main's Connect: a fresh client, auto's choice, with the
// first request the console gives.
func autoConnect(t *testing.T, h *harness) func(context.Context, func(model.Backend) model.Query) (model.Backend, error) {
	return connectAs(t, h, "auto")
}

// connectAs is main's Connect for --api choice.
func connectAs(t *testing.T, h *harness, choice string) func(context.Context, func(model.Backend) model.Query) (model.Backend, error) {
	id, secret := h.fake.Credentials()
	c, err := api.New(api.Config{ClientID: id, ClientSecret: secret, BaseURL: h.srv.URL, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, first func(model.Backend) model.Query) (model.Backend, error) {
		if err := c.Login(ctx); err != nil {
			return nil, err
		}
		return api.ChooseBackendFor(ctx, c, choice, nil, true, first)
	}
}

// 5. On Alerts the first rows cost the token and the combined request that
// chose the API: auto's probe is the list's own first page.
func TestFirstRowsThroughAutoCostTwoRequests(t *testing.T) {
	for _, tc := range []struct {
		what    string
		tenant  string // the harness: "alerts" has Detects gone
		o       func(*fake.Options)
		backend string
		want    int
	}{
		{"today's tenant", "alerts", func(*fake.Options) {}, "alerts", 2},
		{"Detects and Alerts served", "detects", func(*fake.Options) {}, "alerts", 2},
		// Token, combined 403, queries 403, a Detects query, the update
		// probe, then the first page and its summaries.
		{"an old Detects-only client", "detects", func(o *fake.Options) { o.AlertsForbidden = true }, "detects", 7},
	} {
		t.Run(tc.what, func(t *testing.T) {
			h := newBackendHarness(t, tc.tenant, 200, tc.o)
			o := h.options(t)
			o.Source.Backend = nil
			o.Connect = autoConnect(t, h)
			o.Products = []string{"epp"}
			before := h.traffic.requests.Load()
			d := newDriver(t, o)
			d.send(teaSize(80, 24))
			d.settle()
			if d.m.b == nil || d.m.b.Name() != tc.backend {
				t.Fatalf("auto chose %v", d.m.b)
			}
			if len(d.m.list.IDs()) == 0 || d.screen() == "" {
				t.Fatal("no rows")
			}
			if got := int(h.traffic.requests.Load() - before); got != tc.want {
				t.Fatalf("%d requests to the first rows, want %d", got, tc.want)
			}
			if tc.backend == "alerts" && !strings.Contains(d.m.list.Current().Filter, "product:") {
				t.Fatalf("the first query lost the products: %q", d.m.list.Current().Filter)
			}
		})
	}
}

// TestAnAutoStartWhoseCombinedProbeIsRefusedShowsRows: auto's probe asks the
// combined endpoint for the list's first page; refused (400), the queries
// endpoint decides, and its answer is no page of the list's: the list asks
// its first page itself. Keeping the refused probe's empty page showed an
// empty queue on a tenant full of alerts.
func TestAnAutoStartWhoseCombinedProbeIsRefusedShowsRows(t *testing.T) {
	h := newBackendHarness(t, "alerts", 200)
	h.fake.SetFaults(fake.Faults{FailCombined: 1, CombinedStatus: 400})
	o := h.options(t)
	o.Source.Backend = nil
	o.Connect = autoConnect(t, h)
	d := newDriver(t, o)
	d.send(teaSize(80, 24))
	d.settle()
	if d.m.b == nil || d.m.b.Name() != "alerts" {
		t.Fatalf("auto chose %v", d.m.b)
	}
	if n := len(d.m.list.IDs()); n == 0 || !strings.Contains(d.screen(), "1–19 of ") {
		t.Fatalf("%d rows after a refused probe:\n%s", n, d.screen())
	}
}
