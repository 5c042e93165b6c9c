package correlate

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// Properties of the diagnosis over every labelled data set (the demo day
// and each scenario of testdata/scenarios): the answer to each labelled
// question — root-cause category, time, and which tunnel relative to the
// data — must not change when
//   - records that share a second arrive in another order,
//   - healthy noise is added away from incidents (rekeys, rekey collisions,
//     the gateway's routine DELETE of the old phase 2 SA or ISAKMP SA, state
//     snapshots, route refreshes),
//   - VPN connection ids and IP addresses are renamed consistently (in the
//     records, the file names and folder names).
// The diagnosis is run the way diagnose_tunnel_drop runs it: the
// connection's records from 90 minutes before the question to 6 hours
// after, incidents, IncidentAt with a 60-minute look-back, Diagnose.

// propQuestion is one labelled question about a data set.
type propQuestion struct {
	name     string
	vpn      string
	tunnelIP string // "" = either tunnel
	at       string
	timezone string
	want     propAnswer
}

// propAnswer is what must not change.
type propAnswer struct {
	Category catalog.Category
	AtMs     int64
	TunnelIP string
}

func (a propAnswer) String() string {
	return fmt.Sprintf("%s at %s on %s", a.Category, FormatMs(a.AtMs), a.TunnelIP)
}

// propDataSet is a directory's files in memory (gzip kept as is).
type propDataSet struct {
	name      string
	files     fstest.MapFS
	questions []propQuestion
}

func propLoadTree(t testing.TB, dir string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "expected.json" || vpnlog.IsSideFile(rel) || strings.HasSuffix(rel, ".md") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func propTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// propDataSets loads the demo day and every scenario with its questions.
func propDataSets(t testing.TB) []propDataSet {
	t.Helper()
	var sets []propDataSet
	demo := propDataSet{name: "demo", files: propLoadTree(t, "../testdata/demo")}
	var demoExp []struct {
		ID              string `json:"id"`
		VPNConnectionID string `json:"vpn_connection_id"`
		TunnelIP        string `json:"tunnel_ip"`
		QuestionAt      string `json:"question_at"`
		RootCause       string `json:"root_cause"`
		RootCauseAt     string `json:"root_cause_at"`
		// A drop AWS caused: correlation reads the logs only, which
		// give this cause.
		LogsRootCause   string `json:"logs_root_cause"`
		LogsRootCauseAt string `json:"logs_root_cause_at"`
	}
	propReadJSON(t, "../testdata/demo/expected.json", &demoExp)
	for _, e := range demoExp {
		if e.LogsRootCause != "" {
			e.RootCause, e.RootCauseAt = e.LogsRootCause, e.LogsRootCauseAt
		}
		demo.questions = append(demo.questions, propQuestion{name: "demo/" + e.ID, vpn: e.VPNConnectionID, tunnelIP: e.TunnelIP, at: e.QuestionAt,
			want: propAnswer{catalog.Category(e.RootCause), propTime(t, e.RootCauseAt).UnixMilli(), e.TunnelIP}})
	}
	sets = append(sets, demo)

	entries, err := os.ReadDir("../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		dir := filepath.Join("../testdata/scenarios", ent.Name())
		var e struct {
			VPNConnectionID string `json:"vpn_connection_id"`
			Tunnel          string `json:"tunnel"`
			At              string `json:"at"`
			Timezone        string `json:"timezone"`
			RootCause       string `json:"root_cause"`
			RootCauseAt     string `json:"root_cause_at"`
			RootCauseTunnel string `json:"root_cause_tunnel"`
			LogsRootCause   string `json:"logs_root_cause"`
			LogsRootCauseAt string `json:"logs_root_cause_at"`
			// FromMetrics marks a connection without logs, answered from
			// its tunnel metrics: correlation has no record of it to read.
			FromMetrics json.RawMessage `json:"from_metrics"`
		}
		propReadJSON(t, filepath.Join(dir, "expected.json"), &e)
		if e.FromMetrics != nil {
			continue
		}
		if e.LogsRootCause != "" {
			e.RootCause, e.RootCauseAt = e.LogsRootCause, e.LogsRootCauseAt
		}
		q := propQuestion{name: ent.Name(), vpn: e.VPNConnectionID, at: e.At, timezone: e.Timezone,
			want: propAnswer{catalog.Category(e.RootCause), propTime(t, e.RootCauseAt).UnixMilli(), e.RootCauseTunnel}}
		if e.Tunnel != "" {
			q.tunnelIP = e.RootCauseTunnel
		}
		sets = append(sets, propDataSet{name: ent.Name(), files: propLoadTree(t, dir), questions: []propQuestion{q}})
	}
	if len(sets) < 31 {
		t.Fatalf("only %d labelled data sets", len(sets))
	}
	return sets
}

func propReadJSON(t testing.TB, p string, v any) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}

