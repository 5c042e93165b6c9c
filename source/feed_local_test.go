package source

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// pollRaws polls once and returns the raw records that came back.
func pollRaws(t *testing.T, f *LocalFeed, cursors map[string]*StreamCursor) []string {
	t.Helper()
	b, err := f.Poll(context.Background(), time.Now(), nil, cursors)
	if err != nil {
		t.Fatal(err)
	}
	if b.Report.MalformedCount > 0 {
		t.Fatalf("malformed: %+v", b.Report.Malformed)
	}
	var out []string
	for _, ev := range b.Events {
		out = append(out, ev.Raw)
	}
	return out
}

func ikeLine(sec int, details string) string {
	ts := time.Date(2026, 6, 12, 10, 0, sec, 0, time.UTC)
	return `{"event_timestamp":` + itoa(ts.Unix()) + `,"timestamp":"` + ts.Format("2006-01-02 15:04:05Z") +
		`","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"established","ike_phase2_state":"established","details":"` + details + `"}`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestLocalFollow: lines appended across polls come back once each; a
// half-written line waits for its end; a rotated file is finished and its
// successor read from the start; a truncated file is read again; a new
// file in a sub-folder is picked up.
func TestLocalFollow(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log")
	appendFile(t, name, ikeLine(1, "a"), ikeLine(2, "b"))
	f, err := NewLocalFeed(dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	cur := map[string]*StreamCursor{}
	if got := pollRaws(t, f, cur); len(got) != 2 {
		t.Fatalf("first poll: %d records, want 2", len(got))
	}
	if got := pollRaws(t, f, cur); len(got) != 0 {
		t.Fatalf("nothing appended: %d records", len(got))
	}
	appendFile(t, name, ikeLine(3, "c"))
	if got := pollRaws(t, f, cur); len(got) != 1 || got[0] != ikeLine(3, "c") {
		t.Fatalf("after append: %q", got)
	}
	// A line written in two parts: nothing until it is complete.
	half := ikeLine(4, "d")
	fh, _ := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(half[:20])
	fh.Close()
	if got := pollRaws(t, f, cur); len(got) != 0 {
		t.Fatalf("half a line was read: %q", got)
	}
	fh, _ = os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(half[20:] + "\n")
	fh.Close()
	if got := pollRaws(t, f, cur); len(got) != 1 || got[0] != half {
		t.Fatalf("completed line: %q", got)
	}
	// Rotation: renamed away, one last line into the old file, a new file
	// under the old name.
	rotated := name + ".1"
	if err := os.Rename(name, rotated); err != nil {
		t.Fatal(err)
	}
	appendFile(t, rotated, ikeLine(5, "e"))
	appendFile(t, name, ikeLine(6, "f"), ikeLine(7, "g"))
	got := pollRaws(t, f, cur)
	if len(got) != 3 {
		t.Fatalf("after rotation: %d records %q, want e, f, g", len(got), got)
	}
	// The last unterminated line of a file that stopped growing is read.
	fh, _ = os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(ikeLine(8, "h"))
	fh.Close()
	if got := pollRaws(t, f, cur); len(got) != 0 {
		t.Fatalf("unterminated line read at once: %q", got)
	}
	if got := pollRaws(t, f, cur); len(got) != 1 || got[0] != ikeLine(8, "h") {
		t.Fatalf("unterminated line of a quiet file: %q", got)
	}
	// copytruncate: the file shrinks and is read from its start.
	if err := os.WriteFile(name, []byte(ikeLine(9, "i")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := pollRaws(t, f, cur); len(got) != 1 || got[0] != ikeLine(9, "i") {
		t.Fatalf("after truncation: %q", got)
	}
	// A new stream in a sub-folder (an S3 export layout).
	sub := filepath.Join(dir, "exportTask-1", "vpn-0abc1234_203.0.113.11-IKE")
	os.MkdirAll(sub, 0o755)
	appendFile(t, filepath.Join(sub, "000000"), ikeLine(10, "j"))
	b, err := f.Poll(context.Background(), time.Now(), nil, cur)
	if err != nil || len(b.Events) != 1 || b.Events[0].TunnelIP != "203.0.113.11" {
		t.Fatalf("new file in a sub-folder: %v %+v", err, b)
	}
	if c := cur["vpn-0abc1234_203.0.113.10-IKE"]; c == nil || c.LastEventMs != time.Date(2026, 6, 12, 10, 0, 9, 0, time.UTC).UnixMilli() {
		t.Fatalf("cursor: %+v", c)
	}
	conns, _ := f.Connections(context.Background())
	if len(conns) != 1 || len(conns[0].Tunnels) != 2 {
		t.Fatalf("inventory from streams: %+v", conns)
	}
}

// TestLocalFollowMalformed: a bad line is counted and located, with its
// line number in the whole file, and the good ones still come through.
func TestLocalFollowMalformed(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log")
	appendFile(t, name, ikeLine(1, "a"), ikeLine(2, "b"))
	f, _ := NewLocalFeed(dir, quietLogger())
	cur := map[string]*StreamCursor{}
	pollRaws(t, f, cur)
	appendFile(t, name, `{"event_timestamp": "not json`, ikeLine(3, "c"))
	b, err := f.Poll(context.Background(), time.Now(), nil, cur)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Events) != 1 || b.Report.MalformedCount != 1 || len(b.Report.Malformed) != 1 || b.Report.Malformed[0].Line != 3 {
		t.Fatalf("events %d, malformed %d %+v", len(b.Events), b.Report.MalformedCount, b.Report.Malformed)
	}
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

// TestLocalFeedInventoryMatchesLocal: without vpn-connections.json, the
// tailer describes the connections of the streams it has read exactly as
// the local source does on the same files (one inference, InferConnections).
func TestLocalFeedInventoryMatchesLocal(t *testing.T) {
	dir := t.TempDir()
	logs, err := filepath.Glob(filepath.Join("..", "testdata", "demo", "*.log.gz"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("demo logs: %v %v", logs, err)
	}
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := NewLocalFeed(dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	pollRaws(t, f, map[string]*StreamCursor{})
	got, err := f.Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l, err := OpenDir(dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := l.Connections(context.Background())
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if len(want) == 0 || string(gj) != string(wj) {
		t.Errorf("inventory from streams differs:\nfeed:  %s\nlocal: %s", gj, wj)
	}
}
