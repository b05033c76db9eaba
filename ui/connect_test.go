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