// propReadEvents reads every file of a data set, as --logs-dir does.
func propReadEvents(t testing.TB, files fstest.MapFS) []vpnlog.Event {
	t.Helper()
	var evs []vpnlog.Event
	var rep vpnlog.Report
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		err := vpnlog.ReadRecords(bytes.NewReader(files[n].Data), vpnlog.ReadOptions{Name: n}, &rep, func(ev *vpnlog.Event) error {
			evs = append(evs, *ev)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	if rep.MalformedCount > 0 {
		t.Fatalf("%d malformed records, first %+v", rep.MalformedCount, rep.Malformed[0])
	}
	return evs
}

// propDiagnose answers q from evs the way diagnose_tunnel_drop does.
func propDiagnose(t testing.TB, evs []vpnlog.Event, q propQuestion) (propAnswer, bool) {
	t.Helper()
	var conn []vpnlog.Event
	var latest int64
	for i := range evs {
		if evs[i].VPNConnectionID == q.vpn {
			conn = append(conn, evs[i])
			latest = max(latest, evs[i].TimeMs)
		}
	}
	loc, err := LoadZone(q.timezone)
	if err != nil {
		t.Fatal(err)
	}
	at, err := ParseTimeArg(q.at, loc, time.UnixMilli(latest).UTC(), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("%s: %v", q.name, err)
	}
	const lookback = 60 * time.Minute
	from, to := at.Add(-lookback-30*time.Minute).UnixMilli(), at.Add(6*time.Hour).UnixMilli()
	var win []vpnlog.Event
	for i := range conn {
		if conn[i].TimeMs >= from && conn[i].TimeMs < to {
			win = append(win, conn[i])
		}
	}
	SortEvents(win)
	incs := FindIncidents(win)
	in := IncidentAt(incs, q.tunnelIP, at, lookback)
	if in == nil {
		return propAnswer{}, false
	}
	d := Diagnose(in, win, incs)
	return propAnswer{d.RootCause.Category, d.RootCause.AtMs, d.RootCause.TunnelIP}, true
}

// propCheckAll diagnoses every question of a data set after transform and
// compares with the labelled answer, mapping tunnel IPs with rename.
func propCheckAll(t *testing.T, ds propDataSet, evs []vpnlog.Event, what string, rename func(string) string) {
	t.Helper()
	for _, q := range ds.questions {
		want := q.want
		if rename != nil {
			q.vpn, q.tunnelIP = rename(q.vpn), rename(q.tunnelIP)
			want.TunnelIP = rename(want.TunnelIP)
		}
		got, ok := propDiagnose(t, evs, q)
		if !ok {
			t.Errorf("%s (%s): no incident found", q.name, what)
			continue
		}
		if got != want {
			t.Errorf("%s (%s): diagnosed %s, want %s", q.name, what, got, want)
		}
	}
}

// The labelled answers themselves, before any change: the properties below
// compare against them, so the baseline must hold first.
func TestPropertyBaseline(t *testing.T) {
	for _, ds := range propDataSets(t) {
		propCheckAll(t, ds, propReadEvents(t, ds.files), "as logged", nil)
	}
}

// propShuffleWithinSeconds permutes records that share a second (of any stream)
// before they are sorted: IKE logs whole seconds, so the order of records
// inside a second is not information the diagnosis may depend on.
func propShuffleWithinSeconds(evs []vpnlog.Event, r *rand.Rand) []vpnlog.Event {
	out := append([]vpnlog.Event(nil), evs...)
	bySec := map[int64][]int{}
	for i := range out {
		s := floorSec(out[i].TimeMs)
		bySec[s] = append(bySec[s], i)
	}
	for _, idx := range bySec {
		if len(idx) < 2 {
			continue
		}
		perm := r.Perm(len(idx))
		vals := make([]vpnlog.Event, len(idx))
		for k, p := range perm {
			vals[k] = out[idx[p]]
		}
		for k, i := range idx {
			out[i] = vals[k]
		}
	}
	// Also the input order of whole streams.
	r.Shuffle(len(out), func(i, j int) {
		if floorSec(out[i].TimeMs) == floorSec(out[j].TimeMs) {
			out[i], out[j] = out[j], out[i]
		}
	})
	return out
}

func TestPropertyShuffleWithinSecond(t *testing.T) {
	for _, ds := range propDataSets(t) {
		evs := propReadEvents(t, ds.files)
		for seed := uint64(1); seed <= 4; seed++ {
			r := rand.New(rand.NewPCG(seed, 0x5eed))
			propCheckAll(t, ds, propShuffleWithinSeconds(evs, r), fmt.Sprintf("shuffled within seconds, seed %d", seed), nil)
		}
	}
}

// propTunnelHealth tells, per tunnel, when adding healthy records would not
// contradict the logs: away from every incident, with IKE up.
type propTunnelHealth struct {
	vpn, ip   string
	incidents [][2]int64
	ikeStates []vpnlog.Event // IKE records with phase states, in time order
	neighbor  string
	asPath    string
	prefixes  []string
	first     int64
	last      int64
	ikeMillis bool
}

const propNoiseMarginMs = 20 * 60 * 1000

func (h *propTunnelHealth) healthy(ms int64) bool {
	if ms <= h.first || ms >= h.last {
		return false
	}
	for _, in := range h.incidents {
		if ms >= in[0]-propNoiseMarginMs && ms <= in[1]+propNoiseMarginMs {
			return false
		}
	}
	var before, after *vpnlog.Event
	for i := range h.ikeStates {
		if h.ikeStates[i].TimeMs <= ms {
			before = &h.ikeStates[i]
		} else {
			after = &h.ikeStates[i]
			break
		}
	}
	up := func(e *vpnlog.Event) bool { return e != nil && ikeStateUp(e) }
	return up(before) || (before == nil && up(after))
}

func propHealthOf(evs []vpnlog.Event) map[string]*propTunnelHealth {
	sorted := append([]vpnlog.Event(nil), evs...)
	SortEvents(sorted)
	hs := map[string]*propTunnelHealth{}
	for i := range sorted {
		e := &sorted[i]
		k := e.VPNConnectionID + "|" + e.TunnelIP
		h := hs[k]
		if h == nil {
			h = &propTunnelHealth{vpn: e.VPNConnectionID, ip: e.TunnelIP, first: e.TimeMs}
			hs[k] = h
		}
		h.last = e.TimeMs
		if e.Stream == vpnlog.StreamIKE && e.Phase1State != vpnlog.IKEStateUnset {
			h.ikeStates = append(h.ikeStates, *e)
			if e.TimeMs%1000 != 0 {
				h.ikeMillis = true
			}
		}
		if e.Fields.NeighborIP != "" && h.neighbor == "" {
			h.neighbor = e.Fields.NeighborIP
		}
		if e.Category == catalog.RouteAdvertised || e.Category == catalog.RouteUpdated {
			if e.Route != nil && e.Route.Prefix != "" && len(h.prefixes) < 8 {
				h.prefixes = append(h.prefixes, e.Route.Prefix)
				if h.asPath == "" {
					h.asPath = e.Route.ASPath
				}
			}
		}
	}
	for _, in := range FindIncidents(sorted) {
		k := in.VPNConnectionID + "|" + in.TunnelIP
		if h := hs[k]; h != nil {
			h.incidents = append(h.incidents, [2]int64{in.StartMs, in.EndMs})
		}
	}
	return hs
}

// propNoiseLines writes healthy records for a tunnel at a time, as AWS would
// log them (JSON lines), to be read back through the reader.
func propNoiseLines(h *propTunnelHealth, ms int64, kind int, r *rand.Rand) (ike, bgp []string) {
	t := time.UnixMilli(ms).UTC()
	ikeRec := func(t time.Time, p1, p2, details string) string {
		ts := t.Format("2006-01-02 15:04:05Z")
		if h.ikeMillis {
			ts = t.Format("2006-01-02 15:04:05.000Z")
		}
		b, _ := json.Marshal(map[string]any{"event_timestamp": t.Unix(), "timestamp": ts, "dpd_enabled": true, "nat_t_detected": false,
			"ike_phase1_state": p1, "ike_phase2_state": p2, "details": details})
		return string(b)
	}
	id := 100 + r.IntN(800)
	switch kind {
	case 0: // state snapshot
		ike = append(ike, ikeRec(t, "established", "established", ""))
	case 1: // AWS-initiated CHILD_SA rekey
		ike = append(ike, ikeRec(t, "established", "rekeying", fmt.Sprintf("AWS tunnel is sending request (id=%d) for CREATE_CHILD_SA", id)),
			ikeRec(t.Add(250*time.Millisecond), "established", "established", fmt.Sprintf("AWS tunnel processed response (id=%d) for CREATE_CHILD_SA", id)))
	case 2: // gateway-initiated rekey, old SA deleted afterwards
		ike = append(ike, ikeRec(t, "established", "rekeying", fmt.Sprintf("AWS tunnel processed request (id=%d) for CREATE_CHILD_SA", id)),
			ikeRec(t.Add(30*time.Millisecond), "established", "established", fmt.Sprintf("AWS tunnel is sending response (id=%d) for CREATE_CHILD_SA", id)),
			ikeRec(t.Add(700*time.Millisecond), "established", "established", fmt.Sprintf("AWS tunnel received DELETE for Phase 2 SA with SPI: %08x", r.Uint32())))
	case 3: // rekey collision
		ike = append(ike, ikeRec(t, "established", "rekeying", fmt.Sprintf("AWS tunnel is sending request (id=%d) for CREATE_CHILD_SA", id)),
			ikeRec(t.Add(150*time.Millisecond), "established", "rekeying", "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE"),
			ikeRec(t.Add(600*time.Millisecond), "established", "established", "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision"))
	case 5: // IKEv1 phase 1 rekey, the old ISAKMP SA deleted by the gateway
		ike = append(ike, ikeRec(t, "rekeying", "established", ""),
			ikeRec(t.Add(1200*time.Millisecond), "established", "established", ""),
			ikeRec(t.Add(1900*time.Millisecond), "established", "established", "AWS tunnel received DELETE for IKE_SA from CGW"))
	case 4: // route refresh
		if h.neighbor == "" || len(h.prefixes) == 0 {
			return nil, nil
		}
		rid := h.vpn + "_" + h.ip
		upd, _ := json.Marshal(map[string]any{"resource_id": rid, "event_timestamp": ms, "timestamp": t.Format("2006-01-02 15:04:05.000Z"),
			"type": "BGPStatus", "status": "UP", "message": map[string]any{"details": "AWS-side peer received update with attributes from neighbor " + h.neighbor + " - AS path: " + h.asPath}})
		bgp = append(bgp, string(upd))
		p := h.prefixes[r.IntN(len(h.prefixes))]
		rt := t.Add(time.Millisecond)
		rec, _ := json.Marshal(map[string]any{"resource_id": rid, "event_timestamp": rt.UnixMilli(), "timestamp": rt.Format("2006-01-02 15:04:05.000Z"),
			"type": "RouteStatus", "status": "UPDATED", "message": map[string]any{"prefix": p, "asPath": h.asPath, "localPref": 100, "med": 0, "nextHopIp": h.neighbor, "weight": 32768}})
		bgp = append(bgp, string(rec))
	}
	return ike, bgp
}

// propAddNoise adds healthy records about every 4-9 minutes on every tunnel,
// wherever that tunnel is healthy.
func propAddNoise(t testing.TB, evs []vpnlog.Event, r *rand.Rand) ([]vpnlog.Event, int) {
	t.Helper()
	out := append([]vpnlog.Event(nil), evs...)
	added := 0
	keys := []string{}
	hs := propHealthOf(evs)
	for k := range hs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h := hs[k]
		var ike, bgp []string
		for ms := h.first + int64(r.IntN(300_000)); ms < h.last; ms += 240_000 + int64(r.IntN(300_000)) {
			if !h.healthy(ms) {
				continue
			}
			i, b := propNoiseLines(h, ms, r.IntN(6), r)
			ike, bgp = append(ike, i...), append(bgp, b...)
		}
		for kind, lines := range map[vpnlog.StreamKind][]string{vpnlog.StreamIKE: ike, vpnlog.StreamBGP: bgp} {
			if len(lines) == 0 {
				continue
			}
			var rep vpnlog.Report
			err := vpnlog.ReadRecords(strings.NewReader(strings.Join(lines, "\n")+"\n"),
				vpnlog.ReadOptions{Name: "noise", Stream: vpnlog.StreamID{VPNConnectionID: h.vpn, TunnelIP: h.ip, Kind: kind}}, &rep, func(ev *vpnlog.Event) error {
					out = append(out, *ev)
					added++
					return nil
				})
			if err != nil || rep.MalformedCount > 0 {
				t.Fatalf("noise did not read: %v %+v", err, rep.Malformed)
			}
		}
	}
	return out, added
}

func TestPropertyHealthyNoise(t *testing.T) {
	total := 0
	for _, ds := range propDataSets(t) {
		evs := propReadEvents(t, ds.files)
		for seed := uint64(1); seed <= 2; seed++ {
			noisy, n := propAddNoise(t, evs, rand.New(rand.NewPCG(seed, 0x0150)))
			total += n
			propCheckAll(t, ds, noisy, fmt.Sprintf("%d healthy records added, seed %d", n, seed), nil)
		}
	}
	if total < 1000 {
		t.Errorf("only %d noise records added over all data sets: the property is not exercised", total)
	}
	t.Logf("%d healthy noise records added over all data sets and seeds", total)
}

var (
	// Ids and addresses sit next to word characters in stream names
	// ("vpn-0abc_203.0.113.10-IKE.log"), so no \b around them.
	propVPNIDPattern = regexp.MustCompile(`vpn-[0-9a-f]{8,17}`)
	// Dotted quads with an optional prefix length: prefixes keep their
	// meaning as routes and are left alone; so is anything not an address.
	propIPPattern = regexp.MustCompile(`[0-9]+(?:\.[0-9]+){3}(?:/[0-9]+)?`)
)

// propRenamer maps every VPN connection id and IP address to a fresh one, the
// same way everywhere. Fresh IPs are handed out in random order, so the
// numeric order of tunnel IPs changes too.
type propRenamer struct {
	r    *rand.Rand
	m    map[string]string
	used map[string]bool
}

func (rn *propRenamer) name(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := rn.m[s]; ok {
		return v
	}
	var v string
	for v == "" || rn.used[v] {
		if strings.HasPrefix(s, "vpn-") {
			v = fmt.Sprintf("vpn-0%016x", rn.r.Uint64())[:len(s)]
		} else {
			v = fmt.Sprintf("100.%d.%d.%d", 64+rn.r.IntN(64), rn.r.IntN(256), 1+rn.r.IntN(254))
		}
	}
	rn.m[s], rn.used[v] = v, true
	return v
}

func (rn *propRenamer) text(s string) string {
	s = propVPNIDPattern.ReplaceAllStringFunc(s, rn.name)
	return propIPPattern.ReplaceAllStringFunc(s, func(ip string) string {
		if strings.Contains(ip, "/") {
			return ip
		}
		for _, octet := range strings.Split(ip, ".") {
			if len(octet) > 3 || (len(octet) > 1 && octet[0] == '0') || octet > "255" && len(octet) == 3 {
				return ip
			}
		}
		return rn.name(ip)
	})
}

// propRenameFiles renames ids and IPs in every file's content (gunzipping and
// re-gzipping) and path.
func propRenameFiles(t testing.TB, files fstest.MapFS, rn *propRenamer) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		data := files[n].Data
		gz := bytes.HasPrefix(data, []byte{0x1f, 0x8b})
		if gz {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		data = []byte(rn.text(string(data)))
		if gz {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(data)
			zw.Close()
			data = buf.Bytes()
		}
		parts := strings.Split(n, "/")
		for i := range parts {
			parts[i] = rn.text(parts[i])
		}
		out[path.Join(parts...)] = &fstest.MapFile{Data: data}
	}
	return out
}

func TestPropertyRenaming(t *testing.T) {
	for _, ds := range propDataSets(t) {
		for seed := uint64(1); seed <= 2; seed++ {
			rn := &propRenamer{r: rand.New(rand.NewPCG(seed, 0x1d5)), m: map[string]string{}, used: map[string]bool{}}
			renamed := propRenameFiles(t, ds.files, rn)
			// The renaming must have reached the records: no old id is left.
			for _, q := range ds.questions {
				for n, f := range renamed {
					if bytes.Contains(f.Data, []byte(q.vpn)) || strings.Contains(n, q.vpn) {
						t.Fatalf("%s: %s still names %s after renaming", ds.name, n, q.vpn)
					}
				}
			}
			propCheckAll(t, ds, propReadEvents(t, renamed), fmt.Sprintf("ids and IPs renamed, seed %d", seed), rn.name)
		}
	}
}
