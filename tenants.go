package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
)

// tenants is the console's model.Tenants: a Flight Control parent's
// children, and the switch between them. The connection's client is the
// tenant the console is in; a switch logs in as the child with a client of
// its own (one token, asked with member_cid) and closes the one it
// replaces, which revokes its token where it was issued. A refused switch
// leaves the client, and its token, as they were.
type tenants struct {
	conn     *connection
	flagAPI  string
	readOnly bool
	audit    *api.AuditLog

	mu sync.Mutex // guards conn.client while the console runs
	// revokeErrs are the revokes of replaced clients the service did not
	// take, said when the console ends.
	revokeErrs []error
}

// current is the client of the tenant the console is in.
func (t *tenants) current() *api.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.conn.client
}

// Children lists the parent's children. In a child, the list is the
// parent's: read with a token of the parent's of its own, revoked at once.
func (t *tenants) Children(ctx context.Context) ([]model.Tenant, error) {
	c := t.current()
	if c.MemberCID() == "" {
		return c.Children(ctx)
	}
	p, err := c.ForMember(ctx, "")
	if err != nil {
		return nil, err
	}
	defer t.close(p)
	return p.Children(ctx)
}

// Switch logs in as cid ("" the parent) and chooses its API as the start
// did. Nothing changes until Commit: then the console's client becomes the
// new one, and only then is the tenant left closed (its token revoked);
// Abandon closes the new one instead.
func (t *tenants) Switch(ctx context.Context, cid string) (model.TenantSwitch, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	old := t.current()
	nc, err := old.ForMember(ctx, cid)
	if err != nil {
		return model.TenantSwitch{}, err
	}
	t.mu.Lock()
	next := *t.conn
	t.mu.Unlock()
	next.client = nc
	// The same API client has the same scopes in every tenant: the API
	// auto chose at the start is taken again, with no probe.
	flagAPI := t.flagAPI
	if (flagAPI == "" || flagAPI == "auto") && next.backend != nil && (next.cfg.API == "" || next.cfg.API == "auto") {
		flagAPI = next.backend.Name()
	}
	// Logged in already (one token for the child): only the API is chosen.
	if err := next.pickBackend(ctx, flagAPI, t.readOnly, nil); err != nil {
		t.close(nc)
		return model.TenantSwitch{}, err
	}
	var once sync.Once
	return model.TenantSwitch{
		Backend: api.Audited{Backend: next.backend, Log: t.audit},
		Commit: func() {
			once.Do(func() {
				t.mu.Lock()
				t.conn.client, t.conn.backend = nc, next.backend
				t.mu.Unlock()
				t.close(old)
			})
		},
		Abandon: func() { once.Do(func() { t.close(nc) }) },
	}, nil
}

// close revokes a client's tokens, remembering a revoke not taken.
func (t *tenants) close(c *api.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.mu.Lock()
		t.revokeErrs = append(t.revokeErrs, err)
		t.mu.Unlock()
	}
}

// err is every revoke of a replaced tenant the service did not take.
func (t *tenants) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return errors.Join(t.revokeErrs...)
}

// OpenStream opens the event stream of the tenant the console is in (its
// token, its app id); a switch closes the stream of the tenant left.
func (t *tenants) OpenStream(ctx context.Context) (model.Stream, error) {
	return t.current().OpenStream(ctx)
}

// FindUsers and UserByLogin look people up in the tenant the console is
// in now (the assignee picker's source).
func (t *tenants) FindUsers(ctx context.Context, text string) ([]model.User, error) {
	return t.current().FindUsers(ctx, text)
}

// UserByLogin: see FindUsers.
func (t *tenants) UserByLogin(ctx context.Context, login string) (model.User, error) {
	return t.current().UserByLogin(ctx, login)
}
