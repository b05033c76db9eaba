package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// The client suite that matters to every screen, run over both backends.

type backendCase struct {
	name string
	make func(c *Client) model.Backend
	ids  func(f *fake.Server) []string
	get  func(f *fake.Server, id string) (map[string]any, bool)
}

var backendCases = []backendCase{
	{"detects", func(c *Client) model.Backend { return NewDetects(c) }, (*fake.Server).IDs, (*fake.Server).Detection},
	{"alerts", func(c *Client) model.Backend { return NewAlerts(c, nil) }, (*fake.Server).AlertIDs, (*fake.Server).Alert},
}

func forBackends(t *testing.T, o fake.Options, test func(t *testing.T, e *env, b model.Backend, bc backendCase)) {
	for _, bc := range backendCases {
		t.Run(bc.name, func(t *testing.T) {
			e := newEnv(t, o)
			test(t, e, bc.make(e.client), bc)
		})
	}
}

func TestBackendsQueryDetailsUpdateAggregate(t *testing.T) {
	forBackends(t, fake.Options{}, func(t *testing.T, e *env, b model.Backend, bc backendCase) {
		ctx := context.Background()
		f := b.Fields()
		p, err := b.Query(ctx, model.Query{Filter: model.Bool(f.ShowInUI, true), Sort: model.Sort{Field: f.Time, Desc: true}, Limit: 20})
		if err != nil || len(p.IDs) != 20 || p.Total < 20 {
			t.Fatalf("query: %v %d/%d", err, len(p.IDs), p.Total)
		}
		dets, missing, err := b.Details(ctx, append(p.IDs[:3:3], "nope:1"))
		if err != nil || len(dets) != 3 || missing["nope:1"] == "" {
			t.Fatalf("details: %v %d %v", err, len(dets), missing)
		}
		for i := 1; i < len(dets); i++ {
			if dets[i].LastBehavior.After(dets[i-1].LastBehavior) {
				t.Fatal("not sorted newest first")
			}
		}
		if _, err := b.Query(ctx, model.Query{Filter: "status:'new'+", Limit: 1}); StatusOf(err) != 400 {
			t.Fatalf("bad filter: %v", err)
		}
		st := model.StatusTruePositive
		res, err := b.Update(ctx, model.Change{IDs: p.IDs[:2], Status: &st, Comment: "verdict"})
		if err != nil || len(res.Refused) != 0 {
			t.Fatalf("update: %v %+v", err, res)
		}
		got, _ := bc.get(e.fake, p.IDs[0])
		switch bc.name {
		case "detects":
			if got["status"] != "true_positive" {
				t.Fatalf("status %v", got["status"])
			}
		case "alerts":
			tags, _ := got["tags"].([]any)
			if got["status"] != "closed" || len(tags) == 0 || tags[len(tags)-1] != "true_positive" {
				t.Fatalf("a verdict on Alerts is closed plus a tag: %v %v", got["status"], tags)
			}
		}
		// A comment alone: refused by Detects unless it has a carrier,
		// taken by Alerts.
		_, err = b.Update(ctx, model.Change{IDs: p.IDs[2:3], Comment: "alone"})
		if (bc.name == "detects") != errors.Is(err, ErrCommentAlone) {
			t.Fatalf("comment alone: %v", err)
		}
		aggs, err := b.Aggregate(ctx, []model.AggregateRequest{{Name: "s", Type: "terms", Field: f.Status, Size: 10}})
		if err != nil || len(aggs) != 1 || len(aggs[0].Buckets) == 0 {
			t.Fatalf("aggregate: %v %+v", err, aggs)
		}
		var sum int64
		for _, bk := range aggs[0].Buckets {
			sum += bk.Count
		}
		all, _ := b.Query(ctx, model.Query{Limit: 1})
		if sum+aggs[0].SumOtherDocCount != int64(all.Total) {
			t.Fatalf("status counts %d, total %d", sum, all.Total)
		}
	})
}

func TestBackendsWalkPastTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 12,000 rows")
	}
	for _, bc := range backendCases {
		t.Run(bc.name, func(t *testing.T) {
			count := 12000
			if bc.name == "alerts" {
				count = 5000 // about 2.5 alerts per detection: over 12,000 alerts
			}
			e := newEnv(t, fake.Options{GenOptions: fake.GenOptions{Count: count, Seed: 8}})
			b := bc.make(e.client)
			w := model.NewWalker(b, model.Query{Sort: model.Sort{Field: b.Fields().Time, Desc: true}}, 9999)
			all, err := w.All(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, id := range all {
				if seen[id] {
					t.Fatalf("%s twice", id)
				}
				seen[id] = true
			}
			want := len(bc.ids(e.fake))
			if want <= 10000 || len(seen) != want || w.Total() != want {
				t.Fatalf("walked %d of %d (total %d)", len(seen), want, w.Total())
			}
		})
	}
}

