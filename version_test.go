package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		code, out, errs := runCLI(t, nil, arg)
		if code != 0 || errs != "" || !strings.HasPrefix(out, "falcon-triage ") || strings.Count(out, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, out, errs)
		}
	}
	info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/falcon-triage/falcon-triage", Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-11-20T12:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	if got, want := versionLine(info, true), "falcon-triage v1.4.0, commit 0123456789abcdef0123456789abcdef01234567 of 2026-11-20T12:00:00Z with local changes"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, want := versionLine(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true), "falcon-triage (devel), no commit recorded"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, want := versionLine(nil, false), "falcon-triage: no build information"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
