package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/view"
)

// The command line checks each flag of a question on its own before asking
// it, so that one message names every mistake (exit code 2) where the
// question would stop at the first. This file is all of that checking; it
// needs the inventory and nothing else of the source.

// argProblem is one bad flag: which (without dashes) and what is wrong.
type argProblem struct {
	flag string
	msg  string
}

func (p argProblem) String() string { return "--" + p.flag + ": " + p.msg }

// problemsError is one message naming every problem:
// "3 problems:\n  --vpn: …\n  --tunnel: …\n  --at: …".
func problemsError(ps []argProblem) error {
	if len(ps) == 1 {
		return errors.New(ps[0].String())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(ps))
	for _, p := range ps {
		b.WriteString("\n  " + p.String())
	}
	return errors.New(b.String())
}

// questionArgs are the flags of a question as given.
type questionArgs struct {
	vpn, tunnel, timezone string
	times                 []timeArg // --at, --start, --end
	windowMinutes         *int      // diagnose's --window-minutes
	gateway               string    // diagnose's --gateway
}

// timeArg is a time flag; a required one says why when it is missing.
type timeArg struct {
	flag, value string
	required    string
}

// checkArgs checks every flag of a question: nil, one bad-arguments error
// naming every problem, or the failure to read the inventory.
func checkArgs(ctx context.Context, inv source.Inventory, q questionArgs) error {
	conn, ps, err := checkVPN(ctx, inv, q.vpn)
	if err != nil {
		return questionError(err)
	}
	ps = append(ps, checkTunnel(conn, q.tunnel)...)
	loc, zp := checkZone(q.timezone)
	ps = append(ps, zp...)
	for _, t := range q.times {
		ps = append(ps, checkTime(t, loc)...)
	}
	if q.windowMinutes != nil {
		ps = append(ps, checkWindowMinutes(*q.windowMinutes)...)
	}
	ps = append(ps, checkGateway(q.gateway)...)
	if len(ps) > 0 {
		return badArgs(problemsError(ps))
	}
	return nil
}

// checkVPN finds the connection --vpn names (its id or Name tag), or the
// only one when --vpn is omitted. conn is nil when there is none to check
// --tunnel against.
func checkVPN(ctx context.Context, inv source.Inventory, id string) (*source.Connection, []argProblem, error) {
	conns, err := inv.Connections(ctx)
	if err != nil {
		return nil, nil, err
	}
	id = strings.TrimSpace(id)
	if id == "" {
		switch len(conns) {
		case 0:
			return nil, nil, nil // the question says what the source lacks
		case 1:
			return &conns[0], nil, nil
		}
		return nil, []argProblem{{"vpn", fmt.Sprintf("there are %d VPN connections: pass --vpn with one of %s", len(conns), investigate.ConnectionList(conns))}}, nil
	}
	for i := range conns {
		if conns[i].ID == id || strings.EqualFold(conns[i].Name, id) {
			return &conns[i], nil, nil
		}
	}
	// An inventory that looks ids up one by one (AWS) tells a connection
	// in another region apart from a typo.
	if lk, ok := inv.(investigate.ConnectionLookup); ok && strings.HasPrefix(id, "vpn-") {
		conn, err := lk.Connection(ctx, id)
		var se *source.Error
		if errors.As(err, &se) && se.Cause == "RegionMismatch" {
			return nil, []argProblem{{"vpn", se.Msg}}, nil
		}
		if errors.Is(err, source.ErrNotFound) {
			return nil, []argProblem{{"vpn", err.Error()}}, nil // in none of the accounts and regions read
		}
		if err != nil {
			return nil, nil, err
		}
		return conn, nil, nil
	}
	if len(conns) == 0 {
		return nil, []argProblem{{"vpn", fmt.Sprintf("unknown VPN connection %q: this source knows no VPN connections", id)}}, nil
	}
	return nil, []argProblem{{"vpn", fmt.Sprintf("unknown VPN connection %q; known connections: %s", id, investigate.ConnectionList(conns))}}, nil
}

// checkTunnel checks --tunnel against the connection's tunnels, or only
// its form ("1", "2" or an IP address) when the connection is not known.
func checkTunnel(conn *source.Connection, arg string) []argProblem {
	arg = strings.TrimSpace(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(arg)), "tunnel"))
	if arg == "" {
		return nil
	}
	if conn == nil {
		if _, err := netip.ParseAddr(arg); err == nil || arg == "1" || arg == "2" {
			return nil
		}
		return []argProblem{{"tunnel", fmt.Sprintf(`%q is not a tunnel: use "1", "2" or the tunnel's outside IP address`, arg)}}
	}
	var opts []string
	for _, t := range conn.Tunnels {
		if strconv.Itoa(t.Number) == arg || t.OutsideIP == arg {
			return nil
		}
		opts = append(opts, fmt.Sprintf("%q or %q", strconv.Itoa(t.Number), t.OutsideIP))
	}
	return []argProblem{{"tunnel", fmt.Sprintf("%s has no tunnel %q: use %s", conn.ID, arg, strings.Join(opts, ", "))}}
}

// checkZone checks --timezone; the zone (UTC when it is bad) reads the
// time flags.
func checkZone(tz string) (*time.Location, []argProblem) {
	loc, err := correlate.LoadZone(tz)
	if err != nil {
		return time.UTC, []argProblem{{"timezone", err.Error()}}
	}
	return loc, nil
}

// checkTime checks a time flag's form. The day of "20:25" and the newest
// record "latest-2h" counts from come from the logs, which only the
// question reads: any reference time tells whether the form is right.
func checkTime(t timeArg, loc *time.Location) []argProblem {
	if strings.TrimSpace(t.value) == "" {
		if t.required != "" {
			return []argProblem{{t.flag, "required: " + t.required}}
		}
		return nil
	}
	ref := time.Now()
	if _, err := correlate.ParseTimeArg(t.value, loc, ref, ref); err != nil {
		return []argProblem{{t.flag, err.Error()}}
	}
	return nil
}

// checkWindowMinutes checks diagnose's --window-minutes.
func checkWindowMinutes(n int) []argProblem {
	if n < 1 || n > 1440 {
		return []argProblem{{"window-minutes", fmt.Sprintf("must be between 1 and 1440 (minutes before --at), got %d", n)}}
	}
	return nil
}

// checkGateway checks --gateway against the platforms the catalogue has
// commands for.
func checkGateway(g string) []argProblem {
	if g == "" || strings.EqualFold(g, view.AllGateways) {
		return nil
	}
	for _, v := range view.GatewayVendors {
		if strings.EqualFold(g, v) {
			return nil
		}
	}
	return []argProblem{{"gateway", fmt.Sprintf("%q is not a platform vpnlens has commands for: use one of %s, or all", g, strings.Join(view.GatewayVendors, ", "))}}
}
