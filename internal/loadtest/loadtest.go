// Package loadtest drives a vpnlens HTTP server with many concurrent MCP
// sessions, each a real streamable HTTP client (mcp-go's), and reports
// latency percentiles and errors. Runs are bounded in calls and in time.
package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Call is one tool call the load repeats, with an optional check of the
// answer (a wrong answer under load counts as an error).
type Call struct {
	Name  string // label in the report
	Tool  string
	Args  map[string]any
	Check func(structured []byte) error
}

// Config bounds a run.
type Config struct {
	URL             string // MCP endpoint, e.g. http://127.0.0.1:8080/mcp
	Sessions        int    // concurrent sessions
	CallsPerSession int
	Calls           []Call // each session walks them round-robin from its own offset
	// Timeout bounds the whole run; calls still running then are errors.
	Timeout time.Duration
	// Token, when set, is sent as a bearer token on every request
	// (DELETE included, which mcp-go's header option would miss).
	Token      string
	HTTPClient *http.Client // nil: a client with its own connection pool
}

// Latency summarises call durations.
type Latency struct {
	Count              int
	P50, P90, P99, Max time.Duration
}

func (l Latency) String() string {
	return fmt.Sprintf("n=%d p50=%s p90=%s p99=%s max=%s", l.Count, round(l.P50), round(l.P90), round(l.P99), round(l.Max))
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// Report is what a run measured.
type Report struct {
	Sessions     int
	Calls        int // tool calls attempted
	Errors       int // failed sessions, protocol errors, isError results, wrong answers
	ErrorSamples []string
	All          Latency
	PerTool      map[string]Latency
	Connect      Latency // start + initialize per session
	Wall         time.Duration
}

// CallsPerSecond is the throughput over the whole run.
func (r Report) CallsPerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Wall.Seconds()
}

func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d sessions, %d calls in %s (%.0f calls/s), %d errors\n", r.Sessions, r.Calls, round(r.Wall), r.CallsPerSecond(), r.Errors)
	fmt.Fprintf(&b, "  all calls: %s\n", r.All)
	names := make([]string, 0, len(r.PerTool))
	for n := range r.PerTool {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %s: %s\n", n, r.PerTool[n])
	}
	fmt.Fprintf(&b, "  session setup: %s\n", r.Connect)
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(&b, "  error: %s\n", e)
	}
	return b.String()
}

type sample struct {
	name string
	d    time.Duration
}

type collector struct {
	mu      sync.Mutex
	samples []sample
	connect []time.Duration
	errors  int
	errs    []string
	calls   int
}

func (c *collector) fail(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors++
	if len(c.errs) < 10 {
		c.errs = append(c.errs, fmt.Sprintf(format, a...))
	}
}

// Run executes the load and reports. It returns an error only for a bad
// configuration; everything that goes wrong under load is in the report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.URL == "" || cfg.Sessions < 1 || cfg.CallsPerSession < 0 || len(cfg.Calls) == 0 {
		return Report{}, errors.New("loadtest: URL, Sessions >= 1 and Calls are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Sessions * 2
		defer tr.CloseIdleConnections()
		hc = &http.Client{Transport: tr}
	}
	if cfg.Token != "" {
		hc = &http.Client{Transport: bearer{token: cfg.Token, next: transportOf(hc)}, Timeout: hc.Timeout}
	}

	col := &collector{}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range cfg.Sessions {
		wg.Go(func() { session(ctx, cfg, hc, i, col) })
	}
	wg.Wait()
	wall := time.Since(start)

	rep := Report{Sessions: cfg.Sessions, Calls: col.calls, Errors: col.errors, ErrorSamples: col.errs, Wall: wall, PerTool: map[string]Latency{}}
	var all []time.Duration
	by := map[string][]time.Duration{}
	for _, s := range col.samples {
		all = append(all, s.d)
		by[s.name] = append(by[s.name], s.d)
	}
	rep.All = summarize(all)
	for n, ds := range by {
		rep.PerTool[n] = summarize(ds)
	}
	rep.Connect = summarize(col.connect)
	return rep, nil
}

