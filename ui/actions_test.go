package ui

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// startTriage opens the console on the fake and waits for the first rows.
func startTriage(t *testing.T, h *harness, mod ...func(*Options)) *term {
	t.Helper()
	o := h.options(t)
	for _, f := range mod {
		f(&o)
	}
	s := startScreen(t, New(o), 100, 30)
	s.waitFor("first rows", settled)
	return s
}

func fakeField(t *testing.T, h *harness, id, field string) any {
	t.Helper()
	d, ok := h.fake.Detection(id)
	if !ok {
		t.Fatalf("no detection %s on the fake", id)
	}
	return d[field]
}

func waitMessage(s *term, text string) string {
	return s.waitFor(text, func(sc string) bool { return strings.Contains(sc, text) && !strings.Contains(sc, "sending") })
}

func TestStatusOnOneRow(t *testing.T) {
	h := newHarness(t, 200)
	s := startTriage(t, h)
	s.key("s")
	s.waitText("Status of 1 detection")
	s.key("i")
	waitMessage(s, "Status → In progress: 1 of 1 applied")
	// A second action on the same row is not taken for another analyst's
	// change: the console's own write is its new baseline.
	s.key("s", "c")
	sc := waitMessage(s, "Status → Closed: 1 of 1 applied")
	if strings.Contains(sc, "changed since you saw them") {
		t.Fatal("the console's own change was reported as a conflict")
	}
	s.key("s", "i")
	waitMessage(s, "Status → In progress: 1 of 1 applied")
	m := s.quit()
	id := m.list.IDs()[0]
	if got := fakeField(t, h, id, "status"); got != "in_progress" {
		t.Fatalf("the fake has %v", got)
	}
	if d, _ := m.rows.Peek(id); d.Status != model.StatusInProgress {
		t.Fatalf("the row shows %s", d.Status)
	}
	if len(h.fake.Patches()) != 3 {
		t.Fatalf("%d patches, want 3", len(h.fake.Patches()))
	}
}

func TestAssignThreeMarkedRows(t *testing.T) {
	h := newHarness(t, 200)
	s := startTriage(t, h)
	s.key("space", "space", "space")
	sc := s.waitText("3 marked")
	// Under the ASCII profile marks read by their glyph alone.
	if strings.Count(sc, "●") != 3 {
		t.Fatalf("marks without their glyph:\n%s", sc)
	}
	s.key("a")
	s.waitText("Assign 3 detections")
	s.typeText("chen")
	s.waitText("Chen Wei <chen.wei@corp.example>")
	s.key("enter")
	waitMessage(s, "Assign → Chen Wei: 3 of 3 applied")
	m := s.quit()
	for _, id := range m.list.IDs()[:3] {
		if got := fakeField(t, h, id, "assigned_to_uid"); got != "chen.wei@corp.example" {
			t.Fatalf("%s assigned to %v", id, got)
		}
	}
	if fakeField(t, h, m.list.IDs()[3], "assigned_to_uid") == "chen.wei@corp.example" && len(h.fake.Patches()[0]) != 3 {
		t.Fatal("an unmarked row was assigned")
	}
	if m.list.MarkCount() != 3 {
		t.Fatalf("%d marks after the action: marks stay, so the next action can take the same rows", m.list.MarkCount())
	}
}

func TestCommentWithoutStatus(t *testing.T) {
	h := newHarness(t, 200)
	s := startTriage(t, h)
	s.key("c")
	s.waitText("Comment on 1 detection")
	s.typeText("benign admin script, ticket 4711")
	s.key("ctrl+s")
	waitMessage(s, "Comment added to 1 of 1")
	m := s.quit()
	id := m.list.IDs()[0]
	if c := h.fake.Comments(id); len(c) != 1 || c[0] != "benign admin script, ticket 4711" {
		t.Fatalf("comments on the fake: %q", c)
	}
	if fakeField(t, h, id, "show_in_ui") != true {
		t.Fatal("the comment changed the row's visibility")
	}
}

func TestCommentWithStatus(t *testing.T) {
	h := newHarness(t, 200)
	s := startTriage(t, h)
	s.key("c")
	s.waitText("Comment on 1 detection")
	s.typeText("confirmed malicious")
	s.key("ctrl+t")
	s.waitText("with the comment")
	s.key("t")
	waitMessage(s, "1 of 1 applied")
	m := s.quit()
	id := m.list.IDs()[0]
	if fakeField(t, h, id, "status") != "true_positive" || len(h.fake.Comments(id)) != 1 {
		t.Fatal("status and comment did not travel together")
	}
	if len(h.fake.Patches()) != 1 {
		t.Fatalf("%d patches, want one", len(h.fake.Patches()))
	}
}

