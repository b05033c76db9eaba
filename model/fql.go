package model

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
// asking for rows with two statuses at once), or adds it. A clause of
// several parts on one field, such as severity bands
// ((severity:>=20+severity:<=39),severity:>=80), counts as that field's.
func Replace(f, clause string) string {
	field := fieldOf(clause)
	var keep []string
	for _, p := range SplitAnd(f) {
		if field != "" && fieldOf(p) == field {
			continue
		}
		keep = append(keep, p)
	}
	return And(append(keep, clause)...)
}

// Holds reports whether f's top-level clauses on clause's field (those a
// quick filter replaces) are clause itself: a quick filter on it would
// change nothing.
func Holds(f, clause string) bool {
	field := fieldOf(clause)
	var on []string
	for _, p := range SplitAnd(f) {
		if field != "" && fieldOf(p) == field {
			on = append(on, p)
		}
	}
	return len(on) > 0 && And(on...) == And(clause)
}

// fieldOf is the one field a clause names, or "" when it names several or
// none.
func fieldOf(c string) string {
	c = strings.TrimSpace(c)
	for _, sep := range []byte{',', '+'} {
		if parts := splitTop(c, sep); len(parts) > 1 {
			field := fieldOf(parts[0])
			for _, p := range parts[1:] {
				if fieldOf(p) != field {
					return ""
				}
			}
			return field
		}
	}
	if strings.HasPrefix(c, "(") && strings.HasSuffix(c, ")") {
		return fieldOf(c[1 : len(c)-1])
	}
	name, _, ok := strings.Cut(c, ":")
	if !ok {
		return ""
	}
	return strings.TrimSpace(name)
}

// Before is field:<'time'.
func Before(field string, t time.Time) string {
	return field + ":<" + Quote(t.UTC().Format(time.RFC3339))
}

// Wildcard is field:*'value', value's own * and ? kept as wildcards and
// everything else literal.
func Wildcard(field, value string) string { return field + ":*" + Quote(value) }

// NotWildcard is field:!*'value': the rows Wildcard does not match.
func NotWildcard(field, value string) string { return field + ":!*" + Quote(value) }

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

// Example is a filter in the backend's own field names, for placeholders
// and help: new rows of high severity or above.
func (f Fields) Example() string {
	return And(Eq(f.Status, string(StatusNew)), Num(f.Severity, ">=", 60))
}

// FilterError is a filter refused before it was sent: where the text the
// analyst typed fails, and why. Field and Nearest are set for a field the
// backend does not have.
type FilterError struct {
	Text    string
	Offset  int // bytes into Text
	Why     string
	Field   string
	Nearest []string
}

// Column is where the filter fails, counted in characters from 1.
func (e *FilterError) Column() int { return utf8.RuneCountInString(e.Text[:e.Offset]) + 1 }

// Error says what is wrong, then where, as every refusal does: the column
// and the analyst's own text around it, a caret at the place.
func (e *FilterError) Error() string {
	from, to := max(0, e.Offset-30), min(len(e.Text), e.Offset+30)
	for from > 0 && !utf8.RuneStart(e.Text[from]) {
		from--
	}
	for to < len(e.Text) && !utf8.RuneStart(e.Text[to]) {
		to++
	}
	pre, post := e.Text[from:e.Offset], e.Text[e.Offset:to]
	if from > 0 {
		pre = "…" + pre
	}
	if to < len(e.Text) {
		post += "…"
	}
	return fmt.Sprintf("%s at column %d: %s‸%s", e.Why, e.Column(), pre, post)
}

// MaxClauses is how many field:value clauses one filter sent may hold: the
// service refuses more ("21 properties, at most 20 are allowed"). It counts
// every field named, under a + or a , alike, a field named again again, and
// a list of values ([…]) once.
const MaxClauses = 20

// CheckFilter reads a filter as the analyst typed it and refuses, before
// anything is sent, one that does not parse or that names a field the
// backend does not filter on (naming the nearest real ones), or compares a
// number or a true/false field with something else, or holds more clauses
// than the service takes beside added, the clauses the console adds to it
// when it sends it (show_in_ui:true). A backend without a field table
// checks the syntax only.
func (f Fields) CheckFilter(filter string, added ...string) error {
	p := &fqlCheck{src: filter, f: f}
	p.space()
	if p.pos == len(p.src) {
		return nil
	}
	if err := p.or(); err != nil {
		return err
	}
	if p.space(); p.pos < len(p.src) {
		return p.fail("unexpected %q", p.src[p.pos:p.pos+1])
	}
	adds := 0
	for _, a := range added {
		c := &fqlCheck{src: a}
		if c.or() == nil {
			adds += len(c.fields)
		}
	}
	own := max(0, MaxClauses-adds)
	if len(p.fields) <= own {
		return nil
	}
	p.pos = p.fields[own]
	if adds > 0 {
		return p.fail("at most %d clauses of your own here: the console adds %s; this is clause %d", own, strings.Join(added, " and "), own+1)
	}
	return p.fail("at most %d clauses in one filter; this is clause %d", own, own+1)
}

