package detail

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

var fields = model.Fields{ID: "detection_id", Status: "status", Severity: "max_severity", Hostname: "device.hostname",
	AssigneeUID: "assigned_to_uid", CmdLine: "behaviors.cmdline", SHA256: "behaviors.sha256"}

func key(k string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: []rune(k)[0], Text: k} }

func text(p *Pane) string {
	st := screen.NewStyles(true)
	return strings.Join(p.View(100, 60, &st), "\n")
}

// The pane waits for its row, shows it once the store has it, and follows
// every later version (an action's preview, a rollback) without reopening.
func TestThePaneFollowsItsRowInTheStore(t *testing.T) {
	store := rows.New(1<<20, time.Now)
	p := New("ldt:1", keymap.Default(), 40)
	p.Follow(store, fields, time.UTC)
	if !p.Loading() || !strings.Contains(text(p), "reading") {
		t.Fatalf("the pane does not say it is loading:\n%s", text(p))
	}
	store.Put(model.Detection{ID: "ldt:1", Status: model.StatusNew, Device: model.Device{Hostname: "WS-1"}})
	p.Follow(store, fields, time.UTC)
	if p.Loading() || !strings.Contains(text(p), "WS-1") || !strings.Contains(text(p), "New") {
		t.Fatalf("the pane does not show the row:\n%s", text(p))
	}
	p.Seek("Hostname", 0)
	store.Put(model.Detection{ID: "ldt:1", Status: model.StatusClosed, Device: model.Device{Hostname: "WS-1"}})
	p.Follow(store, fields, time.UTC)
	if !strings.Contains(text(p), "Closed") {
		t.Fatalf("the pane kept the old status:\n%s", text(p))
	}
	if out, _ := p.Update(key("+")); out.Filter != "device.hostname:'WS-1'" {
		t.Fatalf("+ after the row changed: %+v (the cursor left its field)", out)
	}
}

// + on a value no clause matches exactly offers a pattern to edit, - the
// same pattern left out; y copies from the behaviour under the cursor.
func TestPivotsAndTheBehaviourUnderTheCursor(t *testing.T) {
	store := rows.New(1<<20, time.Now)
	d := model.Detection{ID: "ldt:2", Status: model.StatusNew, Behaviors: []model.Behavior{
		{CmdLine: "cmd.exe /c whoami", SHA256: "aa", Severity: 90}, {CmdLine: "powershell -enc", SHA256: "bb", Severity: 10}}}
	store.Put(d)
	p := New("ldt:2", keymap.Default(), 40)
	p.Follow(store, fields, time.UTC)
	p.Seek("Command line", 2)
	if out, _ := p.Update(key("+")); out.Pattern != "behaviors.cmdline:*'*powershell -enc*'" || out.Filter != "" {
		t.Fatalf("+ on a command line: %+v", out)
	}
	if out, _ := p.Update(key("-")); out.Pattern != "behaviors.cmdline:!*'*powershell -enc*'" || out.Filter != "" {
		t.Fatalf("- on a command line: %+v", out)
	}
	if b := p.Behaviour(&d); b.SHA256 != "bb" {
		t.Fatalf("the behaviour under the cursor is %q, want the second", b.SHA256)
	}
	var none *Pane
	if b := none.Behaviour(&d); b.SHA256 != "aa" {
		t.Fatalf("with no pane the copy menu copies from %q, not the worst", b.SHA256)
	}
	if out, _ := p.Update(tea.KeyPressMsg{Code: tea.KeyEscape}); !out.Close {
		t.Fatal("esc does not close the pane")
	}
}

