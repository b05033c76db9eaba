package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkDemoBinaryFirstRows starts the built binary with --demo in tmux
// at 80x24, as an analyst does, once per iteration, and reports the medians
// from the exec to the first frame and to the first rows on tmux's screen
// (polled every 5 ms), and the CPU the process had used when the rows
// showed. Run it with -benchtime 10x or more; on a shared machine say how
// loaded it was. It measures, never asserts a time.
func BenchmarkDemoBinaryFirstRows(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux not installed")
	}
	bin := buildBinary(b)
	var frames, rows, cpus []float64
	for i := 0; b.Loop(); i++ {
		frame, row, cpu := demoStartInTmux(b, bin, i)
		frames, rows, cpus = append(frames, frame), append(rows, row), append(cpus, cpu)
	}
	b.ReportMetric(median(frames), "ms-to-frame")
	b.ReportMetric(median(rows), "ms-to-rows")
	b.ReportMetric(median(cpus), "cpu-ms-to-rows")
	b.ReportMetric(0, "ns/op")
}

// demoStartInTmux runs one start and returns the milliseconds from the
// exec to the first frame and to the first rows, and the process's CPU
// milliseconds by then (10 ms resolution).
func demoStartInTmux(b *testing.B, bin string, i int) (frame, rows, cpu float64) {
	b.Helper()
	dir := b.TempDir()
	t0 := filepath.Join(dir, "t0")
	socket := fmt.Sprintf("ft-bench-%d-%d", os.Getpid(), i)
	// The time is taken by the shell that then becomes the binary.
	script := fmt.Sprintf("date +%%s%%N > %s; exec %s --demo", t0, bin)
	args := []string{"-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24",
		"-e", "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "-e", "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"-e", "TERM=xterm-256color", "sh", "-c", script}
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		b.Fatalf("tmux: %v %s", err, out)
	}
	defer func() { _ = exec.Command("tmux", "-L", socket, "kill-server").Run() }()
	pid, _ := exec.Command("tmux", "-L", socket, "list-panes", "-F", "#{pane_pid}").Output()
	var tFrame, tRows time.Time
	for deadline := time.Now().Add(e2eHangBound); tRows.IsZero(); time.Sleep(5 * time.Millisecond) {
		out, _ := exec.Command("tmux", "-L", socket, "capture-pane", "-p").Output()
		now, sc := time.Now(), string(out)
		if tFrame.IsZero() && strings.TrimSpace(sc) != "" {
			tFrame = now
		}
		if strings.Contains(sc, "▶") && strings.Contains(sc, "1–19 of") {
			tRows = now
			cpu = cpuMillis(strings.TrimSpace(string(pid)))
		}
		if now.After(deadline) {
			b.Fatalf("no rows; the screen:\n%s", sc)
		}
	}
	raw, err := os.ReadFile(t0)
	ns, perr := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil || perr != nil {
		b.Fatalf("start time: %v %v", err, perr)
	}
	start := time.Unix(0, ns)
	return ms(tFrame.Sub(start)), ms(tRows.Sub(start)), cpu
}

// cpuMillis is a process's user and system time so far, from /proc.
func cpuMillis(pid string) float64 {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) * 1000 / 100 // USER_HZ
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
