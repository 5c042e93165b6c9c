package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Paths a LogResult reports.
const (
	PathCache    = "cache"
	PathFilter   = "CloudWatch Logs FilterLogEvents"
	PathInsights = "CloudWatch Logs Insights"
)

// fetched is what one stream read returned from AWS.
type fetched struct {
	si     *streamInfo
	lo, hi int64
	events []vpnlog.Event
	times  []int64
	bad    []malformedAt
	calls  int
	// A read that failed part-way: err is why, and the records before
	// readTo (ms) were all returned; the rest of [lo, hi) was not read.
	err    error
	readTo int64
}

// Logs implements source.LogSource. Windows up to InsightsWindow are read
// with FilterLogEvents, one request series per stream, streams in
// parallel under the client-side rate limit; longer windows through Logs
// Insights. Either way only the parts of the window not already cached are
// fetched, and the result says which path served it.
func (s *Source) Logs(ctx context.Context, q source.LogQuery) (*source.LogResult, error) {
	conn, err := s.Connection(ctx, q.VPNConnectionID)
	if err != nil {
		return nil, err
	}
	wants, disabled := s.plan(conn, q.TunnelIPs, q.Kinds)
	if len(wants) == 0 {
		if len(disabled) == 0 {
			return nil, source.NotFoundError("connection %s has no tunnel %v", conn.ID, q.TunnelIPs)
		}
		lerr := loggingDisabledError(conn, disabled)
		if len(q.TunnelIPs) > 0 {
			// A question about these tunnels cannot be answered at all.
			return nil, lerr
		}
		// A connection-wide read (a fleet summary, a timeline) goes on
		// with the other connections: no records, and the reason why.
		return &source.LogResult{Path: "none (logging disabled)", Report: vpnlog.Report{ByCategory: map[catalog.Category]int64{}},
			Notes: []string{lerr.Error()}}, nil
	}
	streams, notes, err := s.resolve(ctx, conn.ID, wants)
	if err != nil {
		return nil, err
	}
	for _, d := range disabled {
		notes = append(notes, d+": "+EnableLoggingAdvice(conn.ID, tunnelIPOf(d)))
	}
	lo, hi := q.Start.UnixMilli(), q.End.UnixMilli()
	if q.End.IsZero() {
		hi = s.now().UnixMilli() + 1
	}
	completeHi := s.now().Add(-s.cfg.Settle).UnixMilli()

	type job struct {
		si  *streamInfo
		gap span
	}
	var jobs []job
	for i := range streams {
		for _, g := range s.cache.gaps(&streams[i], lo, hi, q.AnomaliesOnly) {
			jobs = append(jobs, job{&streams[i], g})
		}
	}
	path := PathCache
	var calls int
	var results, failed []*fetched
	// The largest part still to fetch chooses the path: a long window that
	// is mostly cached is completed with FilterLogEvents.
	gapLo, gapHi, widest := hi, lo, int64(0)
	for _, j := range jobs {
		gapLo, gapHi, widest = min(gapLo, j.gap.lo), max(gapHi, j.gap.hi), max(widest, j.gap.hi-j.gap.lo)
	}
	switch {
	case len(jobs) == 0:
	case time.Duration(widest)*time.Millisecond > s.cfg.InsightsWindow:
		path = PathInsights
		if q.CountLiveness && !q.AnomaliesOnly {
			return s.logsCountingLiveness(ctx, streams, lo, hi, notes)
		}
		results, calls, err = s.insightsRecords(ctx, streams, gapLo, gapHi, q.AnomaliesOnly, false)
	default:
		path = PathFilter
		pr := newProgress(ctx, 0)
		pr.step("listed %d log stream(s); reading %d part(s) with FilterLogEvents", len(streams), len(jobs))
		results = make([]*fetched, len(jobs))
		var wg sync.WaitGroup
		var mu sync.Mutex
		partsDone := 0
		sem := make(chan struct{}, s.cfg.Concurrency)
		fctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case sem <- struct{}{}:
				case <-fctx.Done():
					return
				}
				defer func() { <-sem }()
				f, ferr := s.filterStream(fctx, j.si, j.gap.lo, j.gap.hi, q.AnomaliesOnly, pr)
				mu.Lock()
				defer mu.Unlock()
				if f != nil {
					calls += f.calls
				}
				if ferr != nil {
					if f != nil && partialOK(ferr) && fctx.Err() == nil {
						// The other streams go on: the answer says
						// what this one is missing.
						failed = append(failed, f)
						f.err = ferr
						return
					}
					if err == nil {
						err = ferr
						cancel()
					}
					return
				}
				results[i] = f
				partsDone++
				pr.step("FilterLogEvents: %d of %d part(s) read (%s)", partsDone, len(jobs), j.si.name)
			}()
		}
		wg.Wait()
		if err == nil {
			err = ctx.Err()
		}
		if err == nil && len(failed) == len(jobs) {
			// Nothing new could be read: an answer made of the cache
			// alone would hide that, so the cause is the answer.
			err = failed[0].err
		}
	}
	if err != nil {
		return nil, err
	}
	var tail []vpnlog.Event
	for _, f := range results {
		if f == nil {
			continue
		}
		s.cache.store(f.si, f.lo, f.hi, q.AnomaliesOnly, f.events, f.times, f.bad, completeHi)
		for i, t := range f.times {
			if t >= completeHi && (!q.AnomaliesOnly || f.events[i].Anomaly) {
				tail = append(tail, f.events[i])
			}
		}
	}
	res := &source.LogResult{Path: path, Report: vpnlog.Report{ByCategory: map[catalog.Category]int64{}}}
	for i := range streams {
		evs, bad := s.cache.read(&streams[i], lo, hi, q.AnomaliesOnly)
		res.Events = append(res.Events, evs...)
		res.Report.Files++
		for _, m := range bad {
			res.Report.MalformedCount++
			if len(res.Report.Malformed) < 100 {
				res.Report.Malformed = append(res.Report.Malformed, m)
			}
		}
	}
	res.Events = append(res.Events, tail...)
	var missing []string
	for _, f := range failed {
		// What a failed stream returned before failing is in the answer
		// but not cached: the next question reads the whole part again.
		for i, t := range f.times {
			if t < f.readTo && (!q.AnomaliesOnly || f.events[i].Anomaly) {
				res.Events = append(res.Events, f.events[i])
			}
		}
		for _, m := range f.bad {
			if m.ms < f.readTo && m.ms >= lo && m.ms < hi {
				res.Report.MalformedCount++
				if len(res.Report.Malformed) < 100 {
					res.Report.Malformed = append(res.Report.Malformed, m.m)
				}
			}
		}
		missing = append(missing, missingNote(f))
	}
	// The window is on the records' own times, as for local files (the
	// CloudWatch timestamp is the ingestion-side time of the same record).
	startMs, endMs := lo, hi
	kept := res.Events[:0]
	for _, ev := range res.Events {
		if ev.TimeMs >= startMs && ev.TimeMs < endMs {
			kept = append(kept, ev)
		}
	}
	res.Events = kept
	for i := range res.Events {
		ev := &res.Events[i]
		res.Report.Records++
		res.Report.Bytes += int64(len(ev.Raw))
		res.Report.ByCategory[ev.Category]++
		if ev.Category == catalog.Unknown {
			res.Report.UnknownCount++
		}
	}
	if q.CountLiveness && !q.AnomaliesOnly {
		// Fetched whole (a short window, or the cache): counted here.
		res.Events, res.Liveness = source.SplitLiveness(res.Events)
	}
	// After the split: a second's order depends on the records in it.
	correlate.SortEvents(res.Events)
	switch path {
	case PathCache:
		res.Notes = append(res.Notes, fmt.Sprintf("served from vpnlens's cache of earlier reads (%d streams, 0 AWS calls)", len(streams)))
	case PathFilter:
		res.Notes = append(res.Notes, fmt.Sprintf("read %d part(s) of %d stream(s) with FilterLogEvents in %d call(s); the rest came from the cache", len(jobs), len(streams), calls))
	case PathInsights:
		res.Notes = append(res.Notes, fmt.Sprintf("more than %s of records were missing, so they were read with Logs Insights in %d call(s)", s.cfg.InsightsWindow, calls))
	}
	if q.AnomaliesOnly && path != PathCache {
		res.Notes = append(res.Notes, "anomalies only: AWS filtered the records server-side, vpnlens classified what came back")
	}
	if res.Report.MalformedCount > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d record(s) in the window could not be read; they are listed in the report", res.Report.MalformedCount))
	}
	res.Notes = append(res.Notes, notes...)
	if len(missing) > 0 {
		res.Notes = append(missing, res.Notes...)
	}
	return res, nil
}

