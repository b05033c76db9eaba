package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/falcon-triage/falcon-triage/model"
)

const redirectSecret = "CANARY-redirect-5ecret"

// elsewhere is a host a hostile service points at: it must receive nothing.
func elsewhere(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"access_token":"stolen","token_type":"bearer","expires_in":1799}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// redirecting serves a token, then redirects the paths in to to their URL
// with the given status.
func redirecting(t *testing.T, tlsServer bool, status int, to map[string]string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if loc, ok := to[r.URL.Path]; ok {
			w.Header().Set("Location", loc)
			w.WriteHeader(status)
			return
		}
		switch r.URL.Path {
		case "/oauth2/token":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"bearer","expires_in":1799}`))
		default:
			_, _ = w.Write([]byte(`{"meta":{},"resources":[],"errors":[]}`))
		}
	})
	var srv *httptest.Server
	if tlsServer {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, &hits
}

func redirectClient(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	cfg := Config{ClientID: "id", ClientSecret: redirectSecret, BaseURL: srv.URL, Sleep: (&sleeps{}).sleep}
	if srv.TLS != nil {
		cfg.HTTPTransport = srv.Client().Transport
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Client().CloseIdleConnections() })
	return c
}

// wantRefusedRedirect checks the error says where the service redirected,
// that it was refused, and carries no query string or secret.
func wantRefusedRedirect(t *testing.T, err error, status int, host string) {
	t.Helper()
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *Error", err)
	}
	msg := err.Error()
	if ae.Status != status || ae.Unknown || !strings.Contains(msg, "redirected to "+host) || !strings.Contains(msg, ": refused") {
		t.Fatalf("got %q (status %d, unknown %v), want a refused %d redirect to %s", msg, ae.Status, ae.Unknown, status, host)
	}
	if strings.Contains(msg, "leak") || strings.Contains(msg, redirectSecret) || strings.Contains(msg, "?") {
		t.Fatalf("the error shows the target's query or a secret: %q", msg)
	}
}

func TestTokenRedirectIsNotFollowed(t *testing.T) {
	other, otherHits := elsewhere(t)
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv, _ := redirecting(t, false, status, map[string]string{"/oauth2/token": other.URL + "/oauth2/token?x=leak"})
			c := redirectClient(t, srv)
			err := c.Login(context.Background())
			wantRefusedRedirect(t, err, status, other.URL+"/oauth2/token")
			if otherHits.Load() != 0 {
				t.Fatalf("the other host received %d requests", otherHits.Load())
			}
		})
	}
	t.Run("same host", func(t *testing.T) {
		srv, hits := redirecting(t, false, http.StatusTemporaryRedirect, map[string]string{"/oauth2/token": "/oauth2/token2"})
		c := redirectClient(t, srv)
		wantRefusedRedirect(t, c.Login(context.Background()), http.StatusTemporaryRedirect, srv.URL+"/oauth2/token2")
		if hits.Load() != 1 {
			t.Fatalf("the token request was sent %d times", hits.Load())
		}
	})
}

func TestRevokeRedirectIsNotFollowed(t *testing.T) {
	other, otherHits := elsewhere(t)
	srv, _ := redirecting(t, false, http.StatusTemporaryRedirect, map[string]string{"/oauth2/revoke": other.URL + "/oauth2/revoke"})
	c := redirectClient(t, srv)
	if err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantRefusedRedirect(t, c.Close(context.Background()), http.StatusTemporaryRedirect, other.URL+"/oauth2/revoke")
	if otherHits.Load() != 0 {
		t.Fatalf("the other host received %d requests", otherHits.Load())
	}
}

func TestHTTPSDowngradeRedirectIsNotFollowed(t *testing.T) {
	plain, plainHits := elsewhere(t)
	// The same host name (127.0.0.1) over plain http.
	target := plain.URL + "/detects/queries/detects/v1?filter=leak"
	srv, _ := redirecting(t, true, http.StatusFound, map[string]string{"/detects/queries/detects/v1": target})
	c := redirectClient(t, srv)
	_, err := NewDetects(c).Query(context.Background(), model.Query{Limit: 1})
	wantRefusedRedirect(t, err, http.StatusFound, plain.URL+"/detects/queries/detects/v1")
	if plainHits.Load() != 0 {
		t.Fatalf("the bearer token went to %s in clear (%d requests)", plain.URL, plainHits.Load())
	}
}

func TestAPIRedirectsAreNotFollowed(t *testing.T) {
	other, otherHits := elsewhere(t)
	read := func(c *Client) error {
		_, err := NewDetects(c).Query(context.Background(), model.Query{Limit: 1})
		return err
	}
	write := func(c *Client) error {
		st := model.StatusClosed
		_, err := NewDetects(c).Update(context.Background(), model.Change{IDs: []string{"ldt:a:1"}, Status: &st})
		return err
	}
	cases := []struct {
		name   string
		status int
		path   string
		call   func(*Client) error
		same   bool
	}{
		{"GET 301", http.StatusMovedPermanently, "/detects/queries/detects/v1", read, false},
		{"GET 308", http.StatusPermanentRedirect, "/detects/queries/detects/v1", read, false},
		{"PATCH 301", http.StatusMovedPermanently, "/detects/entities/detects/v2", write, false},
		{"PATCH 308", http.StatusPermanentRedirect, "/detects/entities/detects/v2", write, false},
		{"PATCH 307 same host", http.StatusTemporaryRedirect, "/detects/entities/detects/v2", write, true},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			target := other.URL + k.path + "?token=leak"
			if k.same {
				target = k.path + "/again?token=leak"
			}
			srv, hits := redirecting(t, false, k.status, map[string]string{k.path: target})
			c := redirectClient(t, srv)
			host := other.URL
			if k.same {
				host = srv.URL
			}
			wantRefusedRedirect(t, k.call(c), k.status, host+k.path)
			if otherHits.Load() != 0 {
				t.Fatalf("the other host received %d requests", otherHits.Load())
			}
			if hits.Load() != 2 { // the token and the one call
				t.Fatalf("%d requests reached the service, want 2", hits.Load())
			}
		})
	}
}
