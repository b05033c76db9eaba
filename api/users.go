package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/falcon-triage/falcon-triage/model"
)

// User lookups (User Management): an assignee is named by login or name on
// screen, and sent as a UUID. Without the "User Management: read" scope the
// service answers 403; callers test that with IsForbidden.

// FindUsers returns the users whose login, first or last name contains text
// (all users, up to 500, when text is empty).
func (c *Client) FindUsers(ctx context.Context, text string) ([]model.User, error) {
	v := url.Values{"limit": {"500"}}
	if text = strings.TrimSpace(text); text != "" {
		pat := "*" + text + "*"
		v.Set("filter", model.Or(model.Wildcard("uid", pat), model.Wildcard("first_name", pat), model.Wildcard("last_name", pat)))
	}
	env, err := c.do(ctx, call{op: "find users", method: http.MethodGet, path: "/user-management/queries/users/v1", query: v, read: true, answer: answerFor(500, idBytes)})
	if err != nil {
		return nil, err
	}
	var ids []string
	if len(env.Resources.raw) > 0 && string(env.Resources.raw) != "null" {
		if err := json.Unmarshal(env.Resources.raw, &ids); err != nil {
			return nil, &Error{Op: "find users", Status: 200, TraceID: env.Meta.TraceID, Err: fmt.Errorf("unreadable user ids: %v", err)}
		}
	}
	if ids = nonEmpty(ids); len(ids) == 0 {
		return nil, nil
	}
	return c.GetUsers(ctx, ids)
}

// nonEmpty drops empty ids: a user without a UUID can be neither read nor
// assigned, and asking for one again and again is a loop.
func nonEmpty(ids []string) []string {
	out := ids[:0:0]
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// UserByLogin returns the user with exactly this login (uid).
func (c *Client) UserByLogin(ctx context.Context, login string) (model.User, error) {
	v := url.Values{"filter": {model.Eq("uid", login)}}
	env, err := c.do(ctx, call{op: "find user", method: http.MethodGet, path: "/user-management/queries/users/v1", query: v, read: true})
	if err != nil {
		return model.User{}, err
	}
	var ids []string
	_ = json.Unmarshal(env.Resources.raw, &ids)
	if len(ids) == 0 {
		return model.User{}, &Error{Op: "find user", Status: http.StatusNotFound, TraceID: env.Meta.TraceID, Messages: []string{"no user with login " + login}}
	}
	if ids = nonEmpty(ids); len(ids) == 0 {
		return model.User{}, &Error{Op: "find user", Status: http.StatusOK, TraceID: env.Meta.TraceID, Err: fmt.Errorf("the service answered an empty user id for login %s", login)}
	}
	users, err := c.GetUsers(ctx, ids[:1])
	if err != nil {
		return model.User{}, err
	}
	if len(users) == 0 {
		return model.User{}, &Error{Op: "find user", Status: http.StatusOK, TraceID: env.Meta.TraceID, Err: fmt.Errorf("the service named user %s for login %s but returned no user record", ids[0], login)}
	}
	return users[0], nil
}

// GetUsers returns users by UUID: those the service returned of the ones
// asked for.
func (c *Client) GetUsers(ctx context.Context, uuids []string) ([]model.User, error) {
	env, err := c.do(ctx, call{op: "read users", method: http.MethodPost, path: "/user-management/entities/users/GET/v1", body: map[string][]string{"ids": uuids}, read: true, ids: uuids, answer: answerFor(len(uuids), documentBytes)})
	if err != nil && (env == nil || StatusOf(err) != http.StatusNotFound) {
		return nil, err
	}
	var wire []struct {
		UUID      string `json:"uuid"`
		UID       string `json:"uid"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
	}
	if len(env.Resources.raw) == 0 || string(env.Resources.raw) == "null" {
		return nil, nil
	}
	if err := json.Unmarshal(env.Resources.raw, &wire); err != nil {
		return nil, &Error{Op: "read users", Status: 200, TraceID: env.Meta.TraceID, Err: fmt.Errorf("unreadable users: %v", err)}
	}
	asked := make(map[string]bool, len(uuids))
	for _, id := range uuids {
		asked[id] = true
	}
	// Only the users asked for, each with its UUID: a record without one
	// could not be assigned, and one not asked for is not an answer.
	out := make([]model.User, 0, len(wire))
	for _, w := range wire {
		if w.UUID != "" && asked[w.UUID] {
			out = append(out, model.User(w))
		}
	}
	return out, nil
}
