package ui

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui/live"
	"github.com/falcon-triage/falcon-triage/ui/modal"
	"github.com/falcon-triage/falcon-triage/ui/people"
	"github.com/falcon-triage/falcon-triage/ui/status"
)

// Source is where the console's data comes from.
type Source struct {
	Backend model.Backend
	// Label names the source in the header: DEMO, a cloud or a base URL.
	Label string
	// CID is the customer id shown in the header, if known.
	CID string
	// ConsoleURL is the Falcon console's page of a detection.
	ConsoleURL func(d *model.Detection) string
	// People looks up the tenant's users for the assignee picker (nil:
	// only the people of the config file and the data).
	People people.People
	// Export writes a query's rows to a file for e (nil: e says there is
	// no export here).
	Export Exporter
	// Streamer opens the event stream for live rows (nil: live polls).
	Streamer model.Streamer
	// Hosts reads the hosts of endpoint rows and contains them (C); nil:
	// the detail shows what the alert carries and C says why not.
	Hosts model.Hosts
}

// Exporter writes the rows matching q, read through b, to w in format
// (jsonl, json or csv), telling progress how many are written of how many
// match (-1: the service gave no total) and warn of a row left out. It
// returns how many it wrote; an error leaves w with the rows written
// before it. main hands the export package's writer.
type Exporter func(ctx context.Context, b model.Backend, q model.Query, format string, w io.Writer,
	progress func(done, total int), warn func(string)) (int, error)

// Options configure the console.
type Options struct {
	Source Source
	// StateDir holds the session and the filter history ("" keeps nothing).
	StateDir string
	Keys     keymap.KeyMap
	// Me is the analyst (login, name, UUID when known), for "mine" and
	// the assignee picker.
	Me model.User
	// Team are the people of the config file, offered by the picker.
	Team []model.User
	// ReadOnly disables every write key.
	ReadOnly bool
	// ConfirmThreshold is the number of rows above which an action asks
	// first (default 50).
	ConfirmThreshold int
	// Restore starts where the last session left off.
	Restore bool
	// Location is the time zone times are shown in (default local).
	Location *time.Location
	// Now is the console's clock (default time.Now): time-window filters,
	// relative times, and how long ago a row was read (FreshFor). Tests
	// give a clock that moves only when they say.
	Now func() time.Time
	// CacheBytes bounds the detail cache by the bytes its detections hold
	// (default 64 MiB: some 20,000 alerts, so g after G reads nothing
	// again). Not in the config file: the default fits a jump host.
	CacheBytes int64
	// FreshFor is how recently a row must have been read for an action to
	// trust it without reading it again (default 5 s; negative: always
	// read again, which the tests that change the fake under the console
	// use).
	FreshFor time.Duration
	// IDChunk is how many ids one query request asks for (default 1,000;
	// tests set less, to page small data).
	IDChunk int
	// Overview opens the overview first.
	Overview bool
	// Products scopes the first view to these Alerts screen.Products (the config
	// file's screen.Products, e.g. [epp]) when no session is restored.
	Products []string
	// Theme is "dark" or "light" to start with ("" dark); ThemeFixed keeps
	// it, else the terminal's answer about its background decides.
	Theme      string
	ThemeFixed bool
	// SavedFilters are offered in the quick filters (f) and the history.
	SavedFilters []SavedFilter
	// CommentTemplates are offered in the comment box (ctrl+o), in this
	// order; RequireComment are the statuses set only with a comment
	// (closed: the verdicts that close too).
	CommentTemplates []CommentTemplate
	RequireComment   []model.Status
	// Notice is what the start has to tell before anything else (what an
	// earlier run left unsettled): the footer's first word, as an error, so
	// the console's screen does not hide it.
	Notice string
	// ArmAfter is how long a layer an answer raised (a conflict, a
	// confirmation after a lookup) is on screen before it takes keys
	// (default 300 ms: a round trip over a slow SSH link).
	ArmAfter time.Duration
	// Connect, when Source.Backend is nil, logs in and picks the backend
	// from within the running console, so the first frame does not wait
	// for the network. first is the request the list will send first on a
	// backend: a probe that asks exactly it can keep its answer as the
	// first page.
	Connect func(ctx context.Context, first func(model.Backend) model.Query) (model.Backend, error)
	// Live keeps the rows current (the stream, else polling); off, the
	// console is a snapshot: no tick, no stream.
	Live bool
	// PollInterval is how often live polls where there is no stream
	// (default 30 s, at least 5 s).
	PollInterval time.Duration
	// Notify announces new alerts at or above a severity (0: never).
	Notify Notify
	// LiveWait returns once d has passed (true) or ctx ended (false):
	// live's ticker (default a timer; tests tick by hand).
	LiveWait func(ctx context.Context, d time.Duration) bool
	// Views are the config file's views, shown as tabs with their counts
	// (none: no tabs, the console as without them).
	Views []View
	// SaveView writes a view to the config file (S), replacing one of the
	// same name only when replace is set (else ErrViewExists); it says
	// where it wrote. Nil: S says views cannot be saved here.
	SaveView func(v View, replace bool) (path string, err error)
	// Tenants lists a Flight Control parent's children and switches to
	// one (p); nil: p says there are none. MemberCID is the child the
	// console starts in ("" the parent): it names the state folder.
	Tenants   model.Tenants
	MemberCID string
}

// View is a view of the config file: a named filter and sort.
type View struct{ Name, Filter, Sort string }

// ErrViewExists is SaveView's refusal to replace a view not asked to.
var ErrViewExists = errors.New("a view of that name exists")

// SavedFilter is a filter the config file names.
type SavedFilter struct{ Name, Filter string }

// CommentTemplate is a comment the config file names; {host} and the like
// are filled from the rows the comment is for.
type CommentTemplate struct{ Name, Text string }

// TemplateError says what is wrong with a comment template's text (an
// unknown placeholder), for the config file's check.
func TemplateError(text string) error { return modal.TemplateError(text) }

// RateMsg tells the console about the tenant's rate budget.
type RateMsg status.Rate

// ShutdownMsg asks the console to save its state and quit (SIGTERM, SIGHUP);
// writes already queued still go out, as with q.
type ShutdownMsg struct{}

// withDefaults fills in what the options leave out.
func (o Options) withDefaults() Options {
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = 64 << 20
	}
	if o.FreshFor == 0 {
		o.FreshFor = 5 * time.Second
	}
	if o.IDChunk <= 0 {
		o.IDChunk = 1000
	}
	if o.ArmAfter <= 0 {
		o.ArmAfter = 300 * time.Millisecond
	}
	if o.PollInterval <= 0 {
		o.PollInterval = live.DefaultEvery
	}
	o.PollInterval = max(o.PollInterval, live.MinEvery)
	if o.ConfirmThreshold <= 0 {
		o.ConfirmThreshold = 50
	}
	if len(o.Keys.Bindings()) == 0 {
		o.Keys = keymap.Default()
	}
	return o
}
