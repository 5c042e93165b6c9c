package investigate

import (
	"fmt"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
)

// SpanText renders a duration in days, hours, minutes and seconds
// ("31d", "165d22h38m13s", "2h"), the way the time arguments write spans.
func SpanText(d time.Duration) string {
	if d < 0 {
		return "-" + SpanText(-d)
	}
	d = d.Round(time.Second)
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.unit
		}
	}
	return b.String()
}

// TimeView states a time in UTC and in the zone the question was asked in.
type TimeView struct {
	UTC   string `json:"utc"`
	Local string `json:"local,omitempty"`
}

func timeView(t time.Time, loc *time.Location) TimeView {
	v := TimeView{UTC: correlate.FormatUTC(t)}
	if loc != nil && loc != time.UTC {
		v.Local = t.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	return v
}

// withLocal renders a time for a text answer: UTC, and next to it the
// local time in the zone the question was asked in, when one was given.
func (t TimeView) withLocal() string {
	if t.Local == "" {
		return t.UTC
	}
	return t.UTC + " (" + t.Local + ")"
}

func msView(ms int64, loc *time.Location) TimeView { return timeView(time.UnixMilli(ms), loc) }
