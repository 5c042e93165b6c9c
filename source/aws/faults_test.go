package aws_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// Every test of the package ends with no goroutine left behind: no
// abandoned stream read, Insights poll or retry timer.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const hqIKE2 = "vpn-0a1b2c3d4e5f60718_203.0.113.20-IKE.log"

// faultSource is a source on the fake with quick retries and a short
// attempt timeout, so slow answers are given up on quickly.
func faultSource(t *testing.T, f *fakeaws.Server, mod func(*awssource.Config)) *awssource.Source {
	return newSource(t, f, func(c *awssource.Config) {
		c.AttemptTimeout = 300 * time.Millisecond
		c.MaxAttempts = 4
		c.NoRetryQuota = true
		c.QueryTimeout = 20 * time.Second // only "never finishes" waits it out, with its own
		if mod != nil {
			mod(c)
		}
	})
}

func wantSourceError(t *testing.T, err error, cause string, words ...string) {
	t.Helper()
	var se *source.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want a *source.Error with cause %s", err, err, cause)
	}
	if se.Cause != cause {
		t.Errorf("cause %q, want %q: %s", se.Cause, cause, se.Msg)
	}
	for _, w := range words {
		if !strings.Contains(se.Msg, w) {
			t.Errorf("message lacks %q: %s", w, se.Msg)
		}
	}
}

// Faults that pass end in the complete, correct answer after retries.
func TestFaultsRetriedToTheCorrectAnswer(t *testing.T) {
	want, err := local(t).Logs(context.Background(), dayQuery(hq))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		fault fakeaws.Fault
	}{
		{"5xx burst", fakeaws.Fault{Op: "FilterLogEvents", Code: "InternalFailure", Status: 500, Times: 3}},
		{"throttled then served", fakeaws.Fault{Op: "FilterLogEvents", Code: "ThrottlingException", Times: 3}},
		{"slow beyond the attempt timeout", fakeaws.Fault{Op: "FilterLogEvents", Kind: fakeaws.FaultSlow, Delay: 3 * time.Second, Times: 2}},
		{"slow stream listing", fakeaws.Fault{Op: "DescribeLogStreams", Kind: fakeaws.FaultSlow, Delay: 3 * time.Second, Times: 1}},
		{"truncated body", fakeaws.Fault{Op: "FilterLogEvents", Kind: fakeaws.FaultTruncated, Times: 2}},
		{"truncated body mid-pagination", fakeaws.Fault{Op: "FilterLogEvents", Kind: fakeaws.FaultTruncated, OnlyPaged: true, After: 2, Times: 2}},
		{"invalid JSON body", fakeaws.Fault{Op: "FilterLogEvents", Kind: fakeaws.FaultInvalidJSON, Times: 2}},
		{"invalid JSON stream listing", fakeaws.Fault{Op: "DescribeLogStreams", Kind: fakeaws.FaultInvalidJSON, Times: 1}},
		{"truncated EC2 XML", fakeaws.Fault{Op: "DescribeVpnConnections", Kind: fakeaws.FaultTruncated, Times: 1}},
		{"5xx mid-pagination", fakeaws.Fault{Op: "FilterLogEvents", Code: "ServiceUnavailableException", Status: 503, OnlyPaged: true, After: 1, Times: 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, fakeaws.Options{PageSize: 40 * demoScale})
			fault := f.AddFault(c.fault)
			got, err := faultSource(t, f, nil).Logs(context.Background(), dayQuery(hq))
			if err != nil {
				t.Fatal(err)
			}
			if f.Fired(fault) == 0 {
				t.Fatal("the fault never fired: the test proves nothing")
			}
			diffKeys(t, c.name, eventKeys(got.Events), eventKeys(want.Events))
			for _, n := range got.Notes {
				if strings.Contains(n, "INCOMPLETE") {
					t.Errorf("a recovered read says it is incomplete: %s", n)
				}
			}
		})
	}
}

