package watch

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnlens/vpnlens/internal/fakesns"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// demoEngine is an engine on the demo data up to 03:12 on 2026-06-12 (the
// first incident, a DPD timeout on hq tunnel 1, under way) with the given
// sinks; its first Step reports that incident.
func demoEngine(t *testing.T, statePath string, logger *slog.Logger, sinks ...Sink) (*Engine, *FakeClock, *replay) {
	t.Helper()
	dir := t.TempDir()
	rp := newReplay(t, dir)
	clock := NewFakeClock(time.Date(2026, 6, 12, 1, 0, 0, 0, time.UTC))
	rp.until(clock.Now())
	feed, err := source.NewLocalFeed(dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if logger == nil {
		logger = quietLogger()
	}
	e, err := New(Config{Feed: feed, Clock: clock, Logger: logger, StatePath: statePath, Sinks: sinks, Settle: -1,
		Delivery: DeliveryOptions{Backoff: time.Second, MaxBackoff: 4 * time.Second, MaxAttempts: 4, SlowRetry: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.Step(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 6, 12, 3, 12, 0, 0, time.UTC))
	rp.until(clock.Now())
	return e, clock, rp
}

// deliverFor runs DeliverDue while advancing the fake clock, until d has
// passed on it.
func deliverFor(e *Engine, clock *FakeClock, d time.Duration) {
	end := clock.Now().Add(d)
	for !clock.Now().After(end) {
		e.DeliverDue(context.Background())
		clock.Advance(500 * time.Millisecond)
	}
}

func outbox(e *Engine) []*Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Delivery(nil), e.st.Outbox...)
}

// TestWebhookSignedAndRetried: the receiver checks the HMAC signature over
// the body and the signed timestamp, answers 503 twice, then takes it.
// The secret appears in no log line, state file or error.
func TestWebhookSignedAndRetried(t *testing.T) {
	secret := []byte("s3cr3t-webhook-key-0123456789")
	var mu sync.Mutex
	var got []WebhookPayload
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !VerifySignature(secret, body, r.Header.Get(HeaderSignature)) {
			t.Errorf("bad signature %q", r.Header.Get(HeaderSignature))
			w.WriteHeader(401)
			return
		}
		var p WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("body: %v", err)
		}
		sent, err := time.Parse(time.RFC3339, p.SentAt)
		if err != nil || strconv.FormatInt(sent.Unix(), 10) != r.Header.Get(HeaderTimestamp) {
			t.Errorf("sent_at %q and timestamp header %q disagree", p.SentAt, r.Header.Get(HeaderTimestamp))
		}
		if r.Header.Get(HeaderDelivery) != p.DeliveryID || r.Header.Get(HeaderEvent) != p.Report.Event || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", r.Header)
		}
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if attempts <= 2 {
			w.WriteHeader(503)
			return
		}
		got = append(got, p)
	}))
	defer srv.Close()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	statePath := filepath.Join(t.TempDir(), "state.json")
	var clock *FakeClock
	wh, err := NewWebhookSink(srv.URL+"/hook?token=url-secret", secret, nil, func() time.Time { return clock.Now() }, "test")
	if err != nil {
		t.Fatal(err)
	}
	e, clock, _ := demoEngine(t, statePath, logger, wh)
	if err := e.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	deliverFor(e, clock, 10*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if attempts != 3 || len(got) != 1 {
		t.Fatalf("%d attempts, %d accepted; want 3 and 1", attempts, len(got))
	}
	p := got[0]
	if p.Attempt != 3 || p.Report == nil || p.Report.Event != EventOpened || p.Report.RootCause.Category != "ike.dpd_timeout" || !strings.HasSuffix(p.DeliveryID, "#1") {
		t.Fatalf("payload %+v", p)
	}
	if n := len(outbox(e)); n != 0 {
		t.Fatalf("%d deliveries left in the outbox", n)
	}
	state, _ := os.ReadFile(statePath)
	for _, where := range []string{logs.String(), string(state)} {
		if strings.Contains(where, string(secret)) || strings.Contains(where, "url-secret") {
			t.Fatalf("a secret leaked:\n%s", where)
		}
	}
	if !strings.Contains(logs.String(), "HTTP 503") {
		t.Fatalf("the failed attempts were not logged:\n%s", logs.String())
	}
}

