package model

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	alertsFields  = Fields{Status: "status", Severity: "severity", Filterable: AlertsFilterable, Renamed: DetectsToAlerts}
	detectsFields = Fields{Status: "status", Severity: "max_severity", Filterable: DetectsFilterable, Renamed: AlertsToDetects}
)

// TestExampleSpeaksTheBackend: the placeholder's example uses the
// backend's own names, and passes its own check.
func TestExampleSpeaksTheBackend(t *testing.T) {
	for _, c := range []struct {
		f    Fields
		want string
	}{{alertsFields, "status:'new'+severity:>=60"}, {detectsFields, "status:'new'+max_severity:>=60"}} {
		if got := c.f.Example(); got != c.want {
			t.Errorf("example %q, want %q", got, c.want)
		}
		if err := c.f.CheckFilter(c.f.Example()); err != nil {
			t.Errorf("%s: %v", c.want, err)
		}
	}
}

// TestCheckFilterRefusesUnknownFields names the field, where it is, and
// the nearest real ones; a Detects field on Alerts gets its Alerts name.
func TestCheckFilterRefusesUnknownFields(t *testing.T) {
	for _, c := range []struct {
		f       Fields
		filter  string
		field   string
		col     int
		nearest string
		words   string
	}{
		{alertsFields, "status:'new'+max_severity:>=60", "max_severity", 14, "severity", "this one calls it severity"},
		{alertsFields, "severty:>=60", "severty", 1, "severity", "the nearest: severity"},
		{alertsFields, "behaviors.tactic:'Execution'", "behaviors.tactic", 1, "tactic", "calls it tactic"},
		{alertsFields, "hostname:'web1'", "hostname", 1, "device.hostname", "device.hostname"},
		{detectsFields, "(status:'new',status:'reopened')+severity:>=60", "severity", 34, "max_severity", "calls it max_severity"},
		{detectsFields, "device.hostnam:'x'", "device.hostnam", 1, "device.hostname", "device.hostname"},
		{alertsFields, "status:'é'+severty:1", "severty", 12, "severity", "severity"},
		{alertsFields, "état:'x'", "état", 1, "", "no field état here"},
	} {
		err := c.f.CheckFilter(c.filter)
		var fe *FilterError
		if !errors.As(err, &fe) {
			t.Errorf("%s: %v, want a FilterError", c.filter, err)
			continue
		}
		if fe.Field != c.field || fe.Column() != c.col || c.nearest != "" && (len(fe.Nearest) == 0 || fe.Nearest[0] != c.nearest) ||
			!strings.Contains(err.Error(), c.words) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: field %q column %d nearest %v: %v", c.filter, fe.Field, fe.Column(), fe.Nearest, err)
		}
	}
}

// TestCheckFilterSaysWhereTheSyntaxFails: the message quotes the text as
// typed with a caret at the failing place and its column.
func TestCheckFilterSaysWhereTheSyntaxFails(t *testing.T) {
	for _, c := range []struct{ filter, want string }{
		{"status:'new'+severity:>=", "expected a value for severity at column 25: status:'new'+severity:>=‸"},
		{"status:'new", "this quote is never closed at column 8: status:‸'new"},
		{"status 'new'", "expected : after status at column 8: status ‸'new'"},
		{"(status:'new'", "expected ) to close the ( at column 14: (status:'new'‸"},
		{"status:['new' 'closed']", "expected , or ] in the list of values at column 15"},
		{"status:'new'+", "expected a field:value after this at column 14"},
		{"severity:'high'", "severity takes a number, not 'high' at column 10"},
		{"show_in_ui:yes", "show_in_ui takes true or false, not yes at column 12"},
		{"status:'new')", `unexpected ")" at column 13`},
		{"+status:'new'", `expected a field name, found '+' at column 1`},
	} {
		err := alertsFields.CheckFilter(c.filter)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.filter, err, c.want)
		}
	}
}

// TestCheckFilterTakesWhatTheServiceTakes: every form the FQL guides show
// passes, so nothing valid is refused.
func TestCheckFilterTakesWhatTheServiceTakes(t *testing.T) {
	for _, f := range []string{
		"", "  ", "status:'new'+severity:>=60", "status:['new','reopened']", "status:!['closed']",
		"assigned_to_name:!'*'", "assigned_to_uid:null", "device.hostname:*'web*'", "cmdline:~'powershell'",
		"status:'new'+(severity:>=60+severity:<80)", "product:'epp',product:'xdr'", "pattern_id:'301*'",
		"timestamp:>='now-24h'", `filepath:'C:\\Windows\\x'`, `name:'it\'s'`, "show_in_ui:true", "severity:>=60.5",
		"tags:'true_positive'", "parent_details.filename:'*explorer*'", "source_account_name:'bob'",
		"status: 'new' + severity: >= 60", `description:"quoted twice"`, "severity_name:!~'low'",
	} {
		if err := alertsFields.CheckFilter(f); err != nil {
			t.Errorf("%q refused: %v", f, err)
		}
	}
	for _, f := range []string{"behaviors.tactic:'Execution'+max_severity:>=60+last_behavior:>='now-1h'", "device.hostname:'x'+hostinfo.domain:'corp'"} {
		if err := detectsFields.CheckFilter(f); err != nil {
			t.Errorf("%q refused on Detects: %v", f, err)
		}
	}
}

