package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// TestTriageSurvivesFaults runs a scripted session (paging, details, twenty
// actions) while the fake misbehaves in every way it can, then checks that
// the fake's state, the console's rows and the audit log agree exactly.
func TestTriageSurvivesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("a long scripted session")
	}
	h := newHarness(t, 600)
	ids := listed(t, h, 25)
	setStatus(t, h, model.StatusNew, ids...) // each status below changes its row
	before := len(h.fake.Patches())
	s := startTriage(t, h)

	faults := []struct {
		name  string
		apply func()
	}{
		{"429 storm", func() { h.fake.SetFaults(fake.Faults{Burst429: 4}) }},
		{"5xx burst", func() { h.fake.SetFaults(fake.Faults{Fail5xx: 3}) }},
		{"slow answers", func() { h.fake.SetFaults(fake.Faults{Latency: 40 * time.Millisecond}) }},
		{"dropped read", func() { h.fake.SetFaults(fake.Faults{Drop: 1}) }},
		{"dropped write", func() { h.fake.SetFaults(fake.Faults{DropAfterApply: 1}) }},
		{"token expired", func() { h.fake.SetFaults(fake.Faults{}); h.fake.ExpireTokens() }},
		{"none", func() { h.fake.SetFaults(fake.Faults{}) }},
	}
	statuses := []struct {
		key string
		s   model.Status
	}{{"i", model.StatusInProgress}, {"c", model.StatusClosed}, {"r", model.StatusReopened}, {"f", model.StatusFalsePositive}}

	// Paging and details under faults.
	h.fake.SetFaults(fake.Faults{Burst429: 3, Drop: 1})
	s.key("pgdown")
	s.waitFor("the second page", func(sc string) bool { return strings.Contains(sc, "26–") && settled(sc) })
	h.fake.SetFaults(fake.Faults{})
	s.key("g")
	s.waitFor("the top", func(sc string) bool { return strings.Contains(sc, "1–") && settled(sc) })

	injected := map[string]int{}
	for i := 0; i < 20; i++ {
		f := faults[i%len(faults)]
		f.apply()
		injected[f.name]++
		st := statuses[i%len(statuses)]
		if i > 0 {
			s.key("j")
		}
		s.waitFor(fmt.Sprintf("row %d under the cursor", i+1), func(sc string) bool {
			return strings.Contains(sc, "▶") && settled(sc) && !strings.Contains(sc, "sending")
		})
		s.key("s")
		s.waitText("Status of 1 detection")
		s.key(st.key)
		done := fmt.Sprintf("Status → %s: ", st.s.Label())
		// Consecutive actions differ in status, so the message of this one
		// cannot be mistaken for the last one's.
		sc := s.waitFor("action "+fmt.Sprint(i), func(sc string) bool {
			return strings.Contains(sc, done) && (strings.Contains(sc, done+"1 of 1 applied") || strings.Contains(sc, "unknown outcome") ||
				strings.Contains(sc, "nothing was sent")) && !strings.Contains(sc, "sending") && !strings.Contains(sc, "checking")
		})
		if strings.Contains(sc, "nothing was sent") {
			// The service went away before the send: back again, retry.
			h.fake.SetFaults(fake.Faults{})
			s.key("s", st.key)
			s.waitFor("the retry", func(sc string) bool { return strings.Contains(sc, done+"1 of 1 applied") })
		}
	}
	// The service goes away and comes back.
	h.fake.SetFaults(fake.Faults{Fail5xx: 100})
	s.key("r")
	s.waitText("503")
	h.fake.SetFaults(fake.Faults{})
	s.key("r")
	s.waitFor("back", func(sc string) bool { return settled(sc) && !strings.Contains(sc, "503") })
	m := s.quit()

	lines := auditLines(t, h)
	results := map[int]bool{}
	sent := 0
	for i, l := range lines {
		if l.Event == "sent" {
			sent++
			if i+1 >= len(lines) || lines[i+1].Event != "result" {
				t.Fatalf("a sent change without its result: %+v", l)
			}
			results[i] = true
		}
	}
	if patches := len(h.fake.Patches()) - before; sent != patches {
		t.Fatalf("%d changes logged as sent, the fake saw %d PATCH calls: something was applied twice or not logged", sent, patches)
	}
	last := map[string]string{}
	for _, l := range lines {
		if l.Event == "result" && (l.Outcome == "applied" || l.Outcome == "unknown") {
			for _, id := range l.IDs {
				last[id] = l.Change.Status
			}
		}
	}
	if len(last) != 20 {
		t.Fatalf("%d rows changed, want 20", len(last))
	}
	for _, id := range ids[:20] {
		fakeStatus := fakeField(t, h, id, "status")
		if want, ok := last[id]; !ok || fakeStatus != want {
			t.Errorf("%s: the fake has %v, the audit log says %q", id, fakeStatus, want)
		}
		d, ok := m.rows.Peek(id)
		if !ok || string(d.Status) != fakeStatus {
			t.Errorf("%s: the console shows %v, the fake has %v", id, d, fakeStatus)
		}
	}
	t.Logf("faults injected and survived: %v, plus a 429 storm and a dropped read while paging and the service away and back", injected)
}
