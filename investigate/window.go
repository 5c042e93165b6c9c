package investigate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
)

// Window is a resolved time window plus the zone answers are given in.
type Window struct {
	Start, End time.Time
	Loc        *time.Location
}

// extents returns the data range of a connection: first and last record.
func (svc *Service) extents(ctx context.Context, vpn string) (first, last time.Time, exts []source.Extent, err error) {
	exts, err = svc.Logs.Extents(ctx, vpn)
	if err != nil {
		return
	}
	for _, e := range exts {
		if first.IsZero() || e.First.Before(first) {
			first = e.First
		}
		if e.Last.After(last) {
			last = e.Last
		}
	}
	return
}

// dataRange is where the logs of the connections in a window's scope lie.
// "latest" is the newest record of any of them: a connection without logs
// (logging disabled) neither fails the window nor moves it.
type dataRange struct {
	first, last time.Time
	lastVPN     string   // the connection holding the newest record
	withLogs    []string // connections that have any record
	vpns        []string // every connection in scope
}

func (svc *Service) dataRangeOf(ctx context.Context, vpns []string) (dataRange, error) {
	r := dataRange{vpns: vpns}
	var failed []error
	for _, vpn := range vpns {
		first, last, _, err := svc.extents(ctx, vpn)
		if err != nil {
			if len(vpns) > 1 && partOfFleet(ctx, err) {
				// One connection that cannot be read (its account
				// denies, its region is down) does not hide the others'.
				failed = append(failed, err)
				if len(failed) == len(vpns) {
					return r, failed[0]
				}
				continue
			}
			return r, err
		}
		if last.IsZero() {
			continue
		}
		r.withLogs = append(r.withLogs, vpn)
		if r.first.IsZero() || first.Before(r.first) {
			r.first = first
		}
		if last.After(r.last) {
			r.last, r.lastVPN = last, vpn
		}
	}
	return r, nil
}

// where says where the logs are, for messages about a window that missed them.
func (r dataRange) where(loc *time.Location) string {
	if r.last.IsZero() {
		if len(r.vpns) == 1 {
			return fmt.Sprintf("%s has no logs at all (is its tunnel logging enabled? list_vpn_connections shows it)", r.vpns[0])
		}
		return fmt.Sprintf("none of %s has any logs (is tunnel logging enabled? list_vpn_connections shows it)", strings.Join(r.vpns, ", "))
	}
	of := r.lastVPN
	if len(r.withLogs) > 1 {
		of = strings.Join(r.withLogs, " and ")
	}
	return fmt.Sprintf("the logs of %s run from %s to %s", of, timeView(r.first, loc).withLocal(), timeView(r.last, loc).withLocal())
}

// extentLag is how far the newest record an Extents call reports may trail
// the real one: CloudWatch updates a stream's lastEventTimestamp eventually,
// typically within an hour. A window starting later than that after the
// newest record cannot hold any of it.
const extentLag = time.Hour

// LongWindowHint tells how to get a period longer than the maximum window,
// in the words of the tool that was asked.
type LongWindowHint func(max time.Duration) string

// longWindowRecords is the hint of tools that read records (timeline, logs).
func longWindowRecords(max time.Duration) string {
	return fmt.Sprintf("narrow start/end to at most %s; for an overview of a longer period call summarize_vpn_health once per part of at most %s", SpanText(max), SpanText(max))
}

// WindowSpec is a window as a question states it: start and end in the
// time forms every tool takes (RFC 3339, "YYYY-MM-DD HH:MM[:SS]",
// "HH:MM[:SS]" on the most recent day that has logs, "latest-7d",
// "now-2h"; empty means the default) and the zone they are written in.
type WindowSpec struct {
	Start, End string
	Loc        *time.Location
}

// ResolveWindow resolves spec for one connection with the defaults every
// windowed answer shares (defaultSpan back from the newest record) and
// enforces the maximum window.
func (svc *Service) ResolveWindow(ctx context.Context, spec WindowSpec, vpn string, defaultSpan time.Duration) (Window, error) {
	return svc.ResolveWindowFor(ctx, spec, []string{vpn}, defaultSpan, longWindowRecords)
}

