package watch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/vpnlog"
)

const demoDir = "../testdata/demo"

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func ikeLine(sec int, details string) string {
	ts := time.Date(2026, 6, 12, 10, 0, sec, 0, time.UTC)
	return `{"event_timestamp":` + itoa(ts.Unix()) + `,"timestamp":"` + ts.Format("2006-01-02 15:04:05Z") +
		`","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"established","ike_phase2_state":"established","details":"` + details + `"}`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// demoLine is one record of the demo data set with its stream file.
type demoLine struct {
	file string // base name, e.g. vpn-..._203.0.113.10-IKE.log
	ms   int64
	raw  string
}

// demoLines reads the demo data set, every stream file (inflated), in time
// order; file is the stream file's name without .gz.
func demoLines(t testing.TB) []demoLine {
	t.Helper()
	ents, err := os.ReadDir(demoDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []demoLine
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".gz")
		if !ok || !strings.HasSuffix(name, ".log") {
			continue
		}
		f, err := os.Open(filepath.Join(demoDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		id, _ := vpnlog.ParseStreamName(name)
		for sc.Scan() {
			line := sc.Text()
			if strings.TrimSpace(line) == "" {
				continue
			}
			ev, err := vpnlog.ParseRecord([]byte(line), id)
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			out = append(out, demoLine{file: name, ms: ev.TimeMs, raw: line})
		}
		f.Close()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ms < out[j].ms })
	return out
}

// expectedIncident is one entry of testdata/demo/expected.json.
type expectedIncident struct {
	ID              string `json:"id"`
	VPNConnectionID string `json:"vpn_connection_id"`
	TunnelIP        string `json:"tunnel_ip"`
	RootCause       string `json:"root_cause"`
	RootCauseAt     string `json:"root_cause_at"`
	LogsRootCause   string `json:"logs_root_cause"`
	LogsRootCauseAt string `json:"logs_root_cause_at"`
	Recovered       bool   `json:"recovered"`
	RecoveredAt     string `json:"recovered_at"`
}

func demoExpected(t testing.TB) []expectedIncident {
	t.Helper()
	out := demoExpectedAWS(t)
	// A watch reading the logs only reports a drop AWS caused (a change, a
	// maintenance replacement) with the cause the logs give.
	for i := range out {
		if x := &out[i]; x.LogsRootCause != "" {
			x.RootCause, x.RootCauseAt = x.LogsRootCause, x.LogsRootCauseAt
		}
	}
	return out
}

// demoExpectedAWS is the demo's labelled incidents as a watch that reads
// the AWS side too (CloudTrail, maintenance) reports them.
func demoExpectedAWS(t testing.TB) []expectedIncident {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(demoDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []expectedIncident
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// reports decodes the JSON lines a stdout sink wrote (other line types,
// such as delivery_failed notices, are skipped).
func reports(t testing.TB, out string) []Report {
	t.Helper()
	var rs []Report
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r Report
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		if r.Type == ReportType {
			rs = append(rs, r)
		}
	}
	return rs
}

func appendFile(t testing.TB, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
