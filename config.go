package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/localfile"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui"
)

// person is someone the console can assign to: the analyst (me) or a team
// member from the config file.
type person struct {
	Name  string `yaml:"name"`
	Login string `yaml:"login"`
	UUID  string `yaml:"uuid"`
}

func (p person) user() model.User {
	first, last, _ := strings.Cut(strings.TrimSpace(p.Name), " ")
	return model.User{UUID: p.UUID, UID: p.Login, FirstName: first, LastName: last}
}

// fileConfig is config.yaml. Unknown keys are an error, so a typo does not
// silently do nothing.
type fileConfig struct {
	ClientID     string   `yaml:"client_id"`
	ClientSecret string   `yaml:"client_secret"`
	Cloud        string   `yaml:"cloud"`
	BaseURL      string   `yaml:"base_url"`
	MemberCID    string   `yaml:"member_cid"`
	CAFile       string   `yaml:"ca_file"`
	Me           person   `yaml:"me"`
	Team         []person `yaml:"team"`
	// Theme is auto, dark or light ("" is auto).
	Theme string            `yaml:"theme"`
	Keys  map[string]string `yaml:"keys"`
	// SavedFilters name FQL filters, none empty.
	SavedFilters     map[string]string `yaml:"saved_filters"`
	ConfirmThreshold int               `yaml:"confirm_threshold"`
	ReadOnly         bool              `yaml:"read_only"`
	// API is detects, alerts or auto.
	API string `yaml:"api"`
	// Products scopes the first view to these Alerts products (epp, idp,
	// ngsiem, cwpp, thirdparty, xdr, mobile).
	Products []string `yaml:"products"`
	// CommentTemplates name comments for the comment box, with {host} and
	// the like filled from the rows; RequireCommentOn names the statuses
	// set only with a comment.
	CommentTemplates map[string]string `yaml:"comment_templates"`
	RequireCommentOn []string          `yaml:"require_comment_on"`
	// VerdictTags name the tags the verdicts become on the Alerts API.
	VerdictTags struct {
		TruePositive  string `yaml:"true_positive"`
		FalsePositive string `yaml:"false_positive"`
		Ignored       string `yaml:"ignored"`
	} `yaml:"verdict_tags"`
	// Live keeps the rows current (unset: on); PollInterval is how often
	// it polls where there is no event stream (a duration, at least 5s);
	// Notify announces new alerts at or above a severity.
	Live         *bool  `yaml:"live"`
	PollInterval string `yaml:"poll_interval"`
	Notify       struct {
		Severity int    `yaml:"severity"`
		Via      string `yaml:"via"`
	} `yaml:"notify"`
	// Views are named filters and sorts, shown as tabs with their counts.
	Views []viewConfig `yaml:"views"`
}

// configDir is $XDG_CONFIG_HOME/falcon-triage (or ~/.config/falcon-triage).
func configDir() string { return xdgDir("XDG_CONFIG_HOME", ".config") }

// stateDir is $XDG_STATE_HOME/falcon-triage (or ~/.local/state/falcon-triage).
func stateDir() string { return xdgDir("XDG_STATE_HOME", filepath.Join(".local", "state")) }

// xdgDir is the tool's folder under an XDG base directory, or under its
// default below the home folder ("" when there is no home).
func xdgDir(env, underHome string) string {
	if d := os.Getenv(env); d != "" {
		return filepath.Join(d, "falcon-triage")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, underHome, "falcon-triage")
}

// loadConfig reads the config file. A missing file at the default path is an
// empty config; a missing file named by --config is an error. No one but the
// user may write the file, and a file that holds a client secret must not be
// readable by group or others.
func loadConfig(path string, explicit bool) (fileConfig, error) {
	var c fileConfig
	if path == "" {
		return c, nil
	}
	raw, mode, err := readConfigFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !explicit {
			return c, nil
		}
		return c, fmt.Errorf("reading the config file: %w", err)
	}
	// Whoever can write the file can set base_url and have the secret from
	// the environment sent to a host of theirs, secret in the file or not.
	if mode&0o022 != 0 {
		return c, fmt.Errorf("config file %s is writable by group or others (mode %04o), who could point base_url anywhere: run chmod go-w %s (chmod 600 if it holds a secret)", path, mode, path)
	}
	c, err = decodeConfig(path, raw)
	if err != nil {
		return fileConfig{}, err
	}
	if c.ClientSecret != "" && mode&0o077 != 0 {
		return fileConfig{}, fmt.Errorf("config file %s holds a client secret and is readable by others (mode %04o): run chmod 600 %s", path, mode, path)
	}
	return c, nil
}

// configMax caps the config file: a long one is a few KB.
const configMax = 1 << 20

// readConfigFile reads the file and its permissions from one open file, so
// the mode checked is the mode of the file read: a regular file of the
// user's or root's (through a link too), never a pipe or a device.
func readConfigFile(path string) ([]byte, fs.FileMode, error) {
	return localfile.ReadInput(path, configMax)
}