// TestEveryFieldTheConsoleBuildsIsFilterable: the names the console puts
// into filters itself are in the tables, and each rename lands on a field
// of its table.
func TestEveryFieldTheConsoleBuildsIsFilterable(t *testing.T) {
	for name, c := range map[string]struct {
		t       FilterTable
		renamed map[string]string
		fields  []string
	}{
		"alerts": {AlertsFilterable, DetectsToAlerts, []string{"composite_id", "status", "severity", "timestamp", "created_timestamp",
			"updated_timestamp", "device.hostname", "device.platform_name", "assigned_to_uid", "assigned_to_name", "show_in_ui",
			"tactic", "technique", "technique_id", "scenario", "sha256", "filename", "cmdline", "aggregate_id", "tags", "product",
			"seconds_to_triaged", "seconds_to_resolved", "confidence", "source_endpoint_host_name"}},
		"detects": {DetectsFilterable, AlertsToDetects, []string{"detection_id", "status", "max_severity", "last_behavior",
			"first_behavior", "created_timestamp", "date_updated", "device.hostname", "device.platform_name", "assigned_to_uid",
			"assigned_to_name", "show_in_ui", "behaviors.tactic", "behaviors.technique", "behaviors.technique_id",
			"behaviors.scenario", "behaviors.sha256", "behaviors.filename", "behaviors.cmdline", "max_confidence",
			"seconds_to_triaged", "seconds_to_resolved"}},
	} {
		for _, f := range c.fields {
			if !c.t.Has(f) {
				t.Errorf("%s: %s missing", name, f)
			}
		}
		for from, to := range c.renamed {
			if !c.t.Has(to) || c.t.Has(from) {
				t.Errorf("%s: %s → %s", name, from, to)
			}
		}
	}
	if got := alertsFields.Nearest("max_severity"); !slices.Equal(got[:1], []string{"severity"}) {
		t.Errorf("nearest to max_severity on Alerts: %v", got)
	}
}

// TestBandsJoinNeighbours: a set of severity bands is one range per run
// of neighbours, and a quick filter on severity replaces it whole.
func TestBandsJoinNeighbours(t *testing.T) {
	b := SeverityBands // Informational, Low, Medium, High, Critical
	for _, c := range []struct {
		bands []SeverityBand
		want  string
	}{
		{[]SeverityBand{b[3], b[4]}, "severity:>=60"},
		{[]SeverityBand{b[3]}, "severity:>=60+severity:<=79"},
		{[]SeverityBand{b[0], b[1]}, "severity:<=39"},
		{[]SeverityBand{b[1], b[4]}, "(severity:>=20+severity:<=39),severity:>=80"},
		{[]SeverityBand{b[0], b[2], b[4]}, "severity:<=19,(severity:>=40+severity:<=59),severity:>=80"},
	} {
		got := Bands("severity", c.bands)
		if got != c.want {
			t.Errorf("%v: %q, want %q", c.bands, got, c.want)
		}
		if err := alertsFields.CheckFilter(got); err != nil {
			t.Errorf("%q: %v", got, err)
		}
		f := And("status:'new'", got)
		if r := Replace(f, "severity:>=80"); r != "status:'new'+severity:>=80" {
			t.Errorf("replacing %q: %q", f, r)
		}
	}
}

// TestEveryRefusalQuotesTheTextWithACaret: an unknown field is refused in
// the same form as a syntax error, what is wrong then where, with the
// text as typed and a caret at the field; the nearest names offered are
// those the README promises.
func TestEveryRefusalQuotesTheTextWithACaret(t *testing.T) {
	for _, c := range []struct {
		f            Fields
		filter, want string
	}{
		{alertsFields, "status:'new'+severty:>=60", "no field severty here (the nearest: severity, severity_name) at column 14: status:'new'+‸severty:>=60"},
		{alertsFields, "status:'new'+max_severity:>=60", "max_severity is the other API's name: this one calls it severity at column 14: status:'new'+‸max_severity:>=60"},
		{detectsFields, "severty:>=60", "no field severty here (the nearest: behaviors.severity, max_severity) at column 1: ‸severty:>=60"},
		{alertsFields, "hostname:'web1'", "no field hostname here (the nearest: device.hostname, source_endpoint_host_name, target_endpoint_host_name) at column 1: ‸hostname:'web1'"},
		{alertsFields, "état:'x'", "no field état here at column 1: ‸état:'x'"},
	} {
		if err := c.f.CheckFilter(c.filter); err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.filter, err, c.want)
		}
	}
}

// TestCheckFilterCountsTheClausesAsTheServiceDoes: every field named
// counts, under a + or a , alike, a list of values once, beside the
// clauses the console adds; the refusal points at the first clause too
// many.
func TestCheckFilterCountsTheClausesAsTheServiceDoes(t *testing.T) {
	field := func(i int) string {
		if i%2 == 0 {
			return "tactic:'T" + strconv.Itoa(i) + "'"
		}
		return "severity:>=" + strconv.Itoa(i)
	}
	clauses := func(n int) string {
		f := "status:['new','reopened']"
		for i := 2; i <= n; i++ {
			f += []string{"+", ","}[i%2] + field(i)
		}
		return f
	}
	added := Bool("show_in_ui", true)
	for _, c := range []struct {
		filter string
		added  []string
		want   string
	}{
		{clauses(19), []string{added}, ""},
		{clauses(20), nil, ""},
		{clauses(21), nil, "at most 20 clauses in one filter; this is clause 21 at column 275: …‸" + field(21)},
		{clauses(20), []string{added}, "at most 19 clauses of your own here: the console adds show_in_ui:true; this is clause 20 at column 262: …‸" + field(20)},
	} {
		err := alertsFields.CheckFilter(c.filter, c.added...)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want[:strings.Index(c.want, "…")]) || !strings.Contains(err.Error(), c.want[strings.Index(c.want, "…")+len("…"):])) {
			t.Errorf("%s with %v:\n got %v\nwant %s", c.filter, c.added, err, c.want)
		}
	}
}
