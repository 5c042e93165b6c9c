package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/watch"
)

// TestWatchCommandLookback: `vpnlens watch --logs-dir DIR --follow` on a
// folder whose newest records are three hours old (an export), the tunnel
// down at its end. With the default --lookback (1 h) a first run reports
// nothing and says why on stderr, naming the newest record and the
// look-back start; with --lookback 4h the outage is reported, already in
// progress.
func TestWatchCommandLookback(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log")
	base := time.Now().UTC().Truncate(time.Second).Add(-3 * time.Hour)
	line := func(sec int, p1, p2, details string) string {
		ts := base.Add(time.Duration(sec) * time.Second)
		return `{"event_timestamp":` + strconv.FormatInt(ts.Unix(), 10) + `,"timestamp":"` + ts.Format("2006-01-02 15:04:05Z") +
			`","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"` + p1 + `","ike_phase2_state":"` + p2 + `","details":"` + details + `"}`
	}
	writeLines(t, name, line(0, "established", "established", ""), line(30, "down", "down", "AWS tunnel DPD timed out after 3 retransmits"),
		line(50, "negotiating", "down", "AWS tunnel is sending request (id=0) for IKE_SA_INIT"))

	watchRun := func(until func(stdout, stderr string) bool, extra ...string) (string, string) {
		t.Helper()
		args := append([]string{"watch", "--logs-dir", dir, "--follow", "--interval", "1s", "--settle", "0s", "--no-state"}, extra...)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out, errb syncWriter
		done := make(chan int)
		go func() { done <- run(ctx, args, &out, &errb) }()
		deadline := time.Now().Add(10 * time.Second)
		for !until(out.String(), errb.String()) {
			if time.Now().After(deadline) {
				cancel()
				<-done
				var said []string
				for _, r := range decodeReports(t, out.String()) {
					said = append(said, r.Event+" "+r.Title+" already_in_progress="+strconv.FormatBool(r.AlreadyInProgress))
				}
				t.Fatalf("%v: timed out; reports %q; stderr %s", extra, said, errb.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		// One more poll: nothing more comes.
		time.Sleep(1200 * time.Millisecond)
		cancel()
		if code := <-done; code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String(), errb.String()
	}

	out, errs := watchRun(func(_, stderr string) bool { return strings.Contains(stderr, "older than the look-back start") })
	if rs := decodeReports(t, out); len(rs) != 0 {
		t.Fatalf("default --lookback: %d reports, want none: %s", len(rs), out)
	}
	var said string
	for _, l := range strings.Split(errs, "\n") {
		if strings.Contains(l, "older than the look-back start") {
			said = l
		}
	}
	for _, want := range []string{"newest_record=" + base.Add(50*time.Second).Format(time.RFC3339), "lookback_start=", "lookback=1h0m0s", "--lookback"} {
		if !strings.Contains(said, want) {
			t.Errorf("stderr does not say %q: %s", want, said)
		}
	}

	out, errs = watchRun(func(stdout, _ string) bool { return len(decodeReports(t, stdout)) > 0 }, "--lookback", "4h")
	rs := decodeReports(t, out)
	if len(rs) != 1 || rs[0].Event != watch.EventOpened || !rs[0].AlreadyInProgress || rs[0].RootCause.Category != "ike.dpd_timeout" {
		t.Fatalf("--lookback 4h: %+v", rs)
	}
	if strings.Contains(errs, "older than the look-back start") {
		t.Errorf("--lookback 4h: said the records are too old: %s", errs)
	}
}
