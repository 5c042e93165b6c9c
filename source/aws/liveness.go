package aws

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// logsCountingLiveness answers a long window that asked for the liveness
// exchange counted (LogQuery.CountLiveness). At real density that exchange
// is nearly every record (two every 10 s per tunnel: 240,000 in a week of
// one connection), so Logs Insights returns the other records raw and
// only counts the exchange, per stream and hour, inside AWS: two kinds of
// query instead of dozens of 10,000-row pages, and memory for the answer,
// not the window.
//
// Neither part is cached (the cache holds streams in full). The counts
// are by CloudWatch time over whole seconds of the window.
func (s *Source) logsCountingLiveness(ctx context.Context, streams []streamInfo, lo, hi int64, notes []string) (*source.LogResult, error) {
	results, calls, err := s.insightsRecords(ctx, streams, lo, hi, false, true)
	if err != nil {
		return nil, err
	}
	counts, n, err := s.insightsLiveness(ctx, streams, lo, hi)
	calls += n
	if err != nil {
		return nil, err
	}
	res := &source.LogResult{Path: PathInsights, Report: vpnlog.Report{ByCategory: map[catalog.Category]int64{}}, Liveness: counts}
	// Each stream's records in order, then merged: every record copied
	// once more, to its place.
	runs := make([][]vpnlog.Event, 0, len(results))
	total := 0
	for _, f := range results {
		kept := f.events[:0]
		for _, ev := range f.events {
			if ev.TimeMs >= lo && ev.TimeMs < hi {
				kept = append(kept, ev)
			}
		}
		correlate.SortEvents(kept)
		runs = append(runs, kept)
		total += len(kept)
		for _, m := range f.bad {
			res.Report.MalformedCount++
			if len(res.Report.Malformed) < 100 {
				res.Report.Malformed = append(res.Report.Malformed, m.m)
			}
		}
	}
	res.Report.Files = len(streams)
	res.Events = correlate.MergeSorted(make([]vpnlog.Event, 0, total), runs...)
	for i := range res.Events {
		ev := &res.Events[i]
		res.Report.Records++
		res.Report.Bytes += int64(len(ev.Raw))
		res.Report.ByCategory[ev.Category]++
		if ev.Category == catalog.Unknown {
			res.Report.UnknownCount++
		}
	}
	var live int64
	for _, c := range counts {
		live += c.Count
	}
	res.Report.Records += live
	res.Report.ByCategory[catalog.IKENegotiation] += live
	res.Notes = append(res.Notes, fmt.Sprintf("more than %s of records were missing, so they were read with Logs Insights in %d call(s); the liveness exchange (%d records) was counted inside AWS, not fetched", s.cfg.InsightsWindow, calls, live))
	if res.Report.MalformedCount > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d record(s) in the window could not be read; they are listed in the report", res.Report.MalformedCount))
	}
	res.Notes = append(res.Notes, notes...)
	return res, nil
}

// insightsLiveness counts the liveness exchange of streams per stream and
// hour inside AWS, with its first and last record in each hour, over the
// whole seconds of [lo, hi).
func (s *Source) insightsLiveness(ctx context.Context, streams []streamInfo, lo, hi int64) ([]source.LivenessCount, int, error) {
	byGroup := map[string][]*streamInfo{}
	for i := range streams {
		byGroup[streams[i].group] = append(byGroup[streams[i].group], &streams[i])
	}
	var groups []string
	for g := range byGroup {
		groups = append(groups, g)
	}
	// StartQuery takes whole seconds, both ends included.
	startS, endS := (lo+999)/1000, (hi-1)/1000
	if endS < startS {
		return nil, 0, nil
	}
	var out []source.LivenessCount
	calls := 0
	pr := newProgress(ctx, 0)
	for _, batch := range groupBatches(groups) {
		byName := map[string]*streamInfo{}
		var names []string
		for _, g := range batch {
			for _, si := range byGroup[g] {
				byName[si.group+"\x00"+si.name] = si
				names = append(names, si.name)
			}
		}
		q := "filter @logStream in [" + quoteList(names) + "]" +
			"\n| filter @message like /" + vpnlog.LivenessRegex + "/" +
			"\n| stats count(*) as n, min(@timestamp) as first, max(@timestamp) as last by @logStream, @log, bin(1h) as hour"
		rows, n, err := s.runQuery(ctx, batch, startS, endS, q, pr)
		calls += n
		if err != nil {
			return nil, calls, err
		}
		if len(rows) >= s.cfg.MaxQueryRows {
			return nil, calls, &source.Error{Op: "GetQueryResults", Cause: "TooManyRows",
				Msg: fmt.Sprintf("counting the liveness exchange of %s per hour gave %d rows, the most a query returns: narrow the window and ask again", strings.Join(names, ", "), len(rows))}
		}
		for _, row := range rows {
			si := rowStream(row, batch, byName)
			hour, ok1 := insightsTime(firstOr(field(row, "hour")))
			first, ok2 := insightsTime(firstOr(field(row, "first")))
			last, ok3 := insightsTime(firstOr(field(row, "last")))
			cnt, err := strconv.ParseInt(firstOr(field(row, "n")), 10, 64)
			if si == nil || !ok1 || !ok2 || !ok3 || err != nil {
				return nil, calls, &source.Error{Op: "GetQueryResults", Cause: "BadResponse",
					Msg: fmt.Sprintf("a Logs Insights row counting the liveness exchange could not be read (%v): ask again; if it persists, report it", row)}
			}
			out = append(out, source.LivenessCount{Stream: si.id, HourMs: hour, Count: cnt, FirstMs: first, LastMs: last})
		}
	}
	return source.SortLiveness(out), calls, nil
}
