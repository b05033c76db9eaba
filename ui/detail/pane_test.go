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

// + on a value no clause matches exactly offers a pattern to edit; - on it
// says it cannot be filtered on; y copies from the behaviour under the
// cursor.
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
	if out, _ := p.Update(key("-")); out.Filter != "" || !strings.Contains(out.Say, "cannot be filtered") {
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