// A stream that keeps failing while the others answer: the answer holds
// every other record and a note naming the stream and the time range not
// read; nothing partial is cached, so the next question reads it again.
func TestPersistentStreamFaultGivesPartialAnswer(t *testing.T) {
	want, err := local(t).Logs(context.Background(), dayQuery(hq))
	if err != nil {
		t.Fatal(err)
	}
	for _, fault := range []fakeaws.Fault{
		{Op: "FilterLogEvents", Stream: hqIKE2, Code: "InternalFailure", Status: 500, OnlyPaged: true, After: 2},
		{Op: "FilterLogEvents", Stream: hqIKE2, Kind: fakeaws.FaultTruncated},
		{Op: "FilterLogEvents", Stream: hqIKE2, Kind: fakeaws.FaultSlow, Delay: 3 * time.Second},
	} {
		t.Run(string(fault.Kind)+fault.Code, func(t *testing.T) {
			f := newFake(t, fakeaws.Options{PageSize: 40 * demoScale})
			fl := f.AddFault(fault)
			src := faultSource(t, f, nil)
			got, err := src.Logs(context.Background(), dayQuery(hq))
			if err != nil {
				t.Fatal(err)
			}
			var note string
			for _, n := range got.Notes {
				if strings.Contains(n, "INCOMPLETE") {
					note = n
				}
			}
			if !strings.Contains(note, "stream "+hqIKE2) || !strings.Contains(note, "to 2026-06-13T00:00:00") {
				t.Fatalf("no note naming the missing stream and range: %q", got.Notes)
			}
			if len(got.Notes) == 0 || !strings.HasPrefix(got.Notes[0], "INCOMPLETE") {
				t.Errorf("the missing part is not the first note: %q", got.Notes)
			}
			// Every record returned is right; the only ones missing are
			// the failing stream's.
			have := map[string]bool{}
			for _, k := range eventKeys(got.Events) {
				have[k] = true
			}
			wantSet := map[string]bool{}
			for _, k := range eventKeys(want.Events) {
				wantSet[k] = true
			}
			for k := range have {
				if !wantSet[k] {
					t.Errorf("record not in the data: %s", k)
				}
			}
			missing := 0
			for i, k := range eventKeys(want.Events) {
				if have[k] {
					continue
				}
				missing++
				if ev := want.Events[i]; ev.TunnelIP != "203.0.113.20" || ev.Stream.String() != "IKE" {
					t.Errorf("missing a record of a healthy stream: %s", k)
				}
			}
			if missing == 0 {
				t.Error("nothing is missing: the fault did not bite")
			}
			otherStreams := 0
			for _, ev := range got.Events {
				if ev.TunnelIP != "203.0.113.20" || ev.Stream.String() != "IKE" {
					otherStreams++
				}
			}
			if otherStreams == 0 {
				t.Error("no records of the healthy streams")
			}
			// The fault clears: the next question is complete.
			f.ClearFaults()
			again, err := src.Logs(context.Background(), dayQuery(hq))
			if err != nil {
				t.Fatal(err)
			}
			diffKeys(t, "after the fault cleared", eventKeys(again.Events), eventKeys(want.Events))
			t.Logf("fault fired %d times; %d of %d records missing; note: %s", f.Fired(fl), missing, len(want.Events), note)
		})
	}
}

// Faults that never pass on every call end in a *source.Error naming the
// cause, never an empty answer.
func TestPersistentFaultsNameTheCause(t *testing.T) {
	logs := func(s *awssource.Source) error { _, err := s.Logs(context.Background(), dayQuery(hq)); return err }
	inv := func(s *awssource.Source) error { _, err := s.Connections(context.Background()); return err }
	cases := []struct {
		name  string
		fault fakeaws.Fault
		call  func(*awssource.Source) error
		cause string
		words []string
	}{
		{"slow everywhere", fakeaws.Fault{Op: "FilterLogEvents", Kind: fakeaws.FaultSlow, Delay: 3 * time.Second}, logs, "Timeout", []string{"FilterLogEvents", "did not answer within 300ms", "4 attempts"}},
		{"invalid JSON everywhere", fakeaws.Fault{Op: "FilterLogEvents", Kind: fakeaws.FaultInvalidJSON}, logs, "BadResponse", []string{"FilterLogEvents", "could not read", "proxy"}},
		{"truncated stream listing", fakeaws.Fault{Op: "DescribeLogStreams", Kind: fakeaws.FaultTruncated}, logs, "BadResponse", []string{"DescribeLogStreams"}},
		{"truncated EC2 XML", fakeaws.Fault{Op: "DescribeVpnConnections", Kind: fakeaws.FaultTruncated}, inv, "BadResponse", []string{"DescribeVpnConnections"}},
		{"5xx mid-pagination on every stream", fakeaws.Fault{Op: "FilterLogEvents", Code: "InternalFailure", Status: 500, OnlyPaged: true}, logs, "Unavailable", []string{"failed on its side"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Unscaled pages: every stream, the small BGP ones too, needs a
			// second page for a mid-pagination fault to hit it (each case
			// fails at its first or second call, so the size costs nothing).
			f := newFake(t, fakeaws.Options{PageSize: 40})
			f.AddFault(c.fault)
			wantSourceError(t, c.call(faultSource(t, f, nil)), c.cause, c.words...)
		})
	}
}

