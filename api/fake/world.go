package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// The fake's world moves by itself when asked (Options.ArriveEvery,
// ChangeEvery): incidents arrive, and other analysts change open alerts, on
// the fake's tickers, until Close. Its random draws are a stream of their
// own, so the generated data stays what the seed says.

// startWorld starts what moves the world, if anything does.
func (s *Server) startWorld() {
	if s.opts.ArriveEvery <= 0 && s.opts.ChangeEvery <= 0 {
		return
	}
	var arrive, change <-chan time.Time
	var stops []func()
	if s.opts.ArriveEvery > 0 {
		c, stop := s.ticker(s.opts.ArriveEvery)
		arrive, stops = c, append(stops, stop)
	}
	if s.opts.ChangeEvery > 0 {
		c, stop := s.ticker(s.opts.ChangeEvery)
		change, stops = c, append(stops, stop)
	}
	r := rand.New(rand.NewPCG(s.opts.Seed^0x6f74686572, 0x616e616c797374))
	s.world.wg.Add(1)
	go func() {
		defer s.world.wg.Done()
		defer func() {
			for _, stop := range stops {
				stop()
			}
		}()
		for {
			select {
			case <-arrive:
				s.AddIncidents(1)
			case <-change:
				s.changeRandom(r)
			case <-s.world.done:
				return
			}
		}
	}()
}

// Close stops the world's moves and ends every open feed, its child
// tenants' too. Serving stops where the server is served
// (httptest.Server.Close).
func (s *Server) Close() {
	s.world.closeOnce.Do(func() { close(s.world.done) })
	s.world.wg.Wait()
	if s.mssp != nil {
		s.mssp.closeChildren()
	}
}

// changeRandom has one of the tenant's people change an open alert: its
// status one step on, or its assignee.
func (s *Server) changeRandom(r *rand.Rand) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureAlerts()
	if len(s.users) == 0 {
		return
	}
	var open []*alert
	for _, a := range s.alerts {
		if a.Status != "closed" && a.ShowInUI {
			open = append(open, a)
		}
	}
	if len(open) == 0 {
		return
	}
	a := open[r.IntN(len(open))]
	u := s.users[r.IntN(len(s.users))]
	if r.IntN(2) == 0 {
		next := map[string]string{"new": "in_progress", "reopened": "in_progress", "in_progress": "closed"}[a.Status]
		s.changeAlert(a, u, next)
		return
	}
	s.changeAlert(a, u, "")
}

// ChangeAsOther has a person of the tenant (named by login, first name or
// UUID) change an alert or a detection: its status to status, or, with
// status "", its assignee to that person. The stream tells it as that
// person's update.
func (s *Server) ChangeAsOther(id, who, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureAlerts()
	var u *user
	for i, x := range s.users {
		if strings.EqualFold(x.UID, who) || strings.EqualFold(x.FirstName, who) || x.UUID == who {
			u = &s.users[i]
			break
		}
	}
	if u == nil {
		return fmt.Errorf("fake: no user %q", who)
	}
	if status != "" && !validStatus[status] {
		return fmt.Errorf("fake: invalid status %q", status)
	}
	if a := s.alertByID[id]; a != nil {
		if status != "" && !alertStatuses[status] {
			return fmt.Errorf("fake: alerts take no status %q", status)
		}
		s.changeAlert(a, *u, status)
		return nil
	}
	if d := s.byID[id]; d != nil {
		attrs := map[string]string{}
		if status != "" {
			d.Status, attrs["update_status"] = status, status
		} else {
			d.AssignedToUID, d.AssignedToName, d.AssignedToUUID = u.UID, u.Name(), u.UUID
			attrs["assign_to_user_id"] = u.UID
		}
		d.DateUpdated = s.now().UTC().Format(time.RFC3339Nano)
		s.auditUpdate("detection_id", id, u.UID, attrs)
		return nil
	}
	return fmt.Errorf("fake: no alert or detection %q", id)
}

// changeAlert applies one person's change to an alert and tells the
// stream. Called with s.mu held.
func (s *Server) changeAlert(a *alert, u user, status string) {
	attrs := map[string]string{}
	if status != "" {
		a.Status, attrs["update_status"] = status, status
	} else {
		a.AssignedToUID, a.AssignedToName, a.AssignedToUUID = u.UID, u.Name(), u.UUID
		attrs["assign_to_user_id"] = u.UID
	}
	a.UpdatedTimestamp = s.now().UTC().Format(time.RFC3339Nano)
	s.auditUpdate("composite_id", a.CompositeID, u.UID, attrs)
}
