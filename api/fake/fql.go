package fake

import (
	"fmt"
	"math"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// FQL as the fake evaluates it. Precedence: `+` (AND) binds tighter than `,`
// (OR); parentheses group. The real service documents neither precedence nor
// grouping well; this choice lives here only.

// maxProperties is how many properties (field:value clauses, a field named
// again counting again) one filter may hold.
const maxProperties = 20

type fieldKind int

const (
	kindString fieldKind = iota
	kindInt
	kindFloat
	kindBool
	kindTime
)

// timeFields are the string fields holding RFC 3339 times, by JSON name.
var timeFields = map[string]bool{
	"created_timestamp": true, "first_behavior": true, "last_behavior": true, "date_updated": true,
	"timestamp": true, "first_seen": true, "last_seen": true, "updated_timestamp": true, "crawled_timestamp": true,
}

type accessor struct {
	steps []int // struct field indexes, applied in order, fanning out over slices
	kind  fieldKind
}

var accessorCache sync.Map // key: type name + path

// resolve finds a JSON path (a.b.c) in t.
func resolve(t reflect.Type, p string) (*accessor, error) {
	key := t.String() + "|" + p
	if a, ok := accessorCache.Load(key); ok {
		return a.(*accessor), nil
	}
	a := &accessor{}
	cur := t
	last := ""
	for _, part := range strings.Split(p, ".") {
		for cur.Kind() == reflect.Slice || cur.Kind() == reflect.Pointer {
			cur = cur.Elem()
		}
		if cur.Kind() != reflect.Struct {
			return nil, fmt.Errorf("unknown field %q", p)
		}
		found := false
		for i := 0; i < cur.NumField(); i++ {
			f := cur.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == part && name != "-" && f.IsExported() {
				a.steps = append(a.steps, i)
				cur = f.Type
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown field %q", p)
		}
		last = part
	}
	for cur.Kind() == reflect.Slice || cur.Kind() == reflect.Pointer {
		cur = cur.Elem()
	}
	switch cur.Kind() {
	case reflect.String:
		a.kind = kindString
		if timeFields[last] {
			a.kind = kindTime
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		a.kind = kindInt
	case reflect.Float64:
		a.kind = kindFloat
	case reflect.Bool:
		a.kind = kindBool
	default:
		return nil, fmt.Errorf("field %q cannot be filtered on", p)
	}
	accessorCache.Store(key, a)
	return a, nil
}

// values returns every leaf value of the path in v (a struct value).
func (a *accessor) values(v reflect.Value) []reflect.Value {
	cur := []reflect.Value{v}
	for _, idx := range a.steps {
		var next []reflect.Value
		for _, c := range cur {
			for _, e := range expand(c) {
				next = append(next, e.Field(idx))
			}
		}
		cur = next
	}
	var out []reflect.Value
	for _, c := range cur {
		out = append(out, expand(c)...)
	}
	return out
}

// field is values' one value when the path is one field of v that is
// neither a pointer nor a slice (most sorts: timestamp, severity), found
// without values' slices.
func (a *accessor) field(v reflect.Value) (reflect.Value, bool) {
	if len(a.steps) != 1 || v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.Field(a.steps[0])
	if k := f.Kind(); k == reflect.Pointer || k == reflect.Slice {
		return reflect.Value{}, false
	}
	return f, true
}

func expand(v reflect.Value) []reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice {
		out := make([]reflect.Value, v.Len())
		for i := range out {
			out[i] = v.Index(i)
		}
		return out
	}
	return []reflect.Value{v}
}

type literal struct {
	null bool
	bare bool
	s    string
}

type fqlNode interface {
	match(v reflect.Value) bool
}

type andNode []fqlNode

func (n andNode) match(v reflect.Value) bool {
	for _, c := range n {
		if !c.match(v) {
			return false
		}
	}
	return true
}

type orNode []fqlNode

func (n orNode) match(v reflect.Value) bool {
	for _, c := range n {
		if c.match(v) {
			return true
		}
	}
	return false
}

type cmpNode struct {
	field string
	acc   *accessor
	op    string // "", ">", ">=", "<", "<=", "~", "*"
	neg   bool
	vals  []literal
	nums  []float64
	times []time.Time
}

func (n *cmpNode) match(v reflect.Value) bool {
	var one [1]reflect.Value
	vals := one[:]
	if f, ok := n.acc.field(v); ok {
		one[0] = f
	} else {
		vals = n.acc.values(v)
	}
	any := false
	for i, lit := range n.vals {
		if lit.null {
			empty := true
			for _, x := range vals {
				if !x.IsZero() {
					empty = false
				}
			}
			if empty {
				any = true
			}
			continue
		}
		for _, x := range vals {
			if n.matchOne(x, i) {
				any = true
				break
			}
		}
		if any {
			break
		}
	}
	if n.neg {
		return !any
	}
	return any
}

func (n *cmpNode) matchOne(x reflect.Value, i int) bool {
	switch n.acc.kind {
	case kindInt, kindFloat:
		var f float64
		if x.Kind() == reflect.Float64 {
			f = x.Float()
		} else {
			f = float64(x.Int())
		}
		return compare(cmpFloat(f, n.nums[i]), n.op)
	case kindBool:
		return x.Bool() == (n.vals[i].s == "true")
	case kindTime:
		t, err := parseTime(x.String())
		if err != nil {
			return false
		}
		return compare(t.Compare(n.times[i]), n.op)
	default:
		s := x.String()
		lit := n.vals[i].s
		switch n.op {
		case "~":
			return strings.Contains(strings.ToLower(s), strings.ToLower(lit))
		case "*":
			ok, _ := path.Match(strings.ToLower(lit), strings.ToLower(s))
			return ok
		}
		return compare(strings.Compare(s, lit), n.op)
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(c int, op string) bool {
	switch op {
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	}
	return c == 0
}

// parseTime reads an RFC 3339 time with or without fractional seconds, a bare
// date, or "now-<n><unit>" date math (s, m, h, d, w).
func parseTime(s string) (time.Time, error) {
	return parseTimeAt(s, time.Now())
}

func parseTimeAt(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "now"); ok {
		if rest == "" {
			return now, nil
		}
		sign := 1
		switch rest[0] {
		case '-':
			sign = -1
		case '+':
		default:
			return time.Time{}, fmt.Errorf("invalid date math %q", s)
		}
		rest = rest[1:]
		if len(rest) < 2 {
			return time.Time{}, fmt.Errorf("invalid date math %q", s)
		}
		n, err := strconv.Atoi(rest[:len(rest)-1])
		if err != nil {
			return time.Time{}, fmt.Errorf("invalid date math %q", s)
		}
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[rest[len(rest)-1]]
		if unit == 0 {
			return time.Time{}, fmt.Errorf("invalid date math %q", s)
		}
		return now.Add(time.Duration(sign*n) * unit), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("invalid date %q", s)
}

type fqlParser struct {
	src string
	pos int
	t   reflect.Type
	// clauses counts the field:value clauses read so far.
	clauses int
}

// fqlError is a filter the fake cannot parse: a 400 with this message.
type fqlError struct{ msg string }

func (e *fqlError) Error() string { return e.msg }

// parseFQL parses filter for documents of type t. An empty filter matches all.
func parseFQL(filter string, t reflect.Type) (fqlNode, error) {
	p := &fqlParser{src: filter, t: t}
	p.skipSpace()
	if p.pos == len(p.src) {
		return andNode{}, nil
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errorf("unexpected %q", p.src[p.pos:p.pos+1])
	}
	if p.clauses > maxProperties {
		return nil, &fqlError{fmt.Sprintf("Invalid filter: %d properties, at most %d are allowed", p.clauses, maxProperties)}
	}
	return n, nil
}

func (p *fqlParser) errorf(format string, a ...any) error {
	return &fqlError{fmt.Sprintf("Invalid filter: %s at position %d of %q", fmt.Sprintf(format, a...), p.pos, p.src)}
}

func (p *fqlParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
}

func (p *fqlParser) peek() byte {
	p.skipSpace()
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *fqlParser) parseOr() (fqlNode, error) {
	var parts orNode
	for {
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
		if p.peek() != ',' {
			break
		}
		p.pos++
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return parts, nil
}

func (p *fqlParser) parseAnd() (fqlNode, error) {
	var parts andNode
	for {
		n, err := p.parseTerm()
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
		if p.peek() != '+' {
			break
		}
		p.pos++
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return parts, nil
}

func (p *fqlParser) parseTerm() (fqlNode, error) {
	switch c := p.peek(); {
	case c == '(':
		p.pos++
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.errorf("missing )")
		}
		p.pos++
		return n, nil
	case c == 0:
		return nil, p.errorf("unexpected end of filter")
	}
	start := p.pos
	for p.pos < len(p.src) {
		c := rune(p.src[p.pos])
		if c == '_' || c == '.' || unicode.IsLetter(c) || unicode.IsDigit(c) {
			p.pos++
			continue
		}
		break
	}
	field := p.src[start:p.pos]
	if field == "" {
		return nil, p.errorf("expected a field name, found %q", p.src[p.pos:p.pos+1])
	}
	if p.peek() != ':' {
		return nil, p.errorf("expected ':' after %q", field)
	}
	p.pos++
	acc, err := resolve(p.t, field)
	if err != nil {
		return nil, &fqlError{"Invalid filter: " + err.Error()}
	}
	p.clauses++
	n := &cmpNode{field: field, acc: acc}
	p.skipSpace()
	rest := p.src[p.pos:]
	for _, op := range []string{"!~", "!*", ">=", "<=", "!", ">", "<", "~", "*"} {
		if strings.HasPrefix(rest, op) {
			p.pos += len(op)
			if op[0] == '!' {
				n.neg = true
				op = op[1:]
			}
			n.op = op
			break
		}
	}
	if p.peek() == '[' {
		p.pos++
		for {
			lit, err := p.parseValue()
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, lit)
			c := p.peek()
			if c == ',' {
				p.pos++
				continue
			}
			if c == ']' {
				p.pos++
				break
			}
			return nil, p.errorf("expected ',' or ']' in value list")
		}
	} else {
		lit, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		n.vals = []literal{lit}
	}
	if err := p.typeCheck(n); err != nil {
		return nil, err
	}
	return n, nil
}

func (p *fqlParser) typeCheck(n *cmpNode) error {
	n.nums = make([]float64, len(n.vals))
	n.times = make([]time.Time, len(n.vals))
	for i, v := range n.vals {
		if v.null {
			continue
		}
		switch n.acc.kind {
		case kindInt, kindFloat:
			f, err := strconv.ParseFloat(v.s, 64)
			if err != nil || math.IsNaN(f) {
				return &fqlError{fmt.Sprintf("Invalid filter: %q is not a number for field %q", v.s, n.field)}
			}
			n.nums[i] = f
		case kindBool:
			if v.s != "true" && v.s != "false" {
				return &fqlError{fmt.Sprintf("Invalid filter: %q is not true or false for field %q", v.s, n.field)}
			}
		case kindTime:
			t, err := parseTime(v.s)
			if err != nil {
				return &fqlError{fmt.Sprintf("Invalid filter: %v for field %q", err, n.field)}
			}
			n.times[i] = t
		}
		if (n.op == "~" || n.op == "*") && n.acc.kind != kindString {
			return &fqlError{fmt.Sprintf("Invalid filter: operator %q needs a text field, %q is not", n.op, n.field)}
		}
	}
	return nil
}

func (p *fqlParser) parseValue() (literal, error) {
	c := p.peek()
	if c == '\'' || c == '"' {
		quote := c
		p.pos++
		var b strings.Builder
		for {
			if p.pos >= len(p.src) {
				return literal{}, p.errorf("unterminated string")
			}
			ch := p.src[p.pos]
			if ch == '\\' && p.pos+1 < len(p.src) {
				b.WriteByte(p.src[p.pos+1])
				p.pos += 2
				continue
			}
			if ch == quote {
				p.pos++
				break
			}
			b.WriteByte(ch)
			p.pos++
		}
		return literal{s: b.String()}, nil
	}
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune("+,)] \t'\"[(", rune(p.src[p.pos])) {
		p.pos++
	}
	s := p.src[start:p.pos]
	if s == "" {
		return literal{}, p.errorf("expected a value")
	}
	if s == "null" {
		return literal{null: true, bare: true}, nil
	}
	return literal{s: s, bare: true}, nil
}

// sortKey returns the first value of field in v, for sorting.
func sortKey(acc *accessor, v reflect.Value) (float64, string, bool) {
	var x reflect.Value
	if f, ok := acc.field(v); ok {
		x = f
	} else {
		vals := acc.values(v)
		if len(vals) == 0 {
			return 0, "", false
		}
		x = vals[0]
	}
	switch acc.kind {
	case kindInt:
		return float64(x.Int()), "", true
	case kindFloat:
		return x.Float(), "", true
	case kindBool:
		if x.Bool() {
			return 1, "", true
		}
		return 0, "", true
	case kindTime:
		t, err := parseTime(x.String())
		if err != nil {
			return 0, "", false
		}
		return float64(t.UnixNano()), "", true
	}
	return 0, x.String(), true
}

// containsText reports whether any string in v contains needle (lower case).
func containsText(v reflect.Value, needle string) bool {
	switch v.Kind() {
	case reflect.String:
		return strings.Contains(strings.ToLower(v.String()), needle)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && containsText(v.Field(i), needle) {
				return true
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if containsText(v.Index(i), needle) {
				return true
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return containsText(v.Elem(), needle)
		}
	}
	return false
}
