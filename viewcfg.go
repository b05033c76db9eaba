package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui"
)

// viewConfig is one entry of the config file's views: a named filter and
// sort, shown as a tab with its count.
type viewConfig struct {
	Name   string `yaml:"name"`
	Filter string `yaml:"filter"`
	Sort   string `yaml:"sort"`
}

// checkViews refuses a view without a name, a name given twice, a filter
// that does not parse or names a field neither API filters on, and a sort
// neither API sorts on. Which API the tenant has is known only once
// connected: a filter only the other API takes is said when the view is
// first used, never sent.
func (cr *configReader) checkViews(c fileConfig) error {
	lines := cr.items["views"]
	seen := map[string]int{}
	for i, v := range c.Views {
		line := cr.lines["views"]
		if i < len(lines) {
			line = lines[i]
		}
		name := strings.TrimSpace(v.Name)
		if name == "" {
			return cr.errAt(line, "views", "a view without a name (each is {name: …, filter: …, sort: …})")
		}
		if first, dup := seen[name]; dup {
			return cr.errAt(line, "views", "%q is given twice (first on line %d)", name, first)
		}
		seen[name] = line
		if err := checkViewFilter(v.Filter); err != nil {
			return cr.errAt(line, "views", "%q: filter: %v", name, err)
		}
		if err := checkViewSort(v.Sort); err != nil {
			return cr.errAt(line, "views", "%q: sort: %v", name, err)
		}
	}
	return nil
}

// checkViewFilter refuses a filter that either API would refuse whatever
// the tenant: one that does not parse, names a field neither filters on,
// or holds too many clauses with show_in_ui:true added.
func checkViewFilter(filter string) error {
	adds := model.Bool(api.AlertsFields.ShowInUI, true)
	errA := api.AlertsFields.CheckFilter(filter, adds)
	if errA == nil {
		return nil
	}
	if api.DetectsFields.CheckFilter(filter, adds) == nil {
		return nil
	}
	return errA
}

// checkViewSort refuses a sort that is not field, field|asc or field|desc
// on a field one of the APIs sorts on.
func checkViewSort(sort string) error {
	sort = strings.TrimSpace(sort)
	if sort == "" {
		return nil
	}
	f, dir, ok := strings.Cut(sort, "|")
	if ok && dir != "asc" && dir != "desc" {
		return fmt.Errorf("%q: write field|asc or field|desc", sort)
	}
	fields := append(slices.Clone(api.AlertsFields.SortFields), api.DetectsFields.SortFields...)
	if !slices.Contains(fields, strings.TrimSpace(f)) {
		return fmt.Errorf("%q: no sort on %s (the fields: %s)", sort, f, strings.Join(fields, ", "))
	}
	return nil
}

// uiViews are the config file's views for the console.
func uiViews(vs []viewConfig) []ui.View {
	out := make([]ui.View, len(vs))
	for i, v := range vs {
		out[i] = ui.View{Name: strings.TrimSpace(v.Name), Filter: v.Filter, Sort: v.Sort}
	}
	return out
}

// viewSaver is S's writer: it writes views into the config file at path,
// the one the run read (--config, or the default path, created if absent).
func viewSaver(path string) func(ui.View, bool) (string, error) {
	if path == "" {
		return nil
	}
	return func(v ui.View, replace bool) (string, error) {
		return path, saveView(path, v, replace)
	}
}

// saveView writes v into the config file's views: a view of the same name
// is replaced only when replace is set (else ui.ErrViewExists), a new one
// goes after the last, and views: is added at the end when the file has
// none. The file is edited as text at the places its YAML node tree names,
// so every other byte (comments, order, quoting, blank lines) stays as it
// was; it is never marshalled again. The result is read back as the
// console reads a config file, and written atomically (a temporary file in
// the same folder, renamed over it) with the file's mode, 0600 for a new
// file.
func saveView(path string, v ui.View, replace bool) error {
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		target, err = path, nil
	}
	if err != nil {
		return err
	}
	// Read as loadConfig reads it: a regular file, the user's or root's.
	raw, mode, err := readConfigFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		raw, mode = nil, 0o600
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("reading the config file: %w", err)
	case mode&0o022 != 0:
		return fmt.Errorf("config file %s is writable by group or others (mode %04o): run chmod go-w %s", path, mode, path)
	}
	out, err := withView(raw, v, replace)
	if err != nil {
		return err
	}
	// What is written is what the next start reads: a file it would
	// refuse is never written.
	c, err := decodeConfig(path, out)
	if err != nil {
		return fmt.Errorf("the file would not read back (%v): it is left as it is", err)
	}
	if !slices.ContainsFunc(c.Views, func(x viewConfig) bool { return x.Name == v.Name && x.Filter == v.Filter && x.Sort == v.Sort }) {
		return errors.New("the view would not read back: the file is left as it is")
	}
	return writeAtomic(target, out, mode.Perm())
}