func TestCloseAllMatchingInThreeBatches(t *testing.T) {
	h := newHarness(t, 2500)
	// None closed yet: a row that is already closed is sent nothing.
	ids := h.fake.IDs()
	for i := 0; i < len(ids); i += 1000 {
		setStatus(t, h, model.StatusNew, ids[i:min(i+1000, len(ids))]...)
	}
	sent := len(h.fake.Patches())
	s := startTriage(t, h)
	s.key(".")
	s.waitFor("every row", func(sc string) bool { return strings.Contains(sc, "of 2,500") && settled(sc) })
	s.key("*")
	s.waitText("Mark all 2,500 detections matching the filter?")
	s.key("y")
	s.waitText("2,500 marked")
	start := time.Now()
	s.key("s", "c")
	s.waitText("Status → Closed: 2,500 detections?")
	s.key("y")
	waitMessage(s, "Status → Closed: 2,500 of 2,500 applied")
	t.Logf("closing 2,500 detections took %v: %d update and %d summaries requests", time.Since(start), len(h.fake.Patches()), h.fake.Count("summaries"))
	s.quit()
	patches := h.fake.Patches()[sent:]
	if len(patches) != 3 {
		t.Fatalf("%d PATCH calls, want 3", len(patches))
	}
	seen := map[string]bool{}
	for _, p := range patches {
		if len(p) > 1000 {
			t.Fatalf("a PATCH of %d ids", len(p))
		}
		for _, id := range p {
			seen[id] = true
		}
	}
	if len(seen) != 2500 {
		t.Fatalf("%d distinct ids closed", len(seen))
	}
}

