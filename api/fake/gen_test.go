package fake

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDemoDataIsPossible holds every generated detection, and every alert
// derived from one or generated for another product, to what a real tenant
// could hold: time runs forward and stops at the generator's base, triage and
// resolution happen between creation and the last update and only for the
// statuses that had them, hashes are of a file rather than of each other, and
// a host runs its own platform's processes and techniques.
func TestDemoDataIsPossible(t *testing.T) {
	for _, seed := range []uint64{1, 11} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { checkGenerated(t, GenOptions{Count: 12000, Seed: seed, Base: base}) })
	}
}

func checkGenerated(t *testing.T, o GenOptions) {
	dets, users := generate(o)
	ts := func(what, s string) time.Time {
		t.Helper()
		v := mustTime(t, s)
		if v.After(base) {
			t.Errorf("%s %s is after the base %s", what, s, base.Format(time.RFC3339))
		}
		return v
	}
	fails := 0
	for _, d := range dets {
		errs := detectionProblems(d, ts)
		for _, e := range errs {
			t.Errorf("%s: %s", d.DetectionID, e)
		}
		if fails += len(errs); fails > 20 {
			t.Fatal("too many")
		}
	}
	alerts := append(alertsFrom(dets), otherAlerts(o, users, o.Count/8)...)
	for _, a := range alerts {
		errs := alertProblems(a, ts)
		for _, e := range errs {
			t.Errorf("%s: %s", a.CompositeID, e)
		}
		if fails += len(errs); fails > 20 {
			t.Fatal("too many")
		}
	}
}

// triagedStatuses had an analyst's first look; resolvedStatuses were closed
// with or without a verdict.
var (
	triagedStatuses  = map[string]bool{"in_progress": true, "true_positive": true, "false_positive": true, "ignored": true, "closed": true, "reopened": true}
	resolvedStatuses = map[string]bool{"true_positive": true, "false_positive": true, "ignored": true, "closed": true}
)

func detectionProblems(d *detection, ts func(what, s string) time.Time) []string {
	var out []string
	bad := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	first, last := ts("first_behavior", d.FirstBehavior), ts("last_behavior", d.LastBehavior)
	created, updated := ts("created_timestamp", d.CreatedTimestamp), ts("date_updated", d.DateUpdated)
	ts("device.last_seen", d.Device.LastSeen)
	if first.After(last) {
		bad("first behaviour %s after the last %s", first, last)
	}
	if last.After(updated) {
		bad("last behaviour %s after the update %s", last, updated)
	}
	if created.Before(first) || created.Sub(first) > 2*time.Minute {
		bad("created %s, not shortly after the first behaviour %s", created, first)
	}
	if created.After(updated) {
		bad("created %s after the update %s", created, updated)
	}
	for _, b := range d.Behaviors {
		bt := ts("behaviour timestamp", b.Timestamp)
		if bt.Before(first) || bt.After(last) {
			bad("behaviour at %s outside %s…%s", bt, first, last)
		}
		out = append(out, processProblems(d.Device.PlatformName, b)...)
	}
	out = append(out, durationProblems(d.Status, d.SecondsToTriaged, d.SecondsToResolved, created, updated)...)
	return out
}

