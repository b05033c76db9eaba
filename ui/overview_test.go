package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

func overviewSettled(sc string) bool {
	return strings.Contains(sc, "OVERVIEW") && strings.Contains(sc, "Status") && strings.Contains(sc, "Time to triage") && !strings.Contains(sc, "loading")
}

func TestOverviewGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		t.Run(strings.Join([]string{itoa(size[0]), itoa(size[1])}, "x"), func(t *testing.T) {
			h := newHarness(t, 600)
			o := h.options(t)
			o.Overview = true
			s := startScreen(t, New(o), size[0], size[1])
			sc := s.waitFor("the overview", overviewSettled)
			golden.RequireEqual(t, []byte(sc+"\n"))
			s.quit()
			if n := h.fake.Count("aggregates"); n != 1 {
				t.Fatalf("%d aggregate calls for one overview, want 1", n)
			}
		})
	}
}

func itoa(n int) string { return screen.Commas(n) }

// loadedOverview builds the overview of the fake's data at model level.
func loadedOverview(t *testing.T, h *harness, window int) *Model {
	t.Helper()
	m := New(h.options(t))
	m.width, m.height = 200, 60
	filter := m.effectiveFilter(m.list.cur.query)
	aggs, err := h.src.Backend.Aggregate(t.Context(), m.overviewRequests(filter, "", window, m.o.Now()))
	if err != nil {
		t.Fatal(err)
	}
	m.ov = &overview{gen: 1, window: window, shown: true}
	m.onOverview(overviewMsg{gen: 1, aggs: aggs, filter: filter, window: window, at: m.o.Now()})
	return m
}

func TestEveryBucketCountsWhatItsDrillDownLists(t *testing.T) {
	for _, backend := range []string{"detects", "alerts"} {
		t.Run(backend, func(t *testing.T) { checkDrillDowns(t, newBackendHarness(t, backend, 800)) })
	}
}

func checkDrillDowns(t *testing.T, h *harness) {
	for window := range histWindows {
		m := loadedOverview(t, h, window)
		checked := 0
		for _, p := range m.ov.panels {
			if p.err != "" && p.kind != "histogram" {
				t.Fatalf("%s: %s", p.title, p.err)
			}
			for _, b := range p.buckets {
				q := model.Query{Filter: model.And(m.ov.filter, b.clause), Limit: 1}
				page, err := h.src.Backend.Query(t.Context(), q)
				if err != nil {
					t.Fatalf("%s / %s: %s: %v", p.title, b.label, q.Filter, err)
				}
				switch {
				case b.approx && int64(page.Total) > b.count:
					t.Errorf("%s / %s: ≈%d but the drill-down lists %d", p.title, b.label, b.count, page.Total)
				case !b.approx && int64(page.Total) != b.count:
					t.Errorf("%s / %s: %d but the drill-down (%s) lists %d", p.title, b.label, b.count, q.Filter, page.Total)
				}
				checked++
			}
		}
		if checked < 30 {
			t.Fatalf("only %d buckets checked", checked)
		}
	}
}

func TestDrillDownAndBack(t *testing.T) {
	h := newHarness(t, 300)
	o := h.options(t)
	o.Overview = true
	s := startScreen(t, New(o), 100, 30)
	sc := s.waitFor("the overview", overviewSettled)
	line := cursorLine(sc)
	fields := strings.Fields(strings.TrimPrefix(line, "▶"))
	if len(fields) < 2 {
		t.Fatalf("no bucket under the cursor: %q", line)
	}
	want := fields[1] // "New 123 ███" → count of the first status bucket
	s.key("enter")
	sc = s.waitFor("the drilled list", func(sc string) bool {
		return strings.Contains(sc, "filter: status:'new'") && strings.Contains(sc, "of "+want) && settled(sc)
	})
	s.key("esc")
	s.waitFor("the overview again", func(sc string) bool { return overviewSettled(sc) && strings.Contains(sc, "filter: (none)") })
	s.quit()
}

