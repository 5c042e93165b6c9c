package tools

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// Request is one tool call's arguments after the schema check (argcheck.go),
// and every problem found with them so far. The schema declared with the
// tool is the one place an argument's type, bounds and enum live: the
// getters here only read values the check let through (an argument it
// refused reads as absent, so the handler can still name the problems of
// the others), and a handler adds what only it can judge (an unknown VPN,
// a tunnel the connection does not have, a time that does not parse). The
// call fails once, naming every problem (err).
type Request struct {
	spec     argSpec
	args     map[string]any
	refused  map[string]bool
	problems []string
	unknown  int
	failure  error // a source or internal error: stops the call as it is
}

func newRequest(spec argSpec, c checked) *Request {
	return &Request{spec: spec, args: c.args, refused: c.refused, problems: c.problems, unknown: c.unknown}
}

// value is the argument's raw value; nil when absent, null or refused.
func (r *Request) value(name string) any {
	if r.refused[name] {
		return nil
	}
	return r.args[name]
}

// given reports an argument the caller passed (and the check accepted).
func (r *Request) given(name string) bool { return r.value(name) != nil }

// ok reports that no problem was found so far: the handler may go on to
// the reads that only make sense with good arguments.
func (r *Request) ok() bool { return len(r.problems) == 0 && r.failure == nil }

// str reads a string argument ("" when absent); numbers read as their text.
func (r *Request) str(name string) string {
	switch t := r.value(name).(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	}
	return ""
}

// integer reads a whole-number argument ("90" too); def when absent.
func (r *Request) integer(name string, def int) int {
	switch t := r.value(name).(type) {
	case float64:
		return int(t)
	case int:
		return t
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return n
		}
	}
	return def
}

// boolean reads a true/false argument ("true" too); def when absent.
func (r *Request) boolean(name string, def bool) bool {
	switch t := r.value(name).(type) {
	case bool:
		return t
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(t)); err == nil {
			return b
		}
	}
	return def
}

// strings reads a list of strings; "a, b" reads as ["a", "b"].
func (r *Request) strings(name string) []string {
	switch t := r.value(name).(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	case []string:
		return t
	case string:
		if t == "" {
			return nil
		}
		parts := strings.Split(t, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	return nil
}

// problem records a mistake in the call, worded for the caller.
func (r *Request) problem(format string, a ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, a...))
}

// fail records what a resolution step returned: a mistake the caller can
// fix joins the problems; anything else (AWS unreachable, a bug) stops the
// call with that error.
func (r *Request) fail(err error) {
	if err == nil {
		return
	}
	var ue *investigate.UserError
	if errors.As(err, &ue) || errors.Is(err, source.ErrNotFound) {
		r.problems = append(r.problems, err.Error())
		return
	}
	if r.failure == nil {
		r.failure = err
	}
}

// err is the call's one error: every problem named, or the failure.
func (r *Request) err() error {
	if r.failure != nil && len(r.problems) == 0 {
		return r.failure
	}
	return r.spec.problemsError(r.problems, r.unknown)
}

// connection resolves vpn_connection_id; nil after a problem.
func (r *Request) connection(ctx context.Context, svc *investigate.Service) *source.Connection {
	if r.refused["vpn_connection_id"] {
		return nil
	}
	conn, err := svc.ConnectionIn(ctx, r.str("vpn_connection_id"), r.str("region"))
	r.fail(err)
	return conn
}

// tunnel resolves the tunnel argument of conn; nil for both tunnels, or
// when it cannot be resolved (a problem is recorded). Without a connection
// only its form is checked.
func (r *Request) tunnel(conn *source.Connection) *source.Tunnel {
	arg := r.str("tunnel")
	if arg == "" {
		return nil
	}
	if conn == nil {
		if !investigate.TunnelFormOK(arg) {
			r.problem("argument \"tunnel\" must be \"1\", \"2\" or a tunnel's outside IP address, got %q", cut(arg, 60))
		}
		return nil
	}
	tun, err := investigate.Tunnel(conn, arg)
	r.fail(err)
	return tun
}

// zone resolves the timezone argument; UTC when absent or bad.
func (r *Request) zone() *time.Location {
	loc, err := correlate.LoadZone(r.str("timezone"))
	if err != nil {
		r.fail(&investigate.UserError{Msg: err.Error()})
		return time.UTC
	}
	return loc
}

// windowSpec is the start/end arguments as written, in the call's zone.
func (r *Request) windowSpec(loc *time.Location) investigate.WindowSpec {
	return investigate.WindowSpec{Start: r.str("start"), End: r.str("end"), Loc: loc}
}

// window resolves start and end for conn (24 hours back from its newest
// record by default). Without a connection only their forms are checked.
func (r *Request) window(ctx context.Context, svc *investigate.Service, conn *source.Connection, loc *time.Location) investigate.Window {
	spec := r.windowSpec(loc)
	if conn == nil {
		for _, name := range []string{"start", "end"} {
			if v := r.str(name); v != "" {
				if msg := investigate.TimeFormProblem(v, loc); msg != "" {
					r.problem("%s: %s", name, msg)
				}
			}
		}
		return investigate.Window{Loc: loc}
	}
	w, err := svc.ResolveWindow(ctx, spec, conn.ID, investigate.DefaultSpan)
	r.fail(err)
	return w
}
