// Package fakes3 is an in-process Amazon S3 for the real SDK client to
// talk to: the REST API's path-style requests (BaseEndpoint, UsePathStyle)
// for the three read operations vpnlens makes, ListObjectsV2 (prefix,
// delimiter, start-after, max-keys up to 1000, continuation tokens,
// encoding-type=url), GetObject (Range: 206 with Content-Range, 416;
// If-Match: 412) and HeadObject, with S3's XML error documents
// (NoSuchBucket, NoSuchKey, AccessDenied, InvalidObjectState,
// AuthorizationHeaderMalformed for a request signed for another region).
// Every request is recorded, so tests count GETs and check that nothing
// but those three operations was called; any other method is refused and
// recorded too.
package fakes3

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options shape the fake's behaviour.
type Options struct {
	// Region is the region buckets are in unless PutBucket says another
	// (default eu-central-1). A request signed for another region gets
	// AuthorizationHeaderMalformed naming the bucket's, as S3 answers.
	Region string
	// Latency is added to every request.
	Latency time.Duration
	// Listen is the address to serve on ("" = a free loopback port).
	Listen string
}

// Call is one recorded request.
type Call struct {
	Op     string // ListObjectsV2, GetObject, HeadObject, or METHOD for anything else
	Bucket string
	Key    string
	Range  string // the Range header of a GetObject
	Prefix string // of a ListObjectsV2
	Status int
	Code   string // the error code of a failed request
}

// Object is one stored object.
type Object struct {
	Data         []byte
	LastModified time.Time
	// StorageClass is listed; GLACIER and DEEP_ARCHIVE objects cannot be
	// read (InvalidObjectState), as in S3 before a restore.
	StorageClass string
	etag         string
}

type bucket struct {
	region  string
	objects map[string]*Object
}

// denial is an injected AccessDenied.
type denial struct {
	op, bucket, key string // "" matches any
}

// Server is the fake. Create it with New and close it with Close.
type Server struct {
	*httptest.Server
	opt Options

	mu       sync.Mutex
	buckets  map[string]*bucket
	calls    []*Call
	denials  []denial
	truncate map[string]*cut // bucket/key → how GetObject bodies are cut
	served   int64           // body bytes sent by GetObject
}

// cut drops GetObject bodies of a key after n bytes, times times (0 = always).
type cut struct{ n, times, fired int }

// New starts a fake with no buckets.
func New(opt Options) *Server {
	if opt.Region == "" {
		opt.Region = "eu-central-1"
	}
	s := &Server{opt: opt, buckets: map[string]*bucket{}, truncate: map[string]*cut{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if opt.Listen != "" {
		l, err := net.Listen("tcp", opt.Listen)
		if err != nil {
			panic(fmt.Sprintf("fakes3: listen on %s: %v", opt.Listen, err))
		}
		s.Server.Listener.Close()
		s.Server.Listener = l
	}
	s.Server.Start()
	return s
}

// Region is the region buckets are in by default.
func (s *Server) Region() string { return s.opt.Region }

// PutBucket creates a bucket (region "" is the fake's own), or moves one.
func (s *Server) PutBucket(name, region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[name]; b != nil {
		if region != "" {
			b.region = region
		}
		return
	}
	if region == "" {
		region = s.opt.Region
	}
	s.buckets[name] = &bucket{region: region, objects: map[string]*Object{}}
}

// Put stores an object (creating the bucket), its ETag the MD5 of the
// data as S3 gives for a single-part upload. A zero LastModified is a
// fixed time.
func (s *Server) Put(bucketName, key string, data []byte, lastModified time.Time) {
	s.PutObject(bucketName, key, &Object{Data: data, LastModified: lastModified})
}

// PutObject stores an object with its storage class.
func (s *Server) PutObject(bucketName, key string, o *Object) {
	s.PutBucket(bucketName, "")
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.LastModified.IsZero() {
		o.LastModified = time.Date(2026, 6, 13, 1, 0, 0, 0, time.UTC)
	}
	o.LastModified = o.LastModified.UTC().Truncate(time.Second)
	if o.StorageClass == "" {
		o.StorageClass = "STANDARD"
	}
	sum := md5.Sum(o.Data)
	o.etag = `"` + hex.EncodeToString(sum[:]) + `"`
	s.buckets[bucketName].objects[key] = o
}

// Delete removes an object (as another writer would between a listing and
// a read).
func (s *Server) Delete(bucketName, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[bucketName]; b != nil {
		delete(b.objects, key)
	}
}

// Deny answers AccessDenied to op ("ListObjectsV2", "GetObject",
// "HeadObject") on a bucket and key ("" = any), as S3 does to a principal
// without s3:ListBucket or s3:GetObject there.
func (s *Server) Deny(op, bucketName, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denials = append(s.denials, denial{op, bucketName, key})
}

// Truncate cuts the body of the next times GetObjects of a key (0 =
// every one) after n bytes, as a connection that drops mid-response
// leaves it.
func (s *Server) Truncate(bucketName, key string, n, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.truncate[bucketName+"/"+key] = &cut{n: n, times: times}
}

// Calls returns every recorded request.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = *c
	}
	return out
}

