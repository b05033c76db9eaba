package list

import (
	"context"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// alertsStub is an Alerts tenant whose rows are the detections given, in
// order.
type alertsStub struct {
	*stub
	rows map[string]model.Detection
}

func newAlertsStub(ds ...model.Detection) *alertsStub {
	s := &alertsStub{stub: &stub{match: map[string]func(string) bool{}}, rows: map[string]model.Detection{}}
	for _, d := range ds {
		s.ids = append(s.ids, d.ID)
		s.rows[d.ID] = d
	}
	return s
}

func (s *alertsStub) Name() string { return "alerts" }
func (s *alertsStub) Fields() model.Fields {
	return model.Fields{Time: "timestamp", Product: "product", SortFields: []string{"timestamp"}}
}

func (s *alertsStub) Details(_ context.Context, ids []string) ([]model.Detection, map[string]string, error) {
	var out []model.Detection
	for _, id := range ids {
		out = append(out, s.rows[id])
	}
	return out, nil, nil
}

// settle runs cmd and every command its answers bring, details included.
func settle(l *List, cmd tea.Cmd) {
	for _, msg := range run(cmd) {
		_, next, _ := l.Update(msg)
		settle(l, next)
	}
}

// shown draws the list at width and returns its lines without styling.
func shown(t *testing.T, l *List, width int, st *screen.Styles) (header string, rows []string, raw []string) {
	t.Helper()
	l.Fit(width, 20)
	_, cmd := l.Ensure()
	settle(l, cmd)
	raw = l.View(width, 21, st, func(string) string { return "" })
	for _, line := range raw {
		rows = append(rows, ansi.Strip(line))
	}
	return rows[0], rows[1:], raw[1:]
}

func loadedAlerts(t *testing.T, ds ...model.Detection) *List {
	t.Helper()
	l := newList(newAlertsStub(ds...).stub, 50)
	b := newAlertsStub(ds...)
	l.Connected(b, nil)
	settle(l, l.Begin())
	return l
}

// from is row from the column the header's title starts at (in cells:
// every row here is one cell a character).
func from(header, row, title string) string {
	i := len([]rune(header[:strings.Index(header, title)]))
	return string([]rune(row)[i:])
}

// At 80 columns, each host and account cell shows what tells its row
// apart: a host's first label whole and then whole parts of its domain
// (never a domain's tail such as …ample), a person's account its head, a
// fleet's numbered hosts their head and their number.
func TestHostsSharingAPrefixShowWhatDiffers(t *testing.T) {
	var ds []model.Detection
	hosts := []string{"STRICT-HOST-FLEET-EU-0017", "STRICT-HOST-FLEET-EU-0342", "STRICT-HOST-FLEET-EU-9051",
		"web-74.prod.corp.example", "db-07.prod.corp.example", "api-43.prod.corp.example", "bastion-74.prod.corp.example"}
	for _, h := range hosts {
		ds = append(ds, model.Detection{ID: "a:" + h, ShowInUI: true, MaxSeverity: 50, Product: "epp", Device: model.Device{Hostname: h}})
	}
	for _, a := range []string{"alice.martin", "emeka.okafor"} {
		ds = append(ds, model.Detection{ID: "a:" + a, ShowInUI: true, MaxSeverity: 50, Product: "idp", Identity: model.Identity{AccountName: a}})
	}
	l := loadedAlerts(t, ds...)
	st := screen.NewStyles(true)
	header, rows, _ := shown(t, l, 80, &st)
	for i, want := range []string{"STRICT…-0017", "STRICT…-0342", "STRICT…-9051",
		"web-74.prod…", "db-07.prod…", "api-43.prod…", "bastion-74…", "@alice.mart…", "@emeka.okaf…"} {
		cell := strings.Fields(from(header, rows[i], hostAccountShort))[0]
		if cell != want {
			t.Errorf("row %d shows %q as %q, want %q:\n%s\n%s", i, ds[i].ID[2:], cell, want, header, rows[i])
		}
	}
}

// On Alerts the host column also shows, for an identity alert (no
// device), whose account it is, marked @ so it reads without colour; a
// host name written with a leading @ cannot pass for one.
func TestIdentityRowsShowTheirAccount(t *testing.T) {
	l := loadedAlerts(t,
		model.Detection{ID: "a:1", ShowInUI: true, MaxSeverity: 50, Product: "idp",
			Identity: model.Identity{AccountName: "svc-backup", AccountUPN: "svc-backup@corp.example", SourceHost: "WS-0042", TargetAccount: "dc-admin"}},
		model.Detection{ID: "a:2", ShowInUI: true, MaxSeverity: 50, Product: "idp", Identity: model.Identity{AccountUPN: "alice@corp.example"}},
		model.Detection{ID: "a:3", ShowInUI: true, MaxSeverity: 50, Product: "epp", Device: model.Device{Hostname: "@svc-backup"}},
		model.Detection{ID: "a:4", ShowInUI: true, MaxSeverity: 50, Product: "idp", Identity: model.Identity{SourceHost: "WS-0099"}},
		model.Detection{ID: "a:5", ShowInUI: true, MaxSeverity: 50, Product: "idp", Identity: model.Identity{SourceHost: "@admin"}},
		model.Detection{ID: "a:6", ShowInUI: true, MaxSeverity: 50, Product: "mobile"},
	)
	st := screen.NewStyles(true)
	header, rows, _ := shown(t, l, 80, &st)
	if !strings.Contains(header, hostAccountShort) {
		t.Fatalf("the column does not say it holds accounts: %q", header)
	}
	for i, want := range []string{"@svc-backup ", "@alice@corp… ", "<U+0040>svc… ", "WS-0099 ", "<U+0040>adm", "— "} {
		if got := from(header, rows[i], hostAccountShort); !strings.HasPrefix(got, want) {
			t.Errorf("row %d: %q, want it to start %q", i, got, want)
		}
	}
	header, _, _ = shown(t, l, 160, &st)
	if !strings.Contains(header, hostAccountLong) {
		t.Errorf("a wide column says %q, not %q", header, hostAccountLong)
	}
}

// The cursor is a bar across the whole row, reverse video without colour
// and a background with colour, and keeps its ▶.
func TestTheCursorIsABarAcrossTheWholeRow(t *testing.T) {
	l := loadedAlerts(t,
		model.Detection{ID: "a:1", ShowInUI: true, MaxSeverity: 90, Product: "epp", Device: model.Device{Hostname: "WS-1"}},
		model.Detection{ID: "a:2", ShowInUI: true, MaxSeverity: 50, Product: "epp", Device: model.Device{Hostname: "WS-2"}})
	sgr := regexp.MustCompile(`\x1b\[[0-9;:]*m`)
	for _, colour := range []bool{false, true} {
		st := screen.NewStyles(true).WithColour(colour)
		for _, width := range []int{80, 200} {
			_, rows, raw := shown(t, l, width, &st)
			on := st.Cursor.Render("x")
			open := on[:strings.Index(on, "x")]
			if !strings.HasPrefix(raw[0], open) || len(sgr.FindAllString(raw[0], -1)) != 2 || screen.Width(rows[0]) != width ||
				!strings.HasPrefix(rows[0], "▶") {
				t.Errorf("colour %v, %d columns: the cursor row is not one bar across the row: %q", colour, width, raw[0])
			}
			if strings.Contains(raw[1], open) {
				t.Errorf("colour %v: the row under the cursor has the bar: %q", colour, raw[1])
			}
		}
	}
}
