package watch

import (
	"time"
)

// Clock is the engine's time. The real one is the wall clock; tests and
// benchmarks drive a FakeClock so that a 30 s settle delay costs no 30 s.
type Clock interface {
	Now() time.Time
	// After fires once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now() }

// After implements Clock.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
