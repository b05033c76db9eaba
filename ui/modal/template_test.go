package modal

import (
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// A template is filled from the rows: a value they share is itself,
// values that differ are counted, an empty one says so, rows not read yet
// make it "the hosts of N alerts"; a service value reaches the box
// sanitised.
func TestTemplatesFillFromTheRows(t *testing.T) {
	rows := map[string]*model.Detection{
		"a": {ID: "a", MaxSeverity: 90, Device: model.Device{Hostname: "WS-1"}, Behaviors: []model.Behavior{{Technique: "Phishing", TechniqueID: "T1566", Severity: 90}}},
		"b": {ID: "b", MaxSeverity: 95, Device: model.Device{Hostname: "WS-2"}, Behaviors: []model.Behavior{{Technique: "Phishing", TechniqueID: "T1566", Severity: 95}}},
		"c": {ID: "c", MaxSeverity: 20, Device: model.Device{Hostname: "WS-\x1b]52;evil\x07"}},
	}
	s := newStack(nil)
	s.Peek = func(id string) (*model.Detection, bool) { d, ok := rows[id]; return d, ok }
	text := "{technique} on {host}, {severity}, user {user}, {count}, by {me}, {id}"
	for _, c := range []struct {
		targets []string
		want    string
	}{
		{[]string{"a"}, "Phishing (T1566) on WS-1, Critical, user (no user), 1 alert, by Alice Martin, a"},
		{[]string{"a", "b"}, "Phishing (T1566) on 2 hosts, Critical, user (no user), 2 alerts, by Alice Martin, 2 alerts"},
		{[]string{"a", "b", "gone"}, "the techniques of 3 alerts on the hosts of 3 alerts, the severities of 3 alerts, user the users of 3 alerts, 3 alerts, by Alice Martin, 3 alerts"},
	} {
		if got := s.fill(text, c.targets); got != c.want {
			t.Errorf("%v:\n got %q\nwant %q", c.targets, got, c.want)
		}
	}
	if got := s.fill("{host}", []string{"c"}); strings.ContainsAny(got, "\x1b\x07") {
		t.Errorf("a hostile host name reached the comment: %q", got)
	}
	if err := TemplateError("on {hots}"); err == nil || !strings.Contains(err.Error(), "{host}") {
		t.Errorf("an unknown placeholder: %v", err)
	}
}