func month(s *awssource.Source) (*awssource.Counts, error) {
	return s.AnomalyCounts(context.Background(), nil, day, day.Add(30*24*time.Hour))
}

// Logs Insights queries that fail, time out in AWS or never finish.
func TestInsightsQueryFaults(t *testing.T) {
	start, end := day, day.Add(24*time.Hour)
	want := localCounts(t, []string{hq, branch}, start, end)

	t.Run("failed once is run again", func(t *testing.T) {
		f := newFake(t, fakeaws.Options{})
		fl := f.AddFault(fakeaws.Fault{Op: "StartQuery", Kind: fakeaws.FaultQueryFailed, Times: 1})
		got, err := month(faultSource(t, f, nil))
		if err != nil {
			t.Fatal(err)
		}
		if f.Fired(fl) != 1 {
			t.Fatal("the fault did not fire")
		}
		gotDay := map[string]int64{}
		for k, n := range countMap(got) {
			if strings.Contains(k, "2026-06-12T") {
				gotDay[k] = n
			}
		}
		diffCounts(t, "after a failed query", gotDay, want)
	})
	t.Run("failed twice names the cause", func(t *testing.T) {
		f := newFake(t, fakeaws.Options{})
		f.AddFault(fakeaws.Fault{Op: "StartQuery", Kind: fakeaws.FaultQueryFailed})
		_, err := month(faultSource(t, f, nil))
		wantSourceError(t, err, "QueryFailed", "status Failed", "narrow the window")
		if n := f.Counts()["StartQuery"]; n != 2 {
			t.Errorf("%d StartQuery calls, want the query and one retry", n)
		}
	})
	t.Run("timed out in AWS", func(t *testing.T) {
		f := newFake(t, fakeaws.Options{})
		f.AddFault(fakeaws.Fault{Op: "StartQuery", Kind: fakeaws.FaultQueryTimeout})
		_, err := month(faultSource(t, f, nil))
		wantSourceError(t, err, "QueryTimeout", "timed out inside AWS")
		if n := f.Counts()["StartQuery"]; n != 1 {
			t.Errorf("%d StartQuery calls: a query that timed out must not be run again", n)
		}
	})
	t.Run("never finishes", func(t *testing.T) {
		f := newFake(t, fakeaws.Options{})
		f.AddFault(fakeaws.Fault{Op: "StartQuery", Kind: fakeaws.FaultQueryStuck})
		t0 := time.Now()
		_, err := month(faultSource(t, f, func(c *awssource.Config) { c.QueryTimeout = 400 * time.Millisecond }))
		wantSourceError(t, err, "QueryTimeout", "still not finished after 400ms", "stopped it")
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("gave up after %s", d)
		}
		for _, id := range f.QueryIDs() {
			if st := f.QueryStatus(id); st != "Cancelled" {
				t.Errorf("query %s left %s: a query given up on must be stopped", id, st)
			}
		}
		if f.Counts()["StopQuery"] == 0 {
			t.Error("no StopQuery")
		}
	})
	t.Run("slow polls beyond the attempt timeout", func(t *testing.T) {
		f := newFake(t, fakeaws.Options{})
		fl := f.AddFault(fakeaws.Fault{Op: "GetQueryResults", Kind: fakeaws.FaultSlow, Delay: 3 * time.Second, Times: 2})
		if _, err := month(faultSource(t, f, nil)); err != nil {
			t.Fatal(err)
		}
		if f.Fired(fl) != 2 {
			t.Errorf("fault fired %d times", f.Fired(fl))
		}
	})
	t.Run("some queries fail: partial counts", func(t *testing.T) {
		f := newFake(t, fakeaws.Options{MaxQueryRows: 25})
		f.AddFault(fakeaws.Fault{Op: "StartQuery", Kind: fakeaws.FaultQueryFailed, After: 3})
		src := faultSource(t, f, func(c *awssource.Config) { c.MaxQueryRows = 25; c.QueryConcurrency = 1 })
		got, err := src.AnomalyCounts(context.Background(), nil, start, end)
		if err != nil {
			t.Fatal(err)
		}
		incomplete := 0
		for _, n := range got.Notes {
			if strings.HasPrefix(n, "INCOMPLETE: the counts of ") && strings.Contains(n, " from 2026-06-12T") && strings.Contains(n, "status Failed") {
				incomplete++
			}
		}
		if incomplete == 0 {
			t.Fatalf("no note names the counts missing: %q", got.Notes)
		}
		// What is there is right: no count above the local one.
		for k, n := range countMap(got) {
			if n > want[k] {
				t.Errorf("%s: %d, local source says %d", k, n, want[k])
			}
		}
		t.Logf("%d rows, %d incomplete parts, %s", len(got.Rows), incomplete, counts(f))
	})
	t.Run("raw records through Insights: failed once", func(t *testing.T) {
		f := newFake(t, fakeaws.Options{})
		f.AddFault(fakeaws.Fault{Op: "StartQuery", Kind: fakeaws.FaultQueryFailed, Times: 1})
		src := faultSource(t, f, func(c *awssource.Config) { c.InsightsWindow = time.Hour })
		got, err := src.Logs(context.Background(), dayQuery(hq))
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != awssource.PathInsights {
			t.Fatalf("path %s", got.Path)
		}
		wantLogs, _ := local(t).Logs(context.Background(), dayQuery(hq))
		diffKeys(t, "insights after a failed query", eventKeys(got.Events), eventKeys(wantLogs.Events))
	})
}

