package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// The Falcon API never needs a redirect (see falcon-api.md). Following one
// would resend the token form (the client secret), the basic auth of a
// revoke or the bearer token to wherever a hostile or broken service points,
// possibly over plain http, and would turn a PATCH into a GET elsewhere. So
// the client follows none, on any endpoint, and says where it was sent.

// redirectError is what the client's CheckRedirect returns: the status of
// the redirect and where it pointed, shortened and without its query.
type redirectError struct {
	status int
	to     string
	trace  string
}

func (e *redirectError) Error() string { return "the service redirected to " + e.to + ": refused" }

// refuseRedirect is the http.Client's CheckRedirect: the request it is asked
// about is never sent.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	e := &redirectError{to: shortURL(req.URL)}
	if req.Response != nil {
		e.status = req.Response.StatusCode
		e.trace = req.Response.Header.Get("X-Cs-Traceid")
	}
	return e
}

// redirectRefusal turns a refused redirect into the call's error, or
// returns nil for any other error.
func redirectRefusal(op string, err error, ids []string, secrets ...string) *Error {
	var re *redirectError
	if !errors.As(err, &re) {
		return nil
	}
	return &Error{Op: op, Status: re.status, TraceID: printable(redact(re.trace, secrets)), Messages: []string{re.Error()}, IDs: ids}
}

// shortURL shows where a redirect pointed: scheme, host and at most 60
// characters of the path. The query and fragment may hold secrets and are
// left out; anything unprintable becomes '?'.
func shortURL(u *url.URL) string {
	if u == nil {
		return "an unreadable address"
	}
	path := u.EscapedPath()
	if r := []rune(path); len(r) > 60 {
		path = string(r[:60]) + "…"
	}
	s := u.Scheme + "://" + u.Host + path
	if u.RawQuery != "" || u.ForceQuery {
		s += "…"
	}
	return printable(s)
}

// printable replaces what a terminal could act on (controls, bidi and other
// format characters) with '?'.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return '?'
	}, s)
}