// listed returns the first n ids of the console's default list, as the
// service orders them.
func listed(t *testing.T, h *harness, n int) []string {
	t.Helper()
	p, err := h.src.Backend.Query(t.Context(), model.Query{Filter: "show_in_ui:true", Sort: model.Sort{Field: "last_behavior", Desc: true}, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	return p.IDs
}

func TestRefusedRowsRollBackAndStayMarked(t *testing.T) {
	h := newHarness(t, 200)
	ids := listed(t, h, 3)
	refused := ""
	for _, id := range ids {
		if fakeField(t, h, id, "status") != "closed" {
			refused = id
		}
	}
	if refused == "" {
		t.Fatal("pick a seed where a row is not closed already")
	}
	h.fake.SetFaults(fake.Faults{RefuseIDs: map[string]bool{refused: true}})
	s := startTriage(t, h)
	s.key("space", "space", "space", "s", "c")
	sc := waitMessage(s, "Status → Closed: 2 of 3 applied")
	if !strings.Contains(sc, "1 refused") || !strings.Contains(sc, "locked by a workflow") || !strings.Contains(sc, "trace id") {
		t.Fatalf("the refusal is not explained:\n%s", sc)
	}
	if !strings.Contains(sc, "3 marked") || strings.Count(sc, "✗") != 2 {
		t.Fatalf("the refused row is not marked:\n%s", sc)
	}
	s.key("R")
	sc = waitMessage(s, "Status → Closed: 0 of 1 applied")
	h.fake.SetFaults(fake.Faults{})
	s.key("R")
	waitMessage(s, "Status → Closed: 1 of 1 applied")
	m := s.quit()
	_ = m
	for _, id := range ids {
		if fakeField(t, h, id, "status") != "closed" {
			t.Fatalf("%s not closed after the retry", id)
		}
	}
}

func TestRefusedRowShowsItsOldValueMeanwhile(t *testing.T) {
	h := newHarness(t, 200)
	ids := listed(t, h, 2)
	h.fake.SetFaults(fake.Faults{RefuseIDs: map[string]bool{ids[0]: true}})
	s := startTriage(t, h)
	s.key("space", "space", "s", "c")
	waitMessage(s, "1 of 2 applied")
	m := s.quit()
	d0, _ := m.rows.Peek(ids[0])
	d1, _ := m.rows.Peek(ids[1])
	if want := fakeField(t, h, ids[0], "status"); string(d0.Status) != want {
		t.Fatalf("the refused row shows %s, the service has %v", d0.Status, want)
	}
	if d1.Status != model.StatusClosed {
		t.Fatalf("the applied row shows %s", d1.Status)
	}
	if !m.list.Marked(ids[0]) || m.list.MarkCount() != 2 {
		t.Fatalf("marks after the action: %v", m.list.Marks())
	}
}

func TestUndoRestoresThePreviousValues(t *testing.T) {
	h := newHarness(t, 200)
	ids := listed(t, h, 2)
	was := map[string]any{}
	for _, id := range ids {
		was[id] = fakeField(t, h, id, "status")
	}
	s := startTriage(t, h)
	s.key("space", "space")
	s.waitText("2 marked")
	s.key("s", "x")
	waitMessage(s, "2 of 2 applied")
	for _, id := range ids {
		if fakeField(t, h, id, "status") != "ignored" {
			t.Fatalf("%s not ignored", id)
		}
	}
	s.key("u")
	waitMessage(s, "Undo of “Status → Ignored”: 2 of 2 applied")
	s.quit()
	for _, id := range ids {
		if got := fakeField(t, h, id, "status"); got != was[id] {
			t.Fatalf("%s is %v after undo, was %v", id, got, was[id])
		}
	}
	lines := auditLines(t, h)
	if len(lines) < 4 || lines[0].Before[ids[0]].Status != was[ids[0]] {
		t.Fatalf("the audit log lacks the before values: %+v", lines)
	}
}

func TestUndoOfACommentSaysItCannot(t *testing.T) {
	h := newHarness(t, 50)
	s := startTriage(t, h)
	s.key("c")
	s.typeText("note")
	s.key("ctrl+s")
	waitMessage(s, "Comment added")
	s.key("u")
	s.waitText("a comment cannot be unsent")
	s.quit()
	if len(h.fake.Patches()) != 1 {
		t.Fatal("undo sent something for a comment")
	}
}

func TestHideAsksFirst(t *testing.T) {
	h := newHarness(t, 50)
	id := listed(t, h, 1)[0]
	s := startTriage(t, h)
	s.key("H")
	s.waitText("Hide: 1 detection?")
	s.key("n")
	s.waitText("cancelled: nothing was sent")
	s.key("H", "y")
	waitMessage(s, "Hide: 1 of 1 applied")
	m := s.quit()
	if fakeField(t, h, id, "show_in_ui") != false || len(h.fake.Patches()) != 1 {
		t.Fatal("the row was not hidden exactly once")
	}
	if slices.Contains(m.list.IDs(), id) {
		t.Fatal("the hidden row stays in a list that does not show hidden rows")
	}
}

func TestReadOnlySendsNothing(t *testing.T) {
	h := newHarness(t, 50)
	s := startTriage(t, h, func(o *Options) { o.ReadOnly = true })
	sc := s.waitText("READ-ONLY")
	_ = sc
	for _, k := range []string{"s", "a", "c", "H", "u"} {
		s.key(k)
		s.waitText("read-only: writes are disabled")
	}
	s.quit()
	if n := h.fake.Count("update"); n != 0 {
		t.Fatalf("%d updates sent in read-only mode", n)
	}
}

func TestAnotherAnalystsChangeIsShown(t *testing.T) {
	h := newHarness(t, 200)
	ids := listed(t, h, 2)
	s := startTriage(t, h)
	s.key("space", "space")
	s.waitText("2 marked")
	// Someone else changes the first row's status meanwhile.
	other := model.StatusIgnored
	if fakeField(t, h, ids[0], "status") == "ignored" {
		other = model.StatusReopened
	}
	if _, err := api.NewDetects(h.client).Update(t.Context(), model.Change{IDs: ids[:1], Status: &other}); err != nil {
		t.Fatal(err)
	}
	s.key("s", "c")
	// The answers show once the question takes keys.
	sc := s.waitText("s skip them")
	if !strings.Contains(sc, "→ "+other.Label()) {
		t.Fatalf("the conflict does not say what changed:\n%s", sc)
	}
	s.key("s")
	waitMessage(s, "1 of 1 applied")
	s.quit()
	if fakeField(t, h, ids[0], "status") != string(other) {
		t.Fatal("the other analyst's change was overwritten")
	}
	if fakeField(t, h, ids[1], "status") != "closed" {
		t.Fatal("the unchanged row was not closed")
	}
}

func TestAuditLogMatchesTheFakeAlsoWhenTheConnectionDrops(t *testing.T) {
	h := newHarness(t, 200)
	setStatus(t, h, model.StatusNew, listed(t, h, 3)...) // none holds the change yet
	sent := len(h.fake.Patches())
	s := startTriage(t, h)
	s.key("space", "space", "space")
	s.waitText("3 marked")
	h.fake.SetFaults(fake.Faults{DropAfterApply: 1})
	s.key("s", "i")
	// Once the rows are read again, the message says what happened to
	// them rather than that it is unknown.
	s.waitText("of the 3 with an unknown outcome, read again: 3 applied, 0 not")
	m := s.quit()
	lines := auditLines(t, h)
	// The result is unknown; the read back records that the rows hold
	// what was sent.
	if len(lines) != 3 || lines[0].Event != "sent" || lines[1].Event != "result" || lines[1].Outcome != "unknown" ||
		lines[2].Event != "read_back" || lines[2].Outcome != "applied" || len(lines[2].IDs) != 3 {
		t.Fatalf("audit log: %+v", lines)
	}
	for _, id := range lines[0].IDs {
		if fakeField(t, h, id, "status") != "in_progress" {
			t.Fatalf("%s: the fake did not apply it", id)
		}
	}
	if len(h.fake.Patches()) != sent+1 {
		t.Fatal("a write with an unknown outcome was sent again")
	}
	// The re-read shows the truth on the rows.
	for _, id := range lines[0].IDs {
		if d, ok := m.rows.Peek(id); !ok || d.Status != model.StatusInProgress {
			t.Fatalf("%s does not show the re-read state", id)
		}
	}
}

type auditLine struct {
	Refused map[string]string `json:"refused"`
	Unknown []string          `json:"unknown"`
	Event   string            `json:"event"`
	Batch   string            `json:"batch"`
	IDs     []string          `json:"ids"`
	Outcome string            `json:"outcome"`
	Change  struct {
		Status string `json:"status"`
	} `json:"change"`
	Before map[string]struct {
		Status string `json:"status"`
	} `json:"before"`
}

func auditLines(t testing.TB, h *harness) []auditLine {
	t.Helper()
	f, err := os.Open(h.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v", fi.Mode().Perm())
	}
	var out []auditLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l auditLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}
