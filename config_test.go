package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigRefusesWhatItWouldIgnore holds every refusal to naming the
// file, the line and the key, in the config file's words, never Go's.
func TestConfigRefusesWhatItWouldIgnore(t *testing.T) {
	for _, c := range []struct {
		body string
		want []string
	}{
		{"cloud: eu-1\nclient_id: a\nmee: x\n", []string{`line 3: unknown key "mee" (known: client_id, client_secret, cloud`, "notify, views)"}},
		{"me:\n  name: A B\n  nam: x\n", []string{`line 3: me: unknown key "nam" (known: name, login, uuid)`}},
		{"team:\n  - name: A\n    logn: a\n", []string{`line 3: team: unknown key "logn"`}},
		{"verdict_tags: {tp: x}\n", []string{`line 1: verdict_tags: unknown key "tp" (known: true_positive, false_positive, ignored)`}},
		{"cloud: eu-1\ncloud: us-1\n", []string{`line 2: cloud: given twice (first on line 1)`}},
		{"api: detectz\n", []string{`line 1: api: "detectz"`, "detects, alerts or auto"}},
		{"cloud: mars\n", []string{`line 1: cloud: "mars"`, "us-1, us-2"}},
		{"theme: purple\n", []string{`line 1: theme: "purple"`, "auto, dark or light"}},
		{"confirm_threshold: lots\n", []string{`line 1: confirm_threshold: "lots" is not a whole number`}},
		{"confirm_threshold: -3\n", []string{`line 1: confirm_threshold: -3`}},
		{"read_only: maybe\n", []string{`line 1: read_only: "maybe" is not true or false`}},
		{"team: alice\n", []string{`line 1: team: want a list`}},
		{"products: epp\n", []string{`line 1: products: want a list`}},
		{"keys: [j]\n", []string{`line 1: keys: want action: keys pairs`}},
		{"saved_filters:\n  mine: ''\n", []string{`line 2: saved_filters: "mine" has an empty filter`}},
		{"saved_filters:\n  '': status:'new'\n", []string{`line 2: saved_filters: a filter without a name`}},
		{"saved_filters:\n  - status:'new'\n", []string{`line 2: saved_filters: want name: filter pairs`}},
		{"keys:\n  down: j\n  quit: ctrl+shift+banana\n", []string{`line 3: keys: quit: "ctrl+shift+banana": unknown key "banana"`, "ctrl+, alt+"}},
		{"keys:\n  quit: 'ctrl+'\n", []string{`line 2: keys: quit: "ctrl+": no key after ctrl+`}},
		{"keys:\n  fly: x\n", []string{`line 2: keys: unknown action "fly"`, "half_page_down, half_page_up"}},
		{"keys:\n  mark: k\n", []string{`line 2: keys: "k" is bound to both up and mark`}},
		{"comment_templates:\n  fp: ''\n", []string{`line 2: comment_templates: "fp" has no text`}},
		{"comment_templates:\n  fp: benign on {hots}\n", []string{`line 2: comment_templates: "fp": unknown placeholder {hots}`, "{host}, {id}"}},
		{"comment_templates: [benign]\n", []string{`line 1: comment_templates: want name: text pairs`}},
		{"read_only: false\nrequire_comment_on: [closd]\n", []string{`line 2: require_comment_on: "closd": use new, in_progress`}},
		{"require_comment_on: closed\n", []string{`line 1: require_comment_on: want a list`}},
		{"- a\n- b\n", []string{`line 1: want key: value lines`}},
		{"cloud: [eu\n", []string{`line 1`}},
	} {
		path := writeConfig(t, c.body)
		_, err := loadConfig(path, true)
		if err == nil {
			t.Errorf("%q accepted", c.body)
			continue
		}
		msg := err.Error()
		for _, w := range append(c.want, path+" line ") {
			if !strings.Contains(msg, w) {
				t.Errorf("%q: %s\nwant %q", c.body, msg, w)
			}
		}
		for _, goWord := range []string{"main.", "fileConfig", " type ", "!!", "unmarshal", "yaml:"} {
			if strings.Contains(msg, goWord) {
				t.Errorf("%q: %s speaks Go (%q)", c.body, msg, goWord)
			}
		}
	}
}

func TestConfigAcceptsWhatItUses(t *testing.T) {
	path := writeConfig(t, `cloud: EU-1
theme: light
confirm_threshold: 50
read_only: true
api: alerts
products: [epp, idp]
me: {name: Ann Lee, login: ann@corp.example}
team:
  - {name: Bob Ode, login: bob@corp.example, uuid: u-1}
keys:
  down: j, ctrl+n
  up: k, ctrl+p
saved_filters:
  mine open: "assigned_to_uid:'ann@corp.example'+status:'new'"
verdict_tags: {true_positive: tp}
comment_templates:
  benign: "Benign: {technique} on {host} by {user}"
require_comment_on: [closed, false_positive]
`)
	c, err := loadConfig(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Theme != "light" || c.ConfirmThreshold != 50 || !c.ReadOnly || c.API != "alerts" || len(c.Products) != 2 ||
		c.Me.Login != "ann@corp.example" || len(c.Team) != 1 || c.Team[0].UUID != "u-1" || c.Keys["up"] != "k, ctrl+p" ||
		c.SavedFilters["mine open"] == "" || c.VerdictTags.TruePositive != "tp" ||
		commentTemplates(c.CommentTemplates)[0].Text != "Benign: {technique} on {host} by {user}" ||
		!slices.Equal(requireComment(c.RequireCommentOn), []model.Status{model.StatusClosed, model.StatusFalsePositive}) {
		t.Fatalf("%+v", c)
	}
	for _, theme := range []string{"auto", "dark", "light"} {
		if c, err := loadConfig(writeConfig(t, "theme: "+theme+"\n"), true); err != nil || c.Theme != theme {
			t.Errorf("theme %s: %v %q", theme, err, c.Theme)
		}
	}
	if _, err := loadConfig(writeConfig(t, "# nothing yet\n"), true); err != nil {
		t.Errorf("a file of comments: %v", err)
	}
}

func TestThemeFromEnv(t *testing.T) {
	for v, want := range map[string]string{
		"":                "",
		"15;0":            "dark",
		"0;15":            "light",
		"12;8":            "dark",
		"0;7":             "light",
		"15;default;0":    "dark",
		"0;default;15":    "light",
		"default;default": "",
		"garbage":         "",
	} {
		t.Setenv("COLORFGBG", v)
		if got := themeFromEnv(); got != want {
			t.Errorf("COLORFGBG=%q: %q, want %q", v, got, want)
		}
	}
}
