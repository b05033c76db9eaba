package main

import (
	"context"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/model"
)

// Hosts reads hosts in the tenant the console is in now: a switch to a
// Flight Control child reads (and contains) the child's hosts, with the
// child's token.
func (t *tenants) Hosts(ctx context.Context, aids []string) ([]model.Host, map[string]string, error) {
	return api.NewHosts(t.current()).Hosts(ctx, aids)
}

// Contain sends a containment in the tenant the console is in now.
func (t *tenants) Contain(ctx context.Context, action model.ContainAction, aids []string) (model.ContainResult, error) {
	return api.NewHosts(t.current()).Contain(ctx, action, aids)
}

var _ model.Hosts = (*tenants)(nil)

// auditedHosts is api.AuditedHosts as a model.Hosts: its field named
// Hosts hides the method of that name, so reads go to the field's.
type auditedHosts struct{ a api.AuditedHosts }

func (h auditedHosts) Hosts(ctx context.Context, aids []string) ([]model.Host, map[string]string, error) {
	return h.a.Hosts.Hosts(ctx, aids)
}

func (h auditedHosts) Contain(ctx context.Context, action model.ContainAction, aids []string) (model.ContainResult, error) {
	return h.a.Contain(ctx, action, aids)
}
