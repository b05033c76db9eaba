package model

import (
	"strconv"
	"strings"
	"time"
)

// FQL building. Every value a person typed or the service returned goes
// through Quote before it is put into a filter, so a host name such as
// it's+x,y cannot change the meaning of the filter it lands in.

// Quote renders s as an FQL string literal: single quotes, with backslash and
// quote escaped.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '\'' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('\'')
	return b.String()
}

// Eq is field:'value'.
func Eq(field, value string) string { return field + ":" + Quote(value) }

// NotEq is field:!'value'.
func NotEq(field, value string) string { return field + ":!" + Quote(value) }

// In is field:['a','b'] (any of the values).
func In(field string, values []string) string {
	return field + ":" + valueList(values)
}

// NotIn is field:!['a','b'] (none of the values).
func NotIn(field string, values []string) string {
	return field + ":!" + valueList(values)
}

func valueList(values []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(Quote(v))
	}
	b.WriteByte(']')
	return b.String()
}

// Num is field:<op><n> for a number, op one of "", "!", ">", ">=", "<", "<=".
func Num(field, op string, n int64) string {
	return field + ":" + op + strconv.FormatInt(n, 10)
}

// Bool is field:true or field:false.
func Bool(field string, v bool) string { return field + ":" + strconv.FormatBool(v) }

// Null is field:null (unset).
func Null(field string) string { return field + ":null" }

// After is field:>='time', a time bound in RFC 3339.
func After(field string, t time.Time) string {
	return field + ":>=" + Quote(t.UTC().Format(time.RFC3339))
}

// Since is field:>='now-<span>', span being date math such as 1h, 24h,
// 7d: the window moves with the clock, and stays relative when saved.
func Since(field, span string) string {
	return field + ":>=" + Quote("now-"+span)
}

// SplitAnd splits a filter at its top-level + (outside quotes, brackets and
// parentheses).
func SplitAnd(f string) []string { return splitTop(f, '+') }

// splitTop splits f at sep where it stands outside quotes, brackets and
// parentheses.
func splitTop(f string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == sep && depth == 0:
			out = append(out, f[start:i])
			start = i + 1
		}
	}
	return append(out, f[start:])
}

// Replace puts clause in place of every top-level clause of f on the same
// field (a quick filter for a status replaces the status, rather than
// asking for rows with two statuses at once), or adds it.
func Replace(f, clause string) string {
	field, _, _ := strings.Cut(clause, ":")
	var keep []string
	for _, p := range SplitAnd(f) {
		if name, _, ok := strings.Cut(strings.TrimSpace(p), ":"); ok && name == field {
			continue
		}
		keep = append(keep, p)
	}
	return And(append(keep, clause)...)
}

// Before is field:<'time'.
func Before(field string, t time.Time) string {
	return field + ":<" + Quote(t.UTC().Format(time.RFC3339))
}

// Wildcard is field:*'value', value's own * and ? kept as wildcards and
// everything else literal.
func Wildcard(field, value string) string { return field + ":*" + Quote(value) }

// And joins filter parts with +, grouping any part that has a top-level OR
// so the parts keep their meaning. Empty parts are dropped.
func And(parts ...string) string {
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if hasTopLevel(p, ',') {
			p = "(" + p + ")"
		}
		out = append(out, p)
	}
	return strings.Join(out, "+")
}

// Or joins filter parts with ,. Empty parts are dropped.
func Or(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ",")
}

// hasTopLevel reports whether sep occurs in f outside quotes, brackets and
// parentheses.
func hasTopLevel(f string, sep byte) bool { return len(splitTop(f, sep)) > 1 }
