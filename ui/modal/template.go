package modal

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// CommentTemplate is a comment the config file names; its placeholders are
// filled from the rows the comment is for when it is inserted.
type CommentTemplate struct{ Name, Text string }

// placeholder is a value of a row a template may name in braces, and the
// word for several of them ("3 hosts").
type placeholder struct {
	many  string
	value func(d *model.Detection) string
}

func worst(d *model.Detection) model.Behavior {
	if w := d.Worst(); w != nil {
		return *w
	}
	return model.Behavior{}
}

var placeholders = map[string]placeholder{
	"host":      {"hosts", func(d *model.Detection) string { return d.Host() }},
	"technique": {"techniques", func(d *model.Detection) string { b := worst(d); return screen.JoinID(b.Technique, b.TechniqueID) }},
	"tactic":    {"tactics", func(d *model.Detection) string { b := worst(d); return screen.JoinID(b.Tactic, b.TacticID) }},
	"user": {"users", func(d *model.Detection) string {
		if u := worst(d).UserName; u != "" {
			return u
		}
		return d.Identity.AccountName
	}},
	"severity": {"severities", func(d *model.Detection) string { return model.BandOf(d.MaxSeverity).Name }},
	"status":   {"statuses", func(d *model.Detection) string { return d.Status.Label() }},
	"assignee": {"assignees", func(d *model.Detection) string { return d.Assignee() }},
	"file":     {"files", func(d *model.Detection) string { return worst(d).FileName }},
	"sha256":   {"SHA256s", func(d *model.Detection) string { return worst(d).SHA256 }},
	"product":  {"products", func(d *model.Detection) string { return d.Product }},
}

// Placeholders are the names a template may put in braces: the row's
// values, {count} (how many rows) and {me} (the analyst).
func Placeholders() []string {
	names := []string{"count", "me", "id"}
	for n := range placeholders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

var braces = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// TemplateError says what is wrong with a template's text: an unknown
// placeholder, named with the known ones.
func TemplateError(text string) error {
	for _, m := range braces.FindAllStringSubmatch(text, -1) {
		if _, ok := placeholders[m[1]]; !ok && m[1] != "count" && m[1] != "me" && m[1] != "id" {
			return fmt.Errorf("unknown placeholder {%s} (known: {%s})", m[1], strings.Join(Placeholders(), "}, {"))
		}
	}
	return nil
}

// fill fills a template for targets: a value the rows share is itself; values
// that differ become their count ("3 hosts"); rows not read yet make
// it "the hosts of 500 alerts". Values from the service are sanitised.
func (s *Stack) fill(text string, targets []string) string {
	var rows []*model.Detection
	if s.Peek != nil {
		for _, id := range targets {
			if d, ok := s.Peek(id); ok {
				rows = append(rows, d)
			}
		}
	}
	n := len(targets)
	count := screen.Commas(n) + " " + s.rowWord(n)
	return braces.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1 : len(m)-1]
		switch name {
		case "count":
			return count
		case "id":
			if n == 1 {
				return screen.Sanitize(targets[0]) // known without the row
			}
			return count
		case "me":
			return screen.Sanitize(s.Me.Name())
		}
		p, ok := placeholders[name]
		if !ok {
			return m
		}
		many := p.many
		if len(rows) < n {
			return "the " + many + " of " + count
		}
		var seen []string
		for _, d := range rows {
			if v := p.value(d); v != "" && !slices.Contains(seen, v) {
				seen = append(seen, v)
			}
		}
		switch len(seen) {
		case 0:
			return "(no " + strings.TrimSuffix(many, "s") + ")"
		case 1:
			return screen.Sanitize(seen[0])
		}
		return screen.Commas(len(seen)) + " " + many
	})
}

// templateKeys choose a template in the comment box's menu, in name order.
const templateKeys = "123456789abcdefghijklmnopqrstuvwxyz"

// templateItems are the menu's lines: key, name and the text's start.
func (s *Stack) templateItems() [][2]string {
	var items [][2]string
	for i, t := range s.Templates {
		if i >= len(templateKeys) {
			break
		}
		items = append(items, [2]string{templateKeys[i : i+1], t.Name + " · " + strings.ReplaceAll(t.Text, "\n", " ")})
	}
	return items
}

// template is the template a key chooses, if any.
func (s *Stack) template(k string) (CommentTemplate, bool) {
	i := strings.Index(templateKeys, k)
	if len(k) != 1 || i < 0 || i >= len(s.Templates) {
		return CommentTemplate{}, false
	}
	return s.Templates[i], true
}

// requiresComment reports a status that is set only with a reason:
// require_comment_on names it; closed covers the verdicts that close.
func (s *Stack) requiresComment(st model.Status) bool {
	if slices.Contains(s.RequireComment, st) {
		return true
	}
	verdict := st == model.StatusTruePositive || st == model.StatusFalsePositive || st == model.StatusIgnored
	return verdict && slices.Contains(s.RequireComment, model.StatusClosed)
}
