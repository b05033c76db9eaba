package screen

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	tea "charm.land/bubbletea/v2"
)

// ErrMessage is the service's own words when there are some.
func ErrMessage(err error) string {
	var m interface{ Message() string }
	if errors.As(err, &m) {
		return m.Message()
	}
	return err.Error()
}

// ErrStatus and friends read the API's typed errors through methods, since
// the console does not import the API package.
func ErrStatus(err error) int {
	var e interface{ HTTPStatus() int }
	if errors.As(err, &e) {
		return e.HTTPStatus()
	}
	return 0
}

func ErrUnknown(err error) bool {
	var e interface{ OutcomeUnknown() bool }
	return errors.As(err, &e) && e.OutcomeUnknown()
}

func TraceOf(err error) string {
	var e interface{ Trace() string }
	if errors.As(err, &e) {
		return e.Trace()
	}
	return ""
}

// Recover turns a panic in a command into the command's own answer with
// an error, so a bug met while reading one answer (hostile data, a broken
// backend) is a message on the screen, not the end of the program. The
// stack goes to stderr, which the crash guard keeps for the crash report.
func Recover(msg *tea.Msg, answer func(error) tea.Msg) {
	if r := recover(); r != nil {
		*msg = answer(InternalError(r))
	}
}

func InternalError(r any) error {
	fmt.Fprintf(os.Stderr, "falcon-triage: a command failed: %v\n%s", r, debug.Stack())
	return fmt.Errorf("internal error: %v (the stack is in the crash report)", r)
}