// progressLog records what a source reports.
type progressLog struct {
	mu    sync.Mutex
	dones []int
	msgs  []string
}

func (p *progressLog) ctx(ctx context.Context) context.Context {
	return source.WithProgress(ctx, func(done, total int, msg string) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.dones = append(p.dones, done)
		p.msgs = append(p.msgs, msg)
	})
}

func (p *progressLog) check(t *testing.T, min int, words ...string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.dones) < min {
		t.Fatalf("%d progress reports, want at least %d: %q", len(p.dones), min, p.msgs)
	}
	for i := 1; i < len(p.dones); i++ {
		if p.dones[i] <= p.dones[i-1] {
			t.Fatalf("progress went from %d to %d", p.dones[i-1], p.dones[i])
		}
	}
	all := strings.Join(p.msgs, "\n")
	for _, w := range words {
		if !strings.Contains(all, w) {
			t.Errorf("no progress message mentions %q:\n%s", w, all)
		}
	}
}

// Long reads report progress per page, stream part and query poll, in
// increasing steps, from the start.
func TestSourceReportsProgress(t *testing.T) {
	f := newFake(t, fakeaws.Options{PageSize: 20 * demoScale})
	src := faultSource(t, f, nil)
	var p progressLog
	if _, err := src.Logs(p.ctx(context.Background()), dayQuery(hq)); err != nil {
		t.Fatal(err)
	}
	p.check(t, 10, "listed 4 log stream(s)", "page 2 read", "4 of 4 part(s) read")
	if !strings.HasPrefix(p.msgs[0], "listed") {
		t.Errorf("first report %q: the listing should be reported before any page", p.msgs[0])
	}

	f2 := newFake(t, fakeaws.Options{QueryDuration: 100 * time.Millisecond})
	var p2 progressLog
	if _, err := month(newSource(t, f2, nil)); err != nil {
		t.Fatal(err) // warm nothing: a source without progress works as before
	}
	if _, err := newSource(t, f2, nil).AnomalyCounts(p2.ctx(context.Background()), nil, day, day.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	p2.check(t, 4, "counting anomalies", "started", "Running (poll 1)", "complete")
}
