package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/falcon-triage/falcon-triage/localfile"
	"github.com/falcon-triage/falcon-triage/ui/screen"
)

// stderrGuard stands between the process and its stderr while the console
// runs. Bubble Tea restores the terminal on a panic and prints the panic
// value and the stack there; a panic value may carry a service string (with
// escape sequences) or, in the worst case, a secret. The guard redacts the
// secrets it knows, sanitises every line, keeps the report short on screen,
// and saves the whole (redacted) text to a crash file readable by the user
// alone.
type stderrGuard struct {
	real    *os.File
	w       *os.File
	done    chan struct{}
	secrets []string
	crash   string // path of the crash file, once written
	dir     string
	undo    func() // puts file descriptor 2 back, when it was redirected
}

// guardStderr redirects os.Stderr through the guard, and where it is the
// process's own stderr, file descriptor 2 as well: the Go runtime writes a
// fatal error or a SIGQUIT dump there directly, past os.Stderr.
func guardStderr(stateDir string, secrets ...string) (*stderrGuard, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	real := os.Stderr
	var undo func()
	if real.Fd() == 2 {
		if real, undo, err = redirectFD2(w); err != nil {
			w.Close()
			r.Close()
			return nil, err
		}
	}
	g := &stderrGuard{real: real, w: w, done: make(chan struct{}), dir: stateDir, undo: undo}
	for _, s := range secrets {
		if len(s) >= 4 {
			g.secrets = append(g.secrets, s)
		}
	}
	os.Stderr = w
	go g.run(r)
	return g, nil
}

// say writes one line of the console's own (no service string) to the
// terminal at once: what goes through the guard is passed on only when it
// is restored.
func (g *stderrGuard) say(line string) {
	fmt.Fprintln(g.real, line)
}

// redact replaces the known secrets and anything that looks like a bearer
// token in a line.
func (g *stderrGuard) redact(line string) string {
	for _, s := range g.secrets {
		line = strings.ReplaceAll(line, s, "[REDACTED]")
	}
	if i := strings.Index(strings.ToLower(line), "bearer "); i >= 0 {
		line = line[:i+len("bearer ")] + "[REDACTED]"
	}
	return line
}

func (g *stderrGuard) run(r io.Reader) {
	defer close(g.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var all []string
	for sc.Scan() {
		line := g.redact(strings.TrimRight(sc.Text(), "\r"))
		all = append(all, screen.Sanitize(line))
	}
	if len(all) == 0 {
		return
	}
	// Short on screen: the panic's first lines; the rest goes to a file.
	const shown = 6
	for i, l := range all {
		if i == shown {
			break
		}
		fmt.Fprintln(g.real, l)
	}
	if len(all) > shown && g.dir != "" {
		path, err := "", localfile.PrivateDir(g.dir)
		if err == nil {
			path, err = saveCrash(g.dir, strings.Join(all, "\n")+"\n")
		}
		if err == nil {
			g.crash = path
			fmt.Fprintf(g.real, "falcon-triage: the full report (secrets removed) is in %s\n", path)
		} else {
			// Never lost silently: the lines above are all there is.
			fmt.Fprintf(g.real, "falcon-triage: the full report could not be written in %s: %s\n", g.dir, screen.Sanitize(err.Error()))
		}
	}
}

// restore puts stderr back once everything written has been passed on.
func (g *stderrGuard) restore() {
	if g.undo != nil {
		g.undo() // the pipe's last writer goes with it
		os.Stderr = os.NewFile(2, "/dev/stderr")
	} else {
		os.Stderr = g.real
	}
	g.w.Close()
	<-g.done
}

// saveCrash writes a crash report readable by the user alone, into a new
// file in dir named after the time, the process and a count: never through
// a symbolic link, never over an existing file. A name taken (two crashes
// in one second, a link planted where the next report would go) is passed
// over for the next; it reports the file's path.
func saveCrash(dir, text string) (string, error) {
	stamp := time.Now().UTC().Format("20060102T150405Z")
	var err error
	for i := range 20 {
		path := filepath.Join(dir, fmt.Sprintf("crash-%s-%d-%d.log", stamp, os.Getpid(), i))
		var f *os.File
		f, err = localfile.Open(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
		if err != nil {
			if _, taken := os.Lstat(path); taken == nil {
				continue // a file or a link is there already
			}
			return "", err
		}
		_, err = f.WriteString(text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return path, err
	}
	return "", err
}
