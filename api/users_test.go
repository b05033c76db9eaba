package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// userService answers the user lookups with fixed bodies.
func userService(t *testing.T, query, entities string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/oauth2/token":
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"bearer","expires_in":1799}`))
		case "/user-management/queries/users/v1":
			_, _ = w.Write([]byte(query))
		default:
			_, _ = w.Write([]byte(entities))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUserLookupsOfBrokenAnswers(t *testing.T) {
	const u1 = `{"uuid":"1111","uid":"ann@corp.example","first_name":"Ann"}`
	cases := []struct {
		name, query, entities string
		want                  string // in the error of UserByLogin
		found                 int    // users FindUsers returns
	}{
		{"ids but no users", `{"resources":["1111"]}`, `{"resources":[]}`, "no user record", 0},
		{"null users", `{"resources":["1111"]}`, `{"resources":null}`, "no user record", 0},
		{"empty uuid in the query", `{"resources":[""]}`, `{"resources":[` + u1 + `]}`, "empty user id", 0},
		{"empty uuid in the user", `{"resources":["1111"]}`, `{"resources":[{"uuid":"","uid":"ann@corp.example"}]}`, "no user record", 0},
		{"another user", `{"resources":["1111"]}`, `{"resources":[{"uuid":"2222","uid":"eve@corp.example"}]}`, "no user record", 0},
	}
	for _, k := range cases {
		t.Run(k.name, func(t *testing.T) {
			c := userService(t, k.query, k.entities)
			u, err := c.UserByLogin(context.Background(), "ann@corp.example")
			if err == nil || !strings.Contains(err.Error(), k.want) {
				t.Fatalf("got %+v, %v; want an error saying %q", u, err, k.want)
			}
			found, err := c.FindUsers(context.Background(), "ann")
			if len(found) != k.found {
				t.Fatalf("FindUsers: %+v, %v", found, err)
			}
			for _, f := range found {
				if f.UUID == "" {
					t.Fatal("a user without a UUID")
				}
			}
		})
	}
}

func TestUserByLoginOfAGoodAnswer(t *testing.T) {
	c := userService(t, `{"resources":["1111"]}`, `{"resources":[{"uuid":"1111","uid":"ann@corp.example","first_name":"Ann"}]}`)
	u, err := c.UserByLogin(context.Background(), "ann@corp.example")
	if err != nil || u.UUID != "1111" {
		t.Fatalf("%+v %v", u, err)
	}
	var ae *Error
	if _, err := userService(t, `{"resources":[]}`, `{}`).UserByLogin(context.Background(), "x"); !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("no such login: %v", err)
	}
}
