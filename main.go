// Command falcon-triage is a keyboard-driven terminal console for triaging
// CrowdStrike Falcon detections, with an embedded fake Falcon for demos and
// tests, and an export command for scripts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/export"
	"github.com/falcon-triage/falcon-triage/internal/startenv"
	"github.com/falcon-triage/falcon-triage/keymap"
	"github.com/falcon-triage/falcon-triage/model"
	"github.com/falcon-triage/falcon-triage/ui"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

const usage = `falcon-triage: triage CrowdStrike Falcon detections from the terminal

Usage:
  falcon-triage [flags]              open the console
  falcon-triage --demo               open the console on generated demo data
  falcon-triage export [flags]       write matching detections to stdout
  falcon-triage fake [flags]         serve the fake Falcon API on its own
  falcon-triage --version            print the version and the commit it was built from

Exit status: 0 done; 1 an error; 2 a bad flag or command; 3 the console ended
with changes not sent or of unknown outcome (the line it leaves says how many;
the audit log says which); 70 a crash.

Credentials come from FALCON_CLIENT_ID, FALCON_CLIENT_SECRET, FALCON_CLOUD and
FALCON_MEMBER_CID, or the config file. Run a command with -h for its flags.
`

func main() {
	startenv.Restore()
	if err := keepSecretsInMemory(); err != nil {
		fmt.Fprintf(os.Stderr, "falcon-triage: could not keep the secret out of core dumps: %v\n", err)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "fake":
			return runFake(args[1:], stdout, stderr)
		case "export":
			return runExport(args[1:], stdout, stderr)
		case "help":
			fmt.Fprint(stdout, usage)
			return 0
		case "version", "--version", "-version":
			fmt.Fprintln(stdout, versionLine(debug.ReadBuildInfo()))
			return 0
		}
	}
	return runConsole(args, stderr)
}

// fail prints err on one line, sanitised: errors carry the service's words
// and the data's strings, which may hold escape sequences.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "falcon-triage: %s\n", screen.Sanitize(err.Error()))
	return 1
}

// connFlags are the flags every command that talks to Falcon takes.
type connFlags struct {
	api         string
	demoDetects bool
	demo        bool
	demoCount   int
	demoSeed    uint64
	config      string
	cloud       string
	baseURL     string
	memberCID   string
	caFile      string
	// still: the demo's world does not move (export reads a snapshot).
	still bool
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.api, "api", "", "detects, alerts or auto (default auto: Alerts, the API of every product; Detects only where Alerts is unavailable)")
	fs.BoolVar(&c.demo, "demo", false, "use the embedded fake Falcon with generated data: a today's tenant, Alerts only, Detects decommissioned")
	fs.BoolVar(&c.demoDetects, "demo-detects", false, "demo: a tenant of before the Detects API's decommissioning, Detects and Alerts both served")
	fs.IntVar(&c.demoCount, "demo-count", 5000, "detections in the demo data")
	fs.Uint64Var(&c.demoSeed, "demo-seed", 1, "seed of the demo data (same seed, same data)")
	fs.StringVar(&c.config, "config", "", "config file (default $XDG_CONFIG_HOME/falcon-triage/config.yaml)")
	fs.StringVar(&c.cloud, "cloud", "", "cloud: us-1, us-2, eu-1, us-gov-1, us-gov-2 or autodiscover (env FALCON_CLOUD)")
	fs.StringVar(&c.baseURL, "base-url", "", "API base URL instead of a cloud (env FALCON_BASE_URL); http:// only on loopback")
	fs.StringVar(&c.memberCID, "member-cid", "", "MSSP child CID (env FALCON_MEMBER_CID)")
	fs.StringVar(&c.caFile, "ca-file", "", "extra PEM CA certificates, for TLS inspection proxies")
}

// connection is a connected backend and what the console shows about it.
type connection struct {
	backend model.Backend
	client  *api.Client
	label   string
	cfg     fileConfig
	cfgPath string // the config file read (or, absent, where S would write it)
	// secret is kept only to redact it from crash reports.
	secret  string
	closeFn func()
}

