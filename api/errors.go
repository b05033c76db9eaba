package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is every failure of a Falcon API call: the operation, the HTTP status
// (0 when no answer came), the service's messages, the trace id CrowdStrike
// support asks for, and the ids it concerned. It never holds a secret or a
// token.
type Error struct {
	Op       string
	Status   int
	Messages []string
	TraceID  string
	IDs      []string
	// Unknown is set when a write lost its connection, got a 5xx or a 2xx
	// it could not read: it may or may not have been applied, to IDs
	// (after a 5xx, the ids its answer did not name).
	Unknown bool
	// TooLarge: the answer was larger than what was asked for could take.
	TooLarge bool
	Err      error
	// Hint is what to do about it, after the service's words: the scope
	// an API client lacks and the other API to try.
	Hint string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	case e.Unknown:
		b.WriteString("the connection was lost; the outcome is unknown")
	default:
		b.WriteString("no answer")
	}
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	} else if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	if e.Status != 0 && e.Unknown {
		if len(e.IDs) == 1 {
			b.WriteString("; the outcome of 1 id is unknown")
		} else {
			fmt.Fprintf(&b, "; the outcome of %d ids is unknown", len(e.IDs))
		}
	}
	if e.TraceID != "" {
		b.WriteString(" (trace id ")
		b.WriteString(e.TraceID)
		b.WriteString(")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus is the answer's status, 0 when none came. The console tests
// errors through this method, since it must not import this package.
func (e *Error) HTTPStatus() int { return e.Status }

// OutcomeUnknown reports a write whose answer was lost.
func (e *Error) OutcomeUnknown() bool { return e.Unknown }

// Trace is the Falcon trace id.
func (e *Error) Trace() string { return e.TraceID }

// Message is the service's own words, or the error itself without the
// operation, for showing under an input the analyst is editing.
func (e *Error) Message() string {
	if len(e.Messages) > 0 {
		words := e.Messages[:len(e.Messages):len(e.Messages)]
		if e.Hint != "" {
			words = append(words, e.Hint)
		}
		return strings.Join(words, "; ")
	}
	return e.Error()
}

// StatusOf returns the HTTP status of an API error, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// TraceOf returns the trace id of an API error, or "".
func TraceOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.TraceID
	}
	return ""
}
