package aws

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// MaxGroupsPerQuery is Logs Insights's limit of log groups in one query.
const MaxGroupsPerQuery = 50

// errQueryFull marks a query whose result hit the row cap.
var errQueryFull = errors.New("query result reached the row cap")

// runQuery starts a Logs Insights query over groups for [startS, endS]
// (seconds: StartQuery takes seconds, not the milliseconds of
// FilterLogEvents), polls GetQueryResults with backoff until it is done, and
// stops it with StopQuery when ctx is cancelled first, so that an abandoned
// question does not keep scanning (and billing) in AWS.
func (s *Source) runQuery(ctx context.Context, groups []string, startS, endS int64, query string, pr *progress) (rows [][]cwtypes.ResultField, calls int, err error) {
	rows, calls, err = s.runQueryOnce(ctx, groups, startS, endS, query, pr)
	var se *source.Error
	if errors.As(err, &se) && se.Cause == "QueryFailed" && ctx.Err() == nil {
		// A query that failed inside AWS is often a passing fault of the
		// engine: one more try before the question fails.
		s.logger.Info("Logs Insights query failed, starting it again", "groups", strings.Join(groups, ", "), "err", se.Msg)
		var n int
		rows, n, err = s.runQueryOnce(ctx, groups, startS, endS, query, pr)
		calls += n
	}
	return rows, calls, err
}

func (s *Source) runQueryOnce(ctx context.Context, groups []string, startS, endS int64, query string, pr *progress) (rows [][]cwtypes.ResultField, calls int, err error) {
	cc := callContext{op: "StartQuery", group: strings.Join(groups, ", "), groupWhy: "from the tunnels' log options"}
	if s.cfg.LogGroup != "" {
		cc.groupWhy = "from --log-group"
	}
	start, err := s.logs.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{LogGroupNames: groups, StartTime: sdkaws.Int64(startS), EndTime: sdkaws.Int64(endS),
		QueryString: sdkaws.String(query)})
	calls++
	if err != nil {
		return nil, calls, s.mapError(cc, err)
	}
	id := start.QueryId
	span := time.Unix(startS, 0).UTC().Format(time.RFC3339) + " to " + time.Unix(endS, 0).UTC().Format(time.RFC3339)
	pr.step("Logs Insights: query %s started (%s)", str(id), span)
	stop := func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, serr := s.logs.StopQuery(stopCtx, &cloudwatchlogs.StopQueryInput{QueryId: id})
		cancel()
		calls++
		if serr != nil {
			s.logger.Warn("could not stop a Logs Insights query", "query_id", str(id), "err", serr)
		}
	}
	deadline := time.NewTimer(s.cfg.QueryTimeout)
	defer deadline.Stop()
	wait := s.cfg.PollInitial
	polls := 0
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			stop()
			return nil, calls, ctx.Err()
		case <-deadline.C:
			t.Stop()
			stop()
			return nil, calls, &source.Error{Op: "GetQueryResults", Cause: "QueryTimeout",
				Msg: fmt.Sprintf("the Logs Insights query on %s for %s was still not finished after %s, so vpnlens stopped it: narrow the window or the set of connections and ask again", strings.Join(groups, ", "), span, s.cfg.QueryTimeout)}
		case <-t.C:
		}
		wait = min(wait*3/2, s.cfg.PollMax)
		out, err := s.logs.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: id})
		calls++
		polls++
		if err != nil {
			if ctx.Err() != nil {
				continue // the select above stops the query
			}
			stop() // polling gave up: the query would run on unread
			return nil, calls, s.mapError(callContext{op: "GetQueryResults"}, err)
		}
		switch out.Status {
		case cwtypes.QueryStatusComplete:
			pr.step("Logs Insights: query %s complete, %d row(s)", str(id), len(out.Results))
			return out.Results, calls, nil
		case cwtypes.QueryStatusScheduled, cwtypes.QueryStatusRunning:
			pr.step("Logs Insights: query %s %s (poll %d)", str(id), out.Status, polls)
		case cwtypes.QueryStatusTimeout:
			return nil, calls, &source.Error{Op: "GetQueryResults", Cause: "QueryTimeout",
				Msg: fmt.Sprintf("the Logs Insights query on %s for %s timed out inside AWS (queries time out after 60 minutes): narrow the window or the set of connections and ask again", strings.Join(groups, ", "), span)}
		default:
			return nil, calls, &source.Error{Op: "GetQueryResults", Cause: "QueryFailed",
				Msg: fmt.Sprintf("the Logs Insights query on %s for %s ended with status %s: narrow the window or the set of connections and ask again", strings.Join(groups, ", "), span, out.Status)}
		}
	}
}