// fqlCheck reads FQL as the service's grammar has it: `,` (OR) of `+`
// (AND) of terms, a term being (…) or field:[op]value or field:[op][v,…].
type fqlCheck struct {
	src string
	pos int
	f   Fields
	// fields are where each clause's field begins, in order.
	fields []int
}

func (p *fqlCheck) fail(format string, a ...any) error {
	return &FilterError{Text: p.src, Offset: p.pos, Why: fmt.Sprintf(format, a...)}
}

func (p *fqlCheck) space() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *fqlCheck) peek() byte {
	if p.space(); p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *fqlCheck) or() error {
	for {
		if err := p.and(); err != nil {
			return err
		}
		if p.peek() != ',' {
			return nil
		}
		p.pos++
	}
}

func (p *fqlCheck) and() error {
	for {
		if err := p.term(); err != nil {
			return err
		}
		if p.peek() != '+' {
			return nil
		}
		p.pos++
	}
}

func (p *fqlCheck) term() error {
	switch c := p.peek(); c {
	case '(':
		p.pos++
		if err := p.or(); err != nil {
			return err
		}
		if p.peek() != ')' {
			return p.fail("expected ) to close the (")
		}
		p.pos++
		return nil
	case 0:
		return p.fail("expected a field:value after this")
	}
	start := p.pos
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if r != '_' && r != '.' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		p.pos += n
	}
	field := p.src[start:p.pos]
	if field == "" {
		r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
		return p.fail("expected a field name, found %q", r)
	}
	if p.peek() != ':' {
		return p.fail("expected : after %s", field)
	}
	if err := p.known(field, start); err != nil {
		return err
	}
	p.fields = append(p.fields, start)
	p.pos++
	p.space()
	for _, op := range []string{"!~", "!*", ">=", "<=", "!", ">", "<", "~", "*"} {
		if strings.HasPrefix(p.src[p.pos:], op) {
			p.pos += len(op)
			break
		}
	}
	if p.peek() != '[' {
		return p.value(field)
	}
	p.pos++
	for {
		if err := p.value(field); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case ']':
			p.pos++
			return nil
		}
		return p.fail("expected , or ] in the list of values")
	}
}

// value reads one value and checks it against the field's kind.
func (p *fqlCheck) value(field string) error {
	at := p.pos
	var v string
	quoted := false
	switch c := p.peek(); c {
	case '\'', '"':
		quoted = true
		at = p.pos
		p.pos++
		var b strings.Builder
		for {
			if p.pos >= len(p.src) {
				p.pos = at
				return p.fail("this quote is never closed")
			}
			ch := p.src[p.pos]
			if ch == '\\' && p.pos+1 < len(p.src) {
				b.WriteByte(p.src[p.pos+1])
				p.pos += 2
				continue
			}
			p.pos++
			if ch == c {
				break
			}
			b.WriteByte(ch)
		}
		v = b.String()
	default:
		at = p.pos
		for p.pos < len(p.src) && !strings.ContainsRune("+,)] \t\n'\"[(", rune(p.src[p.pos])) {
			p.pos++
		}
		v = p.src[at:p.pos]
		if v == "" {
			return p.fail("expected a value for %s", field)
		}
	}
	if v == "null" && !quoted || strings.ContainsAny(v, "*?") {
		return nil
	}
	kind, ok := p.f.Filterable[field]
	switch {
	case !ok:
	case kind == NumberField:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			p.pos = at
			return p.fail("%s takes a number, not %s", field, p.src[at:max(at+1, p.afterValue(at))])
		}
	case kind == BoolField:
		if v != "true" && v != "false" {
			p.pos = at
			return p.fail("%s takes true or false, not %s", field, p.src[at:max(at+1, p.afterValue(at))])
		}
	}
	return nil
}