// Count is the number of requests of one operation.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Op == op {
			n++
		}
	}
	return n
}

// Operations lists the distinct operations called, sorted.
func (s *Server) Operations() []string {
	seen := map[string]bool{}
	for _, c := range s.Calls() {
		seen[c.Op] = true
	}
	out := make([]string, 0, len(seen))
	for op := range seen {
		out = append(out, op)
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

// s3Error is an error answer: S3's XML document (no body for HEAD).
type s3Error struct {
	status  int
	code    string
	message string
	extra   [][2]string // more elements, e.g. BucketName, Key, Region
	header  [][2]string
}

// record keeps a request as it starts, before any byte of the answer is
// sent: a client that has read its answer finds it recorded. The answer's
// status is filled in when it is known.
func (s *Server) record(c *Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opt.Latency > 0 {
		select {
		case <-time.After(s.opt.Latency):
		case <-r.Context().Done():
		}
	}
	if strings.HasPrefix(r.URL.Path, "/_fakes3/") {
		s.admin(w, r)
		return
	}
	w.Header().Set("x-amz-request-id", strconv.FormatInt(time.Now().UnixNano(), 36))
	bucketName, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	call := &Call{Bucket: bucketName, Key: key, Status: 200}
	switch {
	case r.Method == http.MethodGet && key == "" && q.Get("list-type") == "2":
		call.Op, call.Prefix = "ListObjectsV2", q.Get("prefix")
	case r.Method == http.MethodGet && key != "":
		call.Op, call.Range = "GetObject", r.Header.Get("Range")
	case r.Method == http.MethodHead && key != "":
		call.Op = "HeadObject"
	default:
		call.Op = r.Method
	}
	s.record(call)
	var e *s3Error
	switch call.Op {
	case "ListObjectsV2":
		e = s.list(w, r, bucketName)
	case "GetObject", "HeadObject":
		e = s.object(w, r, bucketName, key, call.Op == "HeadObject")
	default:
		e = &s3Error{status: 405, code: "MethodNotAllowed", message: "The specified method is not allowed against this resource (the fake serves reads only)."}
	}
	if e != nil {
		s.mu.Lock()
		call.Status, call.Code = e.status, e.code
		s.mu.Unlock()
		for _, h := range e.header {
			w.Header().Set(h[0], h[1])
		}
		if r.Method == http.MethodHead {
			w.WriteHeader(e.status)
		} else {
			writeError(w, e)
		}
	}
}

// check applies the signature region, bucket existence and denials.
func (s *Server) check(r *http.Request, op, bucketName, key string) (*bucket, *s3Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") {
		return nil, &s3Error{status: 403, code: "AccessDenied", message: "Anonymous users cannot read this bucket (the request was not signed with SigV4)."}
	}
	b := s.buckets[bucketName]
	if b == nil {
		return nil, &s3Error{status: 404, code: "NoSuchBucket", message: "The specified bucket does not exist", extra: [][2]string{{"BucketName", bucketName}}}
	}
	// Credential=AKID/20260613/eu-central-1/s3/aws4_request
	cred := strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 Credential=")
	if parts := strings.Split(strings.SplitN(cred, ",", 2)[0], "/"); len(parts) >= 4 && parts[2] != b.region {
		return nil, &s3Error{status: 400, code: "AuthorizationHeaderMalformed",
			message: fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", parts[2], b.region),
			extra:   [][2]string{{"Region", b.region}}, header: [][2]string{{"x-amz-bucket-region", b.region}}}
	}
	for _, d := range s.denials {
		if (d.op == "" || d.op == op) && (d.bucket == "" || d.bucket == bucketName) && (d.key == "" || d.key == key) {
			return nil, &s3Error{status: 403, code: "AccessDenied", message: "Access Denied"}
		}
	}
	return b, nil
}

type listResult struct {
	XMLName               xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	MaxKeys               int            `xml:"MaxKeys"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Contents              []listContent  `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

type listContent struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int    `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// list answers ListObjectsV2: keys in UTF-8 binary order after the
// continuation token (or start-after), folded into common prefixes at the
// delimiter, max-keys (≤ 1000) entries per page.
func (s *Server) list(w http.ResponseWriter, r *http.Request, bucketName string) *s3Error {
	b, e := s.check(r, "ListObjectsV2", bucketName, "")
	if e != nil {
		return e
	}
	q := r.URL.Query()
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	maxKeys := 1000
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return &s3Error{status: 400, code: "InvalidArgument", message: "Provided max-keys not an integer or within integer range", extra: [][2]string{{"ArgumentName", "max-keys"}, {"ArgumentValue", v}}}
		}
		maxKeys = min(n, 1000)
	}
	after := q.Get("start-after")
	token := q.Get("continuation-token")
	if token != "" {
		raw, err := base64.StdEncoding.DecodeString(token)
		if err != nil || !strings.HasPrefix(string(raw), "fake:") {
			return &s3Error{status: 400, code: "InvalidArgument", message: "The continuation token provided is incorrect", extra: [][2]string{{"ArgumentName", "continuation-token"}}}
		}
		after = strings.TrimPrefix(string(raw), "fake:")
	}
	s.mu.Lock()
	keys := make([]string, 0, len(b.objects))
	objs := map[string]Object{}
	for k, o := range b.objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
			objs[k] = *o
		}
	}
	s.mu.Unlock()
	sort.Strings(keys)
	res := listResult{Name: bucketName, Prefix: prefix, Delimiter: delim, StartAfter: q.Get("start-after"), ContinuationToken: token, MaxKeys: maxKeys}
	enc := func(v string) string { return v }
	if q.Get("encoding-type") == "url" {
		res.EncodingType = "url"
		enc = func(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }
	}
	seenPrefix := map[string]bool{}
	last := ""
	for _, k := range keys {
		if k <= after {
			continue
		}
		entry := k
		isPrefix := false
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				entry, isPrefix = k[:len(prefix)+i+len(delim)], true
				if seenPrefix[entry] || entry <= after {
					continue
				}
			}
		}
		if res.KeyCount == maxKeys {
			res.IsTruncated = true
			break
		}
		res.KeyCount++
		if isPrefix {
			seenPrefix[entry] = true
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: enc(entry)})
			// Every key under the prefix is passed over with it.
			last = entry + "\xff"
			continue
		}
		o := objs[k]
		res.Contents = append(res.Contents, listContent{Key: enc(k), LastModified: o.LastModified.Format("2006-01-02T15:04:05.000Z"), ETag: o.etag, Size: len(o.Data), StorageClass: o.StorageClass})
		last = k
	}
	if res.IsTruncated {
		res.NextContinuationToken = base64.StdEncoding.EncodeToString([]byte("fake:" + last))
	}
	w.Header().Set("Content-Type", "application/xml")
	io.WriteString(w, xml.Header)
	return writeXML(w, res)
}

// object answers GetObject and HeadObject.
func (s *Server) object(w http.ResponseWriter, r *http.Request, bucketName, key string, head bool) *s3Error {
	op := "GetObject"
	if head {
		op = "HeadObject"
	}
	b, e := s.check(r, op, bucketName, key)
	if e != nil {
		return e
	}
	s.mu.Lock()
	o, ok := b.objects[key]
	var obj Object
	if ok {
		obj = *o
	}
	cutAt := -1
	if c := s.truncate[bucketName+"/"+key]; c != nil && !head && (c.times == 0 || c.fired < c.times) {
		c.fired++
		cutAt = c.n
	}
	s.mu.Unlock()
	if !ok {
		return &s3Error{status: 404, code: "NoSuchKey", message: "The specified key does not exist.", extra: [][2]string{{"Key", key}}}
	}
	if !head && (obj.StorageClass == "GLACIER" || obj.StorageClass == "DEEP_ARCHIVE") {
		return &s3Error{status: 403, code: "InvalidObjectState", message: "The operation is not valid for the object's storage class", extra: [][2]string{{"StorageClass", obj.StorageClass}}}
	}
	if m := r.Header.Get("If-Match"); m != "" && m != obj.etag && m != "*" {
		return &s3Error{status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold", extra: [][2]string{{"Condition", "If-Match"}}}
	}
	size := int64(len(obj.Data))
	start, end := int64(0), size-1
	status := 200
	if rg := r.Header.Get("Range"); rg != "" && !head {
		a, z, ok := parseRange(rg, size)
		if !ok {
			return &s3Error{status: 416, code: "InvalidRange", message: "The requested range is not satisfiable", extra: [][2]string{{"ActualObjectSize", strconv.FormatInt(size, 10)}, {"RangeRequested", rg}},
				header: [][2]string{{"Content-Range", fmt.Sprintf("bytes */%d", size)}}}
		}
		start, end, status = a, z, 206
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, z, size))
	}
	h := w.Header()
	h.Set("ETag", obj.etag)
	h.Set("Last-Modified", obj.LastModified.Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
	if obj.StorageClass != "STANDARD" {
		h.Set("x-amz-storage-class", obj.StorageClass)
	}
	w.WriteHeader(status)
	if head {
		return nil
	}
	body := obj.Data[start : end+1]
	if cutAt >= 0 && cutAt < len(body) {
		w.Write(body[:cutAt])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		// Drop the connection under the promised length.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return nil
	}
	w.Write(body)
	s.mu.Lock()
	s.served += int64(len(body))
	s.mu.Unlock()
	return nil
}

// BytesServed is the body bytes GetObject sent.
func (s *Server) BytesServed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

// admin answers the fake's own endpoints, for a process that measures
// through it (bucket names cannot start with "_"): GET /_fakes3/stats is
// the requests per operation and the bytes served, as JSON; POST
// /_fakes3/reset forgets them.
func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_fakes3/stats":
		counts := map[string]int{}
		for _, c := range s.Calls() {
			counts[c.Op]++
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"requests": counts, "get_object_bytes": s.BytesServed()})
	case "/_fakes3/reset":
		s.mu.Lock()
		s.calls, s.served = nil, 0
		s.mu.Unlock()
	default:
		http.NotFound(w, r)
	}
}

// parseRange reads one "bytes=a-b", "bytes=a-" or "bytes=-n" range.
func parseRange(v string, size int64) (start, end int64, ok bool) {
	spec, found := strings.CutPrefix(v, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, z, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	if a == "" {
		n, err := strconv.ParseInt(z, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return 0, 0, false
		}
		return max(size-n, 0), size - 1, true
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 || start >= size {
		return 0, 0, false
	}
	end = size - 1
	if z != "" {
		e, err := strconv.ParseInt(z, 10, 64)
		if err != nil || e < start {
			return 0, 0, false
		}
		end = min(e, size-1)
	}
	return start, end, true
}

func writeXML(w io.Writer, v any) *s3Error {
	if err := xml.NewEncoder(w).Encode(v); err != nil {
		return &s3Error{status: 500, code: "InternalError", message: err.Error()}
	}
	return nil
}

// writeError writes S3's error document.
func writeError(w http.ResponseWriter, e *s3Error) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.status)
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Error><Code>")
	xml.EscapeText(&b, []byte(e.code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(e.message))
	b.WriteString("</Message>")
	for _, kv := range e.extra {
		fmt.Fprintf(&b, "<%s>", kv[0])
		xml.EscapeText(&b, []byte(kv[1]))
		fmt.Fprintf(&b, "</%s>", kv[0])
	}
	b.WriteString("<RequestId>FAKE</RequestId><HostId>fakes3</HostId></Error>")
	io.WriteString(w, b.String())
}

// Object returns a stored object's bytes (nil when there is none).
func (s *Server) Object(bucketName, key string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[bucketName]; b != nil && b.objects[key] != nil {
		return append([]byte(nil), b.objects[key].Data...)
	}
	return nil
}

// LastModified is a stored object's time (zero when there is none).
func (s *Server) LastModified(bucketName, key string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[bucketName]; b != nil && b.objects[key] != nil {
		return b.objects[key].LastModified
	}
	return time.Time{}
}