// partialOK reports failures after which the other streams' records still
// make a useful answer, with the missing part named: AWS slow, throttling
// or failing on its side. Failures the user must fix first (access,
// credentials, a missing log group) fail the whole question.
func partialOK(err error) bool {
	var se *source.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Cause {
	case "Throttled", "Unavailable", "Timeout", "BadResponse", "Unreachable", "AWSError":
		return true
	}
	return false
}

// missingNote names what a failed stream read did not return.
func missingNote(f *fetched) string {
	from := max(f.readTo, f.lo)
	what := "no records of it were read"
	if f.readTo > f.lo {
		what = fmt.Sprintf("records up to %s were read", correlate.FormatMs(f.readTo))
	}
	cause := f.err.Error()
	var se *source.Error
	if errors.As(f.err, &se) {
		cause = se.Cause + ": " + se.Msg
	}
	return fmt.Sprintf("INCOMPLETE: stream %s (log group %s) is missing records from %s to %s (%s; %s); ask again to read them",
		f.si.name, f.si.group, correlate.FormatMs(from), correlate.FormatMs(f.hi), what, cause)
}

// tunnelIPOf takes the "(ip)" out of a disabled-logging note.
func tunnelIPOf(note string) string {
	a, b := strings.LastIndexByte(note, '('), strings.LastIndexByte(note, ')')
	if a >= 0 && b > a {
		return note[a+1 : b]
	}
	return ""
}