// ResolveWindowFor resolves one window for every connection in vpns:
// "latest", bare wall-clock times and the default end count from the newest
// record of any of them, so all are summarised over the same, stated window.
// long words the too-long-window error for the answer asked for.
func (svc *Service) ResolveWindowFor(ctx context.Context, spec WindowSpec, vpns []string, defaultSpan time.Duration, long LongWindowHint) (Window, error) {
	loc := spec.Loc
	if loc == nil {
		loc = time.UTC
	}
	startS, endS := strings.TrimSpace(spec.Start), strings.TrimSpace(spec.End)
	fromClock := correlate.Anchor(startS) == "now" || correlate.Anchor(endS) == "now"
	// The newest record is only looked up when a default or a time form
	// needs it, or to check that a window counted from the clock meets the
	// logs: with AWS it costs API calls per connection.
	var rng dataRange
	haveRange := false
	lookup := func() error {
		if haveRange {
			return nil
		}
		r, err := svc.dataRangeOf(ctx, vpns)
		if err != nil {
			return err
		}
		rng, haveRange = r, true
		return nil
	}
	if endS == "" || needsLatest(startS) || needsLatest(endS) || fromClock {
		if err := lookup(); err != nil {
			return Window{}, err
		}
	}
	w := Window{Loc: loc}
	var err error
	if endS != "" {
		if w.End, err = correlate.ParseTimeArg(endS, loc, rng.last, svc.now()); err != nil {
			return Window{}, &UserError{Msg: "end: " + err.Error() + noLogsWhy(rng, loc)}
		}
	} else if !rng.last.IsZero() {
		w.End = rng.last.Add(time.Second)
	} else {
		w.End = svc.now()
	}
	if startS != "" {
		if w.Start, err = correlate.ParseTimeArg(startS, loc, rng.last, svc.now()); err != nil {
			return Window{}, &UserError{Msg: "start: " + err.Error() + noLogsWhy(rng, loc)}
		}
	} else {
		w.Start = w.End.Add(-defaultSpan)
	}
	// A window counted from the clock on logs that end in the past (an
	// export, a tunnel whose logging was switched off) misses them: say
	// where they are and how to count from the newest record instead.
	if fromClock && !rng.last.IsZero() && w.Start.After(rng.last.Add(extentLag)) {
		return Window{}, userErrorf("the window %s – %s starts %s after the newest record, so it holds no logs: %s, and \"now\" counts back from the clock (%s). %s",
			timeView(w.Start, loc).withLocal(), timeView(w.End, loc).withLocal(), SpanText(w.Start.Sub(rng.last)), rng.where(loc), timeView(svc.now(), loc).withLocal(), latestSuggestion(startS, endS))
	}
	if !w.End.After(w.Start) {
		msg := fmt.Sprintf("the window is empty: start %s is not before end %s", timeView(w.Start, loc).withLocal(), timeView(w.End, loc).withLocal())
		if endS == "" && !rng.last.IsZero() {
			msg += " (the default end: the newest record plus one second)"
		}
		msg += ": pass a start before the end"
		if lookup() == nil {
			msg += "; " + rng.where(loc)
			if fromClock && !rng.last.IsZero() {
				msg += ". " + latestSuggestion(startS, endS)
			}
		}
		return Window{}, &UserError{Msg: msg}
	}
	if max := svc.limits().MaxWindow; max > 0 && w.End.Sub(w.Start) > max {
		return Window{}, userErrorf("the window %s – %s is %s long, more than the maximum %s: %s",
			correlate.FormatUTC(w.Start), correlate.FormatUTC(w.End), SpanText(w.End.Sub(w.Start)), SpanText(max), long(max))
	}
	return w, nil
}

// noLogsWhy completes a time error when no connection in scope has logs.
func noLogsWhy(r dataRange, loc *time.Location) string {
	if len(r.vpns) == 0 || !r.last.IsZero() {
		return ""
	}
	return "; " + r.where(loc)
}

// latestSuggestion rewrites the clock-relative arguments to count back from
// the newest record.
func latestSuggestion(startS, endS string) string {
	var parts []string
	if correlate.Anchor(startS) == "now" {
		parts = append(parts, fmt.Sprintf("start %q instead of %q", correlate.Reanchor(startS, "latest"), startS))
	}
	if correlate.Anchor(endS) == "now" {
		parts = append(parts, fmt.Sprintf("end %q (or omit end) instead of %q", correlate.Reanchor(endS, "latest"), endS))
	}
	return "To count back from the newest record pass " + strings.Join(parts, " and ") + ", or pass times inside the logs"
}

// needsLatest reports time forms resolved against the newest record: a bare
// wall-clock time and "latest-<d>".
func needsLatest(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "latest") || (strings.Contains(s, ":") && !strings.ContainsAny(s, "-tz+"))
}

// DefaultSpan is the window of a timeline or a log fetch when the question
// gives no start: this long back from the end.
const DefaultSpan = 24 * time.Hour

// ResolveTime reads one time as a question writes it ("HH:MM" means that
// time on the most recent day that has logs of conn).
func (svc *Service) ResolveTime(ctx context.Context, conn *source.Connection, s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	_, last, _, err := svc.extents(ctx, conn.ID)
	if err != nil {
		return time.Time{}, err
	}
	t, err := correlate.ParseTimeArg(s, loc, last, svc.now())
	if err != nil {
		return time.Time{}, &UserError{Msg: "at: " + err.Error()}
	}
	return t, nil
}

// TimeFormProblem says what is wrong with the form of a time argument
// ("" when it is one of the accepted forms), for when there is no
// connection to resolve it against.
func TimeFormProblem(s string, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	// Any real instant serves as "the newest record" and "now": only the
	// form is checked.
	ref := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if _, err := correlate.ParseTimeArg(s, loc, ref, ref); err != nil {
		return err.Error()
	}
	return ""
}