func TestSeverityBandsColouredWhenTheProfileAllows(t *testing.T) {
	for _, c := range []struct {
		profile colorprofile.Profile
		colour  bool
	}{{colorprofile.ANSI256, true}, {colorprofile.Ascii, false}} {
		h := newHarness(t, 300)
		o := h.options(t)
		o.Overview = true
		tm := teatest.NewTestModel(t, New(o), teatest.WithInitialTermSize(100, 30),
			teatest.WithProgramOptions(tea.WithColorProfile(c.profile)))
		var out []byte
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			out = b
			return strings.Contains(string(b), "Informational") && strings.Contains(string(b), "Time to triage")
		}, teatest.WithDuration(10e9))
		tm.Send(keyPress("q"))
		tm.WaitFinished(t)
		critical := strings.Contains(string(out), "48;5;124") // the Critical band's background
		if critical != c.colour {
			t.Fatalf("profile %v: critical coloured %v", c.profile, critical)
		}
		if !strings.Contains(string(out), "Critical") {
			t.Fatal("the band has no word")
		}
	}
}

// brokenAggregates answers the overview with the faults a real service can
// have: an error, an empty bucket list, a missing result, a label of a type
// the console did not expect.
type brokenAggregates struct {
	model.Backend
	err bool
}

func (b brokenAggregates) Aggregate(ctx context.Context, reqs []model.AggregateRequest) ([]model.Aggregation, error) {
	if b.err {
		return nil, errors.New("503 Service Unavailable: try later")
	}
	aggs, err := b.Backend.Aggregate(ctx, reqs)
	if err != nil {
		return nil, err
	}
	var out []model.Aggregation
	for _, a := range aggs {
		switch a.Name {
		case aggTactics:
			a.Buckets = nil
		case aggScenario:
			continue
		case aggHist:
			a.Buckets = []model.Bucket{{Label: `{"weird":true}`, Count: 3}}
		}
		out = append(out, a)
	}
	return out, nil
}

func TestBadAggregateAnswersStayInTheirPanel(t *testing.T) {
	h := newHarness(t, 300)
	o := h.options(t)
	o.Source.Backend = brokenAggregates{Backend: h.src.Backend}
	o.Overview = true
	s := startScreen(t, New(o), 200, 60)
	sc := s.waitFor("the overview", overviewSettled)
	for _, want := range []string{"no data under this filter", "no answer for this panel", `unreadable bucket label {"weird":true}`, "Critical", "Top hosts"} {
		if !strings.Contains(sc, want) {
			t.Errorf("%q not on the screen:\n%s", want, sc)
		}
	}
	s.key("tab")
	s.waitFor("the list", settled)
	s.quit()

	o.Source.Backend = brokenAggregates{Backend: h.src.Backend, err: true}
	s = startScreen(t, New(o), 100, 30)
	s.waitText("the overview could not be loaded: 503 Service Unavailable")
	s.key("tab")
	s.waitFor("the list still works", settled)
	s.quit()
}

// A hostile answer's negative counts draw as nothing, not a crash.
func TestOverviewSurvivesNegativeCounts(t *testing.T) {
	h := newHarness(t, 50)
	m := New(h.options(t))
	m.width, m.height = 80, 24
	m.ov = &overview{gen: 1, window: 1, shown: true}
	aggs := []model.Aggregation{
		{Name: aggStatus, Buckets: []model.Bucket{{Label: "new", Count: -5}, {Label: "closed", Count: 3}}, SumOtherDocCount: -100},
		{Name: aggHosts, Buckets: []model.Bucket{{Label: "h", Count: -1, SubAggregates: []model.Aggregation{{Name: aggSeverity, Buckets: []model.Bucket{{Count: -9}}}}}}},
		{Name: aggHist, Buckets: []model.Bucket{{KeyAsString: "2026-11-20T00:00:00Z", Count: -3}}},
	}
	m.onOverview(overviewMsg{gen: 1, aggs: aggs, window: 1, at: m.o.Now()})
	if v := m.View().Content; !strings.Contains(v, "Status") {
		t.Fatalf("the overview did not draw:\n%s", v)
	}
}

// A host's severities read most severe first, short enough for 80 columns.
func TestSeverityBreakdownIsCompact(t *testing.T) {
	a := model.Aggregation{Buckets: []model.Bucket{{Count: 3}, {Count: 21}, {Count: 2}, {Count: 5}, {Count: 1}}}
	if got := severityBreakdown(a); got != "C1 H5 M2 L21 I3" {
		t.Fatalf("%q", got)
	}
}