func session(ctx context.Context, cfg Config, hc *http.Client, idx int, col *collector) {
	quiet := slog.New(slog.DiscardHandler)
	t0 := time.Now()
	c, err := client.NewStreamableHttpClient(cfg.URL, transport.WithHTTPBasicClient(hc), transport.WithHTTPLogger(quiet))
	if err != nil {
		col.fail("session %d: client: %v", idx, err)
		return
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		col.fail("session %d: start: %v", idx, err)
		return
	}
	var ir mcp.InitializeRequest
	// The session-based protocol revision: the one that makes sessions,
	// which is what a session load is about.
	ir.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	ir.Params.ClientInfo = mcp.Implementation{Name: "vpnlens-loadtest", Version: "0"}
	if _, err := c.Initialize(ctx, ir); err != nil {
		col.fail("session %d: initialize: %v", idx, err)
		return
	}
	connect := time.Since(t0)
	col.mu.Lock()
	col.connect = append(col.connect, connect)
	col.mu.Unlock()

	for j := range cfg.CallsPerSession {
		call := cfg.Calls[(idx+j)%len(cfg.Calls)]
		name := call.Name
		if name == "" {
			name = call.Tool
		}
		col.mu.Lock()
		col.calls++
		col.mu.Unlock()
		t := time.Now()
		res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: call.Tool, Arguments: call.Args}})
		d := time.Since(t)
		switch {
		case err != nil:
			col.fail("session %d call %d %s: %v", idx, j, name, err)
			continue
		case res.IsError:
			col.fail("session %d call %d %s: isError: %s", idx, j, name, text(res))
			continue
		}
		if call.Check != nil {
			b, err := json.Marshal(res.StructuredContent)
			if err == nil {
				err = call.Check(b)
			}
			if err != nil {
				col.fail("session %d call %d %s: wrong answer: %v", idx, j, name, err)
				continue
			}
		}
		col.mu.Lock()
		col.samples = append(col.samples, sample{name, d})
		col.mu.Unlock()
	}
}

func text(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			return tc.Text
		}
	}
	return ""
}

func summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.5) - 1
		return s[max(0, min(len(s)-1, i))]
	}
	return Latency{Count: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: s[len(s)-1]}
}

// bearer adds the token to every request, including the DELETE that ends a
// session (mcp-go's WithHTTPHeaders does not reach that one).
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func transportOf(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

// DemoCalls builds the load's calls from the demo's labelled incidents
// (testdata/demo/expected.json): diagnose_tunnel_drop at each question time,
// checked against the labelled root cause, and get_vpn_timeline over the
// two hours around it.
func DemoCalls(expectedJSON io.Reader) ([]Call, error) {
	var incidents []struct {
		VPN        string `json:"vpn_connection_id"`
		Tunnel     int    `json:"tunnel"`
		QuestionAt string `json:"question_at"`
		RootCause  string `json:"root_cause"`
	}
	if err := json.NewDecoder(expectedJSON).Decode(&incidents); err != nil {
		return nil, fmt.Errorf("expected.json: %w", err)
	}
	var calls []Call
	for _, in := range incidents {
		at, err := time.Parse(time.RFC3339, in.QuestionAt)
		if err != nil {
			return nil, fmt.Errorf("expected.json: question_at %q: %w", in.QuestionAt, err)
		}
		want := in.RootCause
		calls = append(calls, Call{
			Name: "diagnose_tunnel_drop",
			Tool: "diagnose_tunnel_drop",
			Args: map[string]any{"vpn_connection_id": in.VPN, "tunnel": fmt.Sprint(in.Tunnel), "at": in.QuestionAt},
			Check: func(b []byte) error {
				var got struct {
					RootCause struct {
						Category string `json:"category"`
					} `json:"root_cause"`
				}
				if err := json.Unmarshal(b, &got); err != nil {
					return err
				}
				if got.RootCause.Category != want {
					return fmt.Errorf("root cause %q, want %q", got.RootCause.Category, want)
				}
				return nil
			},
		}, Call{
			Name: "get_vpn_timeline",
			Tool: "get_vpn_timeline",
			Args: map[string]any{"vpn_connection_id": in.VPN,
				"start": at.Add(-time.Hour).Format(time.RFC3339), "end": at.Add(time.Hour).Format(time.RFC3339)},
			Check: func(b []byte) error {
				var got struct {
					Entries []json.RawMessage `json:"entries"`
				}
				if err := json.Unmarshal(b, &got); err != nil {
					return err
				}
				if len(got.Entries) == 0 {
					return errors.New("empty timeline")
				}
				return nil
			},
		})
	}
	if len(calls) == 0 {
		return nil, errors.New("expected.json: no incidents")
	}
	return calls, nil
}
