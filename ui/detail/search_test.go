package detail

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

var alertFields = model.Fields{ID: "composite_id", Product: "product", Status: "status", Severity: "severity",
	Hostname: "device.hostname", AssigneeUID: "assigned_to_uid", CmdLine: "cmdline", SHA256: "sha256",
	TechniqueID: "technique_id", Tactic: "tactic", FileName: "filename"}

const sha = "8d678cd0b81599b421055884862306623ab454ee2b70bed74f6e1fe551b4f08e"

// endpointAlert is an Alerts endpoint alert as the fake serves it.
func endpointAlert(cmd string) model.Detection {
	return model.Detection{ID: "cid:ind:1", Product: "epp", Status: model.StatusNew, MaxSeverity: 70, MaxConfidence: 80,
		Created: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Updated: time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC),
		FirstBehavior: time.Date(2026, 12, 1, 8, 59, 0, 0, time.UTC), LastBehavior: time.Date(2026, 12, 1, 8, 59, 0, 0, time.UTC),
		AggregateID: "aggind:1", Tags: []string{"triage"},
		Device: model.Device{ID: "dev1", Hostname: "WS-FIN-07", Platform: "Windows", OSVersion: "Windows 10", LocalIP: "10.0.0.7",
			ExternalIP: "203.0.113.7", SiteName: "Paris", OU: []string{"Finance", "Workstations"}, AgentVersion: "7.10"},
		Behaviors: []model.Behavior{{ID: "b1", Severity: 70, Confidence: 80, Tactic: "Credential Access", TacticID: "TA0006",
			Technique: "OS Credential Dumping", TechniqueID: "T1003", DisplayName: "CredentialDumping",
			Description: "A process associated with OS Credential Dumping was observed on this host.",
			FileName:    "procdump64.exe", FilePath: `\Device\HarddiskVolume3\Users\alice\AppData\Local\Temp\procdump64.exe`,
			CmdLine: cmd, SHA256: sha, MD5: "0cc175b9c0f1b6a831c399e269772661", UserName: `CORP\alice`,
			ParentCmdLine: `C:\Windows\system32\cmd.exe /c run.bat`}},
	}
}

func paneOn(t *testing.T, d model.Detection, f model.Fields) *Pane {
	t.Helper()
	store := rows.New(1<<20, time.Now)
	store.Put(d)
	p := New(d.ID, keymap.Default(), 24)
	p.Follow(store, f, time.UTC)
	return p
}

func screenOf(p *Pane, w, h int) string {
	st := screen.NewStyles(true)
	return ansi.Strip(strings.Join(p.View(w, h, &st), "\n"))
}

// The first screen at 80×24 (20 lines of detail) holds what a decision
// needs: technique, tactic, command line, file, hashes whole, user, host;
// the ids and times come after.
func TestTheFirstScreenHoldsWhatADecisionNeeds(t *testing.T) {
	p := paneOn(t, endpointAlert(`procdump64.exe -accepteula -ma lsass.exe C:\Users\alice\AppData\Local\Temp\l.dmp`), alertFields)
	sc := screenOf(p, 80, 20)
	for _, want := range []string{"OS Credential Dumping (T1003)", "Credential Access (TA0006)", "procdump64.exe -accepteula",
		"procdump64.exe", sha, "0cc175b9c0f1b6a831c399e269772661", `CORP\alice`, "WS-FIN-07", "Status", "New"} {
		if !strings.Contains(sc, want) {
			t.Errorf("the first screen lacks %q:\n%s", want, sc)
		}
	}
	for _, later := range []string{"cid:ind:1", "2026-12-01", "Paris"} {
		if strings.Contains(sc, later) {
			t.Errorf("%q is on the first screen, before what the decision needs:\n%s", later, sc)
		}
	}
	if !p.Seek("Id", 0) || !strings.Contains(screenOf(p, 80, 20), "cid:ind:1") {
		t.Fatal("the id is not further down")
	}
}

