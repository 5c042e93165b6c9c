// Package fakeaws is an in-process stand-in for the two AWS APIs vpnlens
// reads: CloudWatch Logs (awsJson1_1, dispatched on X-Amz-Target) and EC2's
// DescribeVpnConnections (the ec2 query protocol: a form in, XML out). The
// real SDK clients talk to it through BaseEndpoint, so the source code under
// test is the code that runs against AWS.
//
// It serves a --logs-dir style directory (one file per stream, plus
// vpn-connections.json), honours time ranges, stream names, the filter
// pattern and Logs Insights subsets vpnlens uses, and pagination; and it can
// inject latency, throttling at a set rate per operation, server errors,
// AccessDenied and failures in the middle of a pagination. Every request is
// recorded so tests can count calls and check that only the operations in
// docs/iam-policy.json were used.
package fakeaws

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options shape the fake's behaviour.
type Options struct {
	// Latency is added to every request before it is answered (per
	// operation in OpLatency, which wins).
	Latency   time.Duration
	OpLatency map[string]time.Duration
	// PageSize caps events per FilterLogEvents / GetLogEvents page and
	// streams per DescribeLogStreams page (0 = AWS's defaults: 10,000 / 50).
	PageSize int
	// Throttle is a rate per operation (requests per second) above which
	// requests get ThrottlingException (EC2: RequestLimitExceeded). The
	// bucket holds one second's worth of requests.
	Throttle map[string]float64
	// QueryDuration is how long a Logs Insights query stays Running.
	QueryDuration time.Duration
	// MaxQueryRows caps rows per Insights query (0 = 10,000, AWS's default).
	MaxQueryRows int
	// Region is used in ARNs and signing checks (default eu-central-1).
	Region string
	// Account is the account id in ARNs and GetCallerIdentity (default
	// 111122223333).
	Account string
	// AccessKeyID, when set, is the only key the fake accepts: a request
	// must be signed (SigV4) with it for Region, or it gets 403 as AWS
	// answers an unknown key (UnrecognizedClientException; EC2:
	// AuthFailure). Every call records its signer either way.
	AccessKeyID string
}

// Fault is an injected error. It fires for matching requests: Op ("" = any
// operation), after skipping the first After matches, Times times (0 =
// always). OnlyPaged restricts it to requests carrying a pagination token
// (a failure mid-pagination).
type Fault struct {
	Op        string
	Code      string // e.g. AccessDeniedException, ServiceUnavailableException, UnauthorizedOperation
	Status    int    // HTTP status (default 400)
	Message   string
	After     int
	Times     int
	OnlyPaged bool
	// Stream restricts the fault to requests naming this log stream
	// (logStreamNames), so one stream can fail while the others answer.
	Stream string
	// Kind is what the fault does; the zero value answers with the error
	// Code/Status/Message. The other kinds answer the request and spoil
	// the answer (Code and Status are ignored).
	Kind FaultKind
	// Delay is how long a FaultSlow request waits before it is answered
	// (it gives up early when the client goes away).
	Delay time.Duration

	seen, fired int
}

// FaultKind says what an injected fault does to a request.
type FaultKind string

const (
	FaultError FaultKind = "" // an AWS error answer (Code, Status, Message)
	// FaultTruncated answers 200 with the body cut off halfway, as a
	// connection dropped mid-response would leave it.
	FaultTruncated FaultKind = "truncated"
	// FaultInvalidJSON answers 200 with a body that is not JSON (EC2: not
	// XML), as a proxy's error page would.
	FaultInvalidJSON FaultKind = "invalid-json"
	// FaultSlow answers after Delay, beyond a client's timeout.
	FaultSlow FaultKind = "slow"
	// On StartQuery: the query starts, then GetQueryResults reports it
	// Failed, Timeout, or Running forever.
	FaultQueryFailed  FaultKind = "query-failed"
	FaultQueryTimeout FaultKind = "query-timeout"
	FaultQueryStuck   FaultKind = "query-stuck"
)

