package correlate

import (
	"strings"
	"testing"
	"time"
)

func TestParseTimeArg(t *testing.T) {
	berlin, err := LoadZone("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := LoadZone("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	latest := time.Date(2026, 6, 12, 21, 40, 0, 0, time.UTC)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		loc  *time.Location
		want string
	}{
		{"2026-06-12T20:25:00Z", time.UTC, "2026-06-12T20:25:00Z"},
		{"2026-06-12T22:25:00+02:00", time.UTC, "2026-06-12T20:25:00Z"},
		{"2026-06-12 20:25", time.UTC, "2026-06-12T20:25:00Z"},
		{"20260612T202500Z", berlin, "2026-06-12T20:25:00Z"},
		{"2026-06-12 22:25:30", berlin, "2026-06-12T20:25:30Z"},
		{"20:25", time.UTC, "2026-06-12T20:25:00Z"},
		{"22:25", berlin, "2026-06-12T20:25:00Z"},
		{"01:30", berlin, "2026-06-11T23:30:00Z"}, // the latest day in Berlin is the 12th
		// Up to an hour later than the newest record (23:40 Berlin): still
		// its day, the most recent day that has logs (the last minutes may
		// not be delivered yet); later, the day before.
		{"23:50", berlin, "2026-06-12T21:50:00Z"},
		{"21:41", time.UTC, "2026-06-12T21:41:00Z"},
		{"22:40", time.UTC, "2026-06-12T22:40:00Z"},
		{"22:41", time.UTC, "2026-06-11T22:41:00Z"},
		{"23:59:59", time.UTC, "2026-06-11T23:59:59Z"},
		// In Tokyo the newest record is 06:40 on the 13th: 07:00 is twenty
		// minutes after it, but 22:48 on the 13th would be 16 hours after
		// it, so it is the evening that just ended.
		{"07:00", tokyo, "2026-06-12T22:00:00Z"},
		{"22:48", tokyo, "2026-06-12T13:48:00Z"},
		{"21:40", time.UTC, "2026-06-12T21:40:00Z"},
		{"now", time.UTC, "2026-11-23T12:00:00Z"},
		{"now-2h", time.UTC, "2026-11-23T10:00:00Z"},
		{"now-1d", time.UTC, "2026-11-22T12:00:00Z"},
		{"latest", time.UTC, "2026-06-12T21:40:00Z"},
		{"latest-1w", time.UTC, "2026-06-05T21:40:00Z"},
	}
	for _, c := range cases {
		got, err := ParseTimeArg(c.in, c.loc, latest, now)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if s := FormatUTC(got); s != c.want {
			t.Errorf("%q in %v = %s, want %s", c.in, c.loc, s, c.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "25:99", "now+2h", "now-xh", "latest+1d", "now-NaNd", "now-Infd", "now-1e300d", "latest-106752d", "2026-13-01 10:00"} {
		if _, err := ParseTimeArg(bad, time.UTC, latest, now); err == nil {
			t.Errorf("%q: expected an error", bad)
		}
	}
	if _, err := ParseTimeArg("20:25", time.UTC, time.Time{}, now); err == nil {
		t.Error("HH:MM without any logs must ask for a date")
	}
	if _, err := LoadZone("Mars/Olympus"); err == nil {
		t.Error("unknown zone must fail")
	}
}

// A "latest" time with no logs at all says what to pass instead.
func TestParseTimeArgLatestWithoutLogs(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	_, err := ParseTimeArg("latest-24h", time.UTC, time.Time{}, now)
	if err == nil {
		t.Fatal("latest-24h without logs must fail")
	}
	for _, want := range []string{"no logs to count back from", `"now-24h"`, "full date"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestAnchorAndReanchor(t *testing.T) {
	for in, want := range map[string]string{"now-2h": "now", " NOW": "now", "latest-7d": "latest", "Latest": "latest", "20:25": "", "2026-06-12": "", "": ""} {
		if got := Anchor(in); got != want {
			t.Errorf("Anchor(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"now-2h": "latest-2h", "now": "latest", " now - 90m": "latest - 90m", "latest-1d": "latest-1d", "20:25": "20:25"} {
		if got := Reanchor(in, "latest"); got != want {
			t.Errorf("Reanchor(%q) = %q, want %q", in, got, want)
		}
	}
	// The rewritten form parses and counts back from the newest record.
	latest := time.Date(2026, 6, 12, 23, 53, 52, 0, time.UTC)
	got, err := ParseTimeArg(Reanchor("now-2h", "latest"), time.UTC, latest, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	if err != nil || !got.Equal(latest.Add(-2*time.Hour)) {
		t.Errorf("latest-2h = %v, %v", got, err)
	}
}
