package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
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

// loadedOverview opens the overview on the fake's data, on the window-th
// histogram window.
func loadedOverview(t *testing.T, h *harness, window int) *Model {
	t.Helper()
	o := h.options(t)
	o.Overview = true
	d := newDriver(t, o)
	d.send(teaSize(200, 60))
	d.settle()
	for range window {
		d.key("w")
		d.settle()
	}
	return d.m
}

func TestEveryBucketCountsWhatItsDrillDownLists(t *testing.T) {
	for _, backend := range []string{"detects", "alerts"} {
		t.Run(backend, func(t *testing.T) { checkDrillDowns(t, newBackendHarness(t, backend, 800)) })
	}
}

func checkDrillDowns(t *testing.T, h *harness) {
	for window := range 3 {
		m := loadedOverview(t, h, window)
		checked := 0
		for _, b := range m.ov.Buckets() {
			if b.Err != "" {
				if !strings.Contains(b.Panel, "New ") {
					t.Fatalf("%s: %s", b.Panel, b.Err)
				}
				continue
			}
			q := model.Query{Filter: model.And(m.ov.Filter(), b.Clause), Limit: 1}
			page, err := h.src.Backend.Query(t.Context(), q)
			if err != nil {
				t.Fatalf("%s / %s: %s: %v", b.Panel, b.Label, q.Filter, err)
			}
			switch {
			case b.Approx && int64(page.Total) > b.Count:
				t.Errorf("%s / %s: ≈%d but the drill-down lists %d", b.Panel, b.Label, b.Count, page.Total)
			case !b.Approx && int64(page.Total) != b.Count:
				t.Errorf("%s / %s: %d but the drill-down (%s) lists %d", b.Panel, b.Label, b.Count, q.Filter, page.Total)
			}
			checked++
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
	s.waitFor("the overview", overviewSettled)
	s.key("l") // from the headline figures to the statuses
	sc := s.waitFor("the cursor on the statuses", func(sc string) bool { return strings.HasPrefix(cursorLine(sc), "▶ New ") })
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
		m := New(o)
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30),
			teatest.WithProgramOptions(tea.WithColorProfile(c.profile)))
		var out []byte
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			out = b
			return strings.Contains(string(b), "Informational") && strings.Contains(string(b), "Time to triage")
		}, teatest.WithDuration(hangBound))
		tm.Send(keyPress("q"))
		tm.WaitFinished(t, teatest.WithFinalTimeout(hangBound))
		m.Close(hangBound)
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
		case "tactics":
			a.Buckets = nil
		case "scenarios":
			continue
		case "new_over_time":
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

// At 80 columns a drill-down's word takes one line, its bucket's clauses
// shortened whole with …, never a clause broken over lines.
func TestDrillDownWordIsOneLineAt80(t *testing.T) {
	h := newHarness(t, 300)
	o := h.options(t)
	o.Overview = true
	o.Me = model.User{UID: "gustav.berg@corp.example"}
	d := newDriver(t, o)
	d.send(teaSize(80, 24))
	d.settle()
	for _, label := range []string{"of them unassigned", "open, mine"} {
		for i := 0; !strings.HasPrefix(strings.TrimLeft(afterCursor(ansi.Strip(d.screen())), " 0123456789,"), label); i++ {
			if i > 10 {
				t.Fatalf("no %q bucket under the cursor:\n%s", label, ansi.Strip(d.screen()))
			}
			d.key("j")
			d.settle()
		}
		d.key("enter")
		d.settle()
		sc := ansi.Strip(d.screen())
		var said []string
		for _, l := range strings.Split(sc, "\n") {
			if strings.Contains(l, "drill-down") || strings.Contains(l, "esc: overview") {
				said = append(said, l)
			}
		}
		if len(said) != 1 || !strings.Contains(said[0], "drill-down: ") || !strings.HasSuffix(strings.TrimRight(said[0], " "), "esc: overview") {
			t.Fatalf("the drill-down's word is not one whole line:\n%s", sc)
		}
		if i := strings.Index(said[0], "…"); i >= 0 && !strings.HasSuffix(said[0][:i], "'+") && !strings.HasSuffix(said[0][:i], ": ") {
			t.Errorf("shortened in the middle of a clause: %q", said[0])
		}
		d.key("esc")
		d.settle()
	}
}

// afterCursor is what follows the ▶ on the screen.
func afterCursor(sc string) string {
	_, after, _ := strings.Cut(sc, "▶")
	return after
}

func TestDrillWordCutsAtClauses(t *testing.T) {
	drill := "status:['new','in_progress','reopened']+created_timestamp:>='2026-12-07T01:22:34Z'+severity:>=60"
	for _, c := range []struct {
		width int
		want  string
	}{
		{200, "drill-down: " + drill + " · esc: overview"},
		{78, "drill-down: status:['new','in_progress','reopened']+… · esc: overview"},
		{40, "drill-down: … · esc: overview"},
	} {
		if got := drillWord(drill, c.width); got != c.want || screen.Width(got) > c.width {
			t.Errorf("at %d: %q, want %q", c.width, got, c.want)
		}
	}
}