// isQueryEnd reports a query that AWS ended without an answer (failed or
// timed out) or that vpnlens gave up waiting for.
func isQueryEnd(err error) bool {
	var se *source.Error
	return errors.As(err, &se) && (se.Cause == "QueryFailed" || se.Cause == "QueryTimeout")
}

func field(row []cwtypes.ResultField, name string) (string, bool) {
	for _, f := range row {
		if str(f.Field) == name {
			return str(f.Value), f.Value != nil
		}
	}
	return "", false
}

// insightsTime parses the "2006-01-02 15:04:05.000" times Insights returns (UTC).
func insightsTime(v string) (int64, bool) {
	t, err := time.Parse("2006-01-02 15:04:05.000", v)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, v)
	}
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// groupBatches splits groups into query-sized batches.
func groupBatches(groups []string) [][]string {
	sort.Strings(groups)
	var out [][]string
	for len(groups) > 0 {
		n := min(len(groups), MaxGroupsPerQuery)
		out = append(out, groups[:n])
		groups = groups[n:]
	}
	return out
}

// insightsRecords reads the raw records of streams in [lo, hi) with Logs
// Insights: one query per batch of log groups, continued from the last
// second read whenever a result fills the row cap. Records land in the
// streams' uncached gaps only, except withoutLiveness reads (the liveness
// exchange left in AWS, to be counted there), which read all of [lo, hi)
// and are never cached: the cache holds what a stream logged, in full.
func (s *Source) insightsRecords(ctx context.Context, streams []streamInfo, lo, hi int64, anomalies, withoutLiveness bool) ([]*fetched, int, error) {
	byGroup := map[string][]*streamInfo{}
	for i := range streams {
		byGroup[streams[i].group] = append(byGroup[streams[i].group], &streams[i])
	}
	var groups []string
	for g := range byGroup {
		groups = append(groups, g)
	}
	gaps := map[*streamInfo][]*fetched{}
	var all []*fetched
	for i := range streams {
		gs := []span{{lo, hi}}
		if !withoutLiveness {
			gs = s.cache.gaps(&streams[i], lo, hi, anomalies)
		}
		for _, g := range gs {
			f := &fetched{si: &streams[i], lo: g.lo, hi: g.hi}
			gaps[&streams[i]] = append(gaps[&streams[i]], f)
			all = append(all, f)
		}
	}
	var calls atomic.Int64
	pr := newProgress(ctx, 0)
	// readSpan reads whole seconds [startS, endS] of a batch's streams,
	// query after query while results fill the row cap, into parts of
	// the streams' gaps (what this span read of each), keeping the
	// records in [keepLo, keepHi) ms: where a query's last second ends is
	// AWS's to say, so parts overlap by a second and each keeps its own.
	readSpan := func(batch []string, byName map[string]*streamInfo, q string, startS, endS, keepLo, keepHi int64) (map[*fetched]*fetched, error) {
		out := map[*fetched]*fetched{}
		part := func(f *fetched) *fetched {
			p := out[f]
			if p == nil {
				p = &fetched{}
				out[f] = p
			}
			return p
		}
		for {
			rows, n, err := s.runQuery(ctx, batch, startS, endS, q, pr)
			calls.Add(int64(n))
			if err != nil {
				return nil, err
			}
			full := len(rows) >= s.cfg.MaxQueryRows
			cut := int64(1) << 62
			if full {
				last, _ := insightsTime(firstOr(field(rows[len(rows)-1], "@timestamp")))
				if last/1000 <= startS {
					// One second holds more records than a query returns:
					// read that second of each stream with FilterLogEvents.
					sec := span{max(startS*1000, keepLo), min(startS*1000+1000, keepHi)}
					for _, si := range byName {
						for _, f := range gaps[si] {
							a, b := max(f.lo, sec.lo), min(f.hi, sec.hi)
							if a >= b {
								continue
							}
							got, err := s.filterStream(ctx, si, a, b, anomalies, pr)
							if err != nil {
								return nil, err
							}
							calls.Add(int64(got.calls))
							p := part(f)
							for k := range got.events {
								if withoutLiveness && vpnlog.IsLiveness(&got.events[k]) {
									continue // counted by the liveness query
								}
								p.events = append(p.events, got.events[k])
								p.times = append(p.times, got.times[k])
							}
							p.bad = append(p.bad, got.bad...)
						}
					}
					startS++
					if startS > endS {
						return out, nil
					}
					continue
				}
				cut = last / 1000 * 1000 // the last second may be cut short: read it again
			}
			for _, row := range rows {
				ts, ok := insightsTime(firstOr(field(row, "@timestamp")))
				if !ok || ts >= cut || ts < keepLo || ts >= keepHi {
					continue
				}
				si := rowStream(row, batch, byName)
				if si == nil {
					continue
				}
				for _, f := range gaps[si] {
					if ts < f.lo || ts >= f.hi {
						continue
					}
					msg, _ := field(row, "@message")
					ev, bad := decode(si, msg, ts)
					p := part(f)
					switch {
					case bad != nil:
						p.bad = append(p.bad, malformedAt{ms: ts, m: *bad})
					case !anomalies || ev.Anomaly:
						p.events = append(p.events, ev)
						p.times = append(p.times, ts)
					}
				}
			}
			if !full {
				return out, nil
			}
			startS = cut / 1000
		}
	}
	for _, batch := range groupBatches(groups) {
		byName := map[string]*streamInfo{}
		var names []string
		for _, g := range batch {
			for _, si := range byGroup[g] {
				if len(gaps[si]) > 0 {
					byName[si.group+"\x00"+si.name] = si
					names = append(names, si.name)
				}
			}
		}
		if len(names) == 0 {
			continue
		}
		q := "fields @timestamp, @message, @logStream, @log\n| filter @logStream in [" + quoteList(names) + "]"
		if anomalies {
			q += "\n| filter @message like /" + anomalyRegex() + "/"
		}
		if withoutLiveness {
			q += "\n| filter @message not like /" + vpnlog.LivenessRegex + "/"
		}
		q += fmt.Sprintf("\n| sort @timestamp asc\n| limit %d", s.cfg.MaxQueryRows)
		// A long window is read in parts side by side (Insights runs
		// queries of an account at once, up to its quota): at real
		// density a week is some ten queries of 10,000 rows, which one
		// after the other take as many times a query's run. The parts'
		// records are put together in time order after.
		chunks := splitSeconds(lo/1000, (hi+999)/1000, s.cfg.QueryConcurrency, insightsChunkMin)
		parts := make([]map[*fetched]*fetched, len(chunks))
		errs := make([]error, len(chunks))
		var wg sync.WaitGroup
		for i, c := range chunks {
			endS, keepLo, keepHi := c.hi, int64(-1)<<62, int64(1)<<62
			if i > 0 {
				keepLo = c.lo * 1000
			}
			if i+1 < len(chunks) {
				endS, keepHi = c.hi+1, (c.hi+1)*1000
			}
			wg.Go(func() { parts[i], errs[i] = readSpan(batch, byName, q, c.lo, endS, keepLo, keepHi) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, int(calls.Load()), err // the earliest part's failure, as one read would give
			}
		}
		for _, f := range all {
			var got []*fetched
			for _, pm := range parts {
				if p := pm[f]; p != nil {
					got = append(got, p)
				}
			}
			f.join(got)
		}
	}
	return all, int(calls.Load()), nil
}

// join appends parts' records to f's, in the parts' order. Records are
// large and a week's are many: a lone part's are taken as they are, and
// several parts' are copied once into a list of their total size, each
// part let go once copied.
func (f *fetched) join(parts []*fetched) {
	if len(parts) == 1 && len(f.events) == 0 && len(f.times) == 0 {
		p := parts[0]
		f.events, f.times, f.bad = p.events, p.times, append(f.bad, p.bad...)
		return
	}
	n := len(f.events)
	for _, p := range parts {
		n += len(p.events)
	}
	if n > cap(f.events) {
		f.events = append(make([]vpnlog.Event, 0, n), f.events...)
		f.times = append(make([]int64, 0, n), f.times...)
	}
	for _, p := range parts {
		f.events = append(f.events, p.events...)
		f.times = append(f.times, p.times...)
		f.bad = append(f.bad, p.bad...)
		p.events, p.times = nil, nil
	}
}

// insightsChunkMin is the shortest part a long Logs Insights read is cut
// into: shorter parts would cost queries without saving time.
const insightsChunkMin = 6 * 3600

// splitSeconds cuts whole seconds [startS, endS] into at most n parts of
// at least minS seconds each (one part when the span is shorter), with no
// second in two parts.
func splitSeconds(startS, endS int64, n int, minS int64) []span {
	total := endS - startS + 1
	k := max(1, min(int64(n), total/max(minS, 1)))
	out := make([]span, 0, k)
	for i := int64(0); i < k; i++ {
		a := startS + total*i/k
		b := startS + total*(i+1)/k - 1
		out = append(out, span{a, b})
	}
	return out
}

func firstOr(v string, _ bool) string { return v }

// rowStream is the stream a Logs Insights row came from: by its log group
// (@log, "account:group") and stream name, or by the name alone in one of
// batch's groups when @log is absent. nil when none of byName's.
func rowStream(row []cwtypes.ResultField, batch []string, byName map[string]*streamInfo) *streamInfo {
	name, _ := field(row, "@logStream")
	grp, _ := field(row, "@log")
	if i := strings.IndexByte(grp, ':'); i >= 0 {
		grp = grp[i+1:]
	}
	if si := byName[grp+"\x00"+name]; si != nil {
		return si
	}
	for _, g := range batch {
		if si := byName[g+"\x00"+name]; si != nil {
			return si
		}
	}
	return nil
}

// Count and Counts are the source package's anomaly-count types (shared
// with the tools, which must not import this package).
type (
	Count  = source.AnomalyCount
	Counts = source.AnomalyCounts
)

// AnomalyCounts counts anomalies per tunnel, stream, category and hour for
// the connections vpnIDs (all in the region when empty) in [start, end).
// Long windows and fleets (more than InsightsWindow, or more than
// InsightsFleet connections) are counted inside AWS by Logs Insights: only
// the distinct (stream, hour, message, state) groups come back, never the
// raw records, and each group is classified here. Windows are cut at whole
// seconds on that path. Short windows of a few connections are read with
// FilterLogEvents (and cached for the follow-up questions) and counted here.
func (s *Source) AnomalyCounts(ctx context.Context, vpnIDs []string, start, end time.Time) (*Counts, error) {
	if !end.After(start) {
		return nil, &source.Error{Op: "AnomalyCounts", Cause: "BadWindow", Msg: fmt.Sprintf("the window is empty: start %s is not before end %s", correlate.FormatUTC(start), correlate.FormatUTC(end))}
	}
	var conns []source.Connection
	if len(vpnIDs) == 0 {
		all, err := s.Connections(ctx)
		if err != nil {
			return nil, err
		}
		conns = all
	} else {
		for _, id := range vpnIDs {
			c, err := s.Connection(ctx, id)
			if err != nil {
				return nil, err
			}
			conns = append(conns, *c)
		}
	}
	if end.Sub(start) <= s.cfg.InsightsWindow && len(conns) <= s.cfg.InsightsFleet {
		return s.countByFilter(ctx, conns, start, end)
	}
	return s.countByInsights(ctx, conns, start, end)
}

func hourOf(ms int64) time.Time { return time.UnixMilli(ms - ms%3600000).UTC() }

func (s *Source) countByFilter(ctx context.Context, conns []source.Connection, start, end time.Time) (*Counts, error) {
	before := s.calls.total()
	out := &Counts{Path: PathCache}
	agg := map[Count]int64{}
	for _, c := range conns {
		res, err := s.Logs(ctx, source.LogQuery{VPNConnectionID: c.ID, Start: start, End: end})
		if err != nil {
			var se *source.Error
			if asSourceError(err, &se) && se.Cause == "LoggingDisabled" {
				out.Notes = append(out.Notes, se.Msg)
				continue
			}
			return nil, err
		}
		if res.Path != PathCache {
			out.Path = PathFilter
		}
		for i := range res.Events {
			ev := &res.Events[i]
			if ev.Anomaly {
				agg[Count{VPNConnectionID: ev.VPNConnectionID, TunnelIP: ev.TunnelIP, Stream: ev.Stream.String(), Category: ev.Category, Hour: hourOf(ev.TimeMs)}]++
			}
		}
	}
	out.Rows = sortCounts(agg)
	out.Calls = s.calls.total() - before
	return out, nil
}

func sortCounts(agg map[Count]int64) []Count {
	rows := make([]Count, 0, len(agg))
	for k, n := range agg {
		k.Count = n
		rows = append(rows, k)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.VPNConnectionID != b.VPNConnectionID {
			return a.VPNConnectionID < b.VPNConnectionID
		}
		if a.TunnelIP != b.TunnelIP {
			return a.TunnelIP < b.TunnelIP
		}
		if !a.Hour.Equal(b.Hour) {
			return a.Hour.Before(b.Hour)
		}
		if a.Stream != b.Stream {
			return a.Stream < b.Stream
		}
		return a.Category < b.Category
	})
	return rows
}

