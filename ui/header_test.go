package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// tenantRows is a tenant whose rows name their CID: cid, a string of the
// service's like any other.
type tenantRows struct {
	model.Backend
	cid string
}

func (b tenantRows) Details(ctx context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	found, missing, err := b.Backend.Details(ctx, ids)
	for i := range found {
		found[i].CID = b.cid
	}
	return found, missing, err
}

func headerLine(d *driver) string { return screenLines(ansi.Strip(d.screen()))[0] }

// metaLine is the header's second line: the filter, and what the data on
// screen is (sort, how old when the first line has no room for it).
func metaLine(d *driver) string { return screenLines(ansi.Strip(d.screen()))[1] }

// The header names the tenant as its rows do, where nothing configured it
// (a real tenant's client, no member CID), sanitised like any string of the
// service's.
func TestTheHeaderNamesTheTenantsCIDFromItsRows(t *testing.T) {
	h := newHarness(t, 50)
	o := h.options(t)
	evil := "0123abcd\x1b]0;owned\x07-9f"
	o.Source.Backend, o.Source.CID = tenantRows{h.src.Backend, evil}, ""
	d := newDriver(t, o)
	d.settle()
	if l := headerLine(d); !strings.Contains(l, "CID "+screen.Sanitize(evil)) {
		t.Fatalf("the header does not name the tenant: %q", l)
	}
	if strings.Contains(d.screen(), "\x1b]0;") {
		t.Fatal("the CID reached the screen unsanitised")
	}
}

// "as of" is when the rows on screen were read: a move does not change it,
// reading them again does.
func TestTheHeaderSaysWhenTheRowsWereRead(t *testing.T) {
	h := newHarness(t, 100)
	c := newClock(testBase.Add(2*time.Hour + 2*time.Minute)) // 14:02 UTC
	o := h.options(t)
	o.Now = c.Now
	d := newDriver(t, o)
	d.settle()
	if l := headerLine(d); !strings.HasSuffix(strings.TrimSpace(l), "as of 14:02") {
		t.Fatalf("the header: %q", l)
	}
	c.Advance(7 * time.Minute)
	d.key("j")
	d.settle()
	if l := headerLine(d); !strings.Contains(l, "as of 14:02") {
		t.Fatalf("a move changed when the rows were read: %q", l)
	}
	d.key("r")
	d.settle()
	if l := headerLine(d); !strings.Contains(l, "as of 14:09") {
		t.Fatalf("after r the header says %q", l)
	}
	c.Advance(24 * time.Hour)
	d.key("j")
	if l := headerLine(d); !strings.Contains(l, "as of 11-20 14:09") {
		t.Fatalf("a read of yesterday without its date: %q", l)
	}
}

// At 80 columns the header keeps read-only, the CID and the time, giving
// up the console's name, then the API, then where it is connected; the time
// goes beside the sort when the first line has no room for it.
func TestTheHeaderFits80Columns(t *testing.T) {
	h := newHarness(t, 50)
	o := h.options(t)
	o.ReadOnly = true
	o.Source.Label = "http://127.0.0.1:41234"
	d := newDriver(t, o)
	d.send(teaSize(80, 24))
	d.settle()
	l := headerLine(d)
	for _, want := range []string{"READ-ONLY", "http://127.0.0.1:41234", "CID 7c1b2d9e4f3a4b6c8d0e1f2a3b4c5d6e"} {
		if !strings.Contains(l, want) {
			t.Errorf("%q not in the header %q", want, l)
		}
	}
	if ansi.StringWidth(l) > 80 || strings.Contains(l, "falcon-triage") || strings.Contains(l, "Detects API") {
		t.Fatalf("the header: %q", l)
	}
	if l := metaLine(d); ansi.StringWidth(l) > 80 || !strings.HasSuffix(l, "sort last_behavior ↓ · as of 12:00") {
		t.Fatalf("the header's second line: %q", l)
	}
	d.send(teaSize(140, 24))
	if l := headerLine(d); !strings.Contains(l, "falcon-triage") || !strings.Contains(l, "Detects API") || !strings.HasSuffix(l, "as of 12:00") {
		t.Fatalf("a wide header dropped parts: %q", l)
	}
	if l := metaLine(d); strings.Contains(l, "as of") {
		t.Fatalf("the time twice: %q", l)
	}
}
