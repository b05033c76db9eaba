package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/falcon-triage/falcon-triage/api/fake"
	"github.com/falcon-triage/falcon-triage/model"
)

// TestEveryTokenIsRevokedWhereItWasIssued: autodiscovery takes a token from
// us-1, which is of no use once the tenant is found in us-2: it is revoked
// at us-1 at once, and the us-2 token at us-2 when the client closes.
func TestEveryTokenIsRevokedWhereItWasIssued(t *testing.T) {
	home, homeSrv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: 10, Seed: 1, Base: testBase}, Region: "us-2"})
	defer homeSrv.Close()
	eu, euSrv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: 10, Seed: 1, Base: testBase}, Region: "us-2"})
	defer euSrv.Close()
	id, secret := home.Credentials()
	c, err := New(Config{ClientID: id, ClientSecret: secret, Cloud: "autodiscover", Clouds: map[string]string{"us-1": homeSrv.URL, "us-2": euSrv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if home.Count("token") != 1 || home.Unrevoked() != 0 || eu.Unrevoked() != 1 {
		t.Fatalf("after discovery: us-1 issued %d and holds %d unrevoked, us-2 holds %d; want the us-1 token revoked there at once",
			home.Count("token"), home.Unrevoked(), eu.Unrevoked())
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if home.Unrevoked() != 0 || eu.Unrevoked() != 0 || home.Count("revoke") != 1 || eu.Count("revoke") != 1 {
		t.Fatalf("after close: unrevoked us-1 %d, us-2 %d; revokes us-1 %d, us-2 %d; want each token revoked once, where it was issued",
			home.Unrevoked(), eu.Unrevoked(), home.Count("revoke"), eu.Count("revoke"))
	}
}

// TestAReplacedTokenIsRevoked: a token the service refused (401) and one
// about to lapse are replaced, and each replaced token is revoked then, not
// left to the end of the run or forgotten.
func TestAReplacedTokenIsRevoked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fake.Options{})
	for range 3 {
		if _, err := e.det.Query(ctx, model.Query{Limit: 1}); err != nil {
			t.Fatal(err)
		}
		e.fake.ExpireTokens()
	}
	if n := e.fake.Count("token"); n != 3 || e.fake.Unrevoked() != 1 {
		t.Fatalf("%d tokens issued, %d not revoked; want 3 and only the last", n, e.fake.Unrevoked())
	}
	if err := e.client.Close(ctx); err != nil || e.fake.Unrevoked() != 0 {
		t.Fatalf("close: %v, %d not revoked", err, e.fake.Unrevoked())
	}

	short := newEnv(t, fake.Options{TokenTTL: 30 * time.Second})
	for range 3 {
		if _, err := short.det.Query(ctx, model.Query{Limit: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if n := short.fake.Count("token"); n != 3 || short.fake.Unrevoked() != 1 {
		t.Fatalf("short tokens: %d issued, %d not revoked; want 3 and only the last", n, short.fake.Unrevoked())
	}
}

// TestATokenInUseIsRevokedWhenItsRequestEnds: an update holding a token
// while another call replaces it keeps it until its answer is in; then it
// is revoked, without waiting for the end of the run.
func TestATokenInUseIsRevokedWhenItsRequestEnds(t *testing.T) {
	f, srv := fake.NewServer(fake.Options{GenOptions: fake.GenOptions{Count: 20, Seed: 7, Base: testBase}, TokenTTL: 30 * time.Second})
	defer srv.Close()
	sent := make(chan struct{})
	base := http.DefaultTransport
	tr := roundTrip(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPatch {
			close(sent)
		}
		return base.RoundTrip(r)
	})
	id, secret := f.Credentials()
	c, err := New(Config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, HTTPTransport: tr})
	if err != nil {
		t.Fatal(err)
	}
	det := NewDetects(c)
	ctx := context.Background()
	f.SetFaults(fake.Faults{HoldUpdates: true})
	defer f.SetFaults(fake.Faults{}) // before the server closes, should this fail
	done := make(chan error, 1)
	status := model.StatusInProgress
	go func() {
		_, err := det.Update(ctx, model.Change{IDs: f.IDs()[:1], Status: &status})
		done <- err
	}()
	<-sent
	if _, err := det.Query(ctx, model.Query{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if n := f.Unrevoked(); n != 2 {
		t.Fatalf("%d tokens not revoked while the update uses the one replaced, want 2", n)
	}
	f.SetFaults(fake.Faults{})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := f.Unrevoked(); n != 1 {
		t.Fatalf("%d tokens not revoked once the update's answer is in, want 1", n)
	}
	if err := c.Close(ctx); err != nil || f.Unrevoked() != 0 {
		t.Fatalf("close: %v, %d not revoked", err, f.Unrevoked())
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestNoTokenIsObtainedAfterClose: a request after Close (a write still
// retrying past the quit's wait, the emergency path) obtains no token, so
// none outlives the run unrevoked.
func TestNoTokenIsObtainedAfterClose(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, fake.Options{})
	if _, err := e.det.Query(ctx, model.Query{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Close(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := e.det.Query(ctx, model.Query{Limit: 1})
	if err == nil || e.fake.Count("token") != 1 || e.fake.Unrevoked() != 0 {
		t.Fatalf("after close: %v; %d tokens issued, %d not revoked", err, e.fake.Count("token"), e.fake.Unrevoked())
	}
}