// An identity alert opens on its account context where an endpoint alert
// has its file and hashes.
func TestAnIdentityAlertOpensOnTheAccount(t *testing.T) {
	d := model.Detection{ID: "cid:idp:1", Product: "idp", Status: model.StatusNew, MaxSeverity: 50,
		Identity: model.Identity{AccountName: "svc-backup", AccountUPN: "svc-backup@corp.example", SourceHost: "DC-02",
			SourceIP: "10.1.2.3", TargetAccount: "Administrator"},
		Behaviors: []model.Behavior{{Severity: 50, Tactic: "Credential Access", TacticID: "TA0006",
			Technique: "Brute Force", TechniqueID: "T1110", Description: "Many failed logons."}}}
	p := paneOn(t, d, alertFields)
	lines := strings.Split(screenOf(p, 80, 20), "\n")
	at := func(s string) int {
		for i, l := range lines {
			if strings.Contains(l, s) {
				return i
			}
		}
		t.Fatalf("%q is not on the first screen:\n%s", s, strings.Join(lines, "\n"))
		return -1
	}
	if !(at("Brute Force") < at("svc-backup@corp.example") && at("Administrator") < at("Severity") && at("DC-02") < at("Status")) {
		t.Fatalf("the account context is not first:\n%s", strings.Join(lines, "\n"))
	}
}

func press(p *Pane, k string) Out {
	var msg tea.KeyPressMsg
	switch k {
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	default:
		msg = key(k)
	}
	out, _ := p.Update(msg)
	return out
}

// / n N: the matches counted and gone to in turn, round the end, each in
// reverse video; "not found" when there is none.
func TestSearchGoesFromMatchToMatch(t *testing.T) {
	d := endpointAlert(`powershell.exe -nop -enc SQBFAFgA`)
	d.Behaviors[0].ParentCmdLine = "powershell.exe -File run.ps1"
	d.Behaviors[0].Description = "PowerShell ran an encoded command."
	p := paneOn(t, d, alertFields)
	if out := press(p, "/"); !out.Search {
		t.Fatalf("/ in the detail does not ask for the search line: %+v", out)
	}
	p.Find("powershell")
	// The command line twice (the decision, the tree's process), the
	// description, the parent's in the tree.
	if got := p.SearchStatus(); got != "/powershell 1 of 4" {
		t.Fatalf("after the search the footer says %q", got)
	}
	st := screen.NewStyles(true)
	raw := strings.Join(p.View(80, 20, &st), "\n")
	if !strings.Contains(raw, "\x1b[7mPowerShell") {
		t.Fatalf("a match off the cursor is not in reverse video:\n%q", raw)
	}
	if p.entries[p.cursor].label != "Command line" {
		t.Fatalf("the cursor is on %q, not the first match", p.entries[p.cursor].label)
	}
	press(p, "n")
	press(p, "n")
	if got := p.SearchStatus(); got != "/powershell 3 of 4" || p.entries[p.cursor].label != "  │ command" {
		t.Fatalf("n n: %q on %q", got, p.entries[p.cursor].label)
	}
	if !strings.Contains(screenOf(p, 80, 20), "-File run.ps1") {
		t.Fatalf("the view did not scroll to the match:\n%s", screenOf(p, 80, 20))
	}
	press(p, "n")
	press(p, "n")
	if got := p.SearchStatus(); got != "/powershell 1 of 4" {
		t.Fatalf("n past the last match: %q", got)
	}
	press(p, "N")
	if got := p.SearchStatus(); got != "/powershell 4 of 4" {
		t.Fatalf("N before the first match: %q", got)
	}
	p.Find("PowerShell")
	if got := p.SearchStatus(); got != "/PowerShell 1 of 1" {
		t.Fatalf("a capital makes the search match case: %q", got)
	}
	p.Find("mimikatz")
	if got := p.SearchStatus(); got != "/mimikatz not found" {
		t.Fatalf("no match: %q", got)
	}
	if out := press(p, "n"); !strings.Contains(out.Say, "not found") {
		t.Fatalf("n with no match says %q", out.Say)
	}
}

