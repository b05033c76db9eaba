package main

import (
	"context"
	"slices"
	"testing"

	"github.com/falcon-triage/falcon-triage/api"
	"github.com/falcon-triage/falcon-triage/api/fake"
)

// TestChildrenListedFromAChildRevokeTheParentsToken: in a child, the list
// is the parent's, read with a parent token of its own: one token asked
// without member_cid, and revoked at once.
func TestChildrenListedFromAChildRevokeTheParentsToken(t *testing.T) {
	kids := fake.DemoChildren(2)
	f, srv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: 20, Seed: 3}, Children: kids})
	t.Cleanup(func() { srv.Close(); f.Close() })
	child, err := api.New(api.Config{ClientID: fake.DemoClientID, ClientSecret: fake.DemoClientSecret, BaseURL: srv.URL, MemberCID: kids[0].CID})
	if err != nil {
		t.Fatal(err)
	}
	defer child.Close(context.Background())
	if err := child.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	ten := &tenants{conn: &connection{client: child}}
	got, err := ten.Children(context.Background())
	if err != nil || len(got) != 2 {
		t.Fatalf("%d children, %v", len(got), err)
	}
	if m := f.MemberCIDs(); !slices.Equal(m, []string{kids[0].CID, ""}) || f.Unrevoked() != 1 || f.Count("revoke") != 1 {
		t.Fatalf("token requests %q, %d unrevoked, %d revokes: want the parent's token revoked at once", m, f.Unrevoked(), f.Count("revoke"))
	}
}
