package list

// SwapMarks puts marks in place of the list's marks (a view switched to
// brings its own back) and returns those it held, in list order first. A
// mark-all in flight stops: its answer would mark the other view's rows.
// What esc cleared (M) and the range anchor belong to the marks left.
func (l *List) SwapMarks(marks []string) []string {
	l.stopMarkAll()
	var left []string
	if len(l.marks) > 0 {
		left = l.targets() // every mark, those in the list first
	}
	l.marks = make(map[string]struct{}, len(marks))
	for _, id := range marks {
		l.marks[id] = struct{}{}
	}
	l.anchor, l.cleared, l.clearedAnchor = "", nil, ""
	return left
}