// firstOf returns the first non-empty value: flag › environment › file.
func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// configReader decodes config.yaml node by node, so that a refusal can name
// the file, the line and the key in the file's own words.
type configReader struct {
	path string
	// lines holds where each key was given: "cloud", "keys.quit".
	lines map[string]int
	// items holds where each item of a list was given: "views".
	items map[string][]int
}

func (cr *configReader) errAt(line int, key, f string, a ...any) error {
	msg := fmt.Sprintf(f, a...)
	if key != "" {
		msg = key + ": " + msg
	}
	return fmt.Errorf("%s line %d: %s", cr.path, line, msg)
}

// yamlLine finds the line in the YAML parser's own errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// decodeConfig reads the file's YAML into a fileConfig and checks every
// value it can check without the network.
func decodeConfig(path string, raw []byte) (fileConfig, error) {
	var c fileConfig
	cr := &configReader{path: path, lines: map[string]int{}, items: map[string][]int{}}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return c, fmt.Errorf("%s line %s: %s", path, m[1], msg[len(m[0]):])
		}
		return c, fmt.Errorf("config file %s: %s", path, strings.TrimPrefix(msg, "yaml: "))
	}
	if len(root.Content) == 0 {
		return c, nil
	}
	doc := root.Content[0]
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return c, nil
	}
	if doc.Kind != yaml.MappingNode {
		return c, cr.errAt(doc.Line, "", "want key: value lines, such as cloud: eu-1")
	}
	if err := cr.decode("", doc, reflect.ValueOf(&c).Elem()); err != nil {
		return fileConfig{}, err
	}
	return c, cr.check(c)
}

// pairsOf says what a map's entries are, for the message when a map is
// written as something else.
var pairsOf = map[string]string{"keys": "action: keys", "saved_filters": "name: filter", "comment_templates": "name: text"}

func (cr *configReader) decode(key string, n *yaml.Node, v reflect.Value) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer: // a value that may be left unset (live)
		v.Set(reflect.New(v.Type().Elem()))
		return cr.decode(key, n, v.Elem())
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return cr.errAt(n.Line, key, "want key: value pairs")
		}
		fields := map[string]int{}
		var known []string
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
			fields[name] = i
			known = append(known, name)
		}
		return cr.pairs(key, n, func(k, val *yaml.Node) error {
			i, ok := fields[k.Value]
			if !ok {
				return cr.errAt(k.Line, key, "unknown key %q (known: %s)", k.Value, strings.Join(known, ", "))
			}
			return cr.decode(join(key, k.Value), val, v.Field(i))
		})
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return cr.errAt(n.Line, key, "want %s pairs", pairsOf[key])
		}
		m := reflect.MakeMap(v.Type())
		err := cr.pairs(key, n, func(k, val *yaml.Node) error {
			if val.Kind != yaml.ScalarNode {
				return cr.errAt(val.Line, key, "want %s pairs", pairsOf[key])
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), reflect.ValueOf(val.Value))
			return nil
		})
		v.Set(m)
		return err
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return cr.errAt(n.Line, key, "want a list")
		}
		list := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			cr.items[key] = append(cr.items[key], item.Line)
			if err := cr.decode(key, item, list.Index(i)); err != nil {
				return err
			}
		}
		v.Set(list)
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return cr.errAt(n.Line, key, "want a single value")
	}
	switch v.Kind() {
	case reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			return cr.errAt(n.Line, key, "%q is not a whole number", n.Value)
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		var b bool
		if n.Decode(&b) != nil {
			return cr.errAt(n.Line, key, "%q is not true or false", n.Value)
		}
		v.SetBool(b)
	default:
		v.SetString(n.Value)
	}
	return nil
}

// pairs walks a mapping's entries, refusing a key given twice and noting
// where each was given.
func (cr *configReader) pairs(key string, n *yaml.Node, each func(k, v *yaml.Node) error) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return cr.errAt(k.Line, key, "a key must be a single word or quoted text")
		}
		if first, dup := seen[k.Value]; dup {
			return cr.errAt(k.Line, join(key, k.Value), "given twice (first on line %d)", first)
		}
		seen[k.Value] = k.Line
		if _, listed := cr.lines[join(key, k.Value)]; !listed {
			cr.lines[join(key, k.Value)] = k.Line
		}
		if err := each(k, v); err != nil {
			return err
		}
	}
	return nil
}

func join(key, sub string) string {
	if key == "" {
		return sub
	}
	return key + "." + sub
}