// close revokes every token the run obtained and says so when the service
// did not take a revoke: the token then lapses by itself.
func (c *connection) close(stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.client.Close(ctx); err != nil {
		fmt.Fprintf(stderr, "falcon-triage: a token could not be revoked (%s): it lapses by itself within 30 minutes\n", screen.Sanitize(err.Error()))
	}
	if c.closeFn != nil {
		c.closeFn()
	}
}

// connect builds the client from flag › environment › config file, or starts
// the in-process fake for --demo.
func connect(cf connFlags, onRate func(api.RateStatus)) (*connection, error) {
	path, explicit := cf.config, cf.config != ""
	if path == "" {
		if d := configDir(); d != "" {
			path = filepath.Join(d, "config.yaml")
		}
	}
	fc, err := loadConfig(path, explicit)
	if err != nil {
		return nil, err
	}
	switch a := firstOf(cf.api, fc.API); a {
	case "", "auto", "detects", "alerts":
	default:
		return nil, fmt.Errorf("unknown API %q: use --api detects, alerts or auto", a)
	}
	conn := &connection{cfg: fc, cfgPath: path}
	if cf.demo && cf.demoDetects && fc.API == "" {
		// Detects and Alerts are both served there, and auto would take
		// Alerts: this demo is the Detects world.
		conn.cfg.API = "detects"
	}
	var cfg api.Config
	if cf.demo {
		if cf.demoCount < 0 {
			return nil, errors.New("--demo-count must not be negative")
		}
		// The demo data is generated while the console starts: requests
		// wait for it, the first frame does not.
		ready := make(chan struct{})
		var f *fake.Server
		go func() {
			o := fake.Options{GenOptions: fake.GenOptions{Count: cf.demoCount, Seed: cf.demoSeed}, DetectsGone: !cf.demoDetects,
				Children: fake.DemoChildren(3)}
			if !cf.still {
				// The console's demo world moves gently: a new incident
				// every 45 s, another analyst's change every 90 s.
				o.ArriveEvery, o.ChangeEvery = 45*time.Second, 90*time.Second
			}
			f = fake.New(o)
			close(ready)
		}()
		srv, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-ready:
				f.ServeHTTP(w, r)
			case <-r.Context().Done():
			}
		}))
		if err != nil {
			return nil, err
		}
		cfg = api.Config{ClientID: fake.DemoClientID, ClientSecret: fake.DemoClientSecret, BaseURL: srv.url}
		conn.label, conn.closeFn = "DEMO", func() { srv.close(); <-ready; f.Close() }
	} else {
		cfg = api.Config{
			ClientID:     firstOf(os.Getenv("FALCON_CLIENT_ID"), fc.ClientID),
			ClientSecret: firstOf(os.Getenv("FALCON_CLIENT_SECRET"), fc.ClientSecret),
			MemberCID:    firstOf(cf.memberCID, os.Getenv("FALCON_MEMBER_CID"), fc.MemberCID),
			Cloud:        firstOf(cf.cloud, os.Getenv("FALCON_CLOUD"), fc.Cloud),
			BaseURL:      firstOf(cf.baseURL, os.Getenv("FALCON_BASE_URL"), fc.BaseURL),
			CAFile:       firstOf(cf.caFile, fc.CAFile),
		}
	}
	cfg.OnRate = onRate
	cfg.UserAgent = "falcon-triage"
	conn.secret = cfg.ClientSecret
	c, err := api.New(cfg)
	if err != nil {
		if conn.closeFn != nil {
			conn.closeFn()
		}
		return nil, err
	}
	conn.client = c
	if conn.label == "" {
		conn.label = firstOf(c.Cloud(), c.BaseURL())
	}
	return conn, nil
}

