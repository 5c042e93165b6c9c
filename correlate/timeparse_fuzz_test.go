package correlate

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseTimeArg feeds any text as a time argument, in several zones.
// For every input: no panic, the same answer twice, a UTC result or an
// error that says which forms are accepted. Relative times ("now-…",
// "latest-…") never lie after their anchor, and a bare wall-clock time
// lands on the newest record's calendar day in the zone asked in, or the
// day before when that would be more than WallClockAhead after it.
func FuzzParseTimeArg(f *testing.F) {
	for _, s := range []string{
		"2026-06-12T20:25:00Z", "2026-06-12T20:25:00.123+02:00", "2026-06-12 20:25", "2026-06-12 20:25:55.5",
		"2026-06-12T20:25", "2026-06-12", "20260612T202500Z", "2026-06-12 20:25:00Z", "2026-06-12 20:25:00+05:30",
		"20:25", "20:25:55", "00:00", "23:59:59.999", "7:05", "24:00", "now", "now-2h", "now - 90m", "NOW-1d",
		"latest", "latest-7d", "latest-1.5w", "latest-", "now+2h", "now-", "now-1e300d", "now-NaNd", "now-Infd",
		"now--1h", "latest-9223372036854775807ns", "", " ", "yesterday", "2026-13-45", "25:61", "\x00", "٢٠:٢٥",
	} {
		for zone := range fuzzZones {
			f.Add(s, uint8(zone))
		}
	}
	latest := time.Date(2026, 6, 12, 23, 59, 58, 0, time.UTC)
	now := time.Date(2026, 6, 13, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string, zone uint8) {
		loc, err := LoadZone(fuzzZones[int(zone)%len(fuzzZones)])
		if err != nil {
			t.Skip("zone database unavailable")
		}
		got, err := ParseTimeArg(s, loc, latest, now)
		again, err2 := ParseTimeArg(s, loc, latest, now)
		if !got.Equal(again) || (err == nil) != (err2 == nil) {
			t.Fatalf("ParseTimeArg(%q) not deterministic: %v %v / %v %v", s, got, err, again, err2)
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseTimeArg(%q): empty error", s)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTimeArg(%q) = %v, not in UTC", s, got)
		}
		trimmed := strings.ToLower(strings.TrimSpace(s))
		switch {
		case strings.HasPrefix(trimmed, "now"):
			if got.After(now) {
				t.Fatalf("ParseTimeArg(%q) = %v, after now %v", s, got, now)
			}
		case strings.HasPrefix(trimmed, "latest"):
			if got.After(latest) {
				t.Fatalf("ParseTimeArg(%q) = %v, after the newest record %v", s, got, latest)
			}
		case isWallClock(strings.TrimSpace(s), loc):
			gy, gm, gd := got.In(loc).Date()
			ly, lm, ld := latest.In(loc).Date()
			py, pm, pd := latest.In(loc).AddDate(0, 0, -1).Date()
			sameDay := gy == ly && gm == lm && gd == ld
			dayBefore := gy == py && gm == pm && gd == pd
			if got.Sub(latest) > WallClockAhead || !(sameDay || dayBefore) || (dayBefore && got.AddDate(0, 0, 1).Sub(latest) <= WallClockAhead) {
				t.Fatalf("ParseTimeArg(%q) in %s = %v; want on the newest record's day in that zone, or the day before when that is over %v after it (newest %v)", s, loc, got, WallClockAhead, latest)
			}
		}
	})
}

var fuzzZones = []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Pacific/Kiritimati"}

// isWallClock reports whether s is a bare time of day, as ParseTimeArg
// reads it.
func isWallClock(s string, loc *time.Location) bool {
	for _, layout := range []string{"15:04:05.999999999", "15:04"} {
		if _, err := time.ParseInLocation(layout, s, loc); err == nil {
			return true
		}
	}
	return false
}