// The pane opens with its cursor on the first field, not on the heading
// above it; j, k, g and G rest on fields, never on a heading.
func TestTheCursorRestsOnFields(t *testing.T) {
	store := rows.New(1<<20, time.Now)
	store.Put(model.Detection{ID: "ldt:3", Status: model.StatusNew, MaxSeverity: 70, Device: model.Device{ID: "dev1", Hostname: "WS-3"},
		Behaviors: []model.Behavior{{Technique: "Masquerading", TechniqueID: "T1036", CmdLine: "a.exe", Severity: 70}}})
	p := New("ldt:3", keymap.Default(), 40)
	p.Follow(store, fields, time.UTC)
	cursor := func() entry { return p.entries[p.cursor] }
	if e := cursor(); e.section || e.label != "Technique" || !strings.Contains(text(p), "▶") {
		t.Fatalf("the pane opens on %q (a heading: %v):\n%s", e.label, e.section, text(p))
	}
	if out, _ := p.Update(key("+")); out.Filter == "" {
		t.Fatalf("+ at once: %+v", out)
	}
	p.Update(key("k"))
	if e := cursor(); e.label != "Technique" {
		t.Fatalf("k on the first field went to %q", e.label)
	}
	for range len(p.entries) {
		p.Update(key("j"))
		if cursor().section {
			t.Fatalf("j rests on the heading %q", cursor().label)
		}
	}
	for range len(p.entries) {
		p.Update(key("k"))
		if cursor().section {
			t.Fatalf("k rests on the heading %q", cursor().label)
		}
	}
	st := screen.NewStyles(true)
	p.Update(key("G"))
	p.View(100, 5, &st)
	p.Update(key("g"))
	if e, top := cursor(), p.View(100, 5, &st); e.label != "Technique" || !strings.Contains(top[0], "── Detection") {
		t.Fatalf("g goes to %q, the view opening on %q", e.label, top[0])
	}
}

// A field appearing above the cursor when the row is read again (an
// assignee, after an assign) does not move the cursor onto another field:
// + acts on the field the analyst was on.
func TestTheCursorStaysOnItsFieldWhenFieldsComeAbove(t *testing.T) {
	store := rows.New(1<<20, time.Now)
	d := model.Detection{ID: "ldt:4", Status: model.StatusNew, Device: model.Device{ID: "dev1", Hostname: "WS-4", LocalIP: "10.0.0.4", Platform: "Windows"}}
	store.Put(d)
	p := New("ldt:4", keymap.Default(), 40)
	p.Follow(store, fields, time.UTC)
	p.Seek("Local IP", 0)
	if e := p.entries[p.cursor]; e.label != "Local IP" {
		t.Fatalf("the cursor is on %q", e.label)
	}
	d.AssigneeUID, d.AssigneeName, d.Tags = "ana@corp.example", "Ana", []string{"triaged"}
	store.Put(d)
	p.Follow(store, fields, time.UTC)
	if e := p.entries[p.cursor]; e.label != "Local IP" {
		t.Fatalf("after the row was read again the cursor is on %q", e.label)
	}
}

// A worse behaviour arriving moves the decision's fields to it: the cursor
// stays on the field it was on (the host), not on whatever now has its place.
func TestTheCursorStaysOnItsFieldWhenAWorseBehaviourArrives(t *testing.T) {
	store := rows.New(1<<20, time.Now)
	d := model.Detection{ID: "ldt:5", Status: model.StatusNew, MaxSeverity: 30, Device: model.Device{ID: "dev1", Hostname: "WS-5"},
		Behaviors: []model.Behavior{{Technique: "Masquerading", Severity: 30}}}
	store.Put(d)
	p := New("ldt:5", keymap.Default(), 40)
	p.Follow(store, fields, time.UTC)
	p.Seek("Hostname", 0)
	if e := p.entries[p.cursor]; e.label != "Hostname" {
		t.Fatalf("the cursor is on %q", e.label)
	}
	d.MaxSeverity = 90
	d.Behaviors = append(d.Behaviors, model.Behavior{Technique: "Credential Dumping", Tactic: "Credential Access", CmdLine: "rundll32 comsvcs.dll", FileName: "rundll32.exe", Severity: 90})
	store.Put(d)
	p.Follow(store, fields, time.UTC)
	if out, _ := p.Update(key("+")); out.Filter != "device.hostname:'WS-5'" {
		t.Fatalf("after a worse behaviour arrived, + filters %+v", out)
	}
}