// spoil is what a non-error fault does to one answer.
type spoil struct {
	kind  FaultKind
	delay time.Duration
}

// Call is one recorded request.
type Call struct {
	Op     string
	At     time.Time
	Status int
	Code   string // error code when Status is not 200
	Paged  bool   // carried a pagination token
	// Start and End are the request's startTime/endTime (ms for
	// FilterLogEvents and GetLogEvents, seconds for StartQuery).
	Start, End int64
	Streams    []string // logStreamNames
	// AccessKeyID and SigningRegion come from the request's SigV4
	// Authorization header (Credential=KEY/DATE/REGION/SERVICE/aws4_request);
	// empty when it was not signed.
	AccessKeyID, SigningRegion string
	// Account is the account the request was served for (an Estate's
	// member, or the fake's own Options.Account).
	Account string
}

// Server is the fake. Create it with New and close it with Close.
type Server struct {
	*httptest.Server
	opt Options

	mu       sync.Mutex
	calls    []Call
	faults   []*Fault
	buckets  map[string]*bucket
	groups   map[string]*logGroup
	conns    []VpnConnection
	metrics  []MetricSeries
	trail    []TrailEvent
	maint    map[string]TunnelMaintenance  // by vpn id + "/" + tunnel IP
	active   map[string]TunnelActiveStatus // by vpn id + "/" + tunnel IP
	deliv    deliveryData
	queries  map[string]*query
	querySeq int
	// running counts the Insights queries still computing in the
	// background, so that Close returns only once none is left.
	running sync.WaitGroup
}

// New starts a fake with no data; load data with LoadDir or Add*.
func New(opt Options) *Server {
	s := newServer(opt)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// newServer is a fake without a listener of its own (an Estate's member,
// served through the estate's).
func newServer(opt Options) *Server {
	if opt.Region == "" {
		opt.Region = "eu-central-1"
	}
	if opt.Account == "" {
		opt.Account = DefaultAccount
	}
	return &Server{opt: opt, buckets: map[string]*bucket{}, groups: map[string]*logGroup{}, queries: map[string]*query{}}
}

// DefaultAccount is the account id of a fake without Options.Account.
const DefaultAccount = "111122223333"

// Close stops the server and waits for the Insights queries it started
// to finish computing (a query outlives its StartQuery request, as in AWS,
// but not the fake).
func (s *Server) Close() {
	if s.Server != nil {
		s.Server.Close()
	}
	s.running.Wait()
}

// Region is the region the fake pretends to be.
func (s *Server) Region() string { return s.opt.Region }

// Account is the account id the fake pretends to be.
func (s *Server) Account() string { return s.opt.Account }

// SetOptions replaces latency, paging, throttling and query settings.
func (s *Server) SetOptions(f func(*Options)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.opt)
	s.buckets = map[string]*bucket{}
}

// AddFault injects an error; it returns the fault so tests can see how
// often it fired.
func (s *Server) AddFault(f Fault) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Status == 0 {
		f.Status = 400
	}
	if f.Message == "" {
		f.Message = "injected " + f.Code
	}
	ff := f
	s.faults = append(s.faults, &ff)
	return &ff
}

// Deny makes every call of op fail with AWS's access-denied error for it.
func (s *Server) Deny(op string) {
	code, status := "AccessDeniedException", 400
	switch {
	case isEC2(op):
		code, status = "UnauthorizedOperation", 403
	case isSTS(op):
		code, status = "AccessDenied", 403
	}
	s.AddFault(Fault{Op: op, Code: code, Status: status,
		Message: fmt.Sprintf("User: arn:aws:iam::%s:user/test is not authorized to perform: %s on resource: *", s.opt.Account, iamAction(op))})
}

