package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
)

// The headline figures come first, from the overview's one aggregate call,
// and each counts exactly what its drill-down lists: high and critical new
// in 24 hours and how many of them nobody has, the analyst's own still
// open, the closed by verdict.
func TestTheHeadlineFiguresCountWhatTheyDrillInto(t *testing.T) {
	for _, backend := range []string{"detects", "alerts"} {
		t.Run(backend, func(t *testing.T) {
			h := newBackendHarness(t, backend, 800)
			o := h.options(t)
			o.Overview = true
			o.Me = model.User{UID: "gustav.berg@corp.example"}
			d := newDriver(t, o)
			d.send(teaSize(200, 60))
			d.settle()
			if n := h.fake.Count("aggregates"); n != 1 {
				t.Fatalf("%d aggregate calls, want 1", n)
			}
			var labels []string
			for _, b := range d.m.ov.Buckets() {
				if b.Panel != "" {
					break // the headline is the first panel, and has no title
				}
				labels = append(labels, b.Label)
				q := model.Query{Filter: model.And(d.m.ov.Filter(), b.Clause), Limit: 1}
				page, err := h.src.Backend.Query(t.Context(), q)
				if err != nil {
					t.Fatalf("%s: %s: %v", b.Label, q.Filter, err)
				}
				if int64(page.Total) != b.Count {
					t.Errorf("%s: %d, but its drill-down (%s) lists %d", b.Label, b.Count, q.Filter, page.Total)
				}
				if b.Count == 0 && b.Label != "open, mine" {
					t.Errorf("%s: nothing counted: the fake has some", b.Label)
				}
			}
			all := strings.Join(labels, ", ")
			for _, want := range []string{"high/crit created in 24 h", "of them unassigned", "open, mine", "true positive", "false positive"} {
				if !strings.Contains(all, want) {
					t.Errorf("no %q among the headline figures: %s", want, all)
				}
			}
			lines := screenLines(d.screen())
			if !strings.Contains(lines[2], "high/crit created in 24 h") {
				t.Fatalf("the headline is not first:\n%s", d.screen())
			}
		})
	}
}

// Every alert counts in the hosts panel: an identity alert, with no
// device, by the host it names; an alert naming none in "(no host)".
func TestNoAlertFallsInNoHostBucket(t *testing.T) {
	h := newBackendHarness(t, "alerts", 800)
	m := loadedOverview(t, h, 0)
	var sum int64
	identity := false
	for _, b := range m.ov.Buckets() {
		if b.Panel != "Top hosts" {
			continue
		}
		sum += b.Count
		identity = identity || strings.Contains(b.Clause, "source_endpoint_host_name:")
	}
	page, err := h.src.Backend.Query(t.Context(), model.Query{Filter: m.ov.Filter(), Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum != int64(page.Total) {
		t.Fatalf("the hosts panel counts %d of %d alerts", sum, page.Total)
	}
	if !identity {
		t.Fatal("no bucket counts the identity alerts by their host")
	}
}

// The headline's cursor stands in a column of its own, a space either
// side, wherever on the line its figure is: never squeezed against the
// figure before it (`false positive ·▶411 ignored`).
func TestTheHeadlineCursorHasItsOwnColumn(t *testing.T) {
	h := newHarness(t, 300)
	o := h.options(t)
	o.Overview = true
	d := newDriver(t, o)
	d.send(teaSize(80, 24))
	d.settle()
	for _, label := range []string{"high/crit created in 24 h", "of them unassigned", "true positive", "false positive", "ignored", "no verdict"} {
		line := ""
		for _, l := range screenLines(ansi.Strip(d.screen())) {
			if strings.Contains(l, "▶") {
				line = l
				break
			}
		}
		_, after, _ := strings.Cut(line, "▶")
		before := strings.TrimSuffix(line[:strings.Index(line, "▶")], " ")
		if !strings.HasPrefix(after, " ") || strings.HasSuffix(line[:strings.Index(line, "▶")], "·") ||
			!strings.HasPrefix(strings.TrimLeft(after, " 0123456789,"), label) || (before != "" && before == line[:strings.Index(line, "▶")]) {
			t.Errorf("the cursor on %q is not in a column of its own: %q", label, line)
		}
		d.key("j")
		d.settle()
	}
}