func alertProblems(a *alert, ts func(what, s string) time.Time) []string {
	var out []string
	bad := func(f string, x ...any) { out = append(out, fmt.Sprintf(f, x...)) }
	at, created := ts("timestamp", a.Timestamp), ts("created_timestamp", a.CreatedTimestamp)
	crawled, updated := ts("crawled_timestamp", a.CrawledTimestamp), ts("updated_timestamp", a.UpdatedTimestamp)
	if created.Before(at) || created.Sub(at) > 2*time.Minute {
		bad("created %s, not shortly after its behaviour at %s", created, at)
	}
	if crawled.Before(created) || updated.Before(crawled) {
		bad("created %s, crawled %s, updated %s out of order", created, crawled, updated)
	}
	status := a.Status
	if status == "closed" && len(a.Tags) > 0 {
		status = a.Tags[0]
	}
	out = append(out, durationProblems(status, a.SecondsToTriaged, a.SecondsToResolved, created, updated)...)
	if a.Device != nil && a.Device.LastSeen != "" {
		ts("device.last_seen", a.Device.LastSeen)
	}
	if a.Product == "epp" {
		out = append(out, processProblems(a.Platform, behavior{
			Filename: a.Filename, Filepath: a.Filepath, Cmdline: a.Cmdline, MD5: a.MD5, SHA256: a.SHA256,
			Technique: a.Technique, ParentDetails: parentDetails{
				ParentCmdline: a.ParentDetails.Cmdline, ParentMD5: a.ParentDetails.MD5, ParentSHA256: a.ParentDetails.SHA256},
		})...)
		if g := a.Grandparent; g != nil && (g.Filename == "" || g.ProcessGraphID == a.ParentDetails.ProcessGraphID) {
			bad("grandparent %+v is not a process of its own", *g)
		}
	}
	return out
}

// durationProblems checks seconds_to_triaged and seconds_to_resolved: set
// only for the statuses that had them, and over by the last update.
func durationProblems(status string, triaged, resolved int64, created, updated time.Time) []string {
	var out []string
	bad := func(f string, x ...any) { out = append(out, fmt.Sprintf(f, x...)) }
	window := int64(updated.Sub(created) / time.Second)
	switch {
	case triagedStatuses[status] && triaged <= 0:
		bad("%s without seconds_to_triaged", status)
	case !triagedStatuses[status] && triaged != 0:
		bad("%s with seconds_to_triaged %d", status, triaged)
	case triaged > window:
		bad("triaged after %ds, but created %s and last updated %s (%ds)", triaged, created, updated, window)
	}
	switch {
	case resolvedStatuses[status] && resolved < triaged:
		bad("%s resolved after %ds, before its triage after %ds", status, resolved, triaged)
	case !resolvedStatuses[status] && resolved != 0:
		bad("%s with seconds_to_resolved %d", status, resolved)
	case resolved > window:
		bad("resolved after %ds, but created %s and last updated %s (%ds)", resolved, created, updated, window)
	}
	return out
}

// processProblems checks a behaviour against its host's platform and its
// hashes against each other.
func processProblems(platform string, b behavior) []string {
	var out []string
	bad := func(f string, x ...any) { out = append(out, fmt.Sprintf(f, x...)) }
	if len(b.MD5) != 32 || len(b.SHA256) != 64 || strings.HasPrefix(b.SHA256, b.MD5) {
		bad("md5 %s is not a hash of its own next to sha256 %s", b.MD5, b.SHA256)
	}
	if p := b.ParentDetails; len(p.ParentMD5) != 32 || strings.HasPrefix(p.ParentSHA256, p.ParentMD5) {
		bad("parent md5 %s is not a hash of its own next to sha256 %s", p.ParentMD5, p.ParentSHA256)
	}
	all := strings.ToLower(strings.Join([]string{b.Filename, b.Filepath, b.Cmdline, b.ParentDetails.ParentCmdline, b.Technique}, " "))
	switch platform {
	case "Windows":
		for _, w := range []string{"/usr/", "/bin/", "/tmp/", "unix shell", "launch agent", "osascript"} {
			if strings.Contains(all, w) {
				bad("%q on a Windows host: %q", w, all)
			}
		}
	case "Linux", "Mac":
		for _, w := range []string{"powershell", ".exe", `:\`, `\device`, "registry", "scheduled task", "user account control", "lsass", "windows"} {
			if strings.Contains(all, w) {
				bad("%q on a %s host: %q", w, platform, all)
			}
		}
		if platform == "Linux" && strings.Contains(all, "launch agent") {
			bad("a launch agent on Linux: %q", all)
		}
	}
	return out
}
