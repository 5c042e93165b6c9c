package main

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/vpnlens/vpnlens/internal/demogen/tunnelsim"
)

// spec describes one scenario: where its logs come from and the story the
// script writes into them.
type spec struct {
	name        string
	same        string // reuse the data of the scenarios with this key (same seed and day), to ask another question
	format      format
	noInventory bool // leave out vpn-connections.json
	secondConn  bool // add a second, healthy connection to the directory
	ike         [2]string
	tgw         bool
	script      func(b *builder) answer
}

// answer is the question to ask about a scenario and what an experienced
// network engineer would conclude from its logs.
type answer struct {
	tunnelArg string // as asked: "1", "2", an outside IP, or "" (both tunnels)
	at        time.Time
	tz        string // IANA zone the question is asked in; "" = UTC
	atForm    atForm
	window    int // window_minutes, 0 = the tool's default

	root       string
	rootAt     time.Time
	rootTunnel *tunnelsim.Tunnel
	staysDown  string
	shared     bool // every tunnel went down together: a shared cause must be named
	// recoveredAt, when set, is the record that brought the tunnel back
	// (its BGP session Established): the incident must end there.
	recoveredAt time.Time
	// logsRoot and logsRootAt are, for a drop AWS caused (root is aws.*),
	// the cause the logs alone give: what a reader without CloudTrail or
	// the maintenance status answers, ranked just below the AWS cause.
	logsRoot   string
	logsRootAt time.Time
	// fromMetrics, when set, is what the tunnel metrics must say of a
	// tunnel that logs nothing (root is then empty, or the AWS-side cause).
	fromMetrics *metricsAnswer
	why         string
}

// metricsAnswer is what an engineer reads off a tunnel's TunnelState
// average per period: the period the outage began in, the time within it
// (by the share of it the tunnel was still up, to the minute), and when it
// came back or that it was still down where the metrics end.
type metricsAnswer struct {
	down        time.Time // when the tunnel really went down
	period      time.Duration
	upAt        time.Time // when it really came back; zero: still down
	stillDownAt time.Time // the end of the metrics, when still down
	// trafficMoved: the other tunnel carried the traffic meanwhile.
	trafficMoved bool
}

// atForm is how the question writes its time.
type atForm int

const (
	atRFC3339 atForm = iota // 2026-07-03T10:14:00Z
	atLocal                 // 2026-07-03 06:14 in the question's zone
	atClock                 // 06:14 in the question's zone, on the latest day with logs
)

// expected is expected.json: the question and its answer.
type expected struct {
	VPNConnectionID  string           `json:"vpn_connection_id"`
	Tunnel           string           `json:"tunnel,omitempty"`
	At               string           `json:"at"`
	Timezone         string           `json:"timezone,omitempty"`
	WindowMinutes    int              `json:"window_minutes,omitempty"`
	RootCause        string           `json:"root_cause"`
	RootCauseAt      string           `json:"root_cause_at"`
	RootCauseTunnel  string           `json:"root_cause_tunnel"`
	StaysDownBecause string           `json:"stays_down_because,omitempty"`
	SharedCause      bool             `json:"shared_cause,omitempty"`
	RecoveredAt      string           `json:"recovered_at,omitempty"`
	LogsRootCause    string           `json:"logs_root_cause,omitempty"`
	LogsRootCauseAt  string           `json:"logs_root_cause_at,omitempty"`
	FromMetrics      *expectedMetrics `json:"from_metrics,omitempty"`
	Format           string           `json:"format"`
	IKEVersion       string           `json:"ike_version"`
	Why              string           `json:"why"`
}

// expectedMetrics is expected.json's from_metrics: what the tool must read
// off the metrics of a tunnel that logs nothing.
type expectedMetrics struct {
	DownFrom                  string   `json:"down_from"`
	DownWithin                []string `json:"down_within"`
	UpAt                      string   `json:"up_at,omitempty"`
	StillDownAt               string   `json:"still_down_at,omitempty"`
	TrafficMovedToOtherTunnel bool     `json:"traffic_moved_to_other_tunnel,omitempty"`
}