// countQuery groups the anomaly candidates of the streams of vpns by
// stream, hour and what decides their class: the details text and the
// phase states (IKE) or status and type (BGP). coalesce falls back to
// fields every record has, so no record drops out of the grouping for
// lacking one: a text-format record (no JSON fields) comes back whole.
func (s *Source) countQuery(vpns []string) string {
	ids := make([]string, len(vpns))
	for i, v := range vpns {
		ids[i] = regexp.QuoteMeta(v)
	}
	return "fields @logStream, coalesce(details, message.details, type, @message) as what, coalesce(ike_phase1_state, status, @logStream) as s1, coalesce(ike_phase2_state, type, @logStream) as s2" +
		"\n| filter @logStream like /^(" + strings.Join(ids, "|") + ")_/" +
		"\n| filter @message like /" + anomalyRegex() + "/" +
		"\n| stats count(*) as n by @logStream, bin(1h) as hour, what, s1, s2" +
		fmt.Sprintf("\n| limit %d", s.cfg.MaxQueryRows)
}

// expectedRowsPerConnectionDay is a guess of the distinct anomaly groups
// (stream, hour, message) a connection has in a day; a day with a few
// incidents, like the demo's, has about 16.
const expectedRowsPerConnectionDay = 48

type countJob struct {
	groups []string
	vpns   []string
	lo, hi int64 // seconds, inclusive
}

