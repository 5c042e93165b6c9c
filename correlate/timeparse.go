package correlate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LoadZone resolves an IANA time zone name; empty means UTC.
func LoadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "utc") || name == "Z" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as \"Europe/Berlin\" or \"America/New_York\"", name)
	}
	return loc, nil
}

// TimeFormatsHelp lists the accepted time forms, for error messages.
const TimeFormatsHelp = `RFC 3339 ("2026-06-12T20:25:00Z"), "YYYY-MM-DD HH:MM[:SS]", "HH:MM[:SS]" (that time on the most recent day that has logs), "now-2h" (from the clock) or "latest-7d" (from the newest record)`

// Anchor names what a relative time argument counts back from: "now" (the
// clock) or "latest" (the newest record); "" for every other form. Tools
// use it to tell a window that missed exported logs because it was counted
// from the clock, and to suggest the "latest" form instead.
func Anchor(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, w := range []string{"now", "latest"} {
		if strings.HasPrefix(s, w) {
			return w
		}
	}
	return ""
}

// Reanchor rewrites a relative time argument to count back from anchor
// instead: Reanchor("now-2h", "latest") is "latest-2h". Other forms come
// back unchanged.
func Reanchor(s, anchor string) string {
	s = strings.TrimSpace(s)
	if a := Anchor(s); a != "" {
		return anchor + s[len(a):]
	}
	return s
}

// WallClockAhead is how far after the newest record a bare wall-clock time
// on the newest record's day may lie and still mean that day: the records
// of the last minutes may not be delivered yet (CloudWatch delivers tunnel
// logs in batches, minutes late, and reports a stream's newest record up
// to an hour late). Later, it means the day before.
const WallClockAhead = time.Hour

// ParseTimeArg parses a time the way a person types it during an incident.
// Times without a zone are in loc. "HH:MM[:SS]" means that time on the
// calendar day (in loc) of latest — the most recent day that has logs — so
// "20:25" finds yesterday evening's drop when that is the newest data. It
// stays on that day when it is up to WallClockAhead later than the newest
// record: a question asked minutes after the newest record is about the
// last minutes (whose records CloudWatch may not have delivered yet), not
// about the day before. A time later still means the day before, the last
// one on which that time has logs: the newest record may sit just past
// midnight in the asker's zone, and "22:48" is then the evening that just
// ended. now is the reference for "now" and "now-<duration>".
func ParseTimeArg(s string, loc *time.Location, latest, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if loc == nil {
		loc = time.UTC
	}
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time: use %s", TimeFormatsHelp)
	}
	// "now-2h" counts back from the clock; "latest-7d" from the newest
	// record, which is what "the last week of logs" means for exported data.
	for _, anchor := range []struct {
		word string
		at   time.Time
	}{{"now", now}, {"latest", latest}} {
		if !strings.HasPrefix(strings.ToLower(s), anchor.word) {
			continue
		}
		if anchor.at.IsZero() {
			return time.Time{}, fmt.Errorf("%q: there are no logs to count back from: give a full date (e.g. \"2026-06-12 20:25\") or count back from the clock (\"now%s\")", s, s[len(anchor.word):])
		}
		rest := strings.TrimSpace(s[len(anchor.word):])
		if rest == "" {
			return anchor.at.UTC(), nil
		}
		if rest[0] != '-' {
			return time.Time{}, fmt.Errorf("bad relative time %q: write %s-<duration>, e.g. %s-2h", s, anchor.word, anchor.word)
		}
		d, err := parseDuration(rest[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("bad relative time %q: %v", s, err)
		}
		return anchor.at.Add(-d).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z", "20060102T150405Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range []string{"15:04:05.999999999", "15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			if latest.IsZero() {
				return time.Time{}, fmt.Errorf("%q has no date and there are no logs to take the day from: give a full date, e.g. \"2026-06-12 %s\"", s, s)
			}
			day := latest.In(loc)
			at := time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
			if at.Sub(latest) > WallClockAhead {
				at = at.AddDate(0, 0, -1)
			}
			return at.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q: use %s", s, TimeFormatsHelp)
}

// parseDuration extends time.ParseDuration with days ("2d") and weeks ("1w").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 1 && (s[n-1] == 'd' || s[n-1] == 'w') {
		v, err := strconv.ParseFloat(s[:n-1], 64)
		// NaN, infinities and spans beyond a century are typing accidents,
		// and would overflow time.Duration.
		if err != nil || !(v >= 0 && v <= 36500) {
			return 0, fmt.Errorf("bad duration %q: use e.g. 90m, 2h, 1d (at most 36500d)", s)
		}
		unit := 24 * time.Hour
		if s[n-1] == 'w' {
			unit *= 7
		}
		return time.Duration(v * float64(unit)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q: use e.g. 90m, 2h, 1d", s)
	}
	return d, nil
}

// FormatUTC renders a time as RFC 3339 UTC with milliseconds when they are non-zero.
func FormatUTC(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format(time.RFC3339)
	}
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// FormatMs renders epoch milliseconds like FormatUTC.
func FormatMs(ms int64) string { return FormatUTC(time.UnixMilli(ms)) }