// builder holds a scenario's connections while its script writes records.
type builder struct {
	r        *rand.Rand
	day      time.Time // midnight UTC of the scenario's day
	conns    []*tunnelsim.Connection
	from, to time.Time // the span the logs cover
	// collide picks the rekeys that collide with the CGW's own, per tunnel.
	collide map[*tunnelsim.Tunnel]int
	// trail and maint are the side files a script asks for:
	// cloudtrail-events.json and tunnel-maintenance.json.
	trail []tunnelsim.TrailEvent
	maint map[*tunnelsim.Tunnel]tunnelsim.TunnelMaintenance
	// outages are the tunnel outages of a connection without logs, which
	// its tunnel-metrics.json records.
	outages map[*tunnelsim.Tunnel][]tunnelsim.Span
}

// baseDay is the first scenario's day; scenario i happens i days later.
var baseDay = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// seedOf derives a scenario's random seed from its name, so adding or
// reordering scenarios never changes another one's data.
func seedOf(name string) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte(name))
	a := h.Sum64()
	h.Write([]byte("/2"))
	return a, h.Sum64()
}

// dataKey names the data a scenario is built from.
func (sp *spec) dataKey() string {
	if sp.same != "" {
		return sp.same
	}
	return sp.name
}

func newBuilder(sp *spec, index int) *builder {
	s1, s2 := seedOf(sp.dataKey())
	b := &builder{r: rand.New(rand.NewPCG(s1, s2)), day: baseDay.AddDate(0, 0, index), collide: map[*tunnelsim.Tunnel]int{}}
	b.from = b.at(8, 0, 0, 0)
	b.to = b.at(12, 30, 0, 0)
	b.conns = append(b.conns, b.newConn(sp.ike, sp.tgw, 0))
	if sp.secondConn {
		b.conns = append(b.conns, b.newConn([2]string{"ikev2", "ikev2"}, !sp.tgw, 1))
	}
	return b
}

// at is a time of the scenario's day.
func (b *builder) at(h, m, s, ms int) time.Time {
	return b.day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(ms)*time.Millisecond)
}

func (b *builder) t1() *tunnelsim.Tunnel { return b.conns[0].Tunnels[0] }
func (b *builder) t2() *tunnelsim.Tunnel { return b.conns[0].Tunnels[1] }

func (b *builder) hex(n int) string {
	const digits = "0123456789abcdef"
	out := make([]byte, n)
	for i := range out {
		out[i] = digits[b.r.IntN(16)]
	}
	return string(out)
}

