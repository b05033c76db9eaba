package detail

import (
	"strings"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/rows"
)

// The host section shows the Hosts API's host once given, sanitised; a
// view for another host is not shown; an identity alert has the account's
// section instead.
func TestTheHostSection(t *testing.T) {
	store := rows.New(1<<20, time.Now)
	store.Put(model.Detection{ID: "a:1", Device: model.Device{ID: "aid1", Hostname: "WS-1", AgentVersion: "7.0 (alert)"}})
	p := New("a:1", keymap.Default(), 60)
	p.Follow(store, fields, time.UTC)
	p.SetHost(HostView{AID: "aid1", Note: "reading the host…"})
	p.Follow(store, fields, time.UTC)
	if s := text(p); !strings.Contains(s, "reading the host") || !strings.Contains(s, "7.0 (alert)") {
		t.Fatalf("before the read: what the alert carries and that it is read:\n%s", s)
	}
	p.SetHost(HostView{AID: "other", Host: &model.Host{ID: "other", AgentVersion: "9.9 other"}})
	p.Follow(store, fields, time.UTC)
	if s := text(p); strings.Contains(s, "9.9 other") {
		t.Fatalf("another host's view is shown:\n%s", s)
	}
	h := &model.Host{ID: "aid1", Status: model.HostContainmentPending, Platform: "Windows", OSVersion: "Windows 11", OSBuild: "26100",
		AgentVersion: "7.16\x1b[31m", SiteName: "Lisbon\u202e", Tags: []string{"FalconGroupingTags/vip"}, Groups: []string{"g1"}}
	p.SetHost(HostView{AID: "aid1", Host: h, Count: 7, Counted: true, Follow: "following until contained"})
	p.Follow(store, fields, time.UTC)
	s := text(p)
	for _, want := range []string{"containment pending · following until contained", "Windows · Windows 11 26100", "7 on this host",
		"FalconGroupingTags/vip", "g1"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the section lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "\x1b[31m") || strings.Contains(s, "\u202e") {
		t.Fatalf("a hostile string reached the pane:\n%q", s)
	}
	store.Put(model.Detection{ID: "i:1", Identity: model.Identity{AccountName: "bob"}, Domain: "CORP"})
	q := New("i:1", keymap.Default(), 60)
	q.Follow(store, fields, time.UTC)
	if s := text(q); !strings.Contains(s, "── Account") || !strings.Contains(s, "names no host") {
		t.Fatalf("an identity alert's section:\n%s", s)
	}
}