// TestDeliveryFailureKeptAndSaid: a receiver that keeps failing makes the
// report count as undelivered after the fast retries: it is said (log and
// a stdout JSON line), kept in the state file across a restart, retried
// slowly, and delivered once the receiver is back. Detection goes on in
// the meantime.
func TestDeliveryFailureKeptAndSaid(t *testing.T) {
	var mu sync.Mutex
	up := false
	accepted := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !up {
			w.WriteHeader(500)
			io.WriteString(w, "database is down")
			return
		}
		accepted++
	}))
	defer srv.Close()
	secret := []byte("k")
	var clock *FakeClock
	now := func() time.Time { return clock.Now() }
	wh, _ := NewWebhookSink(srv.URL, secret, nil, now, "test")
	out := &syncBuffer{}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	statePath := filepath.Join(t.TempDir(), "state.json")
	e, clock, rp := demoEngine(t, statePath, logger, NewStdoutSink(out), wh)
	ctx := context.Background()
	if err := e.Step(ctx); err != nil {
		t.Fatal(err)
	}
	deliverFor(e, clock, 30*time.Second)
	ob := outbox(e)
	if len(ob) != 1 || !ob[0].Failed || ob[0].Attempts != 4 || !strings.Contains(ob[0].LastError, "HTTP 500") {
		t.Fatalf("outbox after the fast retries: %+v", ob)
	}
	if !strings.Contains(out.String(), `"type":"vpnlens.delivery_failed"`) || !strings.Contains(logs.String(), "could not deliver a report") {
		t.Fatalf("the failure was not said:\nstdout %s\nlog %s", out.String(), logs.String())
	}
	// Detection goes on: the recovery at 03:14 is reported to stdout.
	clock.Set(time.Date(2026, 6, 12, 3, 15, 0, 0, time.UTC))
	rp.until(clock.Now())
	if err := e.Step(ctx); err != nil {
		t.Fatal(err)
	}
	e.DeliverDue(ctx)
	if rs := reports(t, out.String()); len(rs) != 2 || rs[1].Event != EventRecovered {
		t.Fatalf("stdout reports: %+v", rs)
	}
	// A restart keeps the undelivered reports.
	st, _, err := LoadState(statePath, e.cfg.Feed.Describe())
	if err != nil || len(st.Outbox) != 2 || !st.Outbox[0].Failed {
		t.Fatalf("state outbox: %v %+v", err, st.Outbox)
	}
	feed, _ := source.NewLocalFeed(rp.dir, quietLogger())
	e2, err := New(Config{Feed: feed, Clock: clock, Logger: logger, StatePath: statePath, Sinks: []Sink{NewStdoutSink(out), wh}, Settle: -1,
		Delivery: DeliveryOptions{Backoff: time.Second, MaxBackoff: 4 * time.Second, MaxAttempts: 4, SlowRetry: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	up = true
	mu.Unlock()
	deliverFor(e2, clock, 11*time.Minute)
	mu.Lock()
	defer mu.Unlock()
	if accepted != 2 || len(outbox(e2)) != 0 {
		t.Fatalf("accepted %d, outbox %d: want both reports delivered late, in order", accepted, len(outbox(e2)))
	}
	if !strings.Contains(logs.String(), "has now been delivered") {
		t.Fatal("the late delivery was not said")
	}
}

// TestDeliveryNeverBlocksDetection: a sink that hangs does not hold up
// polling, reporting, or the other sinks.
func TestDeliveryNeverBlocksDetection(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "vpn-0abc1234_203.0.113.10-IKE.log")
	appendFile(t, name, ikeLine(1, ""))
	feed, _ := source.NewLocalFeed(dir, quietLogger())
	out := &syncBuffer{}
	hang := &hangingSink{release: make(chan struct{})}
	defer close(hang.release)
	// The records are dated 2026-06-12 and the clock is the system's: the
	// look-back must reach them, or a first poll that already sees the
	// drop (it may) lists it as history.
	e, err := New(Config{Feed: feed, Logger: quietLogger(), Sinks: []Sink{hang, NewStdoutSink(out)}, Interval: 20 * time.Millisecond, Settle: -1,
		Lookback: 100 * 365 * 24 * time.Hour, Delivery: DeliveryOptions{Timeout: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	// Two incidents, one after the other: a DPD timeout (phases down).
	down := func(sec int) string {
		return strings.Replace(strings.Replace(ikeLine(sec, "AWS tunnel DPD timed out after 3 retransmits"), `"ike_phase1_state":"established"`, `"ike_phase1_state":"down"`, 1),
			`"ike_phase2_state":"established"`, `"ike_phase2_state":"down"`, 1)
	}
	appendFile(t, name, down(10))
	waitFor(t, func() bool { return len(reports(t, out.String())) >= 1 })
	appendFile(t, name, ikeLine(20, ""))
	waitFor(t, func() bool { return len(reports(t, out.String())) >= 2 })
	cancel()
	<-done
	if hang.calls() != 1 {
		t.Fatalf("hanging sink called %d times, want 1 (still in its first call)", hang.calls())
	}
}

type hangingSink struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
}

func (h *hangingSink) Name() string { return "hang" }
func (h *hangingSink) Send(ctx context.Context, d *Delivery) error {
	h.mu.Lock()
	h.n++
	h.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-h.release:
		return nil
	}
}
func (h *hangingSink) calls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSlackPayload: the message is valid Block Kit (types, limits, text
// objects) and log text in it cannot ping a channel.
func TestSlackPayload(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	sl, err := NewSlackSink(srv.URL+"/services/T000/B000/XXXX", nil)
	if err != nil {
		t.Fatal(err)
	}
	e, clock, _ := demoEngine(t, "", nil, sl)
	if err := e.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	deliverFor(e, clock, time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d posts", len(bodies))
	}
	checkBlockKit(t, bodies[0])
	// Hostile log text.
	r := &Report{Title: "x", Severity: "critical", Event: EventOpened, Tunnel: "203.0.113.10"}
	r.RootCause.Category = "unknown"
	r.RootCause.Evidence = append(r.RootCause.Evidence, evidenceView("<!channel> ``` <https://evil.example|click> & co"))
	b, _ := json.Marshal(SlackMessage(r))
	checkBlockKit(t, b)
	if strings.Contains(string(b), "<!channel>") || strings.Contains(string(b), "<https://evil") {
		t.Fatalf("log text not escaped: %s", b)
	}
}

// checkBlockKit validates an incoming-webhook payload against the Block
// Kit rules the message uses.
func checkBlockKit(t *testing.T, body []byte) {
	t.Helper()
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Text == "" || len(msg.Blocks) == 0 || len(msg.Blocks) > 50 {
		t.Fatalf("text %q, %d blocks", msg.Text, len(msg.Blocks))
	}
	textObj := func(where string, v any, kind string, maxLen int) {
		o, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not a text object: %v", where, v)
		}
		typ, _ := o["type"].(string)
		txt, _ := o["text"].(string)
		if (kind != "" && typ != kind) || (typ != "plain_text" && typ != "mrkdwn") || txt == "" || len(txt) > maxLen {
			t.Fatalf("%s: text object %v (type %q, %d bytes, max %d)", where, o, typ, len(txt), maxLen)
		}
		if typ == "mrkdwn" && o["emoji"] != nil {
			t.Fatalf("%s: emoji is only for plain_text", where)
		}
		for k := range o {
			if k != "type" && k != "text" && k != "emoji" && k != "verbatim" {
				t.Fatalf("%s: unknown key %q", where, k)
			}
		}
	}
	for i, b := range msg.Blocks {
		where := "block " + strconv.Itoa(i)
		switch b["type"] {
		case "header":
			textObj(where, b["text"], "plain_text", 150)
		case "section":
			fields, _ := b["fields"].([]any)
			if b["text"] == nil && len(fields) == 0 {
				t.Fatalf("%s: section without text or fields", where)
			}
			if b["text"] != nil {
				textObj(where, b["text"], "", 3000)
			}
			if len(fields) > 10 {
				t.Fatalf("%s: %d fields", where, len(fields))
			}
			for _, f := range fields {
				textObj(where+" field", f, "", 2000)
			}
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				t.Fatalf("%s: %d context elements", where, len(els))
			}
			for _, el := range els {
				textObj(where+" element", el, "", 3000)
			}
		case "divider":
			if len(b) != 1 {
				t.Fatalf("%s: divider with extra keys %v", where, b)
			}
		default:
			t.Fatalf("%s: unexpected block type %v", where, b["type"])
		}
	}
}

// TestSNSPublish: the report reaches the fake SNS through the real SDK
// client: the subject is the title in ASCII, email subscribers get the
// text rendering, queues the JSON report, attributes for filter policies;
// throttling is retried; an unknown topic is given up at once.
func TestSNSPublish(t *testing.T) {
	fake := fakesns.New("eu-central-1")
	defer fake.Close()
	topic := fake.AddTopic("vpn-alerts")
	ctx := context.Background()
	sink, err := NewSNSSink(ctx, SNSSinkConfig{TopicARN: topic, Endpoint: fake.URL, Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	if err != nil {
		t.Fatal(err)
	}
	throttle := fake.AddFault(fakesns.Fault{Code: "Throttling", Times: 3})
	e, clock, _ := demoEngine(t, "", nil, sink)
	if err := e.Step(ctx); err != nil {
		t.Fatal(err)
	}
	deliverFor(e, clock, 20*time.Second)
	if fake.Fired(throttle) != 3 {
		t.Fatalf("throttling fired %d times", fake.Fired(throttle))
	}
	msgs := fake.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if !strings.HasPrefix(m.Subject, "[vpnlens critical] DOWN: vpn-0a1b2c3d4e5f60718") && !strings.HasPrefix(m.Subject, "[vpnlens error] DOWN: vpn-0a1b2c3d4e5f60718") {
		t.Fatalf("subject %q", m.Subject)
	}
	email := m.Body("email")
	for _, want := range []string{"Root cause: ike.dpd_timeout", "Evidence", "AWS tunnel DPD timed out", "Recommended actions", "diagnose_tunnel_drop", "Failover"} {
		if !strings.Contains(email, want) {
			t.Errorf("email body lacks %q:\n%s", want, email)
		}
	}
	if strings.HasPrefix(strings.TrimSpace(email), "{") {
		t.Fatal("email subscribers got JSON")
	}
	var r Report
	if err := json.Unmarshal([]byte(m.Body("sqs")), &r); err != nil || r.RootCause.Category != "ike.dpd_timeout" || r.Type != ReportType {
		t.Fatalf("sqs body: %v %+v", err, r)
	}
	if m.Attributes["severity"] != r.Severity || m.Attributes["event"] != EventOpened || m.Attributes["vpn_connection_id"] != "vpn-0a1b2c3d4e5f60718" {
		t.Fatalf("attributes %v", m.Attributes)
	}
	// FIFO topics: group and deduplication ids.
	fifo := fake.AddTopic("vpn-alerts.fifo")
	fs, _ := NewSNSSink(ctx, SNSSinkConfig{TopicARN: fifo, Endpoint: fake.URL, Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	if err := fs.Send(ctx, &Delivery{ID: "x#1", Report: &r}); err != nil {
		t.Fatal(err)
	}
	if last := fake.Messages()[1]; last.GroupID != r.VPNConnectionID || len(last.DedupID) != 64 {
		t.Fatalf("fifo message %+v", last)
	}
	// An unknown topic is a permanent failure.
	gone, _ := NewSNSSink(ctx, SNSSinkConfig{TopicARN: "arn:aws:sns:eu-central-1:111122223333:nope", Endpoint: fake.URL, Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	err = gone.Send(ctx, &Delivery{ID: "x#1", Report: &r})
	var perm *PermanentError
	if err == nil || !errorsAs(err, &perm) || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("unknown topic: %v", err)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func evidenceView(raw string) investigate.EvidenceView {
	return investigate.EvidenceView{At: "2026-06-12T03:10:07Z", Category: "unknown", Stream: "vpn-0abc_203.0.113.10-IKE", Raw: raw}
}