// newConn makes a BGP connection with two tunnels. Outside IPs, inside
// CIDRs, ASNs and prefixes are drawn from the scenario's seed; tunnel 1's IP
// is as often above tunnel 2's as below, so nothing may number tunnels by IP
// when the inventory says otherwise.
func (b *builder) newConn(ike [2]string, tgw bool, k int) *tunnelsim.Connection {
	cgwASN := 65000 + b.r.IntN(500)
	c := &tunnelsim.Connection{
		ID:     "vpn-0" + b.hex(16),
		CGWID:  "cgw-0" + b.hex(16),
		CGWIP:  fmt.Sprintf("198.51.100.%d", 2+b.r.IntN(250)),
		CGWASN: cgwASN, AWSASN: 64512 + b.r.IntN(3),
		CGWRouterID:   fmt.Sprintf("10.%d.255.1", 1+b.r.IntN(250)),
		Logging:       true,
		DPDAction:     []string{"clear", "restart"}[b.r.IntN(2)],
		StartupAction: "add",
		NATT:          b.r.IntN(3) == 0,
	}
	if tgw {
		c.TGWID = "tgw-0" + b.hex(16)
	} else {
		c.VGWID = "vgw-0" + b.hex(16)
	}
	c.Name = []string{"hq", "branch", "dc-east", "store-net", "lab", "factory"}[b.r.IntN(6)] + fmt.Sprintf("-%d", k+1)
	c.LogGroup = "/aws/vendedlogs/vpn/" + c.Name
	c.BGPLogGroup = c.LogGroup + "-bgp"
	c.Tags = []tunnelsim.Tag{{Key: "Name", Value: c.Name}}
	second := 10 + b.r.IntN(200)
	for i := range 3 + b.r.IntN(5) {
		path := fmt.Sprint(cgwASN)
		if i%3 == 2 {
			path += fmt.Sprintf(" %d", 65100+b.r.IntN(50))
		}
		c.Prefixes = append(c.Prefixes, tunnelsim.Prefix{CIDR: fmt.Sprintf("10.%d.%d.0/%d", second, i*16, 20), ASPath: path})
	}
	c.Prefixes = append(c.Prefixes, tunnelsim.Prefix{CIDR: fmt.Sprintf("192.168.%d.0/24", 1+b.r.IntN(250)), ASPath: fmt.Sprint(cgwASN)})

	ipA := 10 + b.r.IntN(100)
	ipB := 120 + b.r.IntN(100)
	if b.r.IntN(2) == 0 {
		ipA, ipB = ipB, ipA
	}
	insideA := b.r.IntN(60)
	for n, ipLast := range []int{ipA, ipB} {
		net := 4 * (insideA + 64*n)
		third, fourth := 10+net/256, net%256
		tn := &tunnelsim.Tunnel{
			Conn: c, Num: n + 1, IP: fmt.Sprintf("203.0.113.%d", ipLast),
			InsideCIDR: fmt.Sprintf("169.254.%d.%d/30", third, fourth),
			AWSInside:  fmt.Sprintf("169.254.%d.%d", third, fourth+1),
			CGWInside:  fmt.Sprintf("169.254.%d.%d", third, fourth+2),
			IKEVersion: ike[n], IKEMillis: b.r.IntN(2) == 0,
			MED: 100 * n, AWSMsgID: b.r.IntN(60), CGWMsgID: b.r.IntN(60),
			Status: "UP", LastChange: b.day.AddDate(0, 0, -3-b.r.IntN(20)).Add(time.Duration(b.r.IntN(86400)) * time.Second),
			RouteCount: len(c.Prefixes),
		}
		b.collide[tn] = b.r.IntN(4) // the n-th rekey of the window collides
		// Gateways delete the old phase 2 SA after the rekeys they start:
		// routine noise that must never pass for a failure.
		tn.RekeyDeletes = true
		c.Tunnels = append(c.Tunnels, tn)
	}
	if ike[0] == "" {
		c.Tunnels[0].IKEVersion = "ikev2"
	}
	if ike[1] == "" {
		c.Tunnels[1].IKEVersion = "ikev2"
	}
	return c
}

// background adds the healthy chatter of every stream: IKE state snapshots,
// rekeys (some colliding with the CGW's own), routine route refreshes and,
// at real density, the liveness exchange every ~10 s while a tunnel is up.
// It runs after the script so it can keep clear of the incident's records.
func (b *builder) background(density tunnelsim.Density) {
	for _, c := range b.conns {
		for _, tn := range c.Tunnels {
			if !tn.Logs() {
				continue
			}
			n := b.collide[tn]
			tunnelsim.BackgroundIKE(b.r, tn, b.from, b.to, func(k int) bool { return k == n })
			tunnelsim.BackgroundBGP(b.r, tn, b.from, b.to)
		}
	}
	// Last, so the draws above (and every record they place) do not depend
	// on the density.
	if density == tunnelsim.DensityReal {
		for _, c := range b.conns {
			for _, tn := range c.Tunnels {
				if !tn.Logs() {
					continue
				}
				tunnelsim.BackgroundLiveness(b.r, tn, b.from, b.to)
			}
		}
	}
}

// ---- building blocks of incident scripts ----

func (b *builder) jit(lo, hi time.Duration) time.Duration { return tunnelsim.Jitter(b.r, lo, hi) }

// ike logs an incident record on the tunnel activity stream.
func ike(tn *tunnelsim.Tunnel, t time.Time, p1, p2, details string) {
	tn.IKEAt(t, true, p1, p2, details)
}

// sessionLost logs the BGP session leaving Established at t, after an
// optional reason record (Hold Timer Expired, a Cease), and every route the
// CGW had sent being withdrawn. It returns the time of the last record.
func sessionLost(tn *tunnelsim.Tunnel, t time.Time, reason string) time.Time {
	if reason != "" {
		tn.BGPAt(t, "DOWN", reason)
		t = t.Add(tunnelsim.Ms(1 + int(t.UnixMilli()%3)))
	}
	return tn.BGPDown(t, tn.Conn.Prefixes, tn.MED)
}

// holdTimer is the AWS side's hold timer running out.
func holdTimer(tn *tunnelsim.Tunnel, t time.Time) time.Time {
	return sessionLost(tn, t, tunnelsim.MsgHoldTimerExpired(tn.CGWInside))
}

