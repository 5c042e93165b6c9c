package fakeaws

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, s *Server, target, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(body))
	if target != "" {
		req.Header.Set("X-Amz-Target", "Logs_20140328."+target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func loaded(t *testing.T, opt Options) *Server {
	t.Helper()
	s := New(opt)
	t.Cleanup(s.Close)
	if err := s.LoadDir("../../testdata/demo"); err != nil {
		t.Fatal(err)
	}
	return s
}

// Wire details the SDK depends on: JSON errors with __type, EC2 XML errors,
// inclusive FilterLogEvents end times, GetLogEvents's repeated end token,
// and StartQuery's seconds.
func TestWireFormats(t *testing.T) {
	s := loaded(t, Options{})
	code, body := post(t, s, "DescribeLogStreams", `{"logGroupName":"nope"}`)
	var e map[string]string
	json.Unmarshal([]byte(body), &e)
	if code != 400 || !strings.HasSuffix(e["__type"], "ResourceNotFoundException") || e["message"] == "" {
		t.Errorf("missing group: %d %s", code, body)
	}
	code, body = post(t, s, "", url.Values{"Action": {"DescribeVpnConnections"}, "Version": {"2016-11-15"}, "VpnConnectionId.1": {"vpn-0000000000000000f"}}.Encode())
	if code != 400 || !strings.Contains(body, "<Code>InvalidVpnConnectionID.NotFound</Code>") {
		t.Errorf("unknown vpn: %d %s", code, body)
	}
	code, body = post(t, s, "", url.Values{"Action": {"DescribeVpnConnections"}, "Filter.1.Name": {"state"}, "Filter.1.Value.1": {"available"}}.Encode())
	if code != 200 || strings.Count(body, "<vpnConnectionId>") != 3 || !strings.Contains(body, "<tunnelOptionSet><item>") || !strings.Contains(body, "<cloudWatchLogOptions>") {
		t.Errorf("describe: %d %.300s", code, body)
	}
	const stream = "vpn-0a1b2c3d4e5f60718_203.0.113.10-IKE.log"
	first := int64(1781222671000) // the stream's first record
	_, body = post(t, s, "FilterLogEvents", `{"logGroupName":"/aws/vendedlogs/vpn/hq","logStreamNames":["`+stream+`"],"startTime":0,"endTime":1781222671000}`)
	if !strings.Contains(body, `"timestamp":1781222671000`) {
		t.Errorf("endTime must be inclusive: %s", body)
	}
	_, body = post(t, s, "GetLogEvents", `{"logGroupName":"/aws/vendedlogs/vpn/hq","logStreamName":"`+stream+`","startFromHead":true,"endTime":1781222671000}`)
	if strings.Contains(body, `"timestamp":1781222671000`) {
		t.Errorf("GetLogEvents endTime must be exclusive: %s", body)
	}
	var gl struct{ NextForwardToken string }
	json.Unmarshal([]byte(body), &gl)
	_, again := post(t, s, "GetLogEvents", `{"logGroupName":"/aws/vendedlogs/vpn/hq","logStreamName":"`+stream+`","startFromHead":true,"endTime":1781222671000,"nextToken":"`+gl.NextForwardToken+`"}`)
	var gl2 struct{ NextForwardToken string }
	json.Unmarshal([]byte(again), &gl2)
	if gl2.NextForwardToken != gl.NextForwardToken {
		t.Errorf("at the end the forward token must repeat: %q then %q", gl.NextForwardToken, gl2.NextForwardToken)
	}
	code, body = post(t, s, "StartQuery", `{"logGroupNames":["/aws/vendedlogs/vpn/hq"],"startTime":`+itoa(first)+`,"endTime":`+itoa(first+1000)+`,"queryString":"fields @message | limit 5"}`)
	if code != 400 || !strings.Contains(body, "milliseconds") {
		t.Errorf("milliseconds in StartQuery: %d %s", code, body)
	}
	code, body = post(t, s, "StartQuery", `{"logGroupNames":["/aws/vendedlogs/vpn/hq"],"startTime":1,"endTime":2,"queryString":"fields @message | dedup @message"}`)
	if code != 400 || !strings.Contains(body, "MalformedQueryException") {
		t.Errorf("unsupported query: %d %s", code, body)
	}
	code, body = post(t, s, "PutLogEvents", `{}`)
	if code != 400 || !strings.Contains(body, "UnknownOperationException") {
		t.Errorf("write operation: %d %s", code, body)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Throttling at a set rate, faults on chosen calls, latency.
func TestFaultInjection(t *testing.T) {
	s := loaded(t, Options{Throttle: map[string]float64{"DescribeLogStreams": 2}, OpLatency: map[string]time.Duration{"GetLogEvents": 30 * time.Millisecond}})
	throttled := 0
	for range 6 {
		if code, body := post(t, s, "DescribeLogStreams", `{"logGroupName":"/aws/vendedlogs/vpn/hq"}`); code == 400 && strings.Contains(body, "ThrottlingException") {
			throttled++
		}
	}
	if throttled != 4 {
		t.Errorf("%d of 6 immediate calls throttled at 2/s, want 4", throttled)
	}
	f := s.AddFault(Fault{Op: "FilterLogEvents", Code: "ServiceUnavailableException", Status: 503, After: 1, Times: 1})
	codes := []int{}
	for range 3 {
		c, _ := post(t, s, "FilterLogEvents", `{"logGroupName":"/aws/vendedlogs/vpn/hq"}`)
		codes = append(codes, c)
	}
	if codes[0] != 200 || codes[1] != 503 || codes[2] != 200 || s.Fired(f) != 1 {
		t.Errorf("fault after 1, once: codes %v, fired %d", codes, s.Fired(f))
	}
	t0 := time.Now()
	post(t, s, "GetLogEvents", `{"logGroupName":"/aws/vendedlogs/vpn/hq","logStreamName":"vpn-0a1b2c3d4e5f60718_203.0.113.10-IKE.log"}`)
	if d := time.Since(t0); d < 30*time.Millisecond {
		t.Errorf("latency %s, want at least 30ms", d)
	}
	if got := s.Operations(); strings.Join(got, ",") != "logs:DescribeLogStreams,logs:FilterLogEvents,logs:GetLogEvents" {
		t.Errorf("operations %v", got)
	}
}

// With AccessKeyID set the fake answers only requests signed with that key
// for its region, as AWS refuses an unknown key; every call records who
// signed it.
func TestSignerCheck(t *testing.T) {
	s := loaded(t, Options{AccessKeyID: "AKIDGOOD"})
	send := func(target, body, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(body))
		if target != "" {
			req.Header.Set("X-Amz-Target", "Logs_20140328."+target)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	sig := func(key, region, service string) string {
		return "AWS4-HMAC-SHA256 Credential=" + key + "/20260612/" + region + "/" + service + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
	}
	ec2 := url.Values{"Action": {"DescribeVpnConnections"}}.Encode()
	for _, c := range []struct {
		name, target, body, auth string
		status                   int
		code                     string
	}{
		{"logs, right key and region", "DescribeLogStreams", `{"logGroupName":"/aws/vendedlogs/vpn/hq"}`, sig("AKIDGOOD", "eu-central-1", "logs"), 200, ""},
		{"logs, unsigned", "DescribeLogStreams", `{"logGroupName":"/aws/vendedlogs/vpn/hq"}`, "", 400, "UnrecognizedClientException"},
		{"logs, other key", "DescribeLogStreams", `{"logGroupName":"/aws/vendedlogs/vpn/hq"}`, sig("AKIDOTHER", "eu-central-1", "logs"), 400, "UnrecognizedClientException"},
		{"logs, other region", "DescribeLogStreams", `{"logGroupName":"/aws/vendedlogs/vpn/hq"}`, sig("AKIDGOOD", "us-east-1", "logs"), 400, "InvalidSignatureException"},
		{"ec2, right key and region", "", ec2, sig("AKIDGOOD", "eu-central-1", "ec2"), 200, ""},
		{"ec2, other key", "", ec2, sig("AKIDOTHER", "eu-central-1", "ec2"), 401, "AuthFailure"},
		{"ec2, other region", "", ec2, sig("AKIDGOOD", "us-west-2", "ec2"), 401, "AuthFailure"},
	} {
		code, body := send(c.target, c.body, c.auth)
		if code != c.status || c.code != "" && !strings.Contains(body, c.code) {
			t.Errorf("%s: %d %.200s, want %d %s", c.name, code, body, c.status, c.code)
		}
	}
	calls := s.Calls()
	if len(calls) != 7 || calls[0].AccessKeyID != "AKIDGOOD" || calls[0].SigningRegion != "eu-central-1" || calls[1].AccessKeyID != "" || calls[3].SigningRegion != "us-east-1" {
		t.Errorf("recorded signers: %+v", calls)
	}
}
