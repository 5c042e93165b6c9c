// Package investigate is vpnlens's service layer: the questions an engineer
// asks about a VPN connection (which connections, what options, which
// records, what happened when, why a tunnel dropped, how healthy it was) and
// the answers, each in a structured form and a short text rendering.
//
// It takes typed questions (a resolved connection and tunnel, times, a
// zone) and returns typed answers. It knows nothing of MCP or argument
// maps: the MCP tools and resources, the command line and the watch engine
// all ask it the same questions.
package investigate

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

// Service answers questions about VPN connections: where facts come from
// (an inventory and a log source), a clock and the limits of one answer.
type Service struct {
	Inventory source.Inventory
	Logs      source.LogSource
	Now       func() time.Time
	Limits    Limits
	Logger    *slog.Logger
}

func (svc *Service) limits() Limits {
	l := svc.Limits
	if l.MaxRecords == 0 {
		l = DefaultLimits
	}
	return l
}

// Limits bound what one answer may hold, so a careless call cannot flood
// the assistant's context or the server's memory.
type Limits struct {
	MaxWindow time.Duration // longest window a tool reads
	// MaxRecords and DefaultRecords bound a page of fetch_vpn_logs: a page
	// of typical records at the default stays within a call's context
	// budget, at the maximum within the largest answer (package view
	// cuts a page of unusually long records shorter).
	MaxRecords     int
	DefaultRecords int
	MaxTimeline    int // most timeline entries one answer returns
}

// DefaultLimits are the limits when none are configured.
var DefaultLimits = Limits{MaxWindow: 31 * 24 * time.Hour, MaxRecords: 50, DefaultRecords: 20, MaxTimeline: 400}

func (svc *Service) now() time.Time {
	if svc.Now != nil {
		return svc.Now()
	}
	return time.Now()
}

// UserError is a mistake in a call (unknown VPN id, bad time, window too
// large) or a condition the caller can act on (logging disabled, access
// denied). It becomes an isError result whose text says how to fix the call;
// other errors are bugs and become protocol errors.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

func userErrorf(format string, a ...any) error { return &UserError{Msg: fmt.Sprintf(format, a...)} }

// OrDefault is l, or DefaultLimits when l was never set.
func (l Limits) OrDefault() Limits {
	if l.MaxRecords == 0 {
		return DefaultLimits
	}
	return l
}