// bgpUp logs the session coming back with the CGW's usual routes.
func (b *builder) bgpUp(tn *tunnelsim.Tunnel, t time.Time) time.Time {
	return tn.BGPUp(b.r, t, tn.Conn.Prefixes, tn.MED)
}

// ikeRecover logs the IKE_SA coming back at t after an outage since from;
// snapshots in between report the given phase states.
func (b *builder) ikeRecover(tn *tunnelsim.Tunnel, from, t time.Time, p1, p2 string) time.Time {
	up := tn.IKERecover(b.r, from, t, p1, p2)
	// The side that set up the new IKE_SA used ids 0 and 1 (AWS's ids are
	// counted by tunnelsim.FinishIKE).
	tn.CGWMsgID = 2
	if tn.AWSInitiatesSA() {
		tn.CGWMsgID = 0
	}
	return up
}

// ikeStaysDown records an IKE outage from from to the end of the logs.
func (b *builder) ikeStaysDown(tn *tunnelsim.Tunnel, from time.Time, p1, p2 string) {
	tn.IKEStates = append(tn.IKEStates, tunnelsim.StateSpan{Span: tunnelsim.Span{From: from, To: b.to.Add(time.Hour)}, P1: p1, P2: p2})
	tn.IKEOutages = append(tn.IKEOutages, tunnelsim.Span{From: from, To: b.to.Add(time.Hour)})
	tn.Status, tn.LastChange, tn.RouteCount = "DOWN", from, 0
}

// quiet keeps routine BGP updates away from an incident.
func quiet(tn *tunnelsim.Tunnel, from, to time.Time) {
	tn.BGPQuiet = append(tn.BGPQuiet, tunnelsim.Span{From: from.Add(-10 * time.Minute), To: to.Add(10 * time.Minute)})
}

// bgpDownToEnd marks a BGP session that does not come back in the logs.
func (b *builder) bgpDownToEnd(tn *tunnelsim.Tunnel, from time.Time) {
	quiet(tn, from, b.to)
	tn.Status, tn.LastChange, tn.RouteCount = "DOWN", from, 0
}

// failover logs the CGW re-sending its routes on the other tunnel, which now
// carries the traffic.
func (b *builder) failover(other *tunnelsim.Tunnel, t time.Time) {
	other.ReceiveRoutes(b.r, t, "UPDATED", other.Conn.Prefixes, 0, "")
}

// every calls fn at from, then about every period (± spread) until until.
func (b *builder) every(from, until time.Time, period, spread time.Duration, fn func(t time.Time)) int {
	n := 0
	for t := from; t.Before(until); t = t.Add(period + b.jit(-spread, spread)) {
		fn(t)
		n++
	}
	return n
}

// connectAttempt logs the AWS side trying TCP 179 and falling back to
// Active; it returns when the attempt ended.
func (b *builder) connectAttempt(tn *tunnelsim.Tunnel, t time.Time, fromIdle bool) time.Time {
	nb := tn.CGWInside
	if fromIdle {
		tn.BGPAt(t, "DOWN", tunnelsim.MsgBGPState("Idle", "Connect", nb))
	} else {
		tn.BGPAt(t, "DOWN", tunnelsim.MsgBGPState("Active", "Connect", nb))
	}
	t = t.Add(tunnelsim.Ms(1))
	tn.BGPAt(t, "DOWN", tunnelsim.MsgConnecting(nb))
	t = t.Add(b.jit(2*time.Second, 5*time.Second))
	tn.BGPAt(t, "DOWN", tunnelsim.MsgBGPState("Connect", "Active", nb))
	return t
}

// ikeTime is when an IKE record's stream says it happened.
func ikeTime(tn *tunnelsim.Tunnel, t time.Time) time.Time { return tn.IKETime(t) }

// formatUTC renders a time like the tools do: RFC 3339 UTC, milliseconds
// only when there are some.
func formatUTC(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format(time.RFC3339)
	}
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// change records a ModifyVpnTunnelOptions call on tn at t in the
// scenario's CloudTrail events (its pre-shared key must never be shown).
func (b *builder) change(tn *tunnelsim.Tunnel, t time.Time, options map[string]any) {
	id := fmt.Sprintf("%s-%s-4%s-a%s-%s", b.hex(8), b.hex(4), b.hex(3), b.hex(3), b.hex(12))
	b.trail = append(b.trail, tunnelsim.ModifyTunnelOptions(id, tn, t, "ops-automation", options))
}

