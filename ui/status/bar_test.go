package status

import "testing"

// Each word goes when what it belongs to is over, and only then.
func TestAWordGoesWithItsOwner(t *testing.T) {
	for _, c := range []struct {
		word              Word
		key, query, loads bool // whether each end takes it back
	}{
		{Word{Text: "copied the id"}, true, false, false},
		{Word{Text: "loading rows: 503 (r retries)", Err: true, Life: UntilQuery}, false, true, false},
		{Word{Text: "refreshing…", Life: UntilLoaded}, false, true, true},
		{Word{Text: "Status → Closed: 1 of 1 applied", Action: 3, Life: Lasting}, false, false, false},
	} {
		for _, end := range []struct {
			name  string
			do    func(*Bar)
			takes bool
		}{{"a key", (*Bar).KeyActed, c.key}, {"a query landing", (*Bar).QueryOver, c.query}, {"rows loaded", (*Bar).LoadingOver, c.loads}} {
			b := New()
			b.Set(c.word)
			end.do(b)
			if gone := b.Word().Text == ""; gone != end.takes {
				t.Errorf("%q after %s: gone %v, want %v", c.word.Text, end.name, gone, end.takes)
			}
		}
	}
}