func (s *Source) countByInsights(ctx context.Context, conns []source.Connection, start, end time.Time) (*Counts, error) {
	out := &Counts{Path: PathInsights}
	groupVPNs := map[string]map[string]bool{}
	for i := range conns {
		wants, disabled := s.plan(&conns[i], nil, nil)
		if len(wants) == 0 && len(disabled) > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%s: logging is disabled on every tunnel, nothing to count", conns[i].ID))
		}
		for _, w := range wants {
			if groupVPNs[w.group] == nil {
				groupVPNs[w.group] = map[string]bool{}
			}
			groupVPNs[w.group][conns[i].ID] = true
		}
	}
	var groups []string
	for g := range groupVPNs {
		groups = append(groups, g)
	}
	var jobs []countJob
	for _, batch := range groupBatches(groups) {
		seen := map[string]bool{}
		var vpns []string
		for _, g := range batch {
			for v := range groupVPNs[g] {
				if !seen[v] {
					seen[v] = true
					vpns = append(vpns, v)
				}
			}
		}
		sort.Strings(vpns)
		lo, hi := start.UnixMilli()/1000, (end.UnixMilli()-1)/1000
		// Split up front where the row cap would surely be hit, so the
		// parts run in parallel instead of one after another.
		days := float64(hi-lo+1) / 86400
		parts := int(float64(len(vpns))*days*expectedRowsPerConnectionDay/(0.8*float64(s.cfg.MaxQueryRows))) + 1
		step := max((hi-lo+1)/int64(parts)/3600*3600, 3600)
		for a := lo; a <= hi; a += step {
			b := min(a+step-1, hi)
			if hi-b < step/2 {
				b = hi // no sliver at the end
			}
			jobs = append(jobs, countJob{groups: batch, vpns: vpns, lo: a, hi: b})
			if b == hi {
				break
			}
		}
	}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		rows     [][]cwtypes.ResultField
		calls    int
		queries  int
		firstEr  error
		answered int
		failed   []error
		missing  []string
	)
	pr := newProgress(ctx, 0)
	pr.step("Logs Insights: counting anomalies of %d connection(s) in %d quer(ies)", len(conns), len(jobs))
	sem := make(chan struct{}, s.cfg.QueryConcurrency)
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var run func(j countJob)
	run = func(j countJob) {
		defer wg.Done()
		select {
		case sem <- struct{}{}:
		case <-qctx.Done():
			return
		}
		r, n, err := s.runQuery(qctx, j.groups, j.lo, j.hi, s.countQuery(j.vpns), pr)
		<-sem
		mu.Lock()
		defer mu.Unlock()
		calls += n
		queries++
		if err != nil {
			if qctx.Err() == nil && (partialOK(err) || isQueryEnd(err)) {
				// The other queries go on; the answer names the hours
				// this one could not count.
				failed = append(failed, err)
				missing = append(missing, fmt.Sprintf("INCOMPLETE: the counts of %s from %s to %s are missing (%s); ask again for that window",
					strings.Join(j.vpns, ", "), time.Unix(j.lo, 0).UTC().Format(time.RFC3339), time.Unix(j.hi+1, 0).UTC().Format(time.RFC3339), err.Error()))
				return
			}
			if firstEr == nil {
				firstEr = err
				cancel()
			}
			return
		}
		answered++
		if len(r) >= s.cfg.MaxQueryRows {
			// The cap cut groups off: split the window at an hour
			// boundary (so no hour is counted twice), or the connections.
			mid := (j.lo + j.hi + 1) / 2 / 3600 * 3600
			switch {
			case mid > j.lo && mid <= j.hi:
				a, b := j, j
				a.hi, b.lo = mid-1, mid
				wg.Add(2)
				go run(a)
				go run(b)
			case len(j.vpns) > 1:
				a, b := j, j
				a.vpns, b.vpns = j.vpns[:len(j.vpns)/2], j.vpns[len(j.vpns)/2:]
				wg.Add(2)
				go run(a)
				go run(b)
			default:
				out.Notes = append(out.Notes, fmt.Sprintf("%s: more than %d distinct anomaly groups in the hour from %s; the counts of that hour are incomplete",
					j.vpns[0], s.cfg.MaxQueryRows, time.Unix(j.lo, 0).UTC().Format(time.RFC3339)))
				rows = append(rows, r...)
			}
			return
		}
		rows = append(rows, r...)
	}
	for _, j := range jobs {
		wg.Add(1)
		go run(j)
	}
	wg.Wait()
	if firstEr != nil {
		return nil, firstEr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(failed) > 0 && answered == 0 {
		// No count at all: an empty summary would read as "no trouble".
		return nil, failed[0]
	}
	sort.Strings(missing)
	out.Notes = append(out.Notes, missing...)
	agg := map[Count]int64{}
	memo := map[[4]string]vpnlog.Event{}
	for _, row := range rows {
		name, _ := field(row, "@logStream")
		id, ok := vpnlog.ParseStreamName(name)
		if !ok {
			continue
		}
		hourV, _ := field(row, "hour")
		hourMs, ok := insightsTime(hourV)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(firstOr(field(row, "n")), 10, 64)
		if err != nil {
			continue
		}
		what, _ := field(row, "what")
		s1, _ := field(row, "s1")
		s2, _ := field(row, "s2")
		key := [4]string{id.Kind.String(), what, s1 + "\x00" + name, s2}
		if s1 != name {
			key[2] = s1
		}
		ev, ok := memo[key]
		if !ok {
			ev = classifyGroup(id, name, what, s1, s2)
			memo[key] = ev
		}
		if !ev.Anomaly {
			continue
		}
		agg[Count{VPNConnectionID: id.VPNConnectionID, TunnelIP: id.TunnelIP, Stream: ev.Stream.String(), Category: ev.Category, Hour: time.UnixMilli(hourMs).UTC()}] += n
	}
	out.Rows = sortCounts(agg)
	out.Calls = calls
	out.Notes = append(out.Notes, fmt.Sprintf("counted inside AWS with %d Logs Insights quer(ies) over %d log group(s); no raw records were read", queries, len(groups)))
	return out, nil
}