// maintenance records what GetVpnTunnelReplacementStatus says of tn.
func (b *builder) maintenance(tn *tunnelsim.Tunnel, m tunnelsim.TunnelMaintenance) {
	if b.maint == nil {
		b.maint = map[*tunnelsim.Tunnel]tunnelsim.TunnelMaintenance{}
	}
	b.maint[tn] = m
}

// ---- a connection without logs, seen through its tunnel metrics ----

// metricsPeriod is the resolution of the scenarios' tunnel metrics:
// CloudWatch keeps 5-minute data points for 63 days.
const metricsPeriod = 5 * time.Minute

// noLogs turns logging off on the scenario's connection: none of its
// tunnels logs anything, and the scenario writes their tunnel metrics.
func (b *builder) noLogs() {
	b.conns[0].Logging = false
	b.outages = map[*tunnelsim.Tunnel][]tunnelsim.Span{}
}

// noLogsOn turns logging off on one tunnel only (the other logs): the
// scenario writes the metrics of that tunnel.
func (b *builder) noLogsOn(tn *tunnelsim.Tunnel) {
	tn.LoggingOff = true
	b.outages = map[*tunnelsim.Tunnel][]tunnelsim.Span{}
}

// metricsFrom and metricsTo bound the tunnel metrics written: the day
// before the scenario's and the scenario's day.
func (b *builder) metricsFrom() time.Time { return b.day.Add(-24 * time.Hour) }
func (b *builder) metricsTo() time.Time   { return b.day.Add(24 * time.Hour) }

// down records tn out from from to to (zero: to past the end of the
// metrics) in the metrics, and in the end-of-day telemetry; it returns
// what the metrics must show of it.
func (b *builder) down(tn *tunnelsim.Tunnel, from, to time.Time) *metricsAnswer {
	m := &metricsAnswer{down: from, period: metricsPeriod, upAt: to}
	if to.IsZero() {
		to, m.stillDownAt = b.metricsTo().Add(time.Hour), b.metricsTo()
		tn.Status, tn.LastChange, tn.RouteCount = "DOWN", from, 0
	}
	b.outages[tn] = append(b.outages[tn], tunnelsim.Span{From: from, To: to})
	return m
}

// metricsTraffic is a connection's traffic without logs: tunnel 1 carries
// it while up (more by day), tunnel 2 takes the share of each period
// tunnel 1 was down; both exchange keepalives.
func (b *builder) metricsTraffic(tn *tunnelsim.Tunnel, t time.Time) (float64, float64) {
	share := tunnelsim.UpShare(b.outages[b.t1()], t, t.Add(metricsPeriod))
	if tn.Num != 1 {
		share = 1 - share
	}
	h := float64(t.Hour())
	perPeriod := float64(metricsPeriod) / float64(time.Hour)
	return 1_000 + share*(30e6+1e6*h)*perPeriod, 750 + share*(12e6+0.4e6*h)*perPeriod
}

// renderMetrics writes tunnel-metrics.json for the tunnels without logs
// (nil when every tunnel logs).
func (b *builder) renderMetrics() ([]byte, error) {
	if b.outages == nil {
		return nil, nil
	}
	return tunnelsim.RenderMetrics(b.conns, tunnelsim.MetricsPlan{Start: b.metricsFrom(), End: b.metricsTo(), Period: metricsPeriod,
		Outages: b.outages, Traffic: b.metricsTraffic})
}

// expectedFromMetrics is the label of what the metrics say: the outage's
// start to the minute, the period it began in, its end or the end of the
// metrics.
func expectedFromMetrics(m *metricsAnswer) *expectedMetrics {
	within := m.down.Truncate(m.period)
	e := &expectedMetrics{DownFrom: formatUTC(m.down.Round(time.Minute)), DownWithin: []string{formatUTC(within), formatUTC(within.Add(m.period))},
		TrafficMovedToOtherTunnel: m.trafficMoved}
	if m.upAt.IsZero() {
		e.StillDownAt = formatUTC(m.stillDownAt)
	} else {
		e.UpAt = formatUTC(m.upAt.Round(time.Minute))
	}
	return e
}
