package model

import (
	"context"
	"errors"
)

// Tenant is a child CID of a Falcon Flight Control (MSSP) parent: its
// customer id and what the service says of it. Name and Domains are typed
// by people: hostile strings, sanitised before they are shown.
type Tenant struct {
	CID     string
	Name    string
	Status  string
	Domains []string
}

// Tenants lists a parent's children and switches the console to one.
//
// Children lists every child (all pages; at most MaxChildren, the ones
// read returned with an error wrapping ErrManyChildren). Switch logs in as
// the child (one token for it) and returns the child's backend with what
// ends the switch: nothing of the tenant the console is in changes until
// the console applies it (Commit), and a switch not applied is abandoned
// (its new token revoked); on an error the tenant the console was in stays
// as it was, its token untouched. All may be called from commands, off the
// Update path.
type Tenants interface {
	Children(ctx context.Context) ([]Tenant, error)
	Switch(ctx context.Context, cid string) (TenantSwitch, error)
}

// TenantSwitch is a login as another tenant, not applied yet.
type TenantSwitch struct {
	// Backend reads and writes in the tenant switched to.
	Backend Backend
	// Commit makes the tenant switched to the one the console is in (its
	// people, its stream), then revokes the token of the tenant left: run
	// once the console has moved, after the old tenant's stream is closed.
	Commit func()
	// Abandon revokes the new tenant's token: a switch never applied.
	Abandon func()
}

// ErrNoFlightControl is what Children's error wraps when the API client
// lacks the "Flight Control: read" scope (or the tenant is no parent): the
// console says so once and asks no more.
var ErrNoFlightControl = errors.New("the API client lacks the Flight Control: read scope (or this tenant is no Flight Control parent)")

// MaxChildren is how many children a listing reads at most.
const MaxChildren = 10_000

// ErrManyChildren is what Children's error wraps when the service listed
// more children than the console reads (MaxChildren, or a listing that
// does not end): the children read so far come with it, and are shown.
var ErrManyChildren = errors.New("the service listed more children than the console reads")