// withView is raw with v saved in its views (see saveView).
func withView(raw []byte, v ui.View, replace bool) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("the config file does not read as YAML: %v", err)
	}
	item, err := viewItem(v)
	if err != nil {
		return nil, err
	}
	lines := splitLines(raw)
	var doc *yaml.Node
	if len(root.Content) > 0 {
		doc = root.Content[0]
	}
	if doc == nil || doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return appendViews(raw, item), nil
	}
	if doc.Kind != yaml.MappingNode {
		return nil, errors.New("the config file is not key: value lines")
	}
	var key, seq *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "views" {
			key, seq = doc.Content[i], doc.Content[i+1]
		}
	}
	switch {
	case key == nil:
		return appendViews(raw, item), nil
	case seq.Kind == yaml.ScalarNode && seq.Tag == "!!null":
		// "views:" with nothing under it: the first item goes below.
		return insertLines(lines, key.Line, []string{strings.Repeat(" ", key.Column+1) + "- " + item}), nil
	case seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0:
		return nil, fmt.Errorf("line %d: views is not a list of - {name: …} lines: write it so to save a view into it", key.Line)
	}
	for _, it := range seq.Content {
		if it.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(it.Content); j += 2 {
			if it.Content[j].Value != "name" || strings.TrimSpace(it.Content[j+1].Value) != v.Name {
				continue
			}
			if !replace {
				return nil, ui.ErrViewExists
			}
			from, to := it.Line, lastLine(it)
			dash := dashColumn(lines[from-1], it.Column)
			if dash < 0 {
				return nil, fmt.Errorf("line %d: the view %q is not a - {name: …} item", from, v.Name)
			}
			head := lines[from-1][:dash]
			if strings.TrimSpace(head) != "" {
				return nil, fmt.Errorf("line %d: the view %q does not start its line", from, v.Name)
			}
			return replaceLines(lines, from, to, []string{head + "- " + item}), nil
		}
	}
	last := seq.Content[len(seq.Content)-1]
	dash := dashColumn(lines[last.Line-1], last.Column)
	if dash < 0 {
		return nil, fmt.Errorf("line %d: views is not a list of - {name: …} lines", last.Line)
	}
	return insertLines(lines, lastLine(last), []string{strings.Repeat(" ", dash) + "- " + item}), nil
}

// viewItem is v as one flow mapping, {name: …, filter: "…", sort: …}, the
// way the README writes views.
func viewItem(v ui.View) (string, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	add := func(k, val string, style yaml.Style) {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k},
			&yaml.Node{Kind: yaml.ScalarNode, Value: val, Style: style})
	}
	add("name", v.Name, 0)
	add("filter", v.Filter, yaml.DoubleQuotedStyle)
	if v.Sort != "" {
		add("sort", v.Sort, 0)
	}
	out, err := yaml.Marshal(n)
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(out), "\n")
	if strings.Contains(s, "\n") {
		return "", errors.New("the view does not fit on one line of the config file")
	}
	return s, nil
}

// appendViews adds views: with the item at the end of raw.
func appendViews(raw []byte, item string) []byte {
	out := bytes.Clone(raw)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, "views:\n  - "+item+"\n"...)
}

// splitLines cuts raw into its lines, each with its line ending.
func splitLines(raw []byte) []string {
	return strings.SplitAfter(string(raw), "\n")
}

// insertLines puts add after line after (1-based) of lines.
func insertLines(lines []string, after int, add []string) []byte {
	return replaceLines(lines, after+1, after, add)
}

// replaceLines puts add in place of lines from to to (1-based, inclusive;
// to < from inserts before from).
func replaceLines(lines []string, from, to int, add []string) []byte {
	var b strings.Builder
	for i, l := range lines {
		if i+1 == from {
			if i > 0 && !strings.HasSuffix(lines[i-1], "\n") {
				b.WriteString("\n")
			}
			for _, a := range add {
				b.WriteString(a + "\n")
			}
		}
		if i+1 < from || i+1 > to {
			b.WriteString(l)
		}
	}
	if from > len(lines) {
		if len(lines) > 0 && !strings.HasSuffix(lines[len(lines)-1], "\n") {
			b.WriteString("\n")
		}
		for _, a := range add {
			b.WriteString(a + "\n")
		}
	}
	return []byte(b.String())
}

// lastLine is the last line a node's text takes: its own or its last
// child's.
func lastLine(n *yaml.Node) int {
	line := n.Line
	for _, c := range n.Content {
		line = max(line, lastLine(c))
	}
	return line
}

// dashColumn is where the - of a sequence item whose node starts at
// column col (1-based) stands on its line, or -1.
func dashColumn(line string, col int) int {
	i := min(len(line), col-1) - 1
	for i >= 0 && line[i] == ' ' {
		i--
	}
	if i < 0 || line[i] != '-' {
		return -1
	}
	return i
}

// writeAtomic writes raw to path through a temporary file in its folder,
// renamed over it once written and synced: a crash leaves the old file or
// the new, never half of one.
func writeAtomic(path string, raw []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