// classifyGroup rebuilds the record a count row stands for and classifies
// it. what is the details text (or the whole record when it had no JSON
// fields); s1/s2 are the phase states (IKE) or status/type (BGP), or the
// stream name when the record had neither.
func classifyGroup(id vpnlog.StreamID, name, what, s1, s2 string) vpnlog.Event {
	var rec string
	isBGPType := s2 == "BGPStatus" || s2 == "RouteStatus"
	switch {
	case strings.HasPrefix(strings.TrimSpace(what), "{") || (s1 == name && s2 == name):
		rec = what // the record itself
	case id.Kind == vpnlog.StreamBGP || isBGPType:
		m := map[string]any{}
		if s1 != name {
			m["status"] = s1
		}
		if s2 != name {
			m["type"] = s2
		}
		if what != s2 {
			m["message"] = map[string]string{"details": what}
		}
		rec = mustJSON(m)
	default:
		m := map[string]any{"details": what}
		if s1 != name {
			m["ike_phase1_state"] = s1
		}
		if s2 != name {
			m["ike_phase2_state"] = s2
		}
		rec = mustJSON(m)
	}
	ev, _ := vpnlog.ParseRecord([]byte(rec), id)
	if ev.Category == "" {
		vpnlog.Classify(&ev)
	}
	return ev
}
