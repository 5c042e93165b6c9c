package s3logs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/internal/fakes3"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// keyWith is the key holding part.
func keyWith(t testing.TB, keys []string, part string) string {
	t.Helper()
	for _, k := range keys {
		if strings.Contains(k, part) {
			return k
		}
	}
	t.Fatalf("no key with %q", part)
	return ""
}

// One object the credentials may not read and one malformed line in
// another: the first is reported by its key with the IAM action it
// needs, the second located by key and line, and everything else is read
// and answers as before.
func TestUnreadableObjectAndMalformedLineAreReported(t *testing.T) {
	f := newFake(t)
	keys, err := f.PutExportTask("vpn-logs", "exports", demoDir, task, 0, "expected.json", "README.md")
	if err != nil {
		t.Fatal(err)
	}
	denied := keyWith(t, keys, "203.0.113.40-BGP.log/")
	f.Deny("GetObject", "vpn-logs", denied)
	// A line of garbage as the third line of hq tunnel 1's IKE export.
	spoiled := keyWith(t, keys, "203.0.113.10-IKE.log/")
	ike := localObject(t, f, spoiled)
	lines := strings.SplitAfter(string(ike), "\n")
	lines = append(lines[:2], append([]string{"2026-06-12T00:30:00.000Z {\"event_timestamp\": oops\n"}, lines[2:]...)...)
	f.Put("vpn-logs", spoiled, gzipBytes([]byte(strings.Join(lines, ""))), time.Time{})

	src := open(t, config(t, f, "s3://vpn-logs/exports"))
	rep := src.LoadReport()
	if rep.Report.SkippedCount != 1 || rep.Report.Skipped[0].Path != "s3://vpn-logs/"+denied || rep.Report.Skipped[0].Kind != vpnlog.SkipUnreadable ||
		!strings.Contains(rep.Report.Skipped[0].Reason, "s3:GetObject on arn:aws:s3:::vpn-logs/"+denied) {
		t.Errorf("skipped: %d %+v", rep.Report.SkippedCount, rep.Report.Skipped)
	}
	if rep.Report.MalformedCount != 1 || rep.Report.Malformed[0].File != "s3://vpn-logs/"+spoiled || rep.Report.Malformed[0].Line != 3 {
		t.Errorf("malformed: %d %+v", rep.Report.MalformedCount, rep.Report.Malformed)
	}
	if rep.Report.Records == 0 {
		t.Fatal("nothing read")
	}
	c := mcpClient(t, src, src)
	for _, e := range loadExpected(t) {
		if e.VPNConnectionID != hq {
			continue
		}
		ans, errText := callJSON(t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": e.VPNConnectionID, "tunnel": strconv.Itoa(e.Tunnel), "at": e.QuestionAt})
		rc, _ := ans["root_cause"].(map[string]any)
		if errText != "" || rc["category"] != e.RootCause || rc["at"] != e.RootCauseAt {
			t.Errorf("%s beside the unreadable object: %v %s", e.ID, rc, errText)
		}
	}
}

// localObject is an export object's inflated bytes.
func localObject(t testing.TB, f *fakes3.Server, key string) []byte {
	t.Helper()
	return gunzip(t, f.Object("vpn-logs", key))
}

// The index is cached per location, keyed by each object's key, size,
// LastModified and ETag: a second start fetches no log object again
// (only vpn-connections.json, read at every start), and an object
// rewritten with the same size and time is fetched again for its ETag.
func TestIndexCacheAvoidsRefetching(t *testing.T) {
	f := newFake(t)
	keys, err := f.PutExportTask("vpn-logs", "exports", demoDir, task, 0, "expected.json", "README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t, f, "s3://vpn-logs/exports")
	cfg.Local.IndexCacheDir = t.TempDir()
	inventory := "exports/vpn-connections.json"
	gets := func() (n int, keys []string) {
		for _, c := range f.Calls() {
			if c.Op == "GetObject" {
				n++
				keys = append(keys, c.Key)
			}
		}
		return n, keys
	}

	first := open(t, cfg)
	want := first.LoadReport().Report
	n1, _ := gets()
	if n1 != len(keys)-1 { // every object but aws-logs-write-test
		t.Errorf("first open: %d GETs for %d objects", n1, len(keys)-1)
	}
	f.ResetCalls()
	second := open(t, cfg)
	// The side files (inventory, tunnel metrics, negotiated parameters,
	// CloudTrail events, maintenance status) are read at every open; the
	// logs come from the index cache.
	side := []string{inventory}
	for _, name := range []string{"tunnel-metrics.json", "tunnel-active-status.json", "cloudtrail-events.json", "tunnel-maintenance.json"} {
		side = append(side, strings.Replace(inventory, "vpn-connections.json", name, 1))
	}
	hasSide := func(got []string) bool {
		for _, k := range side {
			if !contains(got, k) {
				return false
			}
		}
		return true
	}
	if n, got := gets(); n != len(side) || !hasSide(got) {
		t.Errorf("second open: GETs %v, want only %v", got, side)
	}
	if got := second.LoadReport().Report; got.Records != want.Records || got.Files != want.Files {
		t.Errorf("second open: %d records in %d files, first %d in %d", got.Records, got.Files, want.Records, want.Files)
	}

	// Same size, same LastModified, other bytes: only the ETag tells.
	k := "exports/extra/vpn-0123456789abcdef0_203.0.113.99-BGP.log"
	line := `{"resource_id":"vpn-0123456789abcdef0_203.0.113.99","event_timestamp":1781295914090,"timestamp":"2026-06-12 20:25:14.090Z","type":"BGPStatus","status":"%s","message":{"details":"x"}}` + "\n"
	stamp := time.Date(2026, 6, 13, 2, 0, 0, 0, time.UTC)
	f.Put("vpn-logs", k, []byte(fmt.Sprintf(line, "UP")), stamp)
	open(t, cfg) // indexes and caches it
	f.Put("vpn-logs", k, []byte(fmt.Sprintf(line, "Up")), stamp)
	f.ResetCalls()
	open(t, cfg)
	if n, got := gets(); n != len(side)+1 || !contains(got, k) || !hasSide(got) {
		t.Errorf("after rewriting %s: GETs %v, want it and %v", k, got, side)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A connection that drops mid-object is resumed with a ranged GET from
// where it broke off: nothing is lost and nothing is read twice.
func TestBrokenConnectionIsResumed(t *testing.T) {
	f := newFake(t)
	keys, err := f.PutExportTask("vpn-logs", "exports", demoDir, task, 0, "expected.json", "README.md")
	if err != nil {
		t.Fatal(err)
	}
	k := keyWith(t, keys, "203.0.113.20-IKE.log/")
	f.Truncate("vpn-logs", k, 1000, 1)
	src := open(t, config(t, f, "s3://vpn-logs/exports"))
	if want := localDemo(t).Report(); src.LoadReport().Report.Records != want.Records || src.LoadReport().Report.SkippedCount != 0 {
		t.Errorf("after a broken connection: %+v, want %d records", src.LoadReport().Report, want.Records)
	}
	var ranges []string
	for _, c := range f.Calls() {
		if c.Op == "GetObject" && c.Key == k {
			ranges = append(ranges, c.Range)
		}
	}
	if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes=1000-" {
		t.Errorf("GETs of the broken object: ranges %q, want the whole, then bytes=1000-", ranges)
	}
}

// A large plain object named after its stream is indexed from its ends
// and read from where a question's window starts, by ranged GETs: a
// question on one hour of days fetches a small part of it, and a
// malformed record there is still located by its line in the object.
func TestLargePlainObjectIsReadByRanges(t *testing.T) {
	f := newFake(t)
	const vpn, ip = "vpn-0123456789abcdef0", "203.0.113.20"
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	badLine := 0
	n := 0
	for ts := start; b.Len() < 10<<20; ts = ts.Add(10 * time.Second) {
		n++
		if ts.Equal(start.Add(80*time.Hour + 30*time.Minute)) {
			b.WriteString("{\"event_timestamp\": not a number}\n")
			badLine = n
			n++
		}
		fmt.Fprintf(&b, `{"event_timestamp":%d,"timestamp":"%s","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"established","ike_phase2_state":"established","details":"AWS tunnel is sending DPD request (R-U-THERE) to CGW"}`+"\n",
			ts.Unix(), ts.Format("2006-01-02 15:04:05Z"))
	}
	key := "big/" + vpn + "_" + ip + "-IKE.log"
	f.Put("vpn-logs", key, b.Bytes(), time.Time{})
	size := int64(b.Len())

	src := open(t, config(t, f, "s3://vpn-logs/big"))
	indexGets := f.Calls()
	for _, c := range indexGets {
		if c.Op == "GetObject" && c.Range == "" {
			t.Errorf("the index fetched the whole object (%d bytes)", size)
		}
	}
	ask := func(from time.Time) (*source.LogResult, int64, int64) {
		t.Helper()
		before := src.Stats()
		f.ResetCalls()
		res, err := src.Logs(context.Background(), source.LogQuery{VPNConnectionID: vpn, Start: from, End: from.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Events) != 360 { // 360 ten-second slots
			t.Errorf("%d records in the hour from %s, want 360", len(res.Events), from)
		}
		for _, c := range f.Calls() {
			if c.Op == "GetObject" && c.Range == "" {
				t.Errorf("the question fetched the whole object")
			}
		}
		after := src.Stats()
		return res, after.GetObject - before.GetObject, after.Bytes - before.Bytes
	}
	res, gets, fetched := ask(start.Add(40 * time.Hour))
	// The seek's probes (64 KiB each) and one read buffer (1 MiB): not the
	// 3 MiB of the object before the hour, nor the 6 after.
	if fetched > 2<<20 || res.Report.MalformedCount != 0 {
		t.Errorf("a question on one hour fetched %d of %d bytes (%d malformed)", fetched, size, res.Report.MalformedCount)
	}
	t.Logf("%d-byte object: index %d ranged GETs; a one-hour question %d ranged GETs, %d bytes", size, src.Stats().GetObject-gets, gets, fetched)
	// The hour with a malformed line: located by its line in the object
	// (the lines before are counted then, by one more streamed GET).
	res, _, _ = ask(start.Add(80 * time.Hour))
	if res.Report.MalformedCount != 1 || res.Report.Malformed[0].File != "s3://vpn-logs/"+key || res.Report.Malformed[0].Line != badLine {
		t.Errorf("malformed %d %+v, want line %d", res.Report.MalformedCount, res.Report.Malformed, badLine)
	}
}

// Objects read once are kept in memory (within a budget): the same
// question asked again costs no request; without the cache
// (CacheBytes < 0) it fetches its objects again.
func TestFollowUpQuestionsCostNoRequest(t *testing.T) {
	f := newFake(t)
	if _, err := f.PutExportTask("vpn-logs", "exports", demoDir, task, 0, "expected.json", "README.md"); err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"vpn_connection_id": hq, "tunnel": "2", "at": "2026-06-12T20:25:00Z"}
	for _, tc := range []struct {
		cacheBytes int64
		again      bool // the second question fetches again
	}{{0, false}, {-1, true}} {
		cfg := config(t, f, "s3://vpn-logs/exports")
		cfg.CacheBytes = tc.cacheBytes
		src := open(t, cfg)
		c := mcpClient(t, src, src)
		f.ResetCalls()
		first, _ := callJSON(t, c, "diagnose_tunnel_drop", args)
		firstGets := f.Count("GetObject")
		f.ResetCalls()
		second, _ := callJSON(t, c, "diagnose_tunnel_drop", args)
		if again := f.Count("GetObject") > 0; again != tc.again {
			t.Errorf("cache %d bytes: the first question made %d GETs, the same again %d", tc.cacheBytes, firstGets, f.Count("GetObject"))
		}
		if fmt.Sprint(first["root_cause"]) != fmt.Sprint(second["root_cause"]) || first["root_cause"] == nil {
			t.Errorf("cache %d bytes: answers differ: %v / %v", tc.cacheBytes, first["root_cause"], second["root_cause"])
		}
	}
}
