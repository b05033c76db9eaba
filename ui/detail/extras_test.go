package detail

import (
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

func paneWith(t *testing.T, d model.Detection, x Extras) *Pane {
	t.Helper()
	store := rows.New(1<<20, time.Now)
	store.Put(d)
	p := New(d.ID, keymap.Default(), 24)
	p.SetExtras(x)
	f := alertFields
	f.AggregateID = "aggregate_id"
	p.Follow(store, f, time.UTC)
	return p
}

// The console link is one OSC 8 hyperlink on the Console line, whole
// through the frame guard; without a known console host the line says why.
func TestTheConsoleLinkIsOneHyperlink(t *testing.T) {
	p := paneWith(t, endpointAlert("x.exe"), Extras{Link: "https://falcon.us-2.crowdstrike.com/unified-detections/cid:ind:1"})
	st := screen.NewStyles(true)
	frame := screen.GuardFrame(strings.Join(p.View(80, 200, &st), "\n"))
	if n := strings.Count(frame, "\x1b]8;id="); n != 1 {
		t.Fatalf("%d hyperlinks open in the detail, want one:\n%q", n, frame)
	}
	if n := strings.Count(frame, "\x1b]8;;\x1b\\"); n != 1 {
		t.Fatalf("%d hyperlinks closed, want one", n)
	}
	i := strings.Index(frame, ";https://falcon.us-2.crowdstrike.com/unified-detections/cid:ind:1\x1b\\")
	if i < 0 || !strings.Contains(frame[i:], "open in Falcon") {
		t.Fatalf("the link does not carry its URL and text:\n%q", frame)
	}

	p = paneWith(t, endpointAlert("x.exe"), Extras{NoLink: "no link: the API's base URL is no known Falcon cloud"})
	frame = strings.Join(p.View(80, 200, &st), "\n")
	if strings.Contains(frame, "\x1b]8;") || !strings.Contains(screenOf(p, 80, 200), "no link: the API's base URL") {
		t.Fatalf("an unknown console host: a link, or no reason:\n%s", screenOf(p, 80, 200))
	}
}

// The incident's count shows once known; + on it lists the incident.
func TestTheIncidentCountShows(t *testing.T) {
	p := paneWith(t, endpointAlert("x.exe"), Extras{Incident: IncidentCount{N: 4, Counted: true}})
	if !strings.Contains(screenOf(p, 80, 200), "In incident    4 alerts") {
		t.Fatalf("no count:\n%s", screenOf(p, 80, 200))
	}
	if !p.Seek("In incident", 0) {
		t.Fatal("no incident line")
	}
	if out := press(p, "+"); out.Filter != "aggregate_id:'aggind:1'" {
		t.Fatalf("+ on the incident: %+v", out)
	}
}