// chooseBackend logs in and picks the API: flag › config › auto. A
// read-only run does not probe the update endpoint. first, if not nil, is
// the console's first request on a backend: auto's probe asks it and keeps
// the answer as the first page.
func (c *connection) chooseBackend(ctx context.Context, flagAPI string, readOnly bool, first func(model.Backend) model.Query) error {
	if err := c.client.Login(ctx); err != nil {
		return err
	}
	return c.pickBackend(ctx, flagAPI, readOnly, first)
}

// pickBackend picks the API of the client, logged in: flag › config › auto.
func (c *connection) pickBackend(ctx context.Context, flagAPI string, readOnly bool, first func(model.Backend) model.Query) error {
	verdicts := map[model.Status]string{
		model.StatusTruePositive:  c.cfg.VerdictTags.TruePositive,
		model.StatusFalsePositive: c.cfg.VerdictTags.FalsePositive,
		model.StatusIgnored:       c.cfg.VerdictTags.Ignored,
	}
	b, err := api.ChooseBackendFor(ctx, c.client, firstOf(flagAPI, c.cfg.API), verdicts, !readOnly, first)
	if err != nil {
		return err
	}
	c.backend = b
	return nil
}

type loopbackServer struct {
	url   string
	close func()
}

// serveLoopback serves h on a free loopback port.
func serveLoopback(h http.Handler) (*loopbackServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the demo server: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &loopbackServer{url: "http://" + ln.Addr().String(), close: func() { _ = srv.Close() }}, nil
}

func runFake(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("falcon-triage fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	count := fs.Int("count", 5000, "detections to generate")
	seed := fs.Uint64("seed", 1, "seed of the generated data")
	rate := fs.Int("rate-limit", 6000, "requests per minute before 429")
	tokenTTL := fs.Duration("token-ttl", 30*time.Minute, "token lifetime")
	clientID := fs.String("client-id", fake.DemoClientID, "the client id the fake accepts")
	clientSecret := fs.String("client-secret", fake.DemoClientSecret, "the client secret the fake accepts")
	region := fs.String("region", "us-1", "what X-Cs-Region says on token answers (any case: the service's values are case-insensitive)")
	var o fake.Options
	fs.BoolVar(&o.DetectsGone, "decommission-detects", false, "answer the Detects endpoints as decommissioned (404, 405), as today's tenants do")
	fs.BoolVar(&o.DetectsWritesGone, "retiring-detects", false, "serve the Detects reads but answer its update 405, as tenants did while it was retired")
	fs.BoolVar(&o.DetectsForbidden, "alerts-only", false, "an API client with the Alerts scopes only: every Detects endpoint answers 403")
	fs.BoolVar(&o.DetectsStale, "stale-detects", false, "Detects reads answer but no longer change: updates answer 200 unseen, new incidents reach Alerts only")
	fs.BoolVar(&o.AlertsForbidden, "detects-only", false, "an old API client with the Detects scopes only: every Alerts endpoint answers 403")
	fs.BoolVar(&o.CombinedForbidden, "no-combined", false, "answer 403 on the combined alerts endpoint only")
	fs.BoolVar(&o.DenyStreamScope, "no-stream-scope", false, "an API client without the Event streams: read scope: the stream endpoints answer 403")
	fs.DurationVar(&o.StreamInterval, "stream-interval", 1800*time.Second, "a stream session's refresh interval: a session not refreshed within it is closed")
	fs.DurationVar(&o.ArriveEvery, "arrive-every", 0, "add a new incident at this interval, e.g. 20s (0: never)")
	fs.DurationVar(&o.ChangeEvery, "change-every", 0, "have another analyst change an open alert's status or assignee at this interval, e.g. 45s (0: never)")
	children := fs.Int("children", 0, "make the tenant a Flight Control parent with this many child tenants, each with its own data (p switches)")
	fs.BoolVar(&o.DenyFlightControl, "no-flight-control", false, "an API client without the Flight Control: read scope: the mssp endpoints answer 403")
	fs.DurationVar(&o.ContainAfter, "contain-after", 5*time.Second, "how long a host's sensor takes to acknowledge a containment or its lift (pending until then)")
	fs.BoolVar(&o.DenyHostsRead, "no-hosts-read", false, "an API client without the Hosts: read scope: the hosts endpoint answers 403")
	fs.BoolVar(&o.DenyHostsWrite, "no-hosts-write", false, "an API client without the Hosts: write scope: containment answers 403")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o.GenOptions = fake.GenOptions{Count: *count, Seed: *seed}
	if *children < 0 || *children > 1000 {
		fmt.Fprintln(stderr, "falcon-triage fake: --children takes 0 to 1000")
		return 2
	}
	o.Children = fake.DemoChildren(*children)
	o.RateLimit, o.TokenTTL, o.Region, o.ClientID, o.ClientSecret = *rate, *tokenTTL, *region, *clientID, *clientSecret
	f := fake.New(o)
	defer f.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, err)
	}
	id, secret := f.Credentials()
	fmt.Fprintf(stdout, "fake Falcon API on http://%s with %d detections (seed %d)\n", ln.Addr(), *count, *seed)
	fmt.Fprintf(stdout, "  FALCON_BASE_URL=http://%s FALCON_CLIENT_ID=%s FALCON_CLIENT_SECRET=%s\n", ln.Addr(), id, secret)
	for _, c := range o.Children {
		fmt.Fprintf(stdout, "  child tenant %s (%s): FALCON_MEMBER_CID=%s, or p in the console\n", c.CID, c.Name, c.CID)
	}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	go func() {
		<-ctx.Done()
		f.Close() // ends the open feeds, which never go idle by themselves
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(stderr, err)
	}
	return 0
}

