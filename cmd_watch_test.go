package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/watch"
)

func TestWatchUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--demo"}, "unknown flag: --demo: the demo is a finished day of logs, nothing to watch"},
		{[]string{"--logs-dir", dir}, "needs --follow"},
		{[]string{"--follow"}, "goes with --logs-dir"},
		{[]string{"--logs-dir", dir, "--follow", "--stdout=false"}, "no delivery"},
		{[]string{"--logs-dir", dir, "--follow", "--webhook-url", "https://example.com/hook"}, "needs a signing secret"},
		{[]string{"--logs-dir", dir, "--follow", "--interval", "10ms"}, "at least 1s"},
		{[]string{"--logs-dir", dir, "--follow", "--sns-topic-arn", "vpn-alerts"}, "want an ARN"},
		{[]string{"--logs-dir", dir, "--follow", "extra"}, "unexpected arguments"},
	} {
		var out, errb syncWriter
		if code := run(context.Background(), append([]string{"watch"}, tc.args...), &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), exitUsage, tc.want)
		}
	}
}

// TestWatchCommand runs `vpnlens watch --logs-dir DIR --follow` on a
// directory where a tunnel has just gone down: the incident is reported as
// a JSON line; a second run on the same state file repeats nothing, and
// reports the recovery once the records of it are appended.
func TestWatchCommand(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log")
	// The records are of the last few minutes: a first run reports what is
	// under way within --lookback (1 h) of the clock, older records are
	// history.
	base := time.Now().UTC().Truncate(time.Minute).Add(-5 * time.Minute)
	line := func(sec int, p1, p2, details string) string {
		ts := base.Add(time.Duration(sec) * time.Second)
		return `{"event_timestamp":` + strconv.FormatInt(ts.Unix(), 10) + `,"timestamp":"` + ts.Format("2006-01-02 15:04:05Z") +
			`","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"` + p1 + `","ike_phase2_state":"` + p2 + `","details":"` + details + `"}`
	}
	writeLines(t, name, line(0, "established", "established", ""), line(30, "down", "down", "AWS tunnel DPD timed out after 3 retransmits"))
	state := filepath.Join(t.TempDir(), "state.json")
	args := []string{"--logs-dir", dir, "--follow", "--interval", "1s", "--settle", "0s", "--state", state, "--log-level", "debug"}

	watchRun := func(until func([]watch.Report) bool, during func()) ([]watch.Report, string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out, errb syncWriter
		done := make(chan int)
		go func() { done <- run(ctx, append([]string{"watch"}, args...), &out, &errb) }()
		if during != nil {
			time.Sleep(1500 * time.Millisecond)
			during()
		}
		deadline := time.Now().Add(10 * time.Second)
		for !until(decodeReports(t, out.String())) {
			if time.Now().After(deadline) {
				cancel()
				<-done
				t.Fatalf("timed out; stdout %q stderr %s", out.String(), errb.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return decodeReports(t, out.String()), errb.String()
	}
	rs, _ := watchRun(func(rs []watch.Report) bool { return len(rs) > 0 }, nil)
	if len(rs) != 1 || rs[0].Event != watch.EventOpened || rs[0].RootCause.Category != "ike.dpd_timeout" || !rs[0].AlreadyInProgress {
		t.Fatalf("first run: %+v", rs)
	}
	// Second run: the incident is known; the recovery is reported.
	rs, logs := watchRun(func(rs []watch.Report) bool { return len(rs) > 0 }, func() {
		writeLines(t, name, line(90, "established", "established", ""))
	})
	if len(rs) != 1 || rs[0].Event != watch.EventRecovered || rs[0].IncidentID != "vpn-0abc1234_203.0.113.10_"+base.Add(30*time.Second).Format("20060102T150405Z") {
		t.Fatalf("second run: %+v\n%s", rs, logs)
	}
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		f.WriteString(l + "\n")
	}
}

func decodeReports(t *testing.T, out string) []watch.Report {
	var rs []watch.Report
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r watch.Report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("stdout line is not JSON: %q", sc.Text())
		}
		rs = append(rs, r)
	}
	return rs
}

type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
