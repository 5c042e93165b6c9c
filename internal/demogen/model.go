package main

import (
	"math/rand/v2"
	"time"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// The demo is built from tunnelsim's connection and tunnel model; these short
// names keep the incident scripts readable.
type (
	connection = tunnelsim.Connection
	tunnel     = tunnelsim.Tunnel
	prefix     = tunnelsim.Prefix
	span       = tunnelsim.Span
	tag        = tunnelsim.Tag
)

// dayStart is the first instant of the demo day. Everything is derived from
// it and from a fixed seed; the generator never reads the wall clock.
var dayStart = time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC)

// dayEnd is the first instant after the demo day.
var dayEnd = dayStart.Add(24 * time.Hour)

// at returns a time of the demo day.
func at(h, m, s, ms int) time.Time {
	return dayStart.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(ms)*time.Millisecond)
}

// ms is a duration of n milliseconds.
func ms(n int) time.Duration { return tunnelsim.Ms(n) }

// jitter draws uniformly from [lo, hi].
func jitter(r *rand.Rand, lo, hi time.Duration) time.Duration { return tunnelsim.Jitter(r, lo, hi) }
