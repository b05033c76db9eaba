package ui

import (
	"strings"
	"testing"

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
	if !strings.Contains(sc, "true_positive") || !strings.Contains(sc, "Incident") {
		t.Fatalf("the detail lacks the tag or the incident:\n%s", sc)
	}
	s.key("esc", "c")
	s.typeText("seen on alerts")
	s.key("ctrl+s")
	waitMessage(s, "Comment added to 1 of 1")
	m := s.quit()
	id := m.list.cur.ids[0]
	got, _ := h.fake.Alert(id)
	if got["status"] != "closed" {
		t.Fatalf("a true positive on Alerts is closed, the fake has %v", got["status"])
	}
	if c := h.fake.AlertComments(id); len(c) != 1 {
		t.Fatalf("comments %v", c)
	}
	if d, _ := m.rows.cache.Peek(id); d.Status != model.StatusClosed {
		t.Fatalf("after the re-read the row shows %s", d.Status)
	}
}

func TestQuickFiltersUseTheAlertsFieldNames(t *testing.T) {
	h := newBackendHarness(t, "alerts", 200)
	s := startTriage(t, h)
	s.key("f", "v", "h")
	s.waitText("filter: severity:>=60")
	s.key("f", "3")
	sc := s.waitFor("rows", func(sc string) bool { return strings.Contains(sc, "timestamp:>=") && settled(sc) })
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
	got, _ := h.fake.Alert(m.list.cur.ids[0])
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
	got, _ = h.fake.Alert(m.list.cur.ids[0])
	if tags, _ := got["tags"].([]any); len(tags) == 0 || tags[len(tags)-1] != "escalated" {
		t.Fatalf("undo did not put the tag back: %v", got["tags"])
	}

	d := newHarness(t, 50)
	s = startTriage(t, d)
	s.key("T")
	s.waitText("tags are an Alerts API feature")
	s.quit()
}