// decode turns one CloudWatch event into a classified Event. The stream
// name is the hint; the CloudWatch timestamp dates a record without a time
// of its own.
func decode(si *streamInfo, msg string, cwMs int64) (vpnlog.Event, *vpnlog.Malformed) {
	ev, err := vpnlog.ParseRecord([]byte(msg), si.id)
	if err != nil {
		if !errors.Is(err, vpnlog.ErrNoTime) {
			sample := msg
			if len(sample) > 120 {
				sample = sample[:120]
			}
			return ev, &vpnlog.Malformed{File: si.group + "/" + si.name, Line: 0, Reason: err.Error() + " (at " + correlate.FormatMs(cwMs) + ")", Sample: sample}
		}
		ev.TimeMs, ev.Precision = cwMs, vpnlog.PrecisionMillis
	}
	ev.File = si.name
	return ev, nil
}

// filterStream reads [lo, hi) of one stream with FilterLogEvents, every
// page. FilterLogEvents's end time is inclusive, hence hi-1.
func (s *Source) filterStream(ctx context.Context, si *streamInfo, lo, hi int64, anomalies bool, pr *progress) (*fetched, error) {
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: sdkaws.String(si.group), LogStreamNames: []string{si.name},
		StartTime: sdkaws.Int64(lo), EndTime: sdkaws.Int64(hi - 1)}
	if anomalies {
		in.FilterPattern = sdkaws.String(AnomalyFilterPattern())
	}
	f := &fetched{si: si, lo: lo, hi: hi, readTo: lo}
	p := cloudwatchlogs.NewFilterLogEventsPaginator(s.logs, in, func(o *cloudwatchlogs.FilterLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		f.calls++
		if err != nil {
			// f holds the pages read so far, for a partial answer.
			return f, s.mapError(callContext{op: "FilterLogEvents", group: si.group, groupWhy: "stream " + si.name}, err)
		}
		for _, e := range page.Events {
			ts := sdkaws.ToInt64(e.Timestamp)
			// Pages come in time order: everything before the latest
			// time seen has been returned.
			f.readTo = max(f.readTo, ts)
			ev, bad := decode(si, str(e.Message), ts)
			if bad != nil {
				f.bad = append(f.bad, malformedAt{ms: ts, m: *bad})
				continue
			}
			if anomalies && !ev.Anomaly {
				continue // the server-side pattern is a superset
			}
			f.events = append(f.events, ev)
			f.times = append(f.times, ts)
		}
		if p.HasMorePages() {
			pr.step("FilterLogEvents: %s, page %d read (up to %s)", si.name, f.calls, correlate.FormatMs(f.readTo))
		}
	}
	f.readTo = hi
	return f, nil
}
