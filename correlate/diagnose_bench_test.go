package correlate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Diagnosis benchmarks over generated logs: a day of one connection, and a
// week of 50 connections. The logs are written as AWS writes them (JSON
// lines) and read back through vpnlog.ReadRecords once, outside the timer,
// so the events carry what real ones do (raw text, fields, categories). Each
// iteration does what diagnose_tunnel_drop and summarize_vpn_health do per
// connection: merge the streams (SortEvents on a copy), find the incidents
// and diagnose every one of them.
//
// Every tunnel-day has the healthy background of a real tunnel (a state
// snapshot every 10 minutes, rekeys about hourly, some of them colliding or
// followed by the gateway's DELETE of the old SA, route refreshes), at
// sparse density: without the liveness exchange every ~10 s, a week of 50
// connections would be some 12 M records, more than the benchmark machine
// holds as events. It also has three incidents drawn from: DPD timeout with BGP falling, a DELETE followed by a
// 30-minute pre-shared-key retry loop, a hold timer with IKE up, a prefix
// limit exceeded, an administrative Cease, denied routes.

// dbenchConnection generates days of logs for one connection.
type dbenchConnection struct {
	r     *rand.Rand
	vpn   string
	ips   [2]string
	cgw   string
	lines map[vpnlog.StreamID][]string
}

func (g *dbenchConnection) ike(ip string, t time.Time, p1, p2, details string) {
	b, _ := json.Marshal(map[string]any{"event_timestamp": t.Unix(), "timestamp": t.UTC().Format("2006-01-02 15:04:05Z"),
		"dpd_enabled": true, "nat_t_detected": false, "ike_phase1_state": p1, "ike_phase2_state": p2, "details": details})
	id := vpnlog.StreamID{VPNConnectionID: g.vpn, TunnelIP: ip, Kind: vpnlog.StreamIKE}
	g.lines[id] = append(g.lines[id], string(b))
}

func (g *dbenchConnection) bgp(ip string, t time.Time, status, details string) {
	b, _ := json.Marshal(map[string]any{"resource_id": g.vpn + "_" + ip, "event_timestamp": t.UnixMilli(),
		"timestamp": t.UTC().Format("2006-01-02 15:04:05.000Z"), "type": "BGPStatus", "status": status,
		"message": map[string]any{"details": details}})
	id := vpnlog.StreamID{VPNConnectionID: g.vpn, TunnelIP: ip, Kind: vpnlog.StreamBGP}
	g.lines[id] = append(g.lines[id], string(b))
}

func (g *dbenchConnection) route(ip string, t time.Time, status, prefix, asPath, details string) {
	msg := map[string]any{"prefix": prefix, "asPath": asPath, "localPref": 100, "med": 0, "nextHopIp": g.neighbor(ip), "weight": 32768}
	if details != "" {
		msg["details"] = details
	}
	b, _ := json.Marshal(map[string]any{"resource_id": g.vpn + "_" + ip, "event_timestamp": t.UnixMilli(),
		"timestamp": t.UTC().Format("2006-01-02 15:04:05.000Z"), "type": "RouteStatus", "status": status, "message": msg})
	id := vpnlog.StreamID{VPNConnectionID: g.vpn, TunnelIP: ip, Kind: vpnlog.StreamBGP}
	g.lines[id] = append(g.lines[id], string(b))
}

func (g *dbenchConnection) neighbor(ip string) string {
	if ip == g.ips[0] {
		return "169.254.10.2"
	}
	return "169.254.11.2"
}

var dbenchPrefixes = []string{"10.10.0.0/16", "10.11.0.0/16", "172.16.0.0/22", "192.168.10.0/24", "192.168.11.0/24", "10.12.0.0/20"}

func (g *dbenchConnection) routes(ip string, t time.Time, status string) time.Time {
	nb := g.neighbor(ip)
	g.bgp(ip, t, "UP", "AWS-side peer received update with attributes from neighbor "+nb+" - AS path: 65010")
	for _, p := range dbenchPrefixes {
		t = t.Add(time.Millisecond)
		g.route(ip, t, status, p, "65010", "")
	}
	return t
}

func (g *dbenchConnection) sessionDown(ip string, t time.Time, reason string) {
	nb := g.neighbor(ip)
	if reason != "" {
		g.bgp(ip, t, "DOWN", reason)
		t = t.Add(time.Millisecond)
	}
	g.bgp(ip, t, "DOWN", "AWS-side peer BGP session state has changed from Established to Idle with neighbor "+nb)
	for _, p := range dbenchPrefixes {
		t = t.Add(time.Millisecond)
		g.route(ip, t, "WITHDRAWN", p, "65010", "")
	}
}