// Fired reports how often the fault fired.
func (s *Server) Fired(f *Fault) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.fired
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func iamAction(op string) string {
	switch op {
	case "DescribeVpnConnections", "DescribeRegions", "GetVpnTunnelReplacementStatus", "GetActiveVpnTunnelStatus":
		return "ec2:" + op
	case "AssumeRole", "GetCallerIdentity":
		return "sts:" + op
	case "GetMetricData":
		return "cloudwatch:" + op
	case "LookupEvents":
		return "cloudtrail:" + op
	}
	return "logs:" + op
}

// isEC2 reports an operation of the EC2 query protocol (XML errors, EC2's
// error codes).
func isEC2(op string) bool {
	return op == "DescribeVpnConnections" || op == "DescribeRegions" || op == "GetVpnTunnelReplacementStatus" || op == "GetActiveVpnTunnelStatus"
}

// Calls returns every recorded request.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Counts returns requests per operation (throttled and failed ones included).
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, c := range s.calls {
		out[c.Op]++
	}
	return out
}

// Total is the number of recorded requests.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// Operations lists the distinct operations called, as IAM actions
// ("logs:FilterLogEvents", "ec2:DescribeVpnConnections"), sorted.
func (s *Server) Operations() []string {
	seen := map[string]bool{}
	for _, c := range s.Calls() {
		seen[iamAction(c.Op)] = true
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// ResetCalls forgets the recorded requests.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// apiError is an error answer in the wire format of the protocol at hand.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, a...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, ok := readPost(w, r)
	if !ok {
		return
	}
	ctx := context.WithValue(r.Context(), signerKey{}, parseSigner(r.Header.Get("Authorization")))
	s.handle(ctx, w, r, body)
}

// readPost reads a request's body; it answers the request itself (false)
// when it is not a POST or cannot be read.
func readPost(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// handle answers one request: CloudWatch metrics (Smithy RPC v2 CBOR,
// dispatched on the path), CloudWatch Logs (awsJson1_1, dispatched on
// X-Amz-Target), STS and EC2 (query protocol, dispatched on Action).
func (s *Server) handle(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) {
	h := r.Header
	if op, ok := cborOperation(r); ok {
		s.serveMetrics(ctx, w, op, body)
		return
	}
	if op, ok := trailOperation(h.Get("X-Amz-Target")); ok {
		s.serveTrail(ctx, w, op, body)
		return
	}
	if target := h.Get("X-Amz-Target"); target != "" {
		op, ok := strings.CutPrefix(target, "Logs_20140328.")
		if !ok {
			writeJSONError(w, errorf(400, "UnknownOperationException", "unknown target %s", target))
			return
		}
		s.serveLogs(ctx, w, op, body)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if isSTS(form.Get("Action")) {
		s.serveSTS(ctx, w, form)
		return
	}
	s.serveEC2(ctx, w, form)
}

// admit applies latency, throttling and faults to one request and records
// it. A non-nil error is the answer to send instead of the operation's; sp
// says how to spoil the operation's answer (FaultSlow has already waited).
func (s *Server) admit(ctx context.Context, op string, call Call) (fail *apiError, sp spoil) {
	return s.admitAs(ctx, op, call, nil)
}

// admitAs is admit for a request whose answer is already decided to be
// refusal (credentials refused, a role denied), when nothing else fails it
// first: it is recorded and returned like an injected error.
func (s *Server) admitAs(ctx context.Context, op string, call Call, refusal *apiError) (fail *apiError, sp spoil) {
	s.mu.Lock()
	lat := s.opt.Latency
	if l, ok := s.opt.OpLatency[op]; ok {
		lat = l
	}
	s.mu.Unlock()
	if lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	defer func() {
		if sp.kind == FaultSlow && sp.delay > 0 {
			t := time.NewTimer(sp.delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	call.Op, call.At, call.Status = op, time.Now(), 200
	sig, _ := ctx.Value(signerKey{}).(signer)
	call.AccessKeyID, call.SigningRegion = sig.accessKeyID, sig.region
	call.Account = s.opt.Account
	if a, ok := ctx.Value(accountKey{}).(string); ok {
		call.Account = a // an estate-wide call, for the caller's account
	}
	paged := call.Paged
	if want := s.opt.AccessKeyID; want != "" {
		ec2 := isEC2(op)
		switch {
		case sig.accessKeyID != want && ec2:
			fail = errorf(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
		case sig.accessKeyID != want:
			fail = errorf(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
		case sig.region != s.opt.Region && ec2:
			fail = errorf(401, "AuthFailure", "Credential should be scoped to a valid region, not '%s'.", sig.region)
		case sig.region != s.opt.Region:
			fail = errorf(400, "InvalidSignatureException", "Credential should be scoped to a valid region, not '%s'.", sig.region)
		}
	}
	if tps, ok := s.opt.Throttle[op]; ok && tps > 0 && fail == nil {
		b := s.buckets[op]
		if b == nil {
			b = newBucket(tps)
			s.buckets[op] = b
		}
		if !b.take(call.At) {
			if isEC2(op) {
				fail = errorf(503, "RequestLimitExceeded", "Request limit exceeded.")
			} else {
				fail = errorf(400, "ThrottlingException", "Rate exceeded")
			}
		}
	}
	if fail == nil {
		for _, f := range s.faults {
			if f.Op != "" && f.Op != op || f.OnlyPaged && !paged || f.Stream != "" && !slices.Contains(call.Streams, f.Stream) {
				continue
			}
			f.seen++
			if f.seen <= f.After || f.Times > 0 && f.fired >= f.Times {
				continue
			}
			f.fired++
			if f.Kind != FaultError {
				sp = spoil{kind: f.Kind, delay: f.Delay}
				call.Code = string(f.Kind)
				break
			}
			fail = errorf(f.Status, f.Code, "%s", f.Message)
			break
		}
	}
	if fail == nil && refusal != nil {
		fail, sp = refusal, spoil{}
	}
	if fail != nil {
		call.Status, call.Code = fail.status, fail.code
	}
	s.calls = append(s.calls, call)
	return fail, sp
}

// signer is who signed a request: the access key and region of its SigV4
// credential scope.
type signer struct{ accessKeyID, region string }

type signerKey struct{}

// parseSigner reads "AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/
// aws4_request, SignedHeaders=..., Signature=..." (the zero signer when
// the header is missing or has another form).
func parseSigner(auth string) signer {
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return signer{}
	}
	for _, part := range strings.Split(rest, ",") {
		scope, ok := strings.CutPrefix(strings.TrimSpace(part), "Credential=")
		if !ok {
			continue
		}
		f := strings.Split(scope, "/")
		if len(f) != 5 {
			return signer{}
		}
		return signer{accessKeyID: f[0], region: f[2]}
	}
	return signer{}
}

// writeSpoiled writes body (a correct answer) as sp spoils it.
func writeSpoiled(w http.ResponseWriter, contentType string, body []byte, sp spoil) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-RequestId", "fake-request")
	switch sp.kind {
	case FaultTruncated:
		body = body[:len(body)/2]
	case FaultInvalidJSON:
		body = []byte("<html><body>502 Bad Gateway</body></html> {not json")
	}
	w.Write(body)
}

// bucket is a token bucket refilled at rate per second, holding at most
// one second's worth.
type bucket struct {
	rate, tokens, max float64
	last              time.Time
}

func newBucket(rate float64) *bucket {
	m := max(rate, 1)
	return &bucket{rate: rate, tokens: m, max: m}
}

func (b *bucket) take(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens = min(b.max, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func writeJSON(w http.ResponseWriter, v any, sp spoil) {
	body, _ := json.Marshal(v)
	writeSpoiled(w, "application/x-amz-json-1.1", append(body, '\n'), sp)
}

func writeJSONError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "fake-request")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.logs#" + e.code, "message": e.message})
}
