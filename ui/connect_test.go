package ui

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

// TestConnectInsideTheConsole: the first frame comes before the network; a
// failed login is a message with a retry, not an exit.
func TestConnectInsideTheConsole(t *testing.T) {
	h := newHarness(t, 100)
	o := h.options(t)
	backend := o.Source.Backend
	o.Source.Backend = nil
	var calls atomic.Int32
	gate := make(chan struct{})
	o.Connect = func(ctx context.Context, _ func(model.Backend) model.Query) (model.Backend, error) {
		if calls.Add(1) == 1 {
			<-gate
			return nil, errors.New("authenticate: 403 Forbidden: access denied, authorization failed (trace id abc-123)")
		}
		return backend, nil
	}
	s := startScreen(t, New(o), 100, 30)
	s.waitText("connecting to DEMO")
	close(gate)
	sc := s.waitText("could not connect")
	if !strings.Contains(sc, "403 Forbidden") || !strings.Contains(sc, "r tries again") {
		t.Fatalf("the failure is not explained:\n%s", sc)
	}
	s.key("r")
	sc = s.waitFor("the rows", settled)
	if !strings.Contains(sc, "Detects API") {
		t.Fatalf("no API in the header:\n%s", sc)
	}
	s.quit()
	if calls.Load() != 2 {
		t.Fatalf("%d connection attempts", calls.Load())
	}
}

// With a member CID configured, the header names it (and read-only) while
// the console connects and after the login fails, at 80 columns too.
func TestTheHeaderKeepsTheCIDWhenTheLoginFails(t *testing.T) {
	h := newHarness(t, 100)
	o := h.options(t)
	o.Source.Backend = nil
	o.Source.CID = "0123456789abcdef0123456789abcdef"
	o.ReadOnly = true
	o.Connect = func(ctx context.Context, _ func(model.Backend) model.Query) (model.Backend, error) {
		return nil, errors.New("authenticate: 401 Unauthorized: access denied (trace id abc-123)")
	}
	s := startScreen(t, New(o), 80, 24)
	sc := s.waitText("could not connect")
	header := strings.SplitN(sc, "\n", 2)[0]
	if !strings.Contains(header, "CID 0123456789abcdef0123456789abcdef") || !strings.Contains(header, "READ-ONLY") {
		t.Fatalf("the header after a failed login is %q:\n%s", header, sc)
	}
	s.quit()
}