func (g *dbenchConnection) sessionUp(ip string, t time.Time) {
	nb := g.neighbor(ip)
	for _, st := range [][2]string{{"Idle", "Connect"}, {"Connect", "OpenSent"}, {"OpenSent", "OpenConfirm"}} {
		g.bgp(ip, t, "DOWN", "AWS-side peer BGP session state has changed from "+st[0]+" to "+st[1]+" with neighbor "+nb)
		t = t.Add(20 * time.Millisecond)
	}
	g.bgp(ip, t, "UP", "AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor "+nb)
	t = g.routes(ip, t.Add(150*time.Millisecond), "ADVERTISED")
	g.bgp(ip, t.Add(300*time.Millisecond), "UP", "AWS-side peer sent an End-of-RIB message to neighbor "+nb)
}

// incident writes one incident of the given kind at t; it returns when the
// tunnel is healthy again.
func (g *dbenchConnection) incident(ip string, t time.Time, kind int) time.Time {
	nb := g.neighbor(ip)
	est, neg, down := "established", "negotiating", "down"
	switch kind {
	case 0: // DPD, BGP falls, recovery
		g.ike(ip, t, down, down, "AWS tunnel DPD timed out after 3 retransmits")
		g.sessionDown(ip, t.Add(22*time.Second), "AWS-side peer sent a Hold Timer Expired notification to neighbor "+nb)
		g.ike(ip, t.Add(3*time.Minute), neg, down, "")
		g.ike(ip, t.Add(3*time.Minute+time.Second), est, est, "")
		g.sessionUp(ip, t.Add(3*time.Minute+6*time.Second))
		return t.Add(4 * time.Minute)
	case 1: // DELETE, then a pre-shared key retry loop for 30 minutes
		g.ike(ip, t, down, down, "AWS tunnel received DELETE for IKE_SA from CGW")
		g.sessionDown(ip, t.Add(1500*time.Millisecond), "")
		end := t.Add(30 * time.Minute)
		for x := t.Add(20 * time.Second); x.Before(end); x = x.Add(20 * time.Second) {
			g.ike(ip, x, neg, down, "AWS tunnel detected a pre-shared key mismatch with cgw: "+g.cgw)
		}
		g.ike(ip, end.Add(10*time.Second), est, est, "")
		g.sessionUp(ip, end.Add(15*time.Second))
		return end.Add(time.Minute)
	case 2: // hold timer with IKE up
		g.ike(ip, t.Add(-40*time.Second), est, est, "")
		g.sessionDown(ip, t, "AWS-side peer sent a Hold Timer Expired notification to neighbor "+nb)
		g.ike(ip, t.Add(50*time.Second), est, est, "")
		g.sessionUp(ip, t.Add(90*time.Second))
		return t.Add(2 * time.Minute)
	case 3: // prefix limit
		for i, n := range []int{84, 91, 97} {
			g.bgp(ip, t.Add(time.Duration(i)*3*time.Minute), "UP",
				fmt.Sprintf("AWS-side peer is reporting a maximum prefix limit warning - received %d prefixes from neighbor %s, limit is 100", n, nb))
		}
		x := t.Add(9 * time.Minute)
		g.bgp(ip, x, "DOWN", "AWS-side peer detected the maximum prefix limit was exceeded - received 103 prefixes from neighbor "+nb+", limit is 100")
		g.sessionDown(ip, x.Add(time.Millisecond), "AWS-side peer sent a notification 6/1 (Cease/Maximum Number of Prefixes Reached) to neighbor "+nb)
		g.sessionUp(ip, x.Add(12*time.Minute))
		return x.Add(13 * time.Minute)
	case 4: // the gateway shuts the neighbour for ten minutes
		g.sessionDown(ip, t, "AWS-side peer received notification 6/2 (Cease/Administrative Shutdown) from neighbor "+nb)
		g.sessionUp(ip, t.Add(10*time.Minute))
		return t.Add(11 * time.Minute)
	default: // routes denied, session up
		for i := range 3 {
			x := t.Add(time.Duration(i) * 4 * time.Minute)
			g.bgp(ip, x, "UP", "AWS-side peer received update with attributes from neighbor "+nb+" - AS path: 65010 64512")
			g.route(ip, x.Add(time.Millisecond), "UPDATED", "10.20.0.0/16", "65010 64512", "DENIED due to: as-path contains our own AS")
		}
		g.route(ip, t.Add(13*time.Minute), "WITHDRAWN", "10.20.0.0/16", "65010 64512", "")
		return t.Add(14 * time.Minute)
	}
}

