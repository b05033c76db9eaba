package detail

import (
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

const hostile = "evil\x1b]8;;http://x.test\x07click\x1b]8;;\x07\x1b[2J\u009b31m"

// treeAlert is an endpoint alert with a parent and a grandparent, each
// string of each node hostile.
func treeAlert() model.Detection {
	d := endpointAlert(`procdump64.exe -ma lsass.exe ` + hostile)
	at := time.Date(2026, 12, 1, 8, 58, 0, 0, time.UTC)
	d.Behaviors[0].FileName = "procdump64.exe" + hostile
	d.Behaviors[0].Parent = &model.Process{FileName: "cmd.exe", FilePath: `C:\Windows\System32\cmd.exe`,
		CmdLine: `cmd.exe /c run.bat ` + hostile, UserName: `CORP\alice` + hostile, SHA256: sha, MD5: "0cc175b9c0f1b6a831c399e269772661", Time: at}
	d.Behaviors[0].Grandparent = &model.Process{FileName: "explorer.exe" + hostile, CmdLine: `C:\Windows\explorer.exe ` + hostile,
		UserName: `CORP\alice`, SHA256: strings.Repeat("ab", 32), Time: at}
	return d
}

func seekTree(t *testing.T, p *Pane, label string) {
	t.Helper()
	if !p.Seek(label, 0) {
		t.Fatalf("no %q in the detail", label)
	}
}

// The tree reads grandparent → parent → process, top to bottom, each
// named in words, with no control byte of the service's on screen.
func TestTheProcessTreeReadsGrandparentParentProcess(t *testing.T) {
	p := paneOn(t, treeAlert(), alertFields)
	seekTree(t, p, "grandparent")
	sc := screenOf(p, 80, 200)
	g, pa, pr := strings.Index(sc, "grandparent  "), strings.Index(sc, "└ parent"), strings.Index(sc, "└ process")
	if g < 0 || pa < 0 || pr < 0 || !(g < pa && pa < pr) {
		t.Fatalf("the tree is not grandparent → parent → process (%d %d %d):\n%s", g, pa, pr, sc)
	}
	if !strings.Contains(sc[g:], "explorer.exe") || !strings.Contains(sc[pa:], `cmd.exe /c run.bat`) {
		t.Fatalf("the nodes do not carry their file and command line:\n%s", sc)
	}
	st := screen.NewStyles(true)
	raw := strings.Join(p.View(80, 200, &st), "\n")
	for _, bad := range []string{"\x1b]", "\x07", "\x1b[2J", "\u009b"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("a service string reached the screen with %q", bad)
		}
	}
	for _, l := range strings.Split(sc, "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Fatalf("a tree line is %d wide: %q", w, l)
		}
	}
}

// + on the parent's file name filters on parent_details.filename, - leaves
// it out; + on the grandparent's command line offers a pattern.
func TestPlusOnATreeNodeFiltersOnTheAPIsField(t *testing.T) {
	p := paneOn(t, treeAlert(), alertFields)
	seekTree(t, p, "└ parent")
	if out := press(p, "+"); out.Filter != `parent_details.filename:'cmd.exe'` {
		t.Fatalf("+ on the parent's file name: %+v", out)
	}
	if out := press(p, "-"); out.Filter != `parent_details.filename:!'cmd.exe'` {
		t.Fatalf("- on the parent's file name: %+v", out)
	}
	seekTree(t, p, "│ command")
	if out := press(p, "+"); !strings.HasPrefix(out.Pattern, `grandparent_details.cmdline:*'*C:\\Windows\\explorer.exe`) {
		t.Fatalf("+ on the grandparent's command line: %+v", out)
	}
	seekTree(t, p, "  │ user")
	if out := press(p, "+"); !strings.HasPrefix(out.Filter, `parent_details.user_name:'CORP\\alice`) {
		t.Fatalf("+ on the parent's user: %+v", out)
	}
}

// Where the service carries no grandparent the tree says so, and a Detects
// behaviour's parent filters on the behaviour's parent fields.
func TestNoGrandparentIsSaidAndDetectsFilterOnBehaviourFields(t *testing.T) {
	d := model.Detection{ID: "ldt:1", Status: model.StatusNew, Device: model.Device{Hostname: "WS-1"},
		Behaviors: []model.Behavior{{CmdLine: "x.exe", FileName: "x.exe", Severity: 50,
			ParentCmdLine: `C:\Windows\cmd.exe /c x`, ParentSHA256: sha}}}
	p := paneOn(t, d, fields)
	seekTree(t, p, "grandparent")
	if got := p.entries[p.cursor].value; got != "no grandparent: the service names none" {
		t.Fatalf("no grandparent reads %q", got)
	}
	seekTree(t, p, "  │ SHA256")
	if out := press(p, "+"); out.Filter != `behaviors.parent_details.parent_sha256:'`+sha+`'` {
		t.Fatalf("+ on a Detects parent's hash: %+v", out)
	}
	seekTree(t, p, "  │ command")
	if out := press(p, "+"); !strings.HasPrefix(out.Pattern, `behaviors.parent_details.parent_cmdline:*`) {
		t.Fatalf("+ on a Detects parent's command line: %+v", out)
	}
}

// An identity alert has no process, and no tree.
func TestAnIdentityAlertHasNoTree(t *testing.T) {
	d := model.Detection{ID: "cid:idp:1", Product: "idp", Status: model.StatusNew,
		Identity: model.Identity{AccountName: "svc-backup"}, Behaviors: []model.Behavior{{Severity: 50, Technique: "Brute Force"}}}
	p := paneOn(t, d, alertFields)
	if p.Seek("grandparent", 0) || strings.Contains(screenOf(p, 80, 200), "Process tree") {
		t.Fatalf("an identity alert has a process tree:\n%s", screenOf(p, 80, 200))
	}
}