// afterValue is where the value starting at at ends (for quoting it).
func (p *fqlCheck) afterValue(at int) int {
	save := p.pos
	defer func() { p.pos = save }()
	p.pos = at
	if c := p.src[at]; c == '\'' || c == '"' {
		p.pos++
		for p.pos < len(p.src) && p.src[p.pos] != c {
			if p.src[p.pos] == '\\' {
				p.pos++
			}
			p.pos++
		}
		return min(len(p.src), p.pos+1)
	}
	for p.pos < len(p.src) && !strings.ContainsRune("+,)] \t\n[(", rune(p.src[p.pos])) {
		p.pos++
	}
	return p.pos
}

// known refuses a field the backend does not filter on, naming the
// nearest it has.
func (p *fqlCheck) known(field string, at int) error {
	if p.f.Filterable == nil || p.f.Filterable.Has(field) {
		return nil
	}
	e := &FilterError{Text: p.src, Offset: at, Field: field, Nearest: p.f.Nearest(field)}
	switch renamed, ok := p.f.Renamed[field]; {
	case ok:
		e.Why = fmt.Sprintf("%s is the other API's name: this one calls it %s", field, renamed)
		if rest := slices.DeleteFunc(slices.Clone(e.Nearest), func(s string) bool { return s == renamed }); len(rest) > 0 {
			e.Why += " (near: " + strings.Join(rest, ", ") + ")"
		}
	case len(e.Nearest) > 0:
		e.Why = fmt.Sprintf("no field %s here (the nearest: %s)", field, strings.Join(e.Nearest, ", "))
	default:
		e.Why = fmt.Sprintf("no field %s here", field)
	}
	return e
}

// Nearest are up to three filterable fields nearest to name: its name on
// this backend, the fields ending as it ends (hostname: device.hostname),
// then those a few edits away (distance), a third of its length at most
// (two for a short name).
func (f Fields) Nearest(name string) []string {
	var out []string
	add := func(s string) {
		if len(out) < 3 && !slices.Contains(out, s) && f.Filterable.Has(s) {
			out = append(out, s)
		}
	}
	add(f.Renamed[name])
	last := name[strings.LastIndexByte(name, '.')+1:]
	var suffix, near []string
	type scored struct {
		name string
		d    int
	}
	var close []scored
	limit := max(2, utf8.RuneCountInString(name)/3)
	for field := range f.Filterable {
		if field == last || strings.HasSuffix(field, "."+last) {
			suffix = append(suffix, field)
		}
		if d := distance(strings.ToLower(name), field); d <= limit {
			close = append(close, scored{field, d})
		}
	}
	slices.Sort(suffix)
	slices.SortFunc(close, func(a, b scored) int { return cmp.Or(a.d-b.d, strings.Compare(a.name, b.name)) })
	for _, c := range close {
		near = append(near, c.name)
	}
	for _, s := range append(suffix, near...) {
		add(s)
	}
	return out
}

// distance is how far name is from field: the edits from one to the
// other, or one more than the edits to the field's first or last words
// (split at a _ or a .): severty is one edit from severity, two from
// severity_name and max_severity.
func distance(name, field string) int {
	d := editDistance(name, field)
	for i := range len(field) {
		if field[i] == '_' || field[i] == '.' {
			d = min(d, editDistance(name, field[:i])+1, editDistance(name, field[i+1:])+1)
		}
	}
	return d
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Bands is a filter for rows whose severity falls in any of bands (of
// SeverityBands): neighbouring bands join into one range, so High and
// Critical read severity:>=60 and Low and Critical
// (severity:>=20+severity:<=39),severity:>=80.
func Bands(field string, bands []SeverityBand) string {
	in := make([]bool, len(SeverityBands))
	for _, b := range bands {
		for i, sb := range SeverityBands {
			if sb == b {
				in[i] = true
			}
		}
	}
	last := len(SeverityBands) - 1
	var runs []string
	for i := 0; i <= last; i++ {
		if !in[i] {
			continue
		}
		j := i
		for j < last && in[j+1] {
			j++
		}
		from, to := int64(SeverityBands[i].From), int64(SeverityBands[j].To)
		switch {
		case j == last:
			runs = append(runs, Num(field, ">=", from))
		case i == 0:
			runs = append(runs, Num(field, "<=", to))
		default:
			runs = append(runs, "("+And(Num(field, ">=", from), Num(field, "<=", to))+")")
		}
		i = j
	}
	if len(runs) == 1 {
		return strings.Trim(runs[0], "()")
	}
	return Or(runs...)
}