// day writes one day of one tunnel.
func (g *dbenchConnection) day(ip string, start time.Time) {
	end := start.Add(24 * time.Hour)
	// Three incidents at random times, at least an hour apart.
	var busy [][2]time.Time
	for _, h := range []int{2 + g.r.IntN(5), 9 + g.r.IntN(5), 16 + g.r.IntN(6)} {
		t := start.Add(time.Duration(h)*time.Hour + time.Duration(g.r.IntN(3600))*time.Second)
		busy = append(busy, [2]time.Time{t.Add(-5 * time.Minute), g.incident(ip, t, g.r.IntN(6)).Add(5 * time.Minute)})
	}
	quiet := func(t time.Time) bool {
		for _, b := range busy {
			if !t.Before(b[0]) && t.Before(b[1]) {
				return false
			}
		}
		return true
	}
	for t := start.Add(time.Duration(g.r.IntN(600)) * time.Second); t.Before(end); t = t.Add(10*time.Minute + time.Duration(g.r.IntN(40))*time.Second) {
		if quiet(t) {
			g.ike(ip, t, "established", "established", "")
		}
	}
	id := g.r.IntN(50)
	for t := start.Add(time.Duration(g.r.IntN(3000)) * time.Second); t.Before(end); t = t.Add(50*time.Minute + time.Duration(g.r.IntN(360))*time.Second) {
		if !quiet(t) {
			continue
		}
		id += 1 + g.r.IntN(4)
		switch g.r.IntN(4) {
		case 0:
			g.ike(ip, t, "established", "rekeying", fmt.Sprintf("AWS tunnel is sending request (id=%d) for CREATE_CHILD_SA", id))
			g.ike(ip, t.Add(150*time.Millisecond), "established", "rekeying", "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE")
			g.ike(ip, t.Add(700*time.Millisecond), "established", "established", "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision")
		case 1:
			g.ike(ip, t, "established", "rekeying", fmt.Sprintf("AWS tunnel processed request (id=%d) for CREATE_CHILD_SA", id))
			g.ike(ip, t.Add(30*time.Millisecond), "established", "established", fmt.Sprintf("AWS tunnel is sending response (id=%d) for CREATE_CHILD_SA", id))
			g.ike(ip, t.Add(600*time.Millisecond), "established", "established", fmt.Sprintf("AWS tunnel received DELETE for Phase 2 SA with SPI: %08x", g.r.Uint32()))
		default:
			g.ike(ip, t, "established", "rekeying", fmt.Sprintf("AWS tunnel is sending request (id=%d) for CREATE_CHILD_SA", id))
			g.ike(ip, t.Add(200*time.Millisecond), "established", "established", fmt.Sprintf("AWS tunnel processed response (id=%d) for CREATE_CHILD_SA", id))
		}
	}
	for t := start.Add(time.Duration(20+g.r.IntN(40)) * time.Minute); t.Before(end); t = t.Add(time.Duration(35+g.r.IntN(65)) * time.Minute) {
		if quiet(t) {
			g.routes(ip, t, "UPDATED")
		}
	}
}

