package fake

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

const maxAggDepth = 3

var aggTypes = map[string]bool{
	"terms": true, "date_histogram": true, "date_range": true, "range": true, "cardinality": true,
	"max": true, "min": true, "avg": true, "sum": true, "percentiles": true,
}

func (s *Server) aggregates(w http.ResponseWriter, r *http.Request, m *meta) {
	s.aggregateOver(w, r, m, detType, func(filter, q string) ([]reflect.Value, string) {
		found, msg := s.match(filter, q, "")
		out := make([]reflect.Value, len(found))
		for i, d := range found {
			out[i] = reflect.ValueOf(d).Elem()
		}
		return out, msg
	})
}

// aggregateOver answers an aggregate request over the documents of type t
// that match finds.
func (s *Server) aggregateOver(w http.ResponseWriter, r *http.Request, m *meta, t reflect.Type, find func(filter, q string) ([]reflect.Value, string)) {
	var reqs []aggRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&reqs); err != nil {
		s.writeError(w, m, http.StatusBadRequest, "the body must be a JSON array of aggregate requests: "+err.Error())
		return
	}
	if len(reqs) == 0 {
		s.writeError(w, m, http.StatusBadRequest, "at least one aggregate request is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []aggResult
	for _, q := range reqs {
		if err := validateAgg(q, t, 1); err != nil {
			s.writeError(w, m, http.StatusBadRequest, err.Error())
			return
		}
		docs, msg := find(q.Filter, q.Q)
		if msg != "" {
			s.writeError(w, m, http.StatusBadRequest, msg)
			return
		}
		res, err := s.aggregate(q, t, docs)
		if err != nil {
			s.writeError(w, m, http.StatusBadRequest, err.Error())
			return
		}
		out = append(out, res)
	}
	s.write(w, http.StatusOK, envelope{Meta: *m, Resources: out})
}

func validateAgg(q aggRequest, t reflect.Type, depth int) error {
	if depth > maxAggDepth {
		return fmt.Errorf("sub_aggregates may nest at most %d levels", maxAggDepth)
	}
	if q.Name == "" {
		return fmt.Errorf("aggregate request: name is required")
	}
	if !aggTypes[q.Type] {
		return fmt.Errorf("aggregate %q: unknown type %q", q.Name, q.Type)
	}
	if q.Field == "" {
		return fmt.Errorf("aggregate %q: field is required", q.Name)
	}
	if _, err := resolve(t, q.Field); err != nil {
		return fmt.Errorf("aggregate %q: %v", q.Name, err)
	}
	if q.Type == "date_histogram" {
		if _, err := parseInterval(q.Interval); err != nil {
			return fmt.Errorf("aggregate %q: %v", q.Name, err)
		}
	}
	for i, r := range q.Ranges {
		// msa.RangeSpec requires both bounds, under their capitalised keys.
		if !r.hasFrom || !r.hasTo || r.From == nil || r.To == nil {
			return fmt.Errorf("aggregate %q: ranges[%d]: From and To are both required (capitalised keys)", q.Name, i)
		}
	}
	for _, sub := range q.SubAggregates {
		if err := validateAgg(sub, t, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// aggregate computes one aggregation over docs. Called with s.mu held.
func (s *Server) aggregate(q aggRequest, t reflect.Type, docs []reflect.Value) (aggResult, error) {
	acc, _ := resolve(t, q.Field)
	res := aggResult{Name: q.Name, Buckets: []aggBucket{}}
	subs := func(b *aggBucket, members []reflect.Value) error {
		for _, sq := range q.SubAggregates {
			sub := sq
			if sub.Filter != "" {
				node, err := parseFQL(sub.Filter, t)
				if err != nil {
					return err
				}
				var keep []reflect.Value
				for _, d := range members {
					if node.match(d) {
						keep = append(keep, d)
					}
				}
				members = keep
			}
			r, err := s.aggregate(sub, t, members)
			if err != nil {
				return err
			}
			b.SubAggregates = append(b.SubAggregates, r)
		}
		return nil
	}
	switch q.Type {
	case "terms":
		size := q.Size
		if size <= 0 {
			size = 10
		}
		counts := map[string]int64{}
		members := map[string][]reflect.Value{}
		labels := map[string]any{}
		for _, d := range docs {
			seen := map[string]bool{}
			vals := acc.values(d)
			if len(vals) == 0 && q.Missing != "" {
				counts[q.Missing]++
				members[q.Missing] = append(members[q.Missing], d)
				labels[q.Missing] = q.Missing
			}
			for _, v := range vals {
				k := fmt.Sprint(v.Interface())
				var label any = v.Interface()
				if k == "" && q.Missing != "" {
					k, label = q.Missing, q.Missing
				}
				if k == "" || seen[k] {
					continue
				}
				seen[k] = true
				counts[k]++
				members[k] = append(members[k], d)
				labels[k] = label
			}
		}
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		asc := strings.HasSuffix(q.Sort, "|asc") || strings.HasSuffix(q.Sort, ".asc")
		sort.Slice(keys, func(i, j int) bool {
			if counts[keys[i]] != counts[keys[j]] {
				if asc {
					return counts[keys[i]] < counts[keys[j]]
				}
				return counts[keys[i]] > counts[keys[j]]
			}
			return keys[i] < keys[j]
		})
		minCount := int64(1)
		if q.MinDocCount != nil {
			minCount = int64(*q.MinDocCount)
		}
		for i, k := range keys {
			if i >= size {
				res.SumOtherDocCount += counts[k]
				continue
			}
			if counts[k] < minCount {
				continue
			}
			b := aggBucket{Label: labels[k], Count: counts[k]}
			if err := subs(&b, members[k]); err != nil {
				return res, err
			}
			res.Buckets = append(res.Buckets, b)
		}
	case "date_histogram":
		step, err := parseInterval(q.Interval)
		if err != nil {
			return res, fmt.Errorf("aggregate %q: %v", q.Name, err)
		}
		loc := time.UTC
		if q.TimeZone != "" {
			if l, err := time.LoadLocation(q.TimeZone); err == nil {
				loc = l
			}
		}
		counts := map[int64][]reflect.Value{}
		for _, d := range docs {
			for _, v := range firstOnly(acc.values(d)) {
				t, err := parseTime(v.String())
				if err != nil {
					continue
				}
				k := truncate(t.In(loc), step).UnixMilli()
				counts[k] = append(counts[k], d)
			}
		}
		keys := make([]int64, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, k := range keys {
			b := aggBucket{Label: k, Count: int64(len(counts[k])), KeyAsString: time.UnixMilli(k).UTC().Format(time.RFC3339)}
			if err := subs(&b, counts[k]); err != nil {
				return res, err
			}
			res.Buckets = append(res.Buckets, b)
		}
	case "date_range":
		now := s.now()
		for _, dr := range q.DateRanges {
			var from, to time.Time
			var err error
			if dr.From != "" {
				if from, err = parseTimeAt(dr.From, now); err != nil {
					return res, fmt.Errorf("aggregate %q: %v", q.Name, err)
				}
			}
			if dr.To != "" {
				if to, err = parseTimeAt(dr.To, now); err != nil {
					return res, fmt.Errorf("aggregate %q: %v", q.Name, err)
				}
			}
			var members []reflect.Value
			for _, d := range docs {
				for _, v := range firstOnly(acc.values(d)) {
					t, err := parseTime(v.String())
					if err == nil && (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to)) {
						members = append(members, d)
					}
				}
			}
			b := aggBucket{Label: dr.From + "-" + dr.To, Count: int64(len(members))}
			if !from.IsZero() {
				f := float64(from.UnixMilli())
				b.From = &f
			}
			if !to.IsZero() {
				t := float64(to.UnixMilli())
				b.To = &t
			}
			if err := subs(&b, members); err != nil {
				return res, err
			}
			res.Buckets = append(res.Buckets, b)
		}
	case "range":
		for _, rg := range q.Ranges {
			var members []reflect.Value
			for _, d := range docs {
				for _, v := range firstOnly(acc.values(d)) {
					f, ok := number(v)
					if ok && (rg.From == nil || f >= *rg.From) && (rg.To == nil || f < *rg.To) {
						members = append(members, d)
					}
				}
			}
			b := aggBucket{Label: rangeLabel(rg), Count: int64(len(members)), From: rg.From, To: rg.To}
			if err := subs(&b, members); err != nil {
				return res, err
			}
			res.Buckets = append(res.Buckets, b)
		}
	case "cardinality":
		seen := map[string]bool{}
		for _, d := range docs {
			for _, v := range acc.values(d) {
				if !v.IsZero() {
					seen[fmt.Sprint(v.Interface())] = true
				}
			}
		}
		v := float64(len(seen))
		res.Buckets = append(res.Buckets, aggBucket{Label: q.Name, Count: int64(len(docs)), Value: &v})
	case "max", "min", "avg", "sum", "percentiles":
		var nums []float64
		for _, d := range docs {
			for _, v := range acc.values(d) {
				if f, ok := number(v); ok {
					nums = append(nums, f)
				}
			}
		}
		if q.Type == "percentiles" {
			sort.Float64s(nums)
			for _, p := range []float64{1, 5, 25, 50, 75, 95, 99} {
				b := aggBucket{Label: strconv.FormatFloat(p, 'f', 1, 64), Count: int64(len(nums))}
				if len(nums) > 0 {
					v := percentile(nums, p)
					b.Value = &v
				}
				res.Buckets = append(res.Buckets, b)
			}
			break
		}
		b := aggBucket{Label: q.Name, Count: int64(len(nums))}
		if len(nums) > 0 {
			v := metric(q.Type, nums)
			b.Value = &v
		}
		res.Buckets = append(res.Buckets, b)
	}
	return res, nil
}

func firstOnly(v []reflect.Value) []reflect.Value {
	if len(v) > 1 {
		return v[:1]
	}
	return v
}

func number(v reflect.Value) (float64, bool) {
	switch v.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return float64(v.Int()), true
	case reflect.Float64:
		return v.Float(), true
	case reflect.String:
		if t, err := parseTime(v.String()); err == nil {
			return float64(t.UnixMilli()), true
		}
	}
	return 0, false
}

func metric(kind string, nums []float64) float64 {
	switch kind {
	case "max":
		m := math.Inf(-1)
		for _, n := range nums {
			m = math.Max(m, n)
		}
		return m
	case "min":
		m := math.Inf(1)
		for _, n := range nums {
			m = math.Min(m, n)
		}
		return m
	}
	sum := 0.0
	for _, n := range nums {
		sum += n
	}
	if kind == "avg" {
		return sum / float64(len(nums))
	}
	return sum
}

// percentile interpolates linearly between closest ranks of sorted nums.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := int(math.Ceil(rank))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(rank-float64(lo))
}

func rangeLabel(r aggRange) string {
	f := func(p *float64) string {
		if p == nil {
			return "*"
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	return f(r.From) + "-" + f(r.To)
}

// parseInterval reads a date_histogram interval. The service takes the
// calendar unit names only: a duration such as "1d" or "24h" is refused.
func parseInterval(s string) (time.Duration, error) {
	switch s {
	case "minute":
		return time.Minute, nil
	case "hour":
		return time.Hour, nil
	case "day":
		return 24 * time.Hour, nil
	case "week":
		return 7 * 24 * time.Hour, nil
	case "month":
		return 30 * 24 * time.Hour, nil
	}
	return 0, fmt.Errorf("invalid interval %q: use minute, hour, day, week or month", s)
}

func truncate(t time.Time, step time.Duration) time.Time {
	if step >= 24*time.Hour {
		y, m, d := t.Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
		if step == 7*24*time.Hour {
			return day.AddDate(0, 0, -int((day.Weekday()+6)%7))
		}
		if step == 30*24*time.Hour {
			return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
		}
		return day
	}
	return t.Truncate(step)
}
