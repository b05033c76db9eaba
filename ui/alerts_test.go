package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
)

func TestTriageOnAlerts(t *testing.T) {
	h := newBackendHarness(t, "alerts", 200)
	s := startTriage(t, h)
	sc := s.waitText("Alerts API")
	if !strings.Contains(sc, "sort timestamp ↓") {
		t.Fatalf("the Alerts field names do not drive the sort:\n%s", sc)
	}
	s.key("s", "t")
	waitMessage(s, "Status → True positive: 1 of 1 applied")
	s.key("enter")
	sc = s.waitText("Tags")
	if !strings.Contains(sc, "true_positive") {
		t.Fatalf("the detail lacks the tag:\n%s", sc)
	}
	s.key("G") // the ids after what the decision needs
	sc = s.waitText("Incident")
	s.key("esc", "c")
	s.typeText("seen on alerts")
	s.key("ctrl+s")
	waitMessage(s, "Comment added to 1 of 1")
	m := s.quit()
	id := m.list.IDs()[0]
	got, _ := h.fake.Alert(id)
	if got["status"] != "closed" {
		t.Fatalf("a true positive on Alerts is closed, the fake has %v", got["status"])
	}
	if c := h.fake.AlertComments(id); len(c) != 1 {
		t.Fatalf("comments %v", c)
	}
	if d, _ := m.rows.Peek(id); d.Status != model.StatusClosed {
		t.Fatalf("after the re-read the row shows %s", d.Status)
	}
}

func TestQuickFiltersUseTheAlertsFieldNames(t *testing.T) {
	h := newBackendHarness(t, "alerts", 200)
	s := startTriage(t, h)
	s.key("f", "v", "h")
	s.waitText("filter: severity:>=60")
	s.key("f", "3")
	// Relative: the fake's data is a week old by the wall clock, so the
	// list may be empty; the filter is what matters.
	sc := s.waitFor("the filter", func(sc string) bool {
		return strings.Contains(sc, "timestamp:>='now-7d'") && !strings.Contains(sc, "loading")
	})
	if strings.Contains(sc, "max_severity") || strings.Contains(sc, "Invalid filter") {
		t.Fatalf("a Detects field on Alerts:\n%s", sc)
	}
	s.quit()
}

func TestTagsOnAlerts(t *testing.T) {
	h := newBackendHarness(t, "alerts", 100)
	s := startTriage(t, h)
	s.key("T")
	s.typeText("escalated")
	s.key("enter")
	waitMessage(s, "Tag +escalated: 1 of 1 applied")
	m := s.quit()
	got, _ := h.fake.Alert(m.list.IDs()[0])
	if tags, _ := got["tags"].([]any); len(tags) == 0 || tags[len(tags)-1] != "escalated" {
		t.Fatalf("tags on the fake: %v", got["tags"])
	}
	s = startTriage(t, h)
	s.key("T", "ctrl+u")
	s.typeText("-escalated")
	s.key("enter")
	waitMessage(s, "Tag −escalated: 1 of 1 applied")
	s.key("u")
	waitMessage(s, "Undo of “Tag −escalated”: 1 of 1 applied")
	s.quit()
	got, _ = h.fake.Alert(m.list.IDs()[0])
	if tags, _ := got["tags"].([]any); len(tags) == 0 || tags[len(tags)-1] != "escalated" {
		t.Fatalf("undo did not put the tag back: %v", got["tags"])
	}

	d := newHarness(t, 50)
	s = startTriage(t, d)
	s.key("T")
	s.waitText("tags are an Alerts API feature")
	s.quit()
}

// Every product in one list: an identity alert shows whose account it is,
// marked @, and its product; the detail shows what identity alerts carry.
func TestIdentityAlertsShowTheirHostAndProduct(t *testing.T) {
	h := newBackendHarness(t, "alerts", 400)
	d := loaded(t, h, func(o *Options) {})
	d.key("f", "p", "i") // the quick filter by product
	d.settle()
	ids := d.m.list.IDs()
	if len(ids) == 0 || d.m.list.Current().Filter != "product:'idp'" {
		t.Fatalf("the product filter gave %d rows under %q", len(ids), d.m.list.Current().Filter)
	}
	row := d.row(ids[0])
	if row.Device.Hostname != "" || row.Identity.AccountName == "" {
		t.Fatalf("an identity alert: device %q, account %q", row.Device.Hostname, row.Identity.AccountName)
	}
	sc := ansi.Strip(d.screen())
	if !strings.Contains(sc, "IDP") || !strings.Contains(sc, "@"+row.Identity.AccountName[:min(8, len(row.Identity.AccountName))]) {
		t.Fatalf("the list lacks the product or the account:\n%s", sc)
	}
	d.key("enter")
	sc = ansi.Strip(d.screen())
	for _, want := range []string{"Account", row.Identity.AccountName, "Product        idp"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("the detail lacks %q:\n%s", want, sc)
		}
	}
	if strings.Index(sc, row.Identity.AccountName) > strings.Index(sc, "Severity") {
		t.Fatalf("the account does not come first:\n%s", sc)
	}
	if strings.Contains(sc, "── Host") {
		t.Fatal("an empty host section for an alert with no device")
	}
}

// One verdict at a time: the list reads Closed · FP, the service holds one
// verdict tag, and undo puts back the exact set.
func TestOneVerdictAndItsUndo(t *testing.T) {
	h := newBackendHarness(t, "alerts", 200)
	d := loaded(t, h)
	id := d.m.list.CursorID()
	setStatus(t, h, model.StatusTruePositive, id)
	d.key("r")
	d.settle()
	was := fakeTags(t, h, id)
	d.key("s", "f")
	d.settle()
	got := fakeTags(t, h, id)
	if slices.Contains(got, "true_positive") || !slices.Contains(got, "false_positive") {
		t.Fatalf("after false positive the tags are %v", got)
	}
	if !strings.Contains(ansi.Strip(d.screen()), "Closed · FP") {
		t.Fatalf("the list does not read Closed · FP:\n%s", ansi.Strip(d.screen()))
	}
	d.key("u")
	d.settle()
	if got := fakeTags(t, h, id); !slices.Equal(got, was) {
		t.Fatalf("undo left %v, was %v", got, was)
	}
	var sent []string
	for _, l := range auditLines(t, h) {
		if l.Event == "sent" {
			sent = append(sent, l.Change.Status)
		}
	}
	if len(sent) == 0 || slices.Contains(sent, "false_positive") {
		t.Fatalf("the audit log records the shorthand, not what was sent: %v", sent)
	}
}