// dbenchEvents generates and reads days of logs for n connections, one
// slice of events per connection.
func dbenchEvents(tb testing.TB, n, days int) [][]vpnlog.Event {
	tb.Helper()
	r := rand.New(rand.NewPCG(uint64(n), uint64(days)))
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	out := make([][]vpnlog.Event, 0, n)
	for c := range n {
		g := &dbenchConnection{r: r, vpn: fmt.Sprintf("vpn-0%016x", r.Uint64()), cgw: "198.51.100.7", lines: map[vpnlog.StreamID][]string{},
			ips: [2]string{fmt.Sprintf("203.0.%d.10", c%250), fmt.Sprintf("203.0.%d.20", c%250)}}
		for d := range days {
			for _, ip := range g.ips {
				g.day(ip, start.Add(time.Duration(d)*24*time.Hour))
			}
		}
		ids := make([]vpnlog.StreamID, 0, len(g.lines))
		for id := range g.lines {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
		var evs []vpnlog.Event
		var rep vpnlog.Report
		for _, id := range ids {
			// Each stream in time order, as CloudWatch hands it out.
			lines := g.lines[id]
			sort.SliceStable(lines, func(i, j int) bool { return dbenchTime(lines[i]) < dbenchTime(lines[j]) })
			err := vpnlog.ReadRecords(strings.NewReader(strings.Join(lines, "\n")+"\n"), vpnlog.ReadOptions{Name: id.String(), Stream: id}, &rep, func(ev *vpnlog.Event) error {
				evs = append(evs, *ev)
				return nil
			})
			if err != nil || rep.MalformedCount > 0 {
				tb.Fatalf("generated logs do not read: %v %+v", err, rep.Malformed)
			}
		}
		out = append(out, evs)
	}
	return out
}

// dbenchTime pulls event_timestamp out of a generated line for ordering.
func dbenchTime(line string) int64 {
	i := strings.Index(line, `"event_timestamp":`)
	var v int64
	for _, c := range line[i+len(`"event_timestamp":`):] {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int64(c-'0')
	}
	if v < 1e12 {
		v *= 1000
	}
	return v
}

var (
	dbenchOnce sync.Once
	dbenchDay  [][]vpnlog.Event
	dbenchWeek [][]vpnlog.Event
)

func dbenchData(tb testing.TB) {
	dbenchOnce.Do(func() {
		dbenchDay = dbenchEvents(tb, 1, 1)
		dbenchWeek = dbenchEvents(tb, 50, 7)
	})
}

// diagnoseAll is the per-connection work: merge, find incidents, diagnose
// each. It returns the incidents diagnosed.
func diagnoseAll(conn []vpnlog.Event, buf []vpnlog.Event) ([]vpnlog.Event, int) {
	buf = append(buf[:0], conn...)
	SortEvents(buf)
	incs := FindIncidents(buf)
	dg := NewDiagnoser(buf, incs, DiagnoseOptions{})
	for i := range incs {
		d := dg.Diagnose(&incs[i])
		if d.RootCause.Category == "" {
			panic("incident without a root cause: " + incs[i].ID)
		}
	}
	return buf, len(incs)
}

func benchmarkDiagnose(b *testing.B, conns [][]vpnlog.Event) {
	events := 0
	for _, c := range conns {
		events += len(c)
	}
	var buf []vpnlog.Event
	incidents := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		incidents = 0
		for _, c := range conns {
			var n int
			buf, n = diagnoseAll(c, buf)
			incidents += n
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events), "events/op")
	b.ReportMetric(float64(incidents), "incidents/op")
}

// BenchmarkDiagnoseDayOneConnection: one connection, one day, both tunnels.
func BenchmarkDiagnoseDayOneConnection(b *testing.B) {
	dbenchData(b)
	benchmarkDiagnose(b, dbenchDay)
}

// BenchmarkDiagnoseWeek50Connections: 50 connections, seven days each.
func BenchmarkDiagnoseWeek50Connections(b *testing.B) {
	dbenchData(b)
	benchmarkDiagnose(b, dbenchWeek)
}

// BenchmarkDiagnoseOneQuestion: a single diagnose_tunnel_drop question on a
// day of one connection (IncidentAt + Diagnose on the merged timeline).
func BenchmarkDiagnoseOneQuestion(b *testing.B) {
	dbenchData(b)
	evs := append([]vpnlog.Event(nil), dbenchDay[0]...)
	SortEvents(evs)
	incs := FindIncidents(evs)
	if len(incs) == 0 {
		b.Fatal("no incidents generated")
	}
	last := incs[len(incs)-1]
	at := time.UnixMilli(last.StartMs).Add(3 * time.Minute)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		in := IncidentAt(incs, last.TunnelIP, at, time.Hour)
		_ = Diagnose(in, evs, incs)
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// The generated logs are what the benchmarks claim: every incident kind is
// found and diagnosed as intended, and the routine noise opens none.
func TestDiagnoseBenchDataIsRealistic(t *testing.T) {
	conns := dbenchEvents(t, 2, 2)
	got := map[catalog.Category]int{}
	total := 0
	for _, c := range conns {
		evs := append([]vpnlog.Event(nil), c...)
		SortEvents(evs)
		incs := FindIncidents(evs)
		total += len(incs)
		for i := range incs {
			got[Diagnose(&incs[i], evs, incs).RootCause.Category]++
		}
	}
	// 2 connections x 2 tunnels x 2 days x 3 incidents.
	if total != 24 {
		t.Errorf("%d incidents, want 24 (routine noise must not open any): %v", total, got)
	}
	for c := range got {
		switch c {
		case catalog.IKEDPDTimeout, catalog.IKECGWDeleteIKESA, catalog.BGPHoldTimerExpired, catalog.BGPPrefixLimitExceed, catalog.BGPCeaseAdminShut, catalog.RouteDeniedASLoop:
		default:
			t.Errorf("unexpected root cause %s in generated data (%v)", c, got)
		}
	}
}