func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("falcon-triage export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf connFlags
	cf.register(fs)
	filter := fs.String("filter", "", "FQL filter in the API's own field names, e.g. status:'new'+severity:>=60 on Alerts\n(status:'new'+max_severity:>=60 on Detects); a field the API lacks is refused before anything is sent")
	q := fs.String("q", "", "free-text search")
	sortFlag := fs.String("sort", "", "sort as FIELD|DIR in either API's names, e.g. timestamp|desc on Alerts, last_behavior|desc on Detects\n(default: the API's time field, newest first)")
	format := fs.String("format", "jsonl", "json, jsonl or csv")
	limit := fs.Int("limit", 0, "stop after N detections (0: all)")
	includeHidden := fs.Bool("include-hidden", false, "also export the detections hidden from the console (show_in_ui:false)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "falcon-triage export: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := export.CheckFormat(*format); err != nil {
		return fail(stderr, err)
	}
	// The syntax now, the fields once the API is known: a filter that
	// cannot be answered is never sent.
	if err := (model.Fields{}).CheckFilter(*filter); err != nil {
		return badFilter(stderr, err)
	}
	sort, err := parseSortFlag(*sortFlag)
	if err != nil {
		return fail(stderr, err)
	}
	cf.still = true
	conn, err := connect(cf, nil)
	if err != nil {
		return fail(stderr, err)
	}
	defer conn.close(stderr)
	// Every fatal signal stops the export with its token revoked.
	ctx, stop := signal.NotifyContext(context.Background(), fatalSignals...)
	defer stop()
	if err := conn.chooseBackend(ctx, cf.api, true, nil); err != nil {
		return fail(stderr, err)
	}
	b := conn.backend
	var added []string
	if !*includeHidden {
		// As the console does until hidden rows are shown.
		added = []string{model.Bool(b.Fields().ShowInUI, true)}
	}
	if err := b.Fields().CheckFilter(*filter, added...); err != nil {
		return badFilter(stderr, err)
	}
	if sort, err = export.Sort(b.Name(), b.Fields(), sort); err != nil {
		return fail(stderr, err)
	}
	o := export.Options{
		Query:  model.Query{Filter: *filter, Q: *q, Sort: sort},
		Limit:  *limit,
		Format: *format,
		Warn:   func(s string) { fmt.Fprintln(stderr, "falcon-triage export: "+screen.Sanitize(s)) },
	}
	if len(added) > 0 {
		o.Query.Filter = model.And(append([]string{o.Query.Filter}, added...)...)
	}
	// Progress only where someone watches it, and not over the data itself
	// when that goes to the same terminal.
	var progress *progressLine
	if isTerminal(stderr) && !isTerminal(stdout) {
		progress = &progressLine{w: stderr}
		o.Progress = progress.update
		o.Warn = func(s string) { progress.warn(screen.Sanitize(s)) }
	}
	n, err := export.Write(ctx, b, o, stdout)
	if progress != nil {
		progress.finish()
	}
	if err != nil {
		// Short of the end: what was written is not the whole answer.
		return fail(stderr, fmt.Errorf("export stopped short after %s %s: %w", thousands(n), screen.RowWord(b.Name(), n), err))
	}
	return 0
}

// badFilter refuses --filter: a bad argument, exit 2.
func badFilter(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "falcon-triage export: --filter: %s\n", screen.Sanitize(err.Error()))
	return 2
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

func runConsole(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("falcon-triage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	var cf connFlags
	cf.register(fs)
	noRestore := fs.Bool("fresh", false, "start at the top instead of restoring the last session")
	readOnly := fs.Bool("read-only", false, "disable every write (also read_only in the config file)")
	overview := fs.Bool("overview", false, "open the overview first")
	noLive := fs.Bool("no-live", false, "keep a snapshot: no event stream, no polling (also live: false in the config file)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "falcon-triage: unknown command %q\n%s", fs.Arg(0), usage)
		return 2
	}
	var p *tea.Program
	onRate := func(s api.RateStatus) {
		if p != nil {
			p.Send(ui.RateMsg{Limit: s.Limit, Remaining: s.Remaining, Waiting: s.Waiting, Why: s.Why})
		}
	}
	conn, err := connect(cf, onRate)
	if err != nil {
		return fail(stderr, err)
	}
	defer conn.close(stderr)
	keys, err := keymap.Default().Override(conn.cfg.Keys)
	if err != nil {
		return fail(stderr, fmt.Errorf("config file: %w", err))
	}
	state := stateDir()
	if cf.demo && state != "" {
		state = filepath.Join(state, "demo")
	}
	if state == "" {
		return fail(stderr, errors.New("no home folder: set XDG_STATE_HOME for the audit log and session"))
	}
	auditPath := filepath.Join(state, "audit.jsonl")
	notice := reportUnfinished(stderr, auditPath)
	audit, err := api.OpenAudit(auditPath, api.Who{
		ClientID: conn.client.ClientID(), OSUser: osUser(), SSHConnection: os.Getenv("SSH_CONNECTION"),
		AnalystLogin: conn.cfg.Me.Login, AnalystName: conn.cfg.Me.Name,
	})
	if err != nil {
		return fail(stderr, err)
	}
	defer audit.Close()
	team := make([]model.User, 0, len(conn.cfg.Team))
	for _, p := range conn.cfg.Team {
		team = append(team, p.user())
	}
	readOnlyRun := *readOnly || conn.cfg.ReadOnly
	live, every, notify := liveOptions(conn.cfg, *noLive)
	ten := &tenants{conn: conn, flagAPI: cf.api, readOnly: readOnlyRun, audit: audit}
	m := ui.New(ui.Options{
		// The login and the choice of API run inside the console, so its
		// first frame does not wait for the network.
		Connect: func(ctx context.Context, first func(model.Backend) model.Query) (model.Backend, error) {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			if err := conn.chooseBackend(ctx, cf.api, readOnlyRun, first); err != nil {
				return nil, err
			}
			return api.Audited{Backend: conn.backend, Log: audit}, nil
		},
		Source: ui.Source{
			Label: conn.label,
			CID:   firstOf(conn.client.MemberCID(), demoCID(cf.demo)),
			ConsoleURL: func(d *model.Detection) string {
				return consoleURL(consoleCloud(ten.current()), d)
			},
			People:   ten,
			Export:   exportTo,
			Streamer: ten,
			// The hosts of the tenant the console is in; every
			// containment logged before it is sent.
			Hosts: auditedHosts{api.AuditedHosts{Hosts: ten, Log: audit}},
		},
		StateDir:         state,
		Keys:             keys,
		Me:               conn.cfg.Me.user(),
		Team:             team,
		ReadOnly:         readOnlyRun,
		ConfirmThreshold: conn.cfg.ConfirmThreshold,
		Restore:          !*noRestore,
		Overview:         *overview,
		Products:         conn.cfg.Products,
		Theme:            firstOf(map[string]string{"dark": "dark", "light": "light"}[conn.cfg.Theme], themeFromEnv()),
		ThemeFixed:       conn.cfg.Theme == "dark" || conn.cfg.Theme == "light",
		SavedFilters:     savedFilters(conn.cfg.SavedFilters),
		CommentTemplates: commentTemplates(conn.cfg.CommentTemplates),
		RequireComment:   requireComment(conn.cfg.RequireCommentOn),
		Notice:           notice,
		Live:             live,
		PollInterval:     every,
		Notify:           notify,
		Views:            uiViews(conn.cfg.Views),
		SaveView:         viewSaver(conn.cfgPath),
		Tenants:          ten,
		MemberCID:        conn.client.MemberCID(),
	})
	// The signals are ours (fatalSignals), not Bubble Tea's: its handler
	// ends the program on SIGTERM without the console's quit, and on
	// SIGINT with an error.
	tc := &tmuxColour{run: tmuxInfo}
	colour, profile := colourOptions(os.Stdout, os.Environ(), tc)
	p = tea.NewProgram(m, append(append(ui.ProgramOptions(), tea.WithoutSignalHandler()), colour...)...)
	// Bubble Tea's TEA_DEBUG writes panic logs to the working folder,
	// readable by others, past the crash guard: not here.
	os.Unsetenv("TEA_DEBUG")
	guard, err := guardStderr(state, conn.secret)
	if err != nil {
		return fail(stderr, err)
	}
	// Caught from here to the end of the run, so that cleaning up (the
	// wait, the summary, the revokes) is never cut short by one.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, fatalSignals...)
	defer signal.Stop(sigs)
	var crashed atomic.Bool
	ended := make(chan struct{})
	tty := saveTTY(os.Stdin, os.Stdout)
	go signalWatch{sigs: sigs, ended: ended, grace: 5 * time.Second,
		crash: func(sig os.Signal) {
			crashed.Store(true)
			dumpStacks(os.Stderr, sig)
		},
		emergency: func() {
			// The console is stuck past a kill: end the process, with
			// what matters most done.
			tty.restore()
			guard.restore()
			conn.close(stderr)
			os.Exit(exitCrash)
		},
	}.run(p)
	stopColour := tc.ask(p.Send, profile, startenv.Restore())
	_, runErr := p.Run()
	stopColour()
	close(ended)
	// Batches still in flight when this gives up are counted unknown: the
	// summary says so. The terminal is the shell's again: say why nothing
	// happens yet, and let a second ctrl+c stop the wait rather than kill
	// the process before its summary.
	intr := make(chan os.Signal, 1)
	signal.Notify(intr, os.Interrupt)
	if m.Sending() {
		// To the terminal itself: the guard passes stderr on only when
		// it is restored, after the wait, which made this line late.
		guard.say("falcon-triage: waiting up to 10 s for the changes in flight (ctrl+c: stop waiting)")
	}
	stopWaiting := make(chan struct{})
	go func() {
		select {
		case <-intr:
			m.StopWaiting()
		case <-stopWaiting:
		}
	}()
	m.Close(10 * time.Second)
	close(stopWaiting)
	signal.Stop(intr)
	guard.restore()
	if err := ten.err(); err != nil {
		fmt.Fprintf(stderr, "falcon-triage: the token of a tenant left could not be revoked (%s): it lapses by itself within 30 minutes\n", screen.Sanitize(err.Error()))
	}
	logErr := audit.Close()
	tally := audit.Tally()
	if line := quitSummary(tally, auditPath, logErr); line != "" {
		fmt.Fprintln(stderr, line)
	}
	// An export the end cut short (q, ctrl+c, a signal) left its rows in
	// NAME.partial: say where, and how many.
	if line := m.ExportCutShort(); line != "" {
		fmt.Fprintln(stderr, "falcon-triage: "+line)
	}
	switch {
	case errors.Is(runErr, tea.ErrProgramPanic) || crashed.Load():
		// The terminal is restored and the report written: a crash is
		// never a success.
		return exitCrash
	case runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled):
		return fail(stderr, runErr)
	case tally.Unsettled():
		return exitUnsettled
	}
	return 0
}

// exitCrash is the exit status of a crash: a panic, SIGQUIT or SIGABRT.
const exitCrash = 70

// exitUnsettled is the exit status of a run that ended with changes not
// sent or of unknown outcome: a script, or the analyst's shell, sees that
// the rows need another look.
const exitUnsettled = 3

// quitSummary is the line left on the restored terminal when the console
// ends: what became of this run's changes, as the audit log counted them,
// and where the log is; none when the run sent nothing and meant to send
// nothing.
func quitSummary(t api.Tally, path string, logErr error) string {
	if !t.Any() {
		return ""
	}
	line := fmt.Sprintf("falcon-triage: this run's changes: %s applied, %s refused, %s of unknown outcome, %s not sent; audit log %s",
		plural(t.Applied, "row", "rows"), thousands(t.Refused), thousands(t.Unknown), thousands(t.NotSent), screen.Sanitize(path))
	if logErr != nil {
		line += "; it could not record everything: " + screen.Sanitize(logErr.Error())
	}
	return line
}

// osUser names the person at the keyboard for the audit log.
func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

func demoCID(demo bool) string {
	if demo {
		return fake.DemoCID
	}
	return ""
}

// consoleCloud is the cloud whose console the link names: the client's,
// or the one whose API a base URL is; "" for any other base URL.
func consoleCloud(c *api.Client) string {
	if cl := c.Cloud(); cl != "" {
		return cl
	}
	for name, u := range api.Clouds {
		if strings.EqualFold(strings.TrimRight(u, "/"), c.BaseURL()) {
			return name
		}
	}
	return ""
}

// consoleURL is the Falcon console's page of a detection (Detects) or of an
// alert (Alerts: the unified detections page takes the composite id), for
// the detail's hyperlink and the copy menu; "" where the cloud is not known.
func consoleURL(cloud string, d *model.Detection) string {
	host := map[string]string{
		"us-1": "falcon.crowdstrike.com", "us-2": "falcon.us-2.crowdstrike.com", "eu-1": "falcon.eu-1.crowdstrike.com",
		"us-gov-1": "falcon.laggar.gcw.crowdstrike.com", "us-gov-2": "falcon.us-gov-2.crowdstrike.mil",
	}[cloud]
	if host == "" {
		return "" // a base URL that is no cloud's (a fake, a proxy): no console known
	}
	if d.AggregateID != "" {
		return "https://" + host + "/unified-detections/" + url.PathEscape(d.ID)
	}
	id := strings.TrimPrefix(d.ID, "ldt:")
	return "https://" + host + "/activity/detections/detail/" + strings.ReplaceAll(id, ":", "/")
}

// reportUnfinished tells, before the console starts, what every run in the
// audit log at path left unsettled and no start has reported yet: batches
// sent with no recorded result (they may or may not have been applied, and
// the analyst should check them), and batches a quit kept from being sent.
// It then records that they were told, so the next start does not repeat
// it.
func reportUnfinished(stderr io.Writer, path string) string {
	u, err := api.ReadUnreported(path)
	if err != nil {
		fmt.Fprintf(stderr, "falcon-triage: %s\n", screen.Sanitize(err.Error()))
		return ""
	}
	if !u.Any() {
		return ""
	}
	var notice []string
	if b := u.Unfinished; b.Batches > 0 {
		fmt.Fprintf(stderr, "falcon-triage: %s, %s, sent %s%s have no recorded result in the audit log (%s): they may or may not have been applied; check them\n",
			plural(b.Batches, "batch", "batches"), plural(b.Rows, "row", "rows"), span(b.First, b.Last), runs(b), screen.Sanitize(path))
		notice = append(notice, fmt.Sprintf("%s sent by an earlier run %s no recorded result: check %s (audit log)",
			plural(b.Rows, "row", "rows"), map[bool]string{true: "has", false: "have"}[b.Rows == 1], map[bool]string{true: "it", false: "them"}[b.Rows == 1]))
	}
	if b := u.NotSent; b.Batches > 0 {
		fmt.Fprintf(stderr, "falcon-triage: %s, %s, asked for %s%s were never sent (not_sent in the audit log, %s): they changed nothing\n",
			plural(b.Batches, "batch", "batches"), plural(b.Rows, "row", "rows"), span(b.First, b.Last), runs(b), screen.Sanitize(path))
		notice = append(notice, fmt.Sprintf("%s an earlier run meant to change %s never sent", plural(b.Rows, "row", "rows"),
			map[bool]string{true: "was", false: "were"}[b.Rows == 1]))
	}
	// Should this fail, the next start tells it again: better than never.
	_ = api.MarkReported(path, api.Who{OSUser: osUser(), SSHConnection: os.Getenv("SSH_CONNECTION")}, u)
	return strings.Join(notice, "; ")
}

// runs names the runs batches come from, when more than one: consoles
// sharing a state folder, or several runs in a row.
func runs(b api.Batches) string {
	if b.Runs < 2 {
		return ""
	}
	return " by " + thousands(b.Runs) + " runs"
}

// span says when, in local time: "at 14:02 on 2026-11-27" for one moment,
// else from the first to the last.
func span(first, last time.Time) string {
	first, last = first.Local(), last.Local()
	const day, minute = "2006-01-02", "15:04"
	switch {
	case first.Format(day+minute) == last.Format(day+minute):
		return "at " + first.Format(minute+" on "+day)
	case first.Format(day) == last.Format(day):
		return "from " + first.Format(minute) + " to " + last.Format(minute+" on "+day)
	}
	return "from " + first.Format(day+" "+minute) + " to " + last.Format(day+" "+minute)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// thousands writes n with comma separators (2,719).
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// themeFromEnv reads the terminal's background from COLORFGBG ("fg;bg" or
// "fg;other;bg", colour numbers as rxvt and others set them): dark or light,
// or "" when it does not say.
func themeFromEnv() string {
	parts := strings.Split(os.Getenv("COLORFGBG"), ";")
	bg, err := strconv.Atoi(parts[len(parts)-1])
	switch {
	case err != nil || bg < 0 || bg > 15:
		return ""
	case bg == 7 || bg >= 9:
		return "light"
	}
	return "dark"
}

// versionLine says which build this is: the module's version and the commit
// the Go toolchain recorded (go install and go build in a checkout record
// one; go run and tests do not).
func versionLine(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "falcon-triage: no build information"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return "falcon-triage " + v + ", no commit recorded"
	}
	line := "falcon-triage " + v + ", commit " + rev
	if t := settings["vcs.time"]; t != "" {
		line += " of " + t
	}
	if settings["vcs.modified"] == "true" {
		line += " with local changes"
	}
	return line
}

// savedFilters are the config file's saved filters, by name.
func savedFilters(m map[string]string) []ui.SavedFilter {
	out := make([]ui.SavedFilter, 0, len(m))
	for name, f := range m {
		out = append(out, ui.SavedFilter{Name: name, Filter: f})
	}
	slices.SortFunc(out, func(a, b ui.SavedFilter) int { return strings.Compare(a.Name, b.Name) })
	return out
}