// A value of more than five lines is folded under a line saying how many
// more; enter unfolds and folds it; + still offers the whole value; a
// match in the folded part unfolds it and comes into view.
func TestALongValueIsFolded(t *testing.T) {
	cmd := "cmd.exe /c " + strings.Repeat("echo aaaaaaaaaaaaaaaaaaaaaaa & ", 160) + "whoami /all"
	p := paneOn(t, endpointAlert(cmd), alertFields)
	sc := screenOf(p, 80, 20)
	total := len(wrap([]rune(cmd), valueWidth(80)))
	fold := "… " + strconv.Itoa(total-foldShown) + " more lines, enter unfolds"
	if !strings.Contains(sc, fold) || !strings.Contains(sc, sha) || strings.Contains(sc, "whoami") {
		t.Fatalf("the command line of %d lines is not folded to %d and %q:\n%s", total, foldShown, fold, sc)
	}
	p.Seek("Command line", 0)
	press(p, "enter")
	if sc := screenOf(p, 80, 20); strings.Contains(sc, "more lines") || strings.Contains(sc, sha) {
		t.Fatalf("enter did not unfold it:\n%s", sc)
	}
	for i := 0; i < total; i++ {
		press(p, "j") // through the tall value, line by line
	}
	if sc := screenOf(p, 80, 20); !strings.Contains(sc, "whoami /all") {
		t.Fatalf("j does not scroll through an unfolded value:\n%s", sc)
	}
	p.Seek("Command line", 0)
	press(p, "enter")
	if sc := screenOf(p, 80, 20); !strings.Contains(sc, fold) {
		t.Fatalf("enter again did not fold it:\n%s", sc)
	}
	if out := press(p, "+"); out.Pattern != model.Wildcard("cmdline", "*"+cmd+"*") {
		t.Fatalf("+ on the folded value does not take all of it: %q", out.Pattern)
	}
	p.Find("whoami")
	if sc := screenOf(p, 80, 20); !strings.Contains(sc, "whoami /all") {
		t.Fatalf("a match in the folded part is not shown:\n%s", sc)
	}
	p.Seek("SHA256", 0)
	if out := press(p, "enter"); !strings.Contains(out.Say, "shown whole") {
		t.Fatalf("enter on a short value says %q", out.Say)
	}
}

// A line is cut at every match in it, and only there: the highlighting
// starts and ends where the text found does, over a wrap too.
func TestRunsCutALineAtItsMatches(t *testing.T) {
	p := paneOn(t, endpointAlert("run.exe abc xabcx abc"), alertFields)
	p.Find("abc")
	i := 0
	for p.entries[i].label != "Command line" {
		i++
	}
	got := p.runs(i, 4, 15) // "exe abc xab": the second match cut where the line ends
	want := []run{{4, 8, false}, {8, 11, true}, {11, 13, false}, {13, 15, true}}
	if len(got) != len(want) {
		t.Fatalf("runs %v, want %v", got, want)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Fatalf("runs %v, want %v", got, want)
		}
	}
}

// A search carried to the next row (J, K) goes to its first match there:
// the footer says "/text 1 of M", as after any search.
func TestACarriedSearchGoesToItsFirstMatch(t *testing.T) {
	store := rows.New(1<<20, time.Now)
	store.Put(model.Detection{ID: "ldt:9", Status: model.StatusNew, Device: model.Device{Hostname: "WS-9"},
		Behaviors: []model.Behavior{{CmdLine: "process.exe --process", Severity: 50}}})
	p := New("ldt:9", keymap.Default(), 40)
	p.SetQuery("process")
	p.Follow(store, fields, time.UTC)
	// Twice in the command line, shown in the decision and in the tree.
	if got := p.SearchStatus(); got != "/process 1 of 4" {
		t.Fatalf("the footer after J says %q", got)
	}
	press(p, "n")
	if got := p.SearchStatus(); got != "/process 2 of 4" {
		t.Fatalf("n after J: the footer says %q", got)
	}
}

// A search starts where the analyst is, as less does: with the cursor past
// the first match, / goes to the next one below it, and n wraps round to
// the first.
func TestSearchStartsFromTheCursor(t *testing.T) {
	d := endpointAlert(`powershell.exe -nop -enc SQBFAFgA`)
	d.Behaviors[0].ParentCmdLine = "powershell.exe -File run.ps1"
	p := paneOn(t, d, alertFields)
	p.Find("powershell")
	first := p.entries[p.cursor].label
	for p.entries[p.cursor].label == first {
		press(p, "j")
	}
	below := p.cursor
	p.Find("powershell")
	if got := p.SearchStatus(); got == "/powershell 1 of 3" || !strings.HasSuffix(got, " of 3") {
		t.Fatalf("a search from below the first match went to %q (%q): want the match after the cursor", got, p.entries[p.cursor].label)
	}
	if p.cursor < below || p.entries[p.cursor].label != "  │ command" {
		t.Fatalf("the search went up to %q, above the cursor", p.entries[p.cursor].label)
	}
	press(p, "n")
	press(p, "n")
	if got := p.SearchStatus(); got != "/powershell 1 of 3" || p.entries[p.cursor].label != first {
		t.Fatalf("n after the last match: %q on %q, want the first again", got, p.entries[p.cursor].label)
	}
}