// check refuses the values that would do nothing, or something else than
// they say.
func (cr *configReader) check(c fileConfig) error {
	at := func(key string) int { return cr.lines[key] }
	switch c.API {
	case "", "auto", "detects", "alerts":
	default:
		return cr.errAt(at("api"), "api", "%q: use detects, alerts or auto", c.API)
	}
	if c.Cloud != "" && !slices.Contains(api.CloudNames, strings.ToLower(c.Cloud)) {
		return cr.errAt(at("cloud"), "cloud", "%q: use one of %s, or base_url", c.Cloud, strings.Join(api.CloudNames, ", "))
	}
	switch c.Theme {
	case "", "auto", "dark", "light":
	default:
		return cr.errAt(at("theme"), "theme", "%q: use auto, dark or light", c.Theme)
	}
	if c.ConfirmThreshold < 0 {
		return cr.errAt(at("confirm_threshold"), "confirm_threshold", "%d: want 0 or more", c.ConfirmThreshold)
	}
	names := make([]string, 0, len(c.SavedFilters))
	for name := range c.SavedFilters {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch {
		case strings.TrimSpace(name) == "":
			return cr.errAt(at(join("saved_filters", name)), "saved_filters", "a filter without a name")
		case strings.TrimSpace(c.SavedFilters[name]) == "":
			return cr.errAt(at(join("saved_filters", name)), "saved_filters", "%q has an empty filter", name)
		}
	}
	if err := cr.checkComments(c); err != nil {
		return err
	}
	if err := cr.checkLive(c); err != nil {
		return err
	}
	if err := cr.checkViews(c); err != nil {
		return err
	}
	if _, err := keymap.Default().Override(c.Keys); err != nil {
		line := at("keys")
		var oe *keymap.OverrideError
		if errors.As(err, &oe) && at(join("keys", oe.Action)) != 0 {
			line = at(join("keys", oe.Action))
		}
		return cr.errAt(line, "", "%v", err)
	}
	return nil
}

// checkLive refuses a poll interval that is no duration or too short (every
// console polling that often spends the tenant's rate budget), and a
// notification the console cannot send.
func (cr *configReader) checkLive(c fileConfig) error {
	if c.PollInterval != "" {
		d, err := time.ParseDuration(c.PollInterval)
		switch {
		case err != nil:
			return cr.errAt(cr.lines["poll_interval"], "poll_interval", "%q is not a duration such as 30s or 2m", c.PollInterval)
		case d < ui.MinPollInterval:
			return cr.errAt(cr.lines["poll_interval"], "poll_interval", "%s: at least %s (each poll is a request on the tenant's rate budget)", c.PollInterval, ui.MinPollInterval)
		}
	}
	if s := c.Notify.Severity; s < 0 || s > 100 {
		return cr.errAt(cr.lines["notify.severity"], "notify", "severity %d: want 1 to 100 (0 or none: no notifications)", s)
	}
	switch c.Notify.Via {
	case "", "bell", "osc9", "osc777":
	default:
		return cr.errAt(cr.lines["notify.via"], "notify", "via %q: use bell, osc9 or osc777", c.Notify.Via)
	}
	return nil
}

// liveOptions are the config file's live settings, checked: whether live
// is on (and not --no-live), how often it polls, what it notifies.
func liveOptions(c fileConfig, noLive bool) (on bool, every time.Duration, n ui.Notify) {
	every, _ = time.ParseDuration(c.PollInterval)
	return !noLive && (c.Live == nil || *c.Live), every, ui.Notify{Severity: c.Notify.Severity, Via: c.Notify.Via}
}

// commentStatuses are the statuses require_comment_on may name.
var commentStatuses = []model.Status{model.StatusNew, model.StatusInProgress, model.StatusTruePositive,
	model.StatusFalsePositive, model.StatusIgnored, model.StatusClosed, model.StatusReopened}

// checkComments refuses a comment template without a name or text or with
// a placeholder the console does not fill, and a status require_comment_on
// does not know.
func (cr *configReader) checkComments(c fileConfig) error {
	names := make([]string, 0, len(c.CommentTemplates))
	for name := range c.CommentTemplates {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		line := cr.lines[join("comment_templates", name)]
		switch text := c.CommentTemplates[name]; {
		case strings.TrimSpace(name) == "":
			return cr.errAt(line, "comment_templates", "a template without a name")
		case strings.TrimSpace(text) == "":
			return cr.errAt(line, "comment_templates", "%q has no text", name)
		default:
			if err := ui.TemplateError(text); err != nil {
				return cr.errAt(line, "comment_templates", "%q: %v", name, err)
			}
		}
	}
	for _, s := range c.RequireCommentOn {
		if !slices.Contains(commentStatuses, model.Status(s)) {
			known := make([]string, len(commentStatuses))
			for i, k := range commentStatuses {
				known[i] = string(k)
			}
			return cr.errAt(cr.lines["require_comment_on"], "require_comment_on", "%q: use %s", s, strings.Join(known, ", "))
		}
	}
	return nil
}

// commentTemplates are the config file's comment templates, by name.
func commentTemplates(m map[string]string) []ui.CommentTemplate {
	out := make([]ui.CommentTemplate, 0, len(m))
	for name, text := range m {
		out = append(out, ui.CommentTemplate{Name: name, Text: text})
	}
	slices.SortFunc(out, func(a, b ui.CommentTemplate) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// requireComment are the statuses require_comment_on names.
func requireComment(names []string) []model.Status {
	out := make([]model.Status, len(names))
	for i, n := range names {
		out[i] = model.Status(n)
	}
	return out
}