func TestAlertsValidation(t *testing.T) {
	e := newEnv(t, fake.Options{})
	ctx := context.Background()
	if err := e.client.Login(ctx); err != nil {
		t.Fatal(err)
	}
	ids := e.fake.AlertIDs()
	patch := func(body string) (int, string) {
		lease, _ := e.client.lease(ctx, nil)
		e.client.release(ctx, lease)
		tok := lease.tok
		req, _ := http.NewRequest(http.MethodPatch, e.srv.URL+"/alerts/entities/alerts/v3", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	id := `"` + ids[0] + `"`
	if s, body := patch(`{"composite_ids":[` + id + `],"action_parameters":[{"name":"show_in_ui","value":true}]}`); s != 400 || !strings.Contains(body, "must be a string") {
		t.Fatalf("a JSON boolean: %d %s", s, body)
	}
	if s, _ := patch(`{"composite_ids":[` + id + `],"action_parameters":[{"name":"update_status","value":"ignored"}]}`); s != 400 {
		t.Fatalf("ignored as a status: %d", s)
	}
	many := strings.Repeat(id+",", 1000) + id
	if s, _ := patch(`{"composite_ids":[` + many + `],"action_parameters":[{"name":"update_status","value":"closed"}]}`); s != 413 {
		t.Fatalf("1001 ids: %d", s)
	}
	// The client never sends what the service refuses.
	a := NewAlerts(e.client, nil)
	ig, show := model.StatusIgnored, false
	if _, err := a.Update(ctx, model.Change{IDs: ids[:1], Status: &ig, ShowInUI: &show}); err != nil {
		t.Fatalf("ignored through the client: %v", err)
	}
	got, _ := e.fake.Alert(ids[0])
	if got["status"] != "closed" || got["show_in_ui"] != false {
		t.Fatalf("%v", got)
	}
}

func TestAutoTriesAlertsFirst(t *testing.T) {
	// Today's tenants: Alerts answers, whatever Detects still does.
	for name, o := range map[string]fake.Options{
		"Detects live": {}, "Detects writes gone": {DetectsWritesGone: true}, "Detects gone": {DetectsGone: true},
	} {
		e := newEnv(t, o)
		b, err := ChooseBackend(context.Background(), e.client, "auto", nil, true)
		if err != nil || b.Name() != "alerts" || !strings.Contains(b.Why(), "Alerts API answered") {
			t.Fatalf("%s: %v %v", name, b, err)
		}
		if n := len(e.fake.Patches()); n != 0 {
			t.Fatalf("%s: choosing changed %d detections", name, n)
		}
		if e.fake.Count("query") != 1 {
			t.Fatalf("%s: auto took %d queries, want the one to Alerts", name, e.fake.Count("query"))
		}
	}
	if _, err := ChooseBackend(context.Background(), nil, "carrier-pigeon", nil, true); err == nil {
		t.Fatal("an unknown --api was accepted")
	}
}

func TestAutoOnTodaysTenants(t *testing.T) {
	ctx := context.Background()
	for name, o := range map[string]fake.Options{"an Alerts-only client": {DetectsForbidden: true}, "stale Detects": {DetectsStale: true}} {
		e := newEnv(t, o)
		b, err := ChooseBackend(ctx, e.client, "auto", nil, true)
		if err != nil || b.Name() != "alerts" {
			t.Fatalf("%s: %v %v", name, b, err)
		}
	}
	// An old client with Detects scopes only: Detects, saying why.
	e := newEnv(t, fake.Options{AlertsForbidden: true})
	b, err := ChooseBackend(ctx, e.client, "auto", nil, true)
	if err != nil || b.Name() != "detects" || !strings.Contains(b.Why(), "lacks Alerts: read") {
		t.Fatalf("Detects-only client: %v %v", b, err)
	}
	// Neither: the error names the scope to add.
	e = newEnv(t, fake.Options{AlertsForbidden: true, DetectsForbidden: true})
	if _, err := ChooseBackend(ctx, e.client, "auto", nil, true); err == nil || !strings.Contains(err.Error(), "lacks Alerts: read") {
		t.Fatalf("no scope at all: %v", err)
	}
}

func TestVerdictsLeaveExactlyOneTag(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fake.Options{DetectsGone: true})
	a := NewAlerts(e.client, nil)
	id := e.fake.AlertIDs()[0]
	tags := func() []string {
		d, _, err := a.Details(ctx, []string{id})
		if err != nil || len(d) != 1 {
			t.Fatal(err)
		}
		var v []string
		for _, tag := range d[0].Tags {
			if tag == "true_positive" || tag == "false_positive" || tag == "ignored" {
				v = append(v, tag)
			}
		}
		return v
	}
	for _, s := range []model.Status{model.StatusTruePositive, model.StatusFalsePositive, model.StatusIgnored} {
		if _, err := a.Update(ctx, model.Change{IDs: []string{id}, Status: &s}); err != nil {
			t.Fatal(err)
		}
		if got := tags(); len(got) != 1 || got[0] != DefaultVerdictTags[s] {
			t.Fatalf("after %s the verdict tags are %v", s, got)
		}
		d, _, _ := a.Details(ctx, []string{id})
		if d[0].Status != model.StatusClosed || d[0].Verdict != s {
			t.Fatalf("read back as %s · %s", d[0].Status, d[0].Verdict)
		}
	}
	open := model.StatusInProgress
	if _, err := a.Update(ctx, model.Change{IDs: []string{id}, Status: &open}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); len(got) != 0 {
		t.Fatalf("in progress kept the verdict %v", got)
	}
}

func TestWalkWithoutTheCombinedEndpoint(t *testing.T) {
	e := newEnv(t, fake.Options{DetectsGone: true, CombinedForbidden: true})
	a := NewAlerts(e.client, nil)
	w := model.NewWalker(a, model.Query{Sort: model.Sort{Field: "timestamp", Desc: true}}, 500)
	ids, err := w.All(context.Background())
	if err != nil || len(ids) != len(e.fake.AlertIDs()) {
		t.Fatalf("%d of %d alerts: %v", len(ids), len(e.fake.AlertIDs()), err)
	}
	if a.CursorPaging() {
		t.Fatal("still paging by a cursor the service refused")
	}
}

func TestNoRowTwiceOnAChangingSort(t *testing.T) {
	e := newEnv(t, fake.Options{DetectsGone: true})
	a := NewAlerts(e.client, nil)
	w := model.NewWalker(a, model.Query{Sort: model.Sort{Field: "updated_timestamp", Desc: true}}, 100)
	seen := map[string]bool{}
	ctx := context.Background()
	for i := 0; ; i++ {
		ids, err := w.Next(ctx)
		if err != nil {
			break
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s shown twice", id)
			}
			seen[id] = true
		}
		// Another analyst keeps updating rows the walk has shown: they
		// move to the top of the order while it pages.
		if i < 5 && len(ids) > 0 {
			st := model.StatusInProgress
			if _, err := a.Update(ctx, model.Change{IDs: ids[:10], Status: &st}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(seen) != len(e.fake.AlertIDs()) {
		t.Fatalf("%d of %d alerts", len(seen), len(e.fake.AlertIDs()))
	}
}

// An endpoint row's parent is read in its backend's own names: Alerts says
// parent_details.sha256, Detects parent_details.parent_sha256. Reading the
// Detects names on Alerts left every alert's parent blank.
func TestTheParentIsReadInEachBackendsNames(t *testing.T) {
	forBackends(t, fake.Options{}, func(t *testing.T, e *env, b model.Backend, bc backendCase) {
		ctx := context.Background()
		filter := ""
		if bc.name == "alerts" {
			filter = "product:'epp'"
		}
		p, err := b.Query(ctx, model.Query{Filter: filter, Limit: 10})
		if err != nil || len(p.IDs) == 0 {
			t.Fatalf("query: %v", err)
		}
		dets, _, err := b.Details(ctx, p.IDs)
		if err != nil || len(dets) == 0 {
			t.Fatalf("details: %v", err)
		}
		for _, d := range dets {
			for _, bh := range d.Behaviors {
				if len(bh.ParentSHA256) != 64 || len(bh.ParentMD5) != 32 || bh.ParentCmdLine == "" {
					t.Fatalf("%s: parent read as %q %q %q", d.ID, bh.ParentCmdLine, bh.ParentSHA256, bh.ParentMD5)
				}
			}
		}
	})
}
