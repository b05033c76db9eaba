package overview

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

func terms(name string, other int64, labels ...string) model.Aggregation {
	a := model.Aggregation{Name: name, SumOtherDocCount: other}
	for i, l := range labels {
		a.Buckets = append(a.Buckets, model.Bucket{Label: l, Count: int64(10 - i)})
	}
	return a
}

func panelsAnswer() []model.Aggregation {
	return []model.Aggregation{terms(aggStatus, 0, "new", "closed"), terms(aggHosts, 500, "h1", "h2", "h3"), terms(aggTactics, 0, "t1", "t2")}
}

// Each panel keeps its own cursor: j stops at the panel's end, and going
// to another panel and back finds the cursor where it was left.
func TestEachPanelKeepsItsOwnCursor(t *testing.T) {
	o := newOverview(panelsAnswer())
	o.Update(o.Load("", "")())
	press(o, "l", "j", "j", "j", "j", "j") // top hosts: h1 h2 h3 other, then its end
	if p, b := o.Selected(); p != "Top hosts" || b != "other" {
		t.Fatalf("j went past the panel's end: %s / %s", p, b)
	}
	press(o, "k", "k") // h2
	press(o, "l", "j") // tactics: t2
	if p, b := o.Selected(); p != "Top tactics" || b != "t2" {
		t.Fatalf("the cursor is on %s / %s", p, b)
	}
	press(o, "h")
	if p, b := o.Selected(); p != "Top hosts" || b != "h2" {
		t.Fatalf("back in the hosts, the cursor is on %s / %s, was left on h2", p, b)
	}
	press(o, "h", "k", "k")
	if p, b := o.Selected(); p != "Status" || b != "New" {
		t.Fatalf("k went past the panel's top: %s / %s", p, b)
	}
}

// The bars are on the scale of the buckets listed: the "other" bucket,
// larger than all of them, is a number without a bar.
func TestTheBarsAreScaledByTheTopBuckets(t *testing.T) {
	o := newOverview(panelsAnswer())
	o.Update(o.Load("", "")())
	st := screen.NewStyles(true)
	var h1, other string
	for _, l := range o.View(60, 40, &st) {
		switch f := strings.Fields(ansi.Strip(l)); {
		case len(f) > 0 && f[0] == "h1":
			h1 = ansi.Strip(l)
		case len(f) > 0 && f[0] == "other":
			other = ansi.Strip(l)
		}
	}
	if strings.Count(h1, "█") < 15 {
		t.Fatalf("the largest host does not fill its bar: %q", h1)
	}
	if !strings.HasSuffix(strings.TrimSpace(other), "500") {
		t.Fatalf("the other bucket: %q", other)
	}
}
