package overview

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// stub answers the overview's aggregate call with what the test queues.
type stub struct {
	model.Backend
	answers [][]model.Aggregation
}

func (s *stub) Fields() model.Fields {
	return model.Fields{Status: "status", Severity: "max_severity", Hostname: "device.hostname", Created: "created_timestamp",
		AssigneeUID: "assigned_to_uid", Tactic: "behaviors.tactic", Technique: "behaviors.technique", Scenario: "behaviors.scenario"}
}

func (s *stub) Aggregate(context.Context, []model.AggregateRequest) ([]model.Aggregation, error) {
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a, nil
}

func newOverview(answers ...[]model.Aggregation) *Overview {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	return New(Deps{Backend: &stub{answers: answers}, Keys: keymap.Default(), Names: func(string) (string, bool) { return "", false },
		Location: time.UTC, Now: func() time.Time { return now }, Ctx: context.Background()}, true)
}

func hosts(names ...string) []model.Aggregation {
	var bs []model.Bucket
	for i, n := range names {
		bs = append(bs, model.Bucket{Label: n, Count: int64(10 - i)})
	}
	return []model.Aggregation{{Name: aggStatus, Buckets: []model.Bucket{{Label: "new", Count: 3}}}, {Name: aggHosts, Buckets: bs}}
}

func press(o *Overview, keys ...string) Out {
	var out Out
	for _, k := range keys {
		out, _ = o.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
	}
	return out
}

// The cursor is on a bucket, not a place: a refresh that re-ranks the hosts
// leaves enter on the host the analyst chose.
func TestTheCursorStaysOnItsHostWhenTheRankingChanges(t *testing.T) {
	o := newOverview(hosts("db-34", "WS-5619", "LT-1"), hosts("WS-5619", "db-34", "LT-1"))
	o.Update(o.Load("show_in_ui:true", "")())
	press(o, "l", "l", "j") // status › severity › top hosts, the second
	if panel, label := o.Selected(); panel != "Top hosts" || label != "WS-5619" {
		t.Fatalf("the cursor is on %s / %s", panel, label)
	}
	_, cmd := o.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	o.Update(cmd()) // another analyst's rows moved: the two hosts swap
	if _, label := o.Selected(); label != "WS-5619" {
		t.Fatalf("after the refresh the cursor is on %s, the analyst chose WS-5619", label)
	}
	if out, _ := o.Update(tea.KeyPressMsg{Code: tea.KeyEnter}); out.Drill != "device.hostname:'WS-5619'" {
		t.Fatalf("enter drilled into %q", out.Drill)
	}
}

// An answer to an older request (another filter) lands nowhere.
func TestAnOlderAnswerIsDropped(t *testing.T) {
	o := newOverview(hosts("old"), hosts("new"))
	older := o.Load("status:'new'", "")
	newer := o.Load("status:'closed'", "")
	o.Update(newer())
	o.Update(older())
	if o.Filter() != "status:'closed'" {
		t.Fatalf("the overview shows the counts of %q", o.Filter())
	}
}

// A hostile answer's negative counts draw as nothing, not a crash.
func TestNegativeCountsDrawAsNothing(t *testing.T) {
	o := newOverview([]model.Aggregation{
		{Name: aggStatus, Buckets: []model.Bucket{{Label: "new", Count: -5}, {Label: "closed", Count: 3}}, SumOtherDocCount: -100},
		{Name: aggHosts, Buckets: []model.Bucket{{Label: "h", Count: -1, SubAggregates: []model.Aggregation{{Name: aggSeverity, Buckets: []model.Bucket{{Count: -9}}}}}}},
		{Name: aggHist, Buckets: []model.Bucket{{KeyAsString: "2026-11-20T00:00:00Z", Count: -3}}},
	})
	o.Update(o.Load("", "")())
	st := screen.NewStyles(true)
	if v := strings.Join(o.View(80, 20, &st), "\n"); !strings.Contains(v, "Status") {
		t.Fatalf("the overview did not draw:\n%s", v)
	}
}

// A host's severities read most severe first, short enough for 80 columns.
func TestSeverityBreakdownIsCompact(t *testing.T) {
	a := model.Aggregation{Buckets: []model.Bucket{{Count: 3}, {Count: 21}, {Count: 2}, {Count: 5}, {Count: 1}}}
	if got := severityBreakdown(a); got != "C1 H5 M2 L21 I3" {
		t.Fatalf("%q", got)
	}
}

// Top hosts cut a long name as the list does, keeping the part that tells
// hosts apart (the first label), never a domain's tail.
func TestTopHostsKeepWhatTellsThemApart(t *testing.T) {
	o := newOverview(hosts("STRICT-HOST-FLEET-EU-WEST-PRODUCTION-0042", "STRICT-HOST-FLEET-EU-WEST-PRODUCTION-0043"))
	o.Update(o.Load("", "")())
	st := screen.NewStyles(true)
	v := ansi.Strip(strings.Join(o.View(80, 40, &st), "\n"))
	if !strings.Contains(v, "0042") || !strings.Contains(v, "0043") {
		t.Fatalf("the hosts do not show what tells them apart:\n%s", v)
	}
}
